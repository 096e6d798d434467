"""Archive-scale batches: parallel, resumable after SIGKILL, clean on SIGINT, the same on dask."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from redact.audit import read_records, verify_log
from redact.batch import run
from redact.cli import expand_inputs, main
from redact.pipeline import Options

from .conftest import AS_OF, SEEDS

VOLATILE = {"prev", "hash", "duration_s"}


def decision_records(log: Path) -> list[str]:
    """The per-document records of a log, without chain fields, as comparable strings."""
    return sorted(json.dumps({k: v for k, v in r.items() if k not in VOLATILE}, sort_keys=True)
                  for r in read_records(log) if r["type"] in ("portion", "field", "document", "document-failed"))


def copy_corpus(corpus: Path, target: Path, count: int) -> Path:
    target.mkdir(parents=True)
    for path in sorted(corpus.glob("*.txt"))[:count]:
        shutil.copy(path, target / path.name)
    return target


def outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.glob("*.release.*")) if not p.name.startswith(".")}


def test_inputs_from_files_directories_and_globs(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    for name in ("x.txt", "y.txt"):
        (nested / name).write_text("1. (U) text\n")
    (tmp_path / "z.txt").write_text("1. (U) text\n")
    (tmp_path / "notes.md").write_text("no")
    found = expand_inputs((str(tmp_path / "a"), str(tmp_path / "*.txt")))
    assert [p.name for p in found] == ["x.txt", "y.txt", "z.txt"]


def test_two_jobs_give_the_same_outputs_and_records_as_one(tmp_path: Path, corpus_dir: Path,
                                                           public_release) -> None:
    inputs = copy_corpus(corpus_dir, tmp_path / "in", 24)
    results = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        options = Options(out_dir=out, formats=("html", "text"), as_of=AS_OF)
        result = run(sorted(inputs.glob("*.txt")), public_release, options, jobs=jobs)
        assert result.count == 24 and result.failed_count == 0
        results[jobs] = (outputs(out), decision_records(out / "audit.jsonl"))
    assert results[1][0] == results[2][0]
    assert [json.loads(r)["source"].replace("out1", "") for r in results[1][1] if '"type": "document"' in r] == \
        [json.loads(r)["source"].replace("out2", "") for r in results[2][1] if '"type": "document"' in r]


def test_rerun_skips_what_is_done_and_redoes_what_changed(tmp_path: Path, public_release) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for seed in SEEDS.glob("*.txt"):
        shutil.copy(seed, inputs / seed.name)
    options = Options(out_dir=tmp_path / "out", formats=("html",), as_of=AS_OF)
    first = run(sorted(inputs.glob("*.txt")), public_release, options)
    assert (first.count, first.skipped) == (2, 0)
    again = run(sorted(inputs.glob("*.txt")), public_release, options)
    assert (again.count, again.skipped) == (0, 2)
    changed = inputs / "08ASTANA2450.txt"
    changed.write_text(changed.read_text().replace("Later in the day", "Later that day"))
    third = run(sorted(inputs.glob("*.txt")), public_release, options)
    assert (third.count, third.skipped) == (1, 1)
    (tmp_path / "out" / "09ASTANA1444.release.html").write_text("tampered")
    fourth = run(sorted(inputs.glob("*.txt")), public_release, options)
    assert (fourth.count, fourth.skipped) == (1, 1)
    assert verify_log(tmp_path / "out" / "audit.jsonl").ok


def _redact(*args: str) -> list[str]:
    return [sys.executable, "-m", "redact", *args]


def _committed(manifest: Path) -> int:
    """How many documents a run's manifest shows committed (a line cut by a kill counts too)."""
    return manifest.read_text().count('"type": "document"') if manifest.exists() else 0


def _wait_for_documents(manifest: Path, count: int, process: subprocess.Popen[bytes], limit: float = 120) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if manifest.exists() and manifest.read_text().count('"type": "document"') >= count:
            return
        assert process.poll() is None, "the run ended before it could be interrupted"
        time.sleep(0.05)
    raise AssertionError("the run did not get far enough")


