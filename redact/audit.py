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
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock

from . import canonical
from .errors import AuditError

GENESIS = "0" * 64


def record_hash(record: dict[str, Any]) -> str:
    body = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical.dumps(body)).hexdigest()


# A document's records are appended as one block ending in its "document"
# record; a block cut short by a crash is dropped at the next append.
COMMIT_TYPES = frozenset({"run-start", "run-end", "document", "document-failed", "recovery", "consistency"})
_TAIL = 1 << 20
_FIRST_LOOK = 1 << 16  # a block's commit record is nearly always in the last 64 KiB


def _tail_lines(path: Path, window: int = _TAIL) -> tuple[int, list[bytes]]:
    """The offset where the last window of the file starts, and its lines (the first may be partial)."""
    size = path.stat().st_size
    start = max(0, size - window)
    with path.open("rb") as handle:
        handle.seek(start)
        data = handle.read()
    return start, data.split(b"\n")


def _recover(path: Path) -> tuple[str, dict[str, Any] | None]:
    """The hash of the last committed record; a torn block after it is cut off (and reported).
    The last 64 KiB are read first, the last MiB only when they hold no committed record."""
    if not path.exists() or path.stat().st_size == 0:
        return GENESIS, None
    found = _last_commit(path, _FIRST_LOOK)
    if found is None:
        found = _last_commit(path, _TAIL)
    if found is None:
        raise AuditError("the audit log has no committed record in its last MiB; "
                         "run `redact audit verify` on it", path=str(path))
    last_hash, position, end = found
    dropped = end - position
    if dropped == 0:
        return last_hash, None
    with path.open("r+b") as handle:
        handle.truncate(position)
        os.fsync(handle.fileno())
    return last_hash, {"type": "recovery", "dropped_bytes": dropped,
                       "reason": "records of an interrupted run that were never committed"}


def _last_commit(path: Path, window: int) -> tuple[str, int, int] | None:
    """In the last window of the log: the hash of the last committed record, the offset just after
    it and the file's end; None when the window holds none (a whole file without one gives the
    genesis hash at offset 0)."""
    start, lines = _tail_lines(path, window)
    offset = start + sum(len(line) + 1 for line in lines[:-1])  # end of the last complete line
    torn = len(lines[-1])
    complete = lines[:-1]
    if start > 0 and complete:
        offset_first = start + len(complete[0]) + 1
        complete = complete[1:]  # the first line of the window may be partial
    else:
        offset_first = start
    position = offset
    last_hash = None
    for line in reversed(complete):
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict) and record.get("type") in COMMIT_TYPES and "hash" in record:
            last_hash = str(record["hash"])
            break
        position -= len(line) + 1
    if last_hash is None:
        if position > offset_first or start > 0:
            return None
        last_hash, position = GENESIS, 0
    return last_hash, position, offset + torn


