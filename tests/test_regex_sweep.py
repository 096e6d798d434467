"""No regular expression of the package or its grammars backtracks without end on a long run of
repeated text (tests/regex_sweep.py): the class behind a fuzzer's hang on a run of '#'."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SWEEP = Path(__file__).resolve().parent / "regex_sweep.py"


def test_no_pattern_backtracks_without_end() -> None:
    try:
        result = subprocess.run([sys.executable, str(SWEEP), "2000"], capture_output=True, text=True,
                                timeout=300)
    except subprocess.TimeoutExpired as stuck:
        printed = (stuck.stdout or b"").decode() if isinstance(stuck.stdout, bytes) else stuck.stdout or ""
        last = printed.strip().splitlines()[-1:] or ["(nothing printed)"]
        raise AssertionError(f"a pattern never returned on repeated text: {last[0]}") from None
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1].startswith("done"), result.stdout[-2000:]
    assert result.stdout.count("\n") > 100  # the sweep saw the package's patterns and the terminals
