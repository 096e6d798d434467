"""The metamorphic fuzzer at scale: a table of cases run, refused and leaked.

    python benchmarks/metamorphic.py [--cases 20000] [--seed 1] [--shared ../shared]

Each case takes a real document (both cable layouts, the newsletter articles, the memo
fixtures), inserts a canary sentence behind a marking its policy must never release, at a
random place, half the time lays the document out again (narrower, reflowed, on one line,
escaped, double-spaced, no-break spaces, HTML source), and releases it (text and HTML) under
one of the four bundled policies in turn.
The canary may appear in no copy, audit record or message. See tests/metamorphic.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.metamorphic import PLACES, POLICIES, cases, documents, run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--markdown", type=Path, help="also write the table as a section of this file "
                        "(replacing the section this command wrote before), e.g. BENCHMARKS.md")
    args = parser.parse_args()
    paths = documents(args.shared)
    started = time.perf_counter()
    result = run(paths, args.cases, args.seed)
    elapsed = time.perf_counter() - started
    mix: Counter[tuple[str, str]] = Counter()
    layouts: Counter[str] = Counter()
    for case in cases(paths, args.cases, args.seed):  # (drawn again: a list of them would hold every text)
        mix[case.policy, case.place] += 1
        layouts[case.layout] += 1
    table = ["| measure | result |", "|---|---|",
             f"| documents to draw from | {len(paths)} |",
             f"| cases run (seed {args.seed}) | {result.checked} |",
             f"| places x policies covered | {len(mix)} of {len(PLACES) * len(POLICIES)} |",
             f"| layouts (as printed, or laid out again) | {', '.join(f'{n} {c}' for n, c in layouts.most_common())} |",
             f"| refused (no copy written) | {result.refused} |",
             f"| canary released | {len(result.leaks or [])} |",
             f"| time | {elapsed:.0f} s ({result.checked / elapsed:.0f} cases/s) |"]
    print("\n".join(table))
    for leak in (result.leaks or [])[:50]:
        print("LEAK", *leak)
    if args.markdown is not None:
        _write_section(args.markdown, table)
    return 1 if result.leaks else 0


SECTION = "## Metamorphic leak fuzzer"


def _write_section(path: Path, table: list[str]) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    text = text.split("\n" + SECTION)[0].rstrip("\n")
    body = [SECTION, "", f"Measured by `python benchmarks/metamorphic.py --markdown {path.name}` on "
            f"{date.today().isoformat()}: real documents with a canary sentence inserted behind a marking the "
            "policy must never release, at random places, released as text and HTML under the four bundled "
            "policies in turn (tests/metamorphic.py).", "", *table]
    path.write_text(text + "\n\n" + "\n".join(body) + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
