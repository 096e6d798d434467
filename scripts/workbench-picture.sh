#!/usr/bin/env bash
# The README's picture of the workbench: a screenshot taken by the browser test itself, after it
# has withheld a paragraph and a phrase and saved (tests/test_workbench.py).
set -euo pipefail
cd "$(dirname "$0")/.."
REDACT_WORKBENCH_PICTURE="$PWD/docs/workbench.png" .venv/bin/python -m pytest -q -p no:logging \
    tests/test_workbench.py -k save_reload_export
echo "wrote docs/workbench.png"
