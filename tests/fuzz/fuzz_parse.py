"""Fuzz target: the document parser and the decision step (atheris, coverage-guided).

Short run (CI does this through tests/test_fuzz.py):
    python tests/fuzz/fuzz_parse.py -max_total_time=30 -seed=1 CORPUS_DIR
Long run:
    python tests/fuzz/fuzz_parse.py -max_total_time=3600 -rss_limit_mb=4096 CORPUS_DIR
A crash writes crash-<hash>; copy it to tests/fuzz/regressions/parse-<name> to keep it as a fixture.
"""

from __future__ import annotations

import sys
from datetime import date

import atheris

with atheris.instrument_imports(include=["redact", "lark"]):
    from redact import Context, decide, load_policy, parse

POLICY = load_policy("public-release")
CONTEXT = Context(as_of=date(2026, 11, 23))


def check(data: bytes) -> None:
    """Parsing never raises, and no unmarked, unrecognised or classified portion is ever released."""
    text = data.decode("utf-8", "replace")
    document = parse(text)
    decisions = decide(document, POLICY, CONTEXT)
    for portion, decision in zip(document.portions, decisions.portions, strict=True):
        if decision.withheld:
            continue
        marking = portion.effective
        if marking is None:
            assert decision.rule_id == "release-signature", "an unmarked portion was released"
        else:
            assert marking.recognised and marking.level.name == "U", "a portion above the ceiling was released"
            assert not set(marking.controls) & {"SBU", "FOUO", "LOU", "LES"}


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
