"""Fuzz target: the policy loader (YAML, validation). Only PolicyError may come out of it.

    python tests/fuzz/fuzz_policy.py -max_total_time=30 -seed=1 CORPUS_DIR
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports(include=["redact", "ruamel", "pydantic"]):
    from redact.errors import PolicyError
    from redact.policy import validate_policy_bytes


def check(data: bytes) -> None:
    try:
        validate_policy_bytes(data, "<fuzz>")
    except PolicyError as error:
        assert error.path == "<fuzz>"


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
