"""Shingles: keyed fingerprints of runs of words, to find the same words in other documents
without keeping the words (redact.consistency keeps them on disk).

Words are cut as redact.echoes cuts them (case and punctuation aside). Every run of ``size``
words gets an internal 64-bit hash (fast, never stored); a winnowing window keeps the least of
every ``window`` consecutive runs (MOSS's winnowing: any run of ``size + window - 1`` words that
two texts share is kept in both, shorter shared runs usually); and each kept run is stored as a
keyed BLAKE2b hash of its internal hash under the case's secret (BLAKE2's keyed mode is a MAC,
like HMAC). Without the secret the fingerprints are numbers that test nothing; with it, one can
test a guessed run of words, as one could with the documents themselves.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .errors import InputError

_WORD = re.compile(r"[^\W_]+")
SIZE = 8  # words in a run (the echoes' default)
WINDOW = 4  # runs in a winnowing window: shared runs of SIZE + WINDOW - 1 words are always found
KEY_BYTES = 32

# Odd 64-bit multipliers, one per position in a run: the run's hash depends on word order.
_MULTIPLIERS = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                         0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9,
                         0x8CB92BA72F3D8DD7, 0xA24BAED4963EE407, 0x9FB21C651E98DF25, 0xD3A2646C7C8A3E51],
                        dtype=np.uint64)
MAX_SIZE = len(_MULTIPLIERS)

Hashes = npt.NDArray[np.uint64]


def load_or_create_key(path: Path) -> bytes:
    """The case's secret: read from ``path``, or made (random, readable by the owner only)."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = os.urandom(KEY_BYTES)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:  # made by another process meanwhile: use that one
            return load_or_create_key(path)
        with os.fdopen(fd, "wb") as stream:
            stream.write(key)
            stream.flush()
            os.fsync(stream.fileno())
        return key
    if len(key) != KEY_BYTES:
        raise InputError(f"the index key is {len(key)} bytes, not {KEY_BYTES}: not a redact index key",
                         path=str(path))
    return key


@lru_cache(maxsize=1 << 18)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _run_hashes(word_hashes: Hashes, size: int) -> Hashes:
    """The internal hash of every run of ``size`` words (mixed so that its least value is random)."""
    count = len(word_hashes) - size + 1
    runs = np.zeros(count, dtype=np.uint64)
    for offset in range(size):
        runs += word_hashes[offset:offset + count] * _MULTIPLIERS[offset]
    runs ^= runs >> np.uint64(31)  # a 64-bit finaliser (splitmix64's): high bits depend on all bits
    runs *= np.uint64(0xBF58476D1CE4E5B9)
    runs ^= runs >> np.uint64(27)
    runs *= np.uint64(0x94D049BB133111EB)
    runs ^= runs >> np.uint64(31)
    return runs


def _winnowed(runs: Hashes, window: int) -> npt.NDArray[np.intp]:
    """The positions winnowing keeps: the least hash of every window of ``window`` runs."""
    if len(runs) <= window:
        return np.array([int(np.argmin(runs))], dtype=np.intp)
    views = np.lib.stride_tricks.sliding_window_view(runs, window)
    return np.unique(views.argmin(axis=1) + np.arange(len(views)))


def fingerprints(text: str, key: bytes, size: int = SIZE, window: int = WINDOW) -> Hashes:
    """The keyed fingerprints of a text's runs of ``size`` words (none for a shorter text)."""
    return portion_fingerprints([text], key, size, window)[0]


def portion_fingerprints(texts: Sequence[str], key: bytes, size: int = SIZE,
                         window: int = WINDOW) -> list[Hashes]:
    """Each text's keyed fingerprints; a run never spans two texts."""
    if not 1 <= size <= MAX_SIZE:
        raise ValueError(f"a run is 1 to {MAX_SIZE} words")
    found: list[Hashes] = []
    for text in texts:
        tokens = words(text)
        if len(tokens) < size:
            found.append(np.zeros(0, dtype=np.uint64))
            continue
        word_hashes = np.fromiter((_word_hash(w) for w in tokens), dtype=np.uint64, count=len(tokens))
        runs = _run_hashes(word_hashes, size)
        kept = runs[_winnowed(runs, window)]
        found.append(_keyed(kept, key))
    return found


def _keyed(values: Hashes, key: bytes) -> Hashes:
    raw = values.astype("<u8").tobytes()
    digests = b"".join(hashlib.blake2b(raw[i:i + 8], key=key, digest_size=8).digest()
                       for i in range(0, len(raw), 8))
    return np.frombuffer(digests, dtype="<u8").astype(np.uint64)
