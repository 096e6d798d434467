"""Consistency across documents and releases: text withheld in one place and released in another.

Every document of a run leaves its portions' keyed fingerprints (redact.shingles) in an index
beside the audit log (``OUT/consistency-index/``): 64 partition files of fixed-size records
(fingerprint, document, portion, withheld or released), a ``documents.jsonl`` that names the
documents (source, id, the labels of withheld portions; never a word), and the case's secret
``key`` (readable by its owner only). Records are appended as documents finish; memory holds one
buffer, and the join reads one partition at a time, so neither grows with the archive.

The join finds fingerprints that one document withholds and another releases: a conflict, reported
by documents, portion numbers and labels. ``redact run --consistent`` then withholds the released
runs, which the pipeline finds exactly (redact.echoes) against the other document's withheld text.
A run compared with an earlier one (``--prior``) joins its index with the earlier index.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from io import FileIO
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .decide import Decisions, runs_withheld
from .echoes import find_echoes
from .errors import InputError
from .model import Document
from .shingles import Hashes, load_or_create_key, portion_fingerprints

INDEX_DIR = "consistency-index"
PARTITIONS = 64
_SHIFT = np.uint64(64 - 6)  # the top 6 bits of a fingerprint choose its partition
RECORD = np.dtype([("hash", "<u8"), ("doc", "<u4"), ("portion", "<u2"), ("withheld", "u1")])
BUFFER_RECORDS = 1 << 20  # records held before they are written out (about 15 MB)


@dataclass(frozen=True)
class Piece:
    """A portion's text as the index takes it: withheld, or a released stretch between spans."""

    portion: int
    withheld: bool
    text: str
    label: str | None = None


@dataclass(frozen=True)
class Entry:
    """One document's fingerprints, made where the document was decided (a worker)."""

    source: str
    doc_id: str
    labels: dict[str, str]  # portion number -> label, of withheld portions
    portions: npt.NDArray[np.uint16]
    withheld: npt.NDArray[np.uint8]
    hashes: Hashes


def entry_for(source: str, doc_id: str, pieces: Sequence[Piece], key: bytes) -> Entry:
    found = portion_fingerprints([p.text for p in pieces], key)
    sizes = [len(f) for f in found]
    return Entry(source, doc_id, {str(p.portion): p.label for p in pieces if p.withheld and p.label},
                 np.repeat(np.array([p.portion for p in pieces], dtype=np.uint16), sizes),
                 np.repeat(np.array([int(p.withheld) for p in pieces], dtype=np.uint8), sizes),
                 np.concatenate(found) if found else np.zeros(0, dtype=np.uint64))


@dataclass(frozen=True)
class Conflict:
    """A released portion that repeats runs of a portion withheld in another document."""

    released_doc: int
    released_portion: int
    withheld_doc: int
    withheld_portion: int
    runs: int  # fingerprints in common: at least one per shared run of enough words