def test_sigkill_then_resume_is_exact(tmp_path: Path, corpus_dir: Path) -> None:
    inputs = copy_corpus(corpus_dir, tmp_path / "in", 40)
    common = ["--format", "html,pdf", "--as-of", AS_OF.isoformat(), "--jobs", "2"]
    reference = tmp_path / "reference"
    subprocess.run(_redact("run", str(inputs), "--out", str(reference), *common), check=True, capture_output=True)
    killed = tmp_path / "killed"
    process = subprocess.Popen(_redact("run", str(inputs), "--out", str(killed), *common),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    _wait_for_documents(killed / "manifest.jsonl", 8, process)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert len(outputs(killed)) < len(outputs(reference))
    (killed / ".X.release.pdf.abc123.tmp").write_bytes(b"what a kill mid-write leaves")
    resumed = subprocess.run(_redact("run", str(inputs), "--out", str(killed), *common), capture_output=True,
                             text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert outputs(killed) == {name: data for name, data in outputs(reference).items()}
    assert not [p for p in killed.iterdir() if p.name.endswith(".tmp")]
    got, want = decision_records(killed / "audit.jsonl"), decision_records(reference / "audit.jsonl")
    normalise = [r.replace(str(killed), "OUT") for r in got]
    assert sorted(normalise) == sorted(r.replace(str(reference), "OUT") for r in want)  # nothing missing, nothing twice
    assert verify_log(killed / "audit.jsonl").ok


def test_killed_at_random_moments_many_times_then_resumed_is_exact(tmp_path: Path, corpus_dir: Path) -> None:
    """Documents are committed in groups (outputs made durable, then their audit records, then
    their manifest lines): SIGKILL at any moment, again and again, and the resumed run still gives
    exactly the outputs and the document records of one uninterrupted run, nothing twice."""
    import random
    rng = random.Random(20261126)
    inputs = copy_corpus(corpus_dir, tmp_path / "in", 160)
    common = ["--format", "html,text", "--as-of", AS_OF.isoformat(), "--jobs", "2"]
    reference = tmp_path / "reference"
    subprocess.run(_redact("run", str(inputs), "--out", str(reference), *common), check=True, capture_output=True)
    killed = tmp_path / "killed"
    kills = 0
    for _ in range(12):
        committed = _committed(killed / "manifest.jsonl")
        process = subprocess.Popen(_redact("run", str(inputs), "--out", str(killed), *common),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        # Start-up, the pool, mid-document, mid-commit: anywhere. At a random moment, or once a
        # few more documents are committed: how far a run gets before its kill does not depend on
        # how fast this machine (or the code) is, so the batch is never done before four kills.
        deadline = time.monotonic() + rng.uniform(0.3, 1.6)
        enough = committed + rng.randint(2, 12)
        while time.monotonic() < deadline and process.poll() is None \
                and _committed(killed / "manifest.jsonl") < enough:
            time.sleep(0.01)
        if process.poll() is not None:
            break  # it finished before this kill
        os.killpg(process.pid, signal.SIGKILL)
        kills += 1
        process.wait()
    assert kills >= 4, kills
    resumed = subprocess.run(_redact("run", str(inputs), "--out", str(killed), *common), capture_output=True,
                             text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert outputs(killed) == outputs(reference)
    assert not [p for p in killed.iterdir() if p.name.endswith(".tmp")]
    got = sorted(r.replace(str(killed), "OUT") for r in decision_records(killed / "audit.jsonl"))
    assert got == sorted(r.replace(str(reference), "OUT") for r in decision_records(reference / "audit.jsonl"))
    assert verify_log(killed / "audit.jsonl").ok


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_sigint_stops_cleanly_and_records_the_interruption(tmp_path: Path, corpus_dir: Path) -> None:
    inputs = copy_corpus(corpus_dir, tmp_path / "in", 40)
    out = tmp_path / "out"
    # SIGINT as a terminal sends it: a suite started in the background by a non-interactive shell
    # ("... &") hands its children SIGINT ignored, which a program rightly keeps (the run then
    # finished and exited 0); the interrupted run is what is tested here.
    process = subprocess.Popen(_redact("run", str(inputs), "--out", str(out), "--format", "html,pdf", "--jobs", "2",
                                       "--as-of", AS_OF.isoformat()),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                               preexec_fn=_default_sigint)
    _wait_for_documents(out / "manifest.jsonl", 4, process)
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130
    assert b"interrupted" in stderr
    assert not [p for p in out.iterdir() if p.name.endswith(".tmp")]
    records = read_records(out / "audit.jsonl")
    assert records[-1]["type"] == "run-end" and records[-1]["status"] == "interrupted"
    assert verify_log(out / "audit.jsonl").ok
    done = [r for r in records if r["type"] == "document"]
    for record in done:  # every finished document is complete on disk
        for output in record["outputs"].values():
            assert (out / output["file"]).is_file()


def test_dask_engine_matches_the_local_engine(tmp_path: Path, public_release) -> None:
    distributed = pytest.importorskip("dask.distributed")
    inputs = sorted(SEEDS.glob("*.txt"))
    local = Options(out_dir=tmp_path / "local", formats=("html", "pdf"), as_of=AS_OF)
    run(inputs, public_release, local)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        remote = Options(out_dir=tmp_path / "dask", formats=("html", "pdf"), as_of=AS_OF)
        result = run(inputs, public_release, remote, engine="dask", scheduler=cluster.scheduler_address)
    assert result.count == 2 and result.failed_count == 0
    assert outputs(tmp_path / "local") == outputs(tmp_path / "dask")
    records = {name: [r.replace(str(tmp_path / name), "OUT") for r in
                      decision_records(tmp_path / name / "audit.jsonl")] for name in ("local", "dask")}
    assert records["local"] == records["dask"]


def test_cli_summary_and_quiet_progress(tmp_path: Path, corpus_dir: Path) -> None:
    inputs = copy_corpus(corpus_dir, tmp_path / "in", 5)
    result = CliRunner().invoke(main, ["run", str(inputs), "--out", str(tmp_path / "out"), "--format", "text",
                                       "--jobs", "1", "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert "5/5 documents, 0 failed" in result.stderr  # not a terminal: one quiet line
    assert "5 document(s) released, 0 failed, 0 already done" in result.stdout
    assert "by exemption: (b)(1)" in result.stdout


def test_quick_documents_travel_to_the_workers_several_to_a_task() -> None:
    """A task holds as many documents as take about 50 ms: one slow document (a PDF) alone, quick
    ones (HTML, a few ms) several together, never more than sixteen."""
    from redact.batch import _task_size

    assert _task_size(0.2) == 1 and _task_size(0.05) == 1
    assert _task_size(0.009) == 6
    assert _task_size(0.0) == _task_size(0.0001) == 16


def test_every_document_comes_back_once_from_tasks_of_several(tmp_path: Path, corpus_dir: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Tasks of several documents (forced here: every document counts as quick) give each
    document's outcome exactly once, as tasks of one do."""
    import redact.batch as batch
    from redact.policy import load_policy

    inputs = copy_corpus(corpus_dir, tmp_path / "in", 30)
    paths = [str(p) for p in sorted(inputs.glob("*.txt"))]
    monkeypatch.setattr(batch, "_task_size", lambda seconds: 7)
    options = Options(out_dir=tmp_path / "out", formats=("html",), as_of=AS_OF, sync_outputs=False)
    options.out_dir.mkdir()
    outcomes = list(batch._local_engine(((path, ()) for path in paths), load_policy("public-release"), options, 2))
    assert sorted(outcome.source for outcome in outcomes) == paths
    assert all(outcome.error is None for outcome in outcomes)
