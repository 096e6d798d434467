#!/usr/bin/env bash
# Regenerate docs/release-page-1.png from a real release copy (needs poppler-utils for pdftoppm).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
redact=${REDACT:-redact}
"$redact" run examples/08ASTANA2450.txt --policy public-release --format pdf --out "$work" \
  --reviewer "Example Reviewer" --as-of 2026-11-23 --case F-2026-00001 >/dev/null
pdftoppm -png -r 80 -f 1 -l 1 -singlefile "$work/08ASTANA2450.release.pdf" docs/release-page-1
echo "wrote docs/release-page-1.png"
