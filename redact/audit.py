"""Audit: an append-only, hash-chained JSON Lines log of every decision.

Each record carries ``prev`` (the hash of the record before it, or 64 zeros)
and ``hash``: SHA-256 over the RFC 8785 canonical JSON of the record without
its own hash. Records never contain document text, withheld or not, nor a
hash of withheld text: only positions, markings, labels and rule ids.
Appends take an exclusive file lock and are flushed and fsynced one by one.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import rfc8785
from filelock import FileLock

from .errors import AuditError

GENESIS = "0" * 64


def record_hash(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def _last_hash(path: Path) -> str:
    """The hash of the last complete record, reading only the end of the file."""
    if not path.exists() or path.stat().st_size == 0:
        return GENESIS
    with path.open("rb") as handle:
        size = handle.seek(0, os.SEEK_END)
        block = 4096
        data = b""
        while True:
            start = max(0, size - block)
            handle.seek(start)
            data = handle.read(size - start)
            lines = data.split(b"\n")
            complete = [line for line in lines[:-1] if line.strip()] if not data.endswith(b"\n") \
                else [line for line in lines if line.strip()]
            if complete or start == 0:
                break
            block *= 4
    if not data.endswith(b"\n"):
        raise AuditError("the audit log ends in an incomplete record (a crashed run?); "
                         "run `redact audit verify` and repair it before appending", path=str(path))
    if not complete:
        return GENESIS
    try:
        return str(json.loads(complete[-1])["hash"])
    except (ValueError, KeyError):
        raise AuditError("the last record of the audit log cannot be read", path=str(path)) from None


class AuditLog:
    """Appends records to one log file; use as ``with AuditLog(path).session() as log``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.head = GENESIS
        self.count = 0

    @contextmanager
    def session(self) -> Iterator[AuditLog]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.path) + ".lock"):
            self.head = _last_hash(self.path)
            yield self

    def append(self, record: dict[str, Any]) -> str:
        record = {**record, "prev": self.head}
        record["hash"] = record_hash(record)
        line = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            os.write(fd, line.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        self.head = record["hash"]
        self.count += 1
        return self.head


@dataclass(frozen=True)
class Verification:
    records: int
    head: str
    errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def verify_log(path: Path, head: str | None = None) -> Verification:
    """Recompute the chain; report the first broken record by line number."""
    errors: list[str] = []
    previous = GENESIS
    count = 0
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise AuditError(f"cannot read the audit log: {error.strerror}", path=str(path)) from None
    lines = raw.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    elif lines:
        errors.append(f"{path}:{len(lines)}: the last record is incomplete (the run stopped while "
                      f"writing it); the log verifies up to line {len(lines) - 1}")
        lines.pop()
    seen_head = head is None
    for number, line in enumerate(lines, start=1):
        try:
            record = json.loads(line)
        except ValueError:
            errors.append(f"{path}:{number}: not a JSON record")
            break
        if not isinstance(record, dict) or "hash" not in record or "prev" not in record:
            errors.append(f"{path}:{number}: not an audit record")
            break
        if record["prev"] != previous:
            errors.append(f"{path}:{number}: the chain is broken here (a record before it was "
                          "removed, inserted or reordered)")
            break
        if record_hash(record) != record["hash"]:
            errors.append(f"{path}:{number}: the record was edited (its hash does not match)")
            break
        previous = record["hash"]
        count += 1
        if head is not None and previous == head:
            seen_head = True
    if not seen_head:
        errors.append(f"{path}: the log does not reach the head hash {head[:16]}... "
                      "(records were cut from its end)" if head else "")
    return Verification(count, previous, tuple(e for e in errors if e))


def read_records(path: Path) -> list[dict[str, Any]]:
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            try:
                records.append(json.loads(line))
            except ValueError:
                break
    return records
