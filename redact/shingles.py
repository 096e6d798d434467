"""Shingles: keyed fingerprints of runs of words, to find the same words in other documents
without keeping the words (redact.consistency keeps them on disk).

Words are cut as redact.echoes cuts them (case and punctuation aside). Every run of ``size``
words gets an internal 64-bit hash (fast, never stored); a winnowing window keeps the least of
every ``window`` consecutive runs (MOSS's winnowing: any run of ``size + window - 1`` words that
two texts share is kept in both, shorter shared runs usually); and each kept run is stored as a
keyed hash of its internal hash under the case's secret: SipHash-2-4, the keyed pseudorandom
function made for short inputs (a MAC, as HMAC is), computed for all of a text's runs at once.
Without the secret the fingerprints are numbers that test nothing; with it, one can test a
guessed run of words, as one could with the documents themselves.
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .errors import InputError
from .shapes import lower_words

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


def load_or_create_key(path: Path, new: bytes | None = None) -> bytes:
    """The case's secret: read from ``path``, or written there (``new``, an earlier index's key, or
    a random one; readable by the owner only)."""
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = new if new is not None else os.urandom(KEY_BYTES)
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


class _WordHashes(dict[str, int]):
    """Each word's internal 64-bit hash, remembered (looked up in C by map(); computed on a miss)."""

    LIMIT = 1 << 20

    def __missing__(self, word: str) -> int:
        if len(self) >= self.LIMIT:
            self.clear()  # an archive's vocabulary can outgrow any memory: start again
        value = int.from_bytes(hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                               "little")
        self[word] = value
        return value


_WORD_HASHES = _WordHashes()


words = lower_words  # cut as redact.echoes cuts them


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
    kept: npt.NDArray[np.intp] = views.argmin(axis=1) + np.arange(len(views))
    return kept[np.concatenate(([True], kept[1:] != kept[:-1]))]  # never decreasing: repeats are neighbours


def fingerprints(text: str, key: bytes, size: int = SIZE, window: int = WINDOW) -> Hashes:
    """The keyed fingerprints of a text's runs of ``size`` words (none for a shorter text)."""
    return portion_fingerprints([text], key, size, window)[0]


def portion_fingerprints(texts: Sequence[str], key: bytes, size: int = SIZE,
                         window: int = WINDOW) -> list[Hashes]:
    """Each text's keyed fingerprints; a run never spans two texts. The texts are hashed as one
    array (a document's portions at once: numpy's cost is per call, not per word)."""
    if not 1 <= size <= MAX_SIZE:
        raise ValueError(f"a run is 1 to {MAX_SIZE} words")
    tokens = [words(text) for text in texts]
    lengths = np.array([len(t) for t in tokens], dtype=np.intp)
    total = int(lengths.sum())
    if total < size:
        return [np.zeros(0, dtype=np.uint64) for _ in texts]
    word_hashes = np.fromiter(map(_WORD_HASHES.__getitem__, itertools.chain.from_iterable(tokens)),
                              dtype=np.uint64, count=total)
    runs = _run_hashes(word_hashes, size)
    owner = np.repeat(np.arange(len(texts)), lengths)  # the text of each word
    inside = owner[:len(runs)] == owner[size - 1:]  # a run's first and last word in one text
    runs[~inside] = np.uint64(2**64 - 1)  # never the least of a window that holds a real run
    kept = _winnowed(runs, window)
    kept = kept[inside[kept]]
    keyed = siphash8(runs[kept], key)
    return np.split(keyed, np.searchsorted(owner[kept], np.arange(1, len(texts))))


def _rotated(value: Hashes, bits: int) -> Hashes:
    return (value << np.uint64(bits)) | (value >> np.uint64(64 - bits))


def _sip_rounds(v: list[Hashes], rounds: int) -> None:
    for _ in range(rounds):
        v[0] += v[1]
        v[1] = _rotated(v[1], 13) ^ v[0]
        v[0] = _rotated(v[0], 32)
        v[2] += v[3]
        v[3] = _rotated(v[3], 16) ^ v[2]
        v[0] += v[3]
        v[3] = _rotated(v[3], 21) ^ v[0]
        v[2] += v[1]
        v[1] = _rotated(v[1], 17) ^ v[2]
        v[2] = _rotated(v[2], 32)


def siphash8(values: Hashes, key: bytes) -> Hashes:
    """SipHash-2-4 of each value as an 8-byte little-endian message, under the first 16 bytes of
    ``key``: the reference algorithm (Aumasson and Bernstein), all values at once."""
    k0 = np.uint64(int.from_bytes(key[:8], "little"))
    k1 = np.uint64(int.from_bytes(key[8:16], "little"))
    message = values.astype(np.uint64)
    v = [np.full(len(message), k0 ^ np.uint64(0x736F6D6570736575), dtype=np.uint64),
         np.full(len(message), k1 ^ np.uint64(0x646F72616E646F6D), dtype=np.uint64),
         np.full(len(message), k0 ^ np.uint64(0x6C7967656E657261), dtype=np.uint64),
         np.full(len(message), k1 ^ np.uint64(0x7465646279746573), dtype=np.uint64)]
    for block in (message, np.uint64(8 << 56)):  # the message, then its length in the last byte
        v[3] ^= block
        _sip_rounds(v, 2)
        v[0] ^= block
    v[2] ^= np.uint64(0xFF)
    _sip_rounds(v, 4)
    return v[0] ^ v[1] ^ v[2] ^ v[3]
