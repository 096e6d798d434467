"""Subject lines damaged in real cables: how many titles reach the release copy.

    python benchmarks/subject_damage.py [--shared ../shared] [--policy public-release]

For every cable of cablegate/ and mirror/ whose SUBJECT field the policy withholds, its SUBJECT
line is damaged one way at a time (name misprinted: "UBJECT:", "SUBJFCT:"; name lost; the line
joined to the one above it, with each of those) and the cable released again as text. A row
counts the cables whose title words reached the copy. See tests/subject_damage.py.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.subject_damage import DAMAGE, run  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--policy", default="public-release")
    args = parser.parse_args()
    paths = [p for corpus in ("cablegate", "mirror") for p in sorted((args.shared / "corpus" / corpus).glob("*.txt"))]
    started = time.perf_counter()
    result = run(paths, args.policy)
    print(f"{len(paths)} cables, {result.checked} with their subject withheld under {args.policy}, "
          f"{time.perf_counter() - started:.0f} s")
    print("| damage | name's trace left | titles released | examples |")
    print("|---|---|---|---|")
    for damage, trace in DAMAGE.items():
        print(f"| {damage} | {'yes' if trace else 'no'} | {result.leaked[damage]} of {result.checked} | "
              f"{', '.join(result.examples.get(damage, []))} |")
    return 1 if any(result.leaked[d] for d, trace in DAMAGE.items() if trace) else 0


if __name__ == "__main__":
    sys.exit(main())
