"""The consistency index at archive scale: a synthetic corpus the size of Cablegate (251,287 cables)
made from the shared cables, replicated with perturbation, through the index redact run builds.

    .venv/bin/python benchmarks/consistency.py [--documents 250000] [--jobs 2] [--output BENCHMARKS-consistency.md]

Each synthetic cable is a shared cable (cablegate and mirror, decided under public-release) with a
fifth of its words replaced by random words, and with one withheld portion in a hundred released
instead (a planted inconsistency: its other copies withhold it). Workers make the keyed
fingerprints from the text (redact.consistency.entry_for, as redact run's workers do); this process
writes the index and joins it (redact.consistency.conflicts). Printed: build time per 1,000 cables,
join time, fingerprints and index size, peak RSS of this process and of the largest worker, how
many planted portions were found, and false positives (reported pairs with no run of 8 words in
common, checked on the text of a sample). Nothing is typed in by hand; the figures are this run's.
"""

from __future__ import annotations

import argparse
import pickle
import random
import resource
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redact import Context, decide, load_policy, parse  # noqa: E402
from redact.consistency import INDEX_DIR, RECORD, Index, Piece, View, conflicts, entry_for  # noqa: E402
from redact.echoes import find_echoes  # noqa: E402
from tests.conftest import AS_OF, SHARED  # noqa: E402

REPLACED = 0.2  # of the words of a copy
FLIPPED = 0.01  # of its withheld portions, released instead (planted)
CHUNK = 500

_BASES: list[list[tuple[str, bool, str | None]]] = []
_KEY = b""


def write_bases(target: str) -> int:
    """Every shared cable's portions (text, withheld, label under public-release), to a file: run
    in a process of its own, so that the process measured never holds them."""
    policy = load_policy("public-release")
    found = []
    for corpus in ("cablegate", "mirror"):
        for path in sorted((SHARED / "corpus" / corpus).glob("*.txt")):
            document = parse(path.read_text(encoding="utf-8", errors="replace"), source=str(path))
            decisions = decide(document, policy, Context(as_of=AS_OF))
            found.append([(p.text, d.withheld, d.label) for p, d in
                          zip(document.portions, decisions.portions, strict=True)])
    Path(target).write_bytes(pickle.dumps(found))
    return len(found)


def synthetic(number: int) -> tuple[list[Piece], list[int]]:
    """Cable ``number``: its pieces and the portions planted (released, withheld in its other copies)."""
    base = _BASES[number % len(_BASES)]
    rng = random.Random(number)
    pieces, planted = [], []
    for index, (text, withheld, label) in enumerate(base):
        copy = [w if rng.random() >= REPLACED else f"w{rng.randrange(1 << 24):x}" for w in text.split()]
        flipped = withheld and rng.random() < FLIPPED
        if flipped:
            planted.append(index)
        pieces.append(Piece(index, withheld and not flipped, " ".join(copy), label))
    return pieces, planted


def _start(bases_file: str, key: bytes) -> None:
    global _BASES, _KEY
    _BASES = pickle.loads(Path(bases_file).read_bytes())
    _KEY = key


