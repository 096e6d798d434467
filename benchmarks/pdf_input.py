"""PDF input on whole corpora: every cable printed to PDF in each layout (tests/pdfprint.py), its
text layer read back, parsed, and compared with the parse of the text file; and a leak scan of
every bundled policy's release of the PDF's parse against the text's printed markings.

    .venv/bin/python benchmarks/pdf_input.py [--corpus cablegate mirror] [--step 1] [--jobs 2]

Prints a table: documents, portions equal (in order, kind and level), portions read lower,
documents with a leak, and seconds. Nothing is typed in by hand; the figures are this run's.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redact import Context, load_policy, parse  # noqa: E402
from redact.pdftext import read_pdf  # noqa: E402
from tests import pdfprint  # noqa: E402
from tests.conftest import AS_OF, SHARED  # noqa: E402
from tests.leakscan import leaked_segments  # noqa: E402
from tests.test_bundled_policies import POLICIES  # noqa: E402
from tests.test_pdf_input import _lower_levels, signature  # noqa: E402


def one(task: tuple[str, str]) -> tuple[int, int, int, int]:
    """(portions expected, portions equal, portions lower, leaks) for one cable in one layout."""
    path, layout = task
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    extracted = read_pdf(getattr(pdfprint, layout)(text, Path(path).stem), path).text
    expected, found = signature(text), signature(extracted)
    matcher = difflib.SequenceMatcher(a=expected, b=found, autojunk=False)
    equal = sum(block.size for block in matcher.get_matching_blocks())
    document = parse(extracted, source=path)
    context = Context(as_of=AS_OF, audience="GBR")
    leaks = sum(len(leaked_segments(text, document, load_policy(name), context)) for name in POLICIES)
    return len(expected), equal, _lower_levels(text, extracted), leaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", nargs="+", default=["cablegate", "mirror"])
    parser.add_argument("--layouts", nargs="+", default=["printout", "webpage"])
    parser.add_argument("--step", type=int, default=1, help="every STEP-th cable (1: all)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--output", type=Path, help="also write the table here (markdown)")
    options = parser.parse_args()
    rows = ["| corpus | layout | documents | portions equal | read lower | documents with a leak | seconds |",
            "|---|---|---|---|---|---|---|"]
    print("\n".join(rows), flush=True)
    for corpus in options.corpus:
        files = sorted((SHARED / "corpus" / corpus).glob("*.txt"))[::options.step]
        for layout in options.layouts:
            started = time.perf_counter()
            with ProcessPoolExecutor(options.jobs) as pool:
                results = list(pool.map(one, [(str(f), layout) for f in files], chunksize=8))
            expected = sum(r[0] for r in results)
            equal = sum(r[1] for r in results)
            lower = sum(r[2] for r in results)
            leaks = sum(1 for r in results if r[3])
            rows.append(f"| {corpus} | {layout} | {len(files)} | {equal}/{expected} ({equal / max(1, expected):.2%}) "
                        f"| {lower} | {leaks} | {time.perf_counter() - started:.0f} |")
            print(rows[-1], flush=True)
    if options.output is not None:
        every = "every cable" if options.step == 1 else f"one cable in {options.step}"
        options.output.write_text(f"# PDF input on the corpora\n\n`python benchmarks/pdf_input.py --step "
                                  f"{options.step}` ({every}, policies: {', '.join(POLICIES)}):\n\n"
                                  + "\n".join(rows) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
