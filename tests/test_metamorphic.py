"""The metamorphic fuzzer (tests/metamorphic.py) in the suite: 500 cases with a fixed seed.

Each case is a real document with one canary sentence inserted behind a marking its policy
must never release; no case may leak. (benchmarks/metamorphic.py runs 20,000.)
"""

from __future__ import annotations

from pathlib import Path

from .conftest import SHARED, shared_corpus
from .metamorphic import documents, run

CASES = 500
SEED = 20261126


def test_no_inserted_canary_is_ever_released() -> None:
    shared_corpus("cablegate")  # skipped without the shared corpus, a failure in CI
    result = run(documents(SHARED), CASES, SEED)
    print(f"\nmetamorphic: {result.checked} cases, {result.refused} refused, {len(result.leaks or [])} leaked")
    assert result.checked == CASES
    assert result.leaks == []
    assert result.refused < CASES // 10  # refusing is allowed, but the tool must still work


def test_the_fuzzer_can_fail(tmp_path: Path) -> None:
    """The check is real: a canary inserted behind a (U) marking is released, and is found."""
    from redact import load_policy

    from .metamorphic import Case, release
    text = "SUBJECT: (U) X\n\n1. (U) CANARYKNOWN plain words.\n"
    case = Case("made", "public-release", "(U)", "own-block", "CANARYKNOWN", text)
    assert release(case, load_policy("public-release"), tmp_path) is True