def _chunk(first: int, last: int) -> tuple[list[Any], list[tuple[int, int]]]:
    entries, planted = [], []
    for number in range(first, last):
        pieces, flips = synthetic(number)
        entries.append(entry_for(f"synthetic/{number}", f"S{number}", pieces, _KEY))
        planted += [(number, portion) for portion in flips]
    return entries, planted


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=250_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--sample", type=int, default=300, help="reported pairs checked on their text")
    parser.add_argument("--output", type=Path, help="also write the table here (markdown)")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="redact-consistency-"))
    try:
        rows = run(options, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    table = ["| figure | value |", "|---|---|", *(f"| {name} | {value} |" for name, value in rows)]
    print("\n".join(table))
    if options.output is not None:
        options.output.write_text(
            "# The consistency index at archive scale\n\n"
            f"`python benchmarks/consistency.py --documents {options.documents} --jobs {options.jobs}` "
            "(synthetic cables made from the shared ones: a fifth of the words replaced, one withheld portion "
            "in a hundred released instead):\n\n" + "\n".join(table) + "\n", encoding="utf-8")


def run(options: argparse.Namespace, work: Path) -> list[tuple[str, str]]:
    global _BASES, _KEY
    started = time.perf_counter()
    bases_file = work / "bases.pickle"
    with ProcessPoolExecutor(1) as once:
        base_count = once.submit(write_bases, str(bases_file)).result()
    prepared = time.perf_counter() - started
    index = Index(work / INDEX_DIR)
    _KEY = index.key
    planted: set[tuple[int, int]] = set()
    started = time.perf_counter()
    bounds = [(a, min(a + CHUNK, options.documents)) for a in range(0, options.documents, CHUNK)]
    with ProcessPoolExecutor(options.jobs, initializer=_start, initargs=(str(bases_file), index.key)) as pool:
        for done, (entries, flips) in enumerate(pool.map(_chunk, *zip(*bounds, strict=True)), start=1):
            for entry in entries:
                index.add(entry)
            planted.update(flips)
            if done % 50 == 0:
                print(f"  {done * CHUNK} cables indexed, {time.perf_counter() - started:.0f} s", file=sys.stderr)
    index.flush()
    built = time.perf_counter() - started
    build_rss = _rss_mb(resource.RUSAGE_SELF)
    started = time.perf_counter()
    view = View(index)
    found = conflicts(view, view)
    joined = time.perf_counter() - started
    size = sum(p.stat().st_size for p in index.folder.iterdir())
    records = sum(p.stat().st_size for p in index.folder.glob("part-*.bin")) // RECORD.itemsize
    reported = {(c.released_doc, c.released_portion) for c in found}
    measured = _rss_mb(resource.RUSAGE_SELF)
    _BASES = pickle.loads(bases_file.read_bytes())  # for the check on the text, after the measurement
    false_positives, checked = _false_positives(found, options.sample)
    long_found, long_total, short_found, short_total = _recall(planted, reported, options)
    return [
        ("cables", f"{options.documents:,}"),
        ("base cables (parsed and decided once)", f"{base_count:,} in {prepared:.0f} s"),
        ("build: fingerprints (workers) and index writes", f"{built:.0f} s, {built / options.documents * 1000:.2f} s "
                                                           "per 1,000 cables"),
        ("fingerprints kept", f"{records:,}"),
        ("index on disk", f"{size / 2**30:.2f} GiB"),
        ("join (all conflicts of the batch)", f"{joined:.0f} s"),
        ("released portions reported", f"{len(reported):,}"),
        ("planted portions reported", f"{len(planted & reported):,} of {len(planted):,}"),
        ("sampled planted portions sharing 11+ words with a copy that withholds them: reported",
         f"{long_found} of {long_total}"),
        ("sampled planted portions sharing 8-10 words at most: reported", f"{short_found} of {short_total}"),
        ("false positives (sampled pairs with no 8-word run in common)", f"{false_positives} of {checked}"),
        ("peak RSS, the index's process (writes and join)", f"{max(build_rss, measured):.0f} MB"),
        ("peak RSS, largest worker (holds the base cables)", f"{_rss_mb(resource.RUSAGE_CHILDREN):.0f} MB"),
    ]


def _recall(planted: set[tuple[int, int]], reported: set[tuple[int, int]],
            options: argparse.Namespace) -> tuple[int, int, int, int]:
    """For a sample of planted portions, whether their text shares a run of 11 words or more (which
    winnowing always keeps) or of 8 to 10 with a copy that withholds it, checked on the text; and
    whether the join reported them."""
    picked = random.Random(1).sample(sorted(planted), min(options.sample, len(planted)))
    counts = [0, 0, 0, 0]
    for number, portion in picked:
        text = synthetic(number)[0][portion].text
        copies = range(number % len(_BASES), options.documents, len(_BASES))
        others = [(0, pieces[portion].text) for pieces in (synthetic(m)[0] for m in copies if m != number)
                  if pieces[portion].withheld]
        if find_echoes([(0, text)], others, 11):
            counts[0] += (number, portion) in reported
            counts[1] += 1
        elif find_echoes([(0, text)], others, 8):
            counts[2] += (number, portion) in reported
            counts[3] += 1
    return counts[0], counts[1], counts[2], counts[3]


def _false_positives(found: list[Any], sample: int) -> tuple[int, int]:
    """Reported pairs whose texts share no run of 8 words (the index's only error: a hash collision)."""
    picked = random.Random(0).sample(found, min(sample, len(found)))
    wrong = 0
    for conflict in picked:
        released = synthetic(conflict.released_doc)[0]
        withheld = synthetic(conflict.withheld_doc)[0]
        text = next(p.text for p in released if p.portion == conflict.released_portion)
        other = next(p.text for p in withheld if p.portion == conflict.withheld_portion)
        wrong += not find_echoes([(0, text)], [(0, other)], 8)
    return wrong, len(picked)


if __name__ == "__main__":
    main()