def _line(record: dict[str, Any]) -> bytes:
    return (json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n").encode()


# Encoding records is most of the cost of a log; a worker encodes them ahead of the chain, with
# stand-ins for "prev" and "hash", and the writer puts the real values in, byte for byte. Keys
# sort the same whatever the values, and both values are plain ASCII, so the result is exactly
# what encoding the chained record would give.
_PREV_VALUE, _HASH_VALUE = "?" * 64, "!" * 64  # no hash is made of these characters


def _field(key: str, value: str) -> bytes:
    return f'"{key}":"{value}"'.encode()


_PREV_STAND_IN, _HASH_STAND_IN = _field("prev", _PREV_VALUE), _field("hash", _HASH_VALUE)


@dataclass(frozen=True)
class Sealed:
    """A record encoded ahead of the chain: its canonical body and its log line, with stand-ins."""

    body: bytes
    line: bytes

    def chained(self, previous: str) -> tuple[bytes, str]:
        """The log line of this record after ``previous``, and its hash."""
        prev = _field("prev", previous)
        digest = hashlib.sha256(self.body.replace(_PREV_STAND_IN, prev)).hexdigest()
        line = self.line.replace(_PREV_STAND_IN, prev).replace(_HASH_STAND_IN, _field("hash", digest))
        return line, digest


def seal(records: Iterable[dict[str, Any]]) -> tuple[Sealed, ...] | None:
    """Encode records ahead of the chain; None when one of them cannot be (the writer then
    encodes them itself): a value without a fast canonical form, or a stand-in seen twice."""
    sealed = []
    for record in records:
        body = {**record, "prev": _PREV_VALUE}
        encoded = canonical.fast_dumps(body)
        if encoded is None or encoded.count(_PREV_STAND_IN) != 1:
            return None
        line = _line({**body, "hash": _HASH_VALUE})
        if line.count(_PREV_STAND_IN) != 1 or line.count(_HASH_STAND_IN) != 1:
            return None
        sealed.append(Sealed(encoded, line))
    return tuple(sealed)


def _chained(record: dict[str, Any], previous: str) -> tuple[bytes, str]:
    record = {**record, "prev": previous}
    record["hash"] = record_hash(record)
    return _line(record), record["hash"]


class AuditLog:
    """Appends blocks of records to one log, each block under an exclusive file lock.

    The lock is held only while a block is written, so two runs can share a
    log: their blocks interleave, and the chain stays valid.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.head = GENESIS
        self.count = 0
        self.recovered = 0

    @contextmanager
    def session(self) -> Iterator[AuditLog]:
        """Kept for callers that group work; every append locks on its own."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        yield self

    def append(self, record: dict[str, Any]) -> str:
        return self.append_block([record])

    def append_block(self, records: list[dict[str, Any]], sealed: tuple[Sealed, ...] | None = None) -> str:
        """Chain and append records in one write; flushed and fsynced before returning. ``sealed``
        is the same records encoded ahead (seal()); without it they are encoded here."""
        if not records:
            return self.head
        return self.append_blocks([(records, sealed)])[-1]

    def append_blocks(self, blocks: list[tuple[list[dict[str, Any]], tuple[Sealed, ...] | None]]) -> list[str]:
        """Several documents' blocks in one write and one fsync (a group commit): the head after
        each block, in order."""
        if not any(records for records, _ in blocks):
            return [self.head for _ in blocks]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(self.path) + ".lock")
            lock.acquire()
        except OSError as error:
            raise AuditError(f"cannot open the audit log: {error.strerror}", path=str(self.path)) from None
        try:
            previous, recovery = _recover(self.path)
            chunks = []
            if recovery is not None:
                self.recovered += int(recovery["dropped_bytes"])
                line, previous = _chained(recovery, previous)
                chunks.append(line)
            heads = []
            for records, sealed in blocks:
                if sealed is not None and len(sealed) == len(records):
                    for item in sealed:
                        line, previous = item.chained(previous)
                        chunks.append(line)
                else:
                    for record in records:
                        line, previous = _chained(record, previous)
                        chunks.append(line)
                heads.append(previous)
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
                try:
                    os.write(fd, b"".join(chunks))
                    os.fsync(fd)
                finally:
                    os.close(fd)
            except OSError as error:
                raise AuditError(f"cannot append to the audit log: {error.strerror}", path=str(self.path)) from None
        finally:
            lock.release()
        self.head = previous
        self.count += len(chunks)
        return heads


@dataclass(frozen=True)
class Verification:
    records: int
    head: str
    errors: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.errors


def _chained_hash(line: bytes, previous: str) -> tuple[str | None, str]:
    """One line of the log after the record hashed ``previous``: (what is wrong, or None; its hash)."""
    try:
        record = json.loads(line)
    except ValueError:
        return "not a JSON record", previous
    if not isinstance(record, dict) or "hash" not in record or "prev" not in record:
        return "not an audit record", previous
    if record["prev"] != previous:
        return "the chain is broken here (a record before it was removed, inserted or reordered)", previous
    if record_hash(record) != record["hash"]:
        return "the record was edited (its hash does not match)", previous
    return None, str(record["hash"])


def verify_log(path: Path, head: str | None = None) -> Verification:
    """Recompute the chain; report the first broken record by line number."""
    errors: list[str] = []
    previous = GENESIS
    count = 0
    seen_head = head is None
    try:
        with path.open("rb") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.endswith(b"\n"):
                    errors.append(f"{path}:{number}: the last record is incomplete (the run stopped while "
                                  f"writing it); the log verifies up to line {number - 1}")
                    break
                problem, previous = _chained_hash(line, previous)
                if problem:
                    errors.append(f"{path}:{number}: {problem}")
                    break
                count += 1
                if head is not None and previous == head:
                    seen_head = True
    except OSError as error:
        raise AuditError(f"cannot read the audit log: {error.strerror}", path=str(path)) from None
    if not seen_head:
        errors.append(f"{path}: the log does not reach the head hash {head[:16]}... "
                      "(records were cut from its end)" if head else "")
    return Verification(count, previous, tuple(e for e in errors if e))


def iter_records(path: Path) -> Iterator[dict[str, Any]]:
    """The log's records one at a time (memory does not grow with the log), up to the first line
    that is not a record."""
    with path.open("rb") as lines:
        for line in lines:
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError:
                    return


def read_records(path: Path) -> list[dict[str, Any]]:
    return list(iter_records(path))


def verify_outputs(log: Path, out_dir: Path) -> list[str]:
    """Compare the release copies in out_dir with the hashes the log recorded for them."""
    latest: dict[str, str] = {}
    for record in iter_records(log):
        if record.get("type") == "document":
            for output in (record.get("outputs") or {}).values():
                latest[str(output["file"])] = str(output["sha256"])
    problems: list[str] = []
    for name, digest in sorted(latest.items()):
        target = out_dir / name
        if not target.is_file():
            problems.append(f"{target}: missing (the log records it)")
        elif hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            problems.append(f"{target}: changed since the run that wrote it (sha256 differs from the log)")
    return problems
