#!/usr/bin/env python3
"""Remake the PDF fixtures in tests/fixtures/pdf from cable texts: a monospace printout, a web
page print, a scan of the printout (image only) and an earlier partial release of each cable.

    .venv/bin/python scripts/make-pdf-fixtures.py [CABLE.txt ...]

Without arguments, the cables the tests use. The printing itself is tests/pdfprint.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests import pdfprint  # noqa: E402

DEFAULT = [ROOT / "tests/fixtures/review/06MADRID3104.txt", ROOT / "tests/fixtures/cables/08ASTANA2450.txt"]
OUT = ROOT / "tests/fixtures/pdf"


def main(paths: list[Path]) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for path in paths:
        text = path.read_text(encoding="utf-8")
        stem = path.stem
        printed = pdfprint.printout(text, stem)
        made = {
            "printout": printed,
            "webpage": pdfprint.webpage(text, stem),
            "scan": pdfprint.scan(printed),
            "partial": pdfprint.partial_release(text, pdfprint.withheld_lines(text, path.name)),
        }
        for kind, data in made.items():
            target = OUT / f"{stem}.{kind}.pdf"
            target.write_bytes(data)
            print(f"wrote {target.relative_to(ROOT)} ({len(data)} bytes)")


if __name__ == "__main__":
    main([Path(p) for p in sys.argv[1:]] or DEFAULT)
