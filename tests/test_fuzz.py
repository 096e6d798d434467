"""Coverage-guided fuzzing (atheris) of the parser and the policy loader: a short run per target,
fixed seed, starting from the project's fixtures; and every regression fixture a fuzzer found."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("atheris")

FUZZ = Path(__file__).resolve().parent / "fuzz"
TESTS = FUZZ.parent
# A fixed number of inputs from a fixed seed, with Python's hashing fixed too: CI tries exactly the
# inputs a developer's run tried, so a finding is reproducible and never depends on machine speed.
# Longer, exploring runs are for developers (see tests/fuzz/fuzz_parse.py).
# About a minute each here: the policy loader is slower per input than the parser.
SCALE = float(os.environ.get("REDACT_FUZZ_SCALE", "1"))
RUNS = {"fuzz_parse.py": int(10000 * SCALE), "fuzz_policy.py": int(2500 * SCALE)}
SECONDS = 900  # a cap for very slow machines only
SEEDS = {
    "fuzz_parse.py": [*TESTS.glob("fixtures/cables/*.txt"), *TESTS.glob("fixtures/memos/*.txt"),
                      *TESTS.glob("hostile/*.txt")],
    "fuzz_policy.py": [*TESTS.parent.glob("policies/*.yaml"), *TESTS.glob("hostile/*.yaml")],
}


def _fuzz(target: str, corpus: Path, extra: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, str(FUZZ / target), *extra, str(corpus)], cwd=corpus.parent,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONHASHSEED": "0"})


def test_fuzz_targets_find_nothing(tmp_path: Path) -> None:
    runs = {}
    for target, seeds in SEEDS.items():
        corpus = tmp_path / target.removesuffix(".py")
        corpus.mkdir()
        for seed in seeds:
            shutil.copy(seed, corpus / seed.name)
        # -timeout: an input that takes longer is a finding (a hang), reported with the input saved.
        runs[target] = _fuzz(target, corpus, [f"-runs={RUNS[target]}", f"-max_total_time={SECONDS}", "-seed=1",
                                              "-max_len=8192",
                                              "-rss_limit_mb=2048", "-timeout=30"])
    for target, process in runs.items():
        try:
            output, _ = process.communicate(timeout=SECONDS + 300)
        except subprocess.TimeoutExpired:
            for other in runs.values():
                other.kill()  # never leave a fuzzer running after the test
            pytest.fail(f"{target} did not finish: an input hangs the parser")
        assert process.returncode == 0, f"{target} found a crash:\n{output[-3000:]}"
        assert "Done " in output
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*"))


@pytest.mark.parametrize("regression", sorted((FUZZ / "regressions").glob("*-*")), ids=lambda p: p.name)
def test_regressions_stay_fixed(regression: Path, tmp_path: Path) -> None:
    target = "fuzz_policy.py" if regression.name.startswith("policy-") else "fuzz_parse.py"
    result = subprocess.run([sys.executable, str(FUZZ / target), str(regression)], capture_output=True,
                            text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
