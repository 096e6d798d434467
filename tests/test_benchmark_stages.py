"""The benchmark's stage timing makes the calls process_one makes: it must keep up with them (a
change to a stage's signature broke it once, found only when the benchmark ran)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from .conftest import SEEDS

RUN = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def _benchmark() -> Any:
    spec = importlib.util.spec_from_file_location("benchmark_run", RUN)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_stage_timing_runs_every_stage(public_release) -> None:
    module = _benchmark()
    stages = module.bench_stages(sorted(SEEDS.glob("*.txt")), public_release)
    assert {"parse", "decide", "verify HTML", "audit record (rows, canonical JSON)"} <= set(stages)
    assert all(seconds > 0 for seconds in stages.values())


def test_jobs2_accounting_reads_the_parent_and_its_workers_apart() -> None:
    """The CPU accounting behind "what limits --jobs 2": a real `redact run --jobs 2` in the wrapper,
    whose workers did the documents (their CPU is the children's, not the parent's)."""
    module = _benchmark()
    cpu = module._cpu_of_jobs2(SEEDS)
    assert cpu["parent_cpu"] > 0 and cpu["workers_cpu"] > 0
    assert 0 <= cpu["parent_system"] <= cpu["parent_cpu"]
    figures = {"startup": 0.3, "jobs1": 2.0, "jobs2": 1.2, "speedup": 1.6, **cpu}
    text = module.what_limits_jobs2(figures)
    least = 0.3 + (max(cpu["parent_cpu"] - 0.3, 0.0) + cpu["workers_cpu"]) / 2
    assert f"= {least:.2f} s" in text and "measured: 1.60x" in text