class Index:
    """An index on disk (see the module's text). Write with ``add``, then ``flush``; ``close`` when
    done writing."""

    def __init__(self, folder: Path, key: bytes | None = None) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.key = load_or_create_key(folder / "key", key)
        if key is not None and key != self.key:
            raise InputError("the index already has another case's key: compare with an earlier run in a new "
                             "output directory", path=str(folder))
        self.documents_path = folder / "documents.jsonl"
        self._next = self._count_documents()
        self._buffer: list[npt.NDArray[Any]] = []
        self._buffered = 0
        self._lines: list[str] = []
        self._streams: dict[str, FileIO] = {}

    @property
    def count(self) -> int:
        """Documents entered so far (the next one's number)."""
        return self._next

    def _count_documents(self) -> int:
        if not self.documents_path.exists():
            return 0
        with self.documents_path.open("rb") as handle:
            return sum(1 for line in handle if line.strip())

    def add(self, entry: Entry) -> int:
        """A document's fingerprints; a later entry for the same source replaces the earlier one."""
        number = self._next
        self._next += 1
        self._lines.append(json.dumps({"doc": number, "source": entry.source, "doc_id": entry.doc_id,
                                       "labels": entry.labels}, sort_keys=True))
        records = np.zeros(len(entry.hashes), dtype=RECORD)
        records["hash"], records["doc"] = entry.hashes, number
        records["portion"], records["withheld"] = entry.portions, entry.withheld
        self._buffer.append(records)
        self._buffered += len(records)
        if self._buffered >= BUFFER_RECORDS:
            self.flush()
        return number

    def flush(self) -> None:
        """The documents, then their records. A run killed in between leaves documents whose
        records are missing, never records of a number the next run gives another document; the
        documents are not yet in the manifest, so the rerun redoes them and their new entries
        replace these. A line or a record torn by a kill is cut off before the next write."""
        if self._lines:
            self._write(self.documents_path.name, "".join(line + "\n" for line in self._lines).encode())
            self._lines = []
        if not self._buffer:
            return
        records = np.concatenate(self._buffer)
        self._buffer, self._buffered = [], 0
        part = (records["hash"] >> _SHIFT).astype(np.uint8)
        order = np.argsort(part, kind="stable")  # a radix sort, for bytes
        records, part = records[order], part[order]
        bounds = np.searchsorted(part, np.arange(PARTITIONS + 1))
        for number in range(PARTITIONS):
            chunk = records[bounds[number]:bounds[number + 1]]
            if len(chunk):
                self._write(f"part-{number:02d}.bin", chunk.tobytes())

    def _write(self, name: str, data: bytes) -> None:
        """Append ``data`` to one of the index's files, through a handle kept open until ``close``
        (a run flushes at every group commit, which opened and closed 64 files each time). When a
        file is opened, what a kill tore is mended first: a partition loses its torn record, and the
        documents' torn line gets a line break of its own (it stays unreadable, and alone)."""
        stream = self._streams.get(name)
        if stream is None:
            path = self.folder / name
            stream = self._streams[name] = path.open("ab", buffering=0)  # unbuffered: no copy for a forked worker
            size = stream.tell()
            if path.suffix == ".bin" and size % RECORD.itemsize:
                stream.truncate(size - size % RECORD.itemsize)
            elif path.suffix == ".jsonl" and size and _last_byte(path) != b"\n":
                stream.write(b"\n")
        rest = memoryview(data)
        while rest:  # an unbuffered write may take fewer bytes than it is given
            rest = rest[stream.write(rest):]

    def close(self) -> None:
        """Close the files ``flush`` keeps open (the index stays usable: they reopen when needed)."""
        for stream in self._streams.values():
            stream.close()
        self._streams.clear()

    # -- reading -----------------------------------------------------------------

    def _entries(self) -> Iterator[dict[str, Any]]:
        if not self.documents_path.exists():
            return
        with self.documents_path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    yield json.loads(line)
                except ValueError:
                    continue  # a line cut short by a crash: its records are ignored with it

    def current(self, before: int | None = None) -> set[int]:
        """The number of every source's current entry (the last one written; of those numbered below
        ``before``: the index as an earlier run left it). Sources and numbers only: an archive's
        entries with their labels would not fit in memory."""
        latest: dict[str, int] = {}
        for entry in self._entries():
            if before is None or entry["doc"] < before:
                latest[entry["source"]] = entry["doc"]
        return set(latest.values())

    def entries(self, numbers: set[int]) -> dict[int, dict[str, Any]]:
        """The entries (source, document id, labels) of these documents."""
        return {entry["doc"]: entry for entry in self._entries() if entry["doc"] in numbers}

    def partition(self, number: int, current: npt.NDArray[np.bool_]) -> npt.NDArray[Any]:
        path = self.folder / f"part-{number:02d}.bin"
        if not path.exists():
            return np.zeros(0, dtype=RECORD)
        data = path.read_bytes()
        records = np.frombuffer(data[:len(data) - len(data) % RECORD.itemsize], dtype=RECORD)
        docs = records["doc"].astype(np.intp)
        keep = docs < len(current)
        keep[keep] = current[docs[keep]]
        return records[keep]


