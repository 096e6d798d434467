"""The benchmark's stage timing makes the calls process_one makes: it must keep up with them (a
change to a stage's signature broke it once, found only when the benchmark ran)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from .conftest import SEEDS

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def test_stage_timing_runs_every_stage(public_release) -> None:
    spec = importlib.util.spec_from_file_location("benchmark_run", RUN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    stages = module.bench_stages(sorted(SEEDS.glob("*.txt")), public_release)
    assert {"parse", "decide", "verify HTML", "audit record (rows, canonical JSON)"} <= set(stages)
    assert all(seconds > 0 for seconds in stages.values())
