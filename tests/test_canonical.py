"""The fast canonical JSON (redact.canonical) is byte-equal to the reference RFC 8785 library: on
generated values of every JSON type, and on every audit record the corpora produce."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import canonical
from redact.batch import run
from redact.pipeline import Options

from .conftest import AS_OF

_KEYS = st.text(max_size=6) | st.sampled_from(["a", "b", "\ud7ff", "\ue000", "\U0001f600", "é", "A", ""])
_SCALARS = (st.none() | st.booleans() | st.integers(min_value=-(2**60), max_value=2**60)
            | st.floats(allow_nan=True, allow_infinity=True) | st.text())
_VALUES = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                       | st.dictionaries(_KEYS, inner, max_size=4), max_leaves=20)


def _reference(value: Any) -> bytes | None:
    try:
        return rfc8785.dumps(value)  # type: ignore[no-any-return]
    except (rfc8785.CanonicalizationError, ValueError, TypeError):
        return None


def _ours(value: Any) -> bytes | None:
    try:
        return canonical.dumps(value)
    except (rfc8785.CanonicalizationError, ValueError, TypeError):
        return None


@settings(max_examples=3000, deadline=None)
@given(_VALUES)
def test_generated_values_encode_as_the_reference_does(value: Any) -> None:
    assert _ours(value) == _reference(value)


@pytest.mark.parametrize("text", ["\x00\x1f\x7f\b\f\n\r\t\"\\", "\u2028\u2029", "\ud800", "é\U0001f600"])
def test_strings_that_need_escapes_or_cannot_be_encoded(text: str) -> None:
    assert _ours({text: text, "k": [text]}) == _reference({text: text, "k": [text]})


def test_keys_sorted_by_utf16_code_units() -> None:
    value = {"\ue000": 1, "\U0001f600": 2, "a": 3}  # code point order differs from UTF-16 order
    assert canonical.dumps(value) == rfc8785.dumps(value)
    assert canonical.dumps(value).index("\U0001f600".encode()) < canonical.dumps(value).index("\ue000".encode())


def assert_log_records_are_canonical(log: Path) -> int:
    """Every record of an audit log, without its hash, encodes byte-equal to the reference."""
    count = 0
    with log.open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            body = {k: v for k, v in record.items() if k != "hash"}
            assert canonical.dumps(body) == rfc8785.dumps(body), record.get("type")
            count += 1
    return count


def test_every_audit_record_of_cablegate_and_sidtoday(tmp_path: Path, corpus_dir: Path, sidtoday_dir: Path,
                                                      public_release) -> None:
    paths = [*sorted(corpus_dir.glob("*.txt")), *sorted(sidtoday_dir.glob("*.txt"))]
    result = run(paths, public_release, Options(out_dir=tmp_path, formats=("text",), as_of=AS_OF), jobs=2)
    assert result.count == len(paths)
    assert assert_log_records_are_canonical(tmp_path / "audit.jsonl") >= len(paths)