def _last_byte(path: Path) -> bytes:
    with path.open("rb") as stream:
        stream.seek(-1, os.SEEK_END)
        return stream.read(1)


def _current_mask(documents: set[int]) -> npt.NDArray[np.bool_]:
    mask = np.zeros(max(documents, default=-1) + 1, dtype=bool)
    mask[list(documents)] = True
    return mask


@dataclass(frozen=True)
class View:
    """An index as it stands, or as an earlier run left it (its documents numbered below ``before``)."""

    index: Index
    before: int | None = None

    def current(self) -> set[int]:
        return self.index.current(self.before)


PAIR = np.dtype([("released_doc", "<u4"), ("released_portion", "<u2"), ("withheld_doc", "<u4"),
                 ("withheld_portion", "<u2")])


def _pairs(released: npt.NDArray[Any], withheld: npt.NDArray[Any], same_index: bool,
           holders: int) -> npt.NDArray[Any]:
    """A PAIR for every fingerprint a released record and a withheld record both hold (a run
    printed in very many documents is boilerplate: its first ``holders`` withholders stand for all)."""
    # Each released record's withholders are a run of the withheld records sorted by fingerprint
    # (stable: among equal fingerprints, in the order written); a record nobody withholds has none.
    withheld = withheld[np.argsort(withheld["hash"], kind="stable")]
    starts = np.searchsorted(withheld["hash"], released["hash"], side="left")
    counts = np.minimum(np.searchsorted(withheld["hash"], released["hash"], side="right") - starts, holders)
    firsts = np.repeat(starts, counts)
    partner = withheld[firsts + np.arange(len(firsts)) - np.repeat(np.cumsum(counts) - counts, counts)]
    mine = np.repeat(released, counts)
    pairs = np.zeros(len(firsts), dtype=PAIR)
    pairs["released_doc"], pairs["released_portion"] = mine["doc"], mine["portion"]
    pairs["withheld_doc"], pairs["withheld_portion"] = partner["doc"], partner["portion"]
    if same_index:  # inside one document: an echo (redact.echoes), not a conflict
        pairs = pairs[pairs["released_doc"] != pairs["withheld_doc"]]
    return pairs


def _counted(pairs: npt.NDArray[Any], runs: npt.NDArray[np.int64]) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64]]:
    """Equal pairs joined, their runs added."""
    unique, inverse = np.unique(pairs, return_inverse=True)
    return unique, np.bincount(inverse.ravel(), weights=runs, minlength=len(unique)).astype(np.int64)


def conflicts(released_in: View, withheld_in: View, holders: int = 50, partners: int = 20) -> list[Conflict]:
    """Portions released in ``released_in`` that repeat portions withheld in ``withheld_in`` (the
    same view for a batch; this run's and an earlier one's to compare releases): for each released
    portion, the ``partners`` withheld portions it repeats most. One partition is read at a time;
    what is kept is the pairs found (numpy arrays, 12 bytes a pair)."""
    same = released_in.index.folder.resolve() == withheld_in.index.folder.resolve() and \
        released_in.before == withheld_in.before
    released_mask = _current_mask(released_in.current())
    withheld_mask = released_mask if same else _current_mask(withheld_in.current())
    pairs, runs = np.zeros(0, dtype=PAIR), np.zeros(0, dtype=np.int64)
    for number in range(PARTITIONS):
        mine = released_in.index.partition(number, released_mask)
        theirs = mine if same else withheld_in.index.partition(number, withheld_mask)
        found = _pairs(mine[mine["withheld"] == 0], theirs[theirs["withheld"] == 1], same, holders)
        if len(found):
            pairs, runs = _counted(np.concatenate([pairs, found]),
                                   np.concatenate([runs, np.ones(len(found), dtype=np.int64)]))
    order = np.lexsort((-runs, pairs["released_portion"], pairs["released_doc"]))
    pairs, runs = pairs[order], runs[order]
    group = np.stack([pairs["released_doc"].astype(np.int64), pairs["released_portion"].astype(np.int64)], axis=1)
    first = np.ones(len(pairs), dtype=bool)
    first[1:] = (group[1:] != group[:-1]).any(axis=1)
    rank = np.arange(len(pairs)) - np.maximum.accumulate(np.where(first, np.arange(len(pairs)), 0))
    keep = rank < partners
    return [Conflict(int(p["released_doc"]), int(p["released_portion"]), int(p["withheld_doc"]),
                     int(p["withheld_portion"]), int(r)) for p, r in zip(pairs[keep], runs[keep], strict=True)]


