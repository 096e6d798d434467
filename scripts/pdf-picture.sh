#!/usr/bin/env bash
# The README's before/after picture of a PDF input: page 1 of a printed cable (a fixture made by
# scripts/make-pdf-fixtures.py) beside page 1 of its release copy in the original layout.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp tests/fixtures/pdf/06MADRID3104.printout.pdf "$work/06MADRID3104.pdf"
.venv/bin/redact run "$work/06MADRID3104.pdf" --layout original --format pdf --out "$work/out" \
  --reviewer "Example Reviewer" --as-of 2026-11-26 >/dev/null
pdftoppm -png -r 60 -f 1 -l 1 -singlefile "$work/06MADRID3104.pdf" "$work/before"
pdftoppm -png -r 60 -f 1 -l 1 -singlefile "$work/out/06MADRID3104.release.pdf" "$work/after"
.venv/bin/python - "$work/before.png" "$work/after.png" docs/pdf-before-after.png <<'PY'
import sys
from PIL import Image, ImageOps
before, after = (ImageOps.expand(Image.open(p).convert("L"), border=2, fill=0) for p in sys.argv[1:3])
sheet = Image.new("L", (before.width + after.width + 20, max(before.height, after.height)), 255)
sheet.paste(before, (0, 0))
sheet.paste(after, (before.width + 20, 0))
sheet.save(sys.argv[3], optimize=True)
PY
echo "wrote docs/pdf-before-after.png"
