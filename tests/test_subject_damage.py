"""A subject title never rides out in the field above it while a trace of its SUBJECT name is
left (misprinted, or joined to the line above): real cables, damaged (tests/subject_damage.py)."""

from __future__ import annotations

import pytest

from .conftest import SHARED
from .subject_damage import DAMAGE, run

CABLEGATE = SHARED / "corpus" / "cablegate"


@pytest.mark.skipif(not CABLEGATE.is_dir(), reason="needs ../shared/corpus")
def test_damaged_subject_lines_release_no_title() -> None:
    result = run(sorted(CABLEGATE.glob("*.txt"))[::4])
    assert result.checked >= 100
    traced = {damage: result.leaked[damage] for damage, trace in DAMAGE.items() if trace}
    assert traced == dict.fromkeys(traced, 0), result.examples
    # The name lost altogether: a cable without a SUBJECT line keeps no word among its tags that
    # is no tag (on the whole corpora 4 of 1,947 titles still ride out: benchmarks/subject_damage.py).
    assert result.leaked["name-lost"] == 0
    assert result.leaked["joined-name-lost"] <= result.checked // 50