def describe(found: Sequence[Conflict], released_in: View, withheld_in: View) -> list[dict[str, Any]]:
    """Conflicts as a report lists them: sources, document ids, portion numbers, labels; no words."""
    mine = released_in.index.entries({c.released_doc for c in found})
    theirs = withheld_in.index.entries({c.withheld_doc for c in found})
    rows = []
    for conflict in found:
        released, withheld = mine[conflict.released_doc], theirs[conflict.withheld_doc]
        rows.append({
            "released": {"source": released["source"], "doc_id": released["doc_id"],
                         "portion": conflict.released_portion},
            "withheld": {"source": withheld["source"], "doc_id": withheld["doc_id"],
                         "portion": conflict.withheld_portion,
                         "label": withheld["labels"].get(str(conflict.withheld_portion))},
            "runs": conflict.runs,
        })
    return rows


def pieces_of(texts: Sequence[str], withheld: Sequence[bool], labels: Sequence[str | None],
              spans: Sequence[Sequence[tuple[int, int]]]) -> list[Piece]:
    """A document's portions as the index takes them: a withheld portion whole, a released one as
    the stretches between its withheld spans (a run of words never spans a withheld span)."""
    pieces: list[Piece] = []
    for index, (text, held, label, cuts) in enumerate(zip(texts, withheld, labels, spans, strict=True)):
        if held:
            pieces.append(Piece(index, True, text, label))
            continue
        at = 0
        for start, end in sorted(cuts):
            pieces.append(Piece(index, False, text[at:start]))
            at = max(at, end)
        pieces.append(Piece(index, False, text[at:]))
    return pieces


@dataclass(frozen=True)
class Other:
    """A portion withheld in another document of the batch, whose runs a released portion repeats.
    Its text goes to the worker that redoes the releasing document, never to a file."""

    doc_id: str
    portion: int
    label: str
    text: str


def withhold_repeats(document: Document, decisions: Decisions, others: Sequence[Other],
                     size: int) -> tuple[Decisions, list[list[Any]]]:
    """Runs of ``size`` words or more of released portions that repeat another document's withheld
    text, withheld as spans under that text's label; and the rows the audit record keeps of them
    (released portion, other document, its portion, runs: no words)."""
    released = [(p.index, p.text) for p, d in zip(document.portions, decisions.portions, strict=True)
                if not d.withheld]
    found = find_echoes(released, [(n, o.text) for n, o in enumerate(others)], size)
    if not found:
        return decisions, []
    portions = runs_withheld(decisions.portions, found, lambda echo: others[echo.withheld].label, "consistency")
    rows = [[echo.released, others[echo.withheld].doc_id, others[echo.withheld].portion, len(echo.runs)]
            for echo in found]
    return replace(decisions, portions=portions), sorted(rows)


__all__ = ["INDEX_DIR", "Conflict", "Entry", "Hashes", "Index", "Other", "Piece", "View", "conflicts", "describe",
           "entry_for", "pieces_of", "withhold_repeats"]
