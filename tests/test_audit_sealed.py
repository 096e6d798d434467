"""Records encoded ahead of the chain in a worker (audit.seal) give the log, byte for byte, that
encoding them in the writer gives."""

from __future__ import annotations

from pathlib import Path

from redact.audit import AuditLog, seal, verify_log


def _blocks() -> list[list[dict[str, object]]]:
    return [
        [{"type": "run-start", "policy": "p", "options": {"a": [1, 2], "b": None}}],
        [{"type": "portion", "doc_id": "X", "index": 0, "reason": 'quotes " and \\ and \n é \u2028',
          "spans": ["(b)(6)"]}, {"type": "document", "doc_id": "X", "outputs": {"html": {"sha256": "0" * 64}}}],
        [{"type": "portion", "text_hash": "?" * 64, "prev_like": '"prev":"x"'}, {"type": "document"}],
    ]


def test_sealed_records_write_the_same_log(tmp_path: Path) -> None:
    plain, sealed = AuditLog(tmp_path / "plain.jsonl"), AuditLog(tmp_path / "sealed.jsonl")
    for block in _blocks():
        encoded = seal(block)
        assert encoded is not None
        assert sealed.append_block(block, encoded) == plain.append_block(block)
    assert (tmp_path / "sealed.jsonl").read_bytes() == (tmp_path / "plain.jsonl").read_bytes()
    assert verify_log(tmp_path / "sealed.jsonl").ok


def test_records_that_cannot_be_sealed_are_encoded_by_the_writer(tmp_path: Path) -> None:
    assert seal([{"type": "run-end", "duration_s": 1.5}]) is None  # a float: only the reference encodes it
    assert seal([{"type": "x", "nested": {"prev": "?" * 64}}]) is None  # a stand-in seen twice
    log = AuditLog(tmp_path / "a.jsonl")
    log.append_block([{"type": "run-end", "duration_s": 1.5}], None)
    assert verify_log(tmp_path / "a.jsonl").ok
