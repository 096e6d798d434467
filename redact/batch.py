"""Batches: many documents through the one-document pipeline (redact.pipeline.process_one).

Engines (in-process, a process pool, a dask cluster), the manifest that makes a rerun resume,
the audit log's run records, interruption, and the counters a progress bar and the summary show.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import signal
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .audit import AuditLog
from .consistency import INDEX_DIR, Index, Other, View, conflicts, describe
from .crosscheck import REPORT, Findings, Prior, compare_with_prior, open_prior, repeat_tasks, write_report
from .errors import InputError, RedactError, RenderError
from .pipeline import (
    AUDIT_FORMAT,
    SUFFIX,
    DocumentResult,
    Options,
    Outcome,
    document_result,
    make_out_dir,
    options_fingerprint,
    policy_table,
    process_one,
    safe_stem,
)
from .policy import Policy
from .render.pdf import release_fonts
from .version import __version__

MAX_KEPT = 1000  # results kept for the report; counters cover the rest

# A document to process, with the text other documents withhold that it must not release.
Task = tuple[str, tuple[Other, ...]]


@dataclass
class RunResult:
    """Counters for the whole batch; memory does not grow with the number of documents."""

    documents: list[DocumentResult] = field(default_factory=list)
    failed: list[DocumentResult] = field(default_factory=list)
    head: str = ""
    audit_path: Path | None = None
    count: int = 0
    failed_count: int = 0
    skipped: int = 0
    withheld: int = 0
    released: int = 0
    exit_code: int = 0
    interrupted: bool = False
    by_label: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)
    last: DocumentResult | None = None
    findings: Findings | None = None  # the cross-checks (redact.crosscheck)

    def add(self, document: DocumentResult, exit_code: int) -> None:
        self.count += 1
        self.last = document
        self.by_status[document.status] += 1
        if document.error is not None:
            self.failed_count += 1
            self.exit_code = max(self.exit_code, exit_code)
            if len(self.failed) < MAX_KEPT:
                self.failed.append(document)
            return
        self.withheld += document.withheld
        self.released += document.released
        self.by_label.update(document.labels)
        if len(self.documents) < MAX_KEPT:
            self.documents.append(document)


# ---------------------------------------------------------------------------
# many documents: engines, manifest, resume


class Manifest:
    """``OUT/manifest.jsonl``: one line per finished document, plus the audit head of each run."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / "manifest.jsonl"

    def entries(self) -> dict[str, dict[str, Any]]:
        done: dict[str, dict[str, Any]] = {}
        if not self.path.exists():
            return done
        for line in self.path.read_bytes().split(b"\n"):
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            if isinstance(entry, dict) and entry.get("type") == "document":
                done[entry["source"]] = entry
        return done

    def append(self, entry: dict[str, Any]) -> None:
        self.append_many([entry])

    def append_many(self, entries: list[dict[str, Any]]) -> None:
        """Lines in one write and one fsync (a group commit)."""
        if not entries:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                os.write(fd, b"\n")  # close a line torn by a crash
            os.write(fd, "".join(json.dumps(entry, sort_keys=True) + "\n" for entry in entries).encode())
            os.fsync(fd)
        finally:
            os.close(fd)


def _manifest_entry(commit: dict[str, Any], policy: Policy, head: str) -> dict[str, Any]:
    return {"type": "document", "source": commit["source"], "doc_id": commit["doc_id"],
            "input_sha256": commit["input_sha256"], "policy_sha256": policy.sha256,
            "fingerprint": commit["fingerprint"], "outputs": commit["outputs"], "audit_head": head}


def _committed_in_log(audit_path: Path, fingerprint: str) -> dict[str, dict[str, Any]]:
    """Documents the audit log shows finished with these options. The log names no directory (it
    travels with the release); whether the copies are still in this one is checked against their
    sha256 (_still_valid)."""
    found: dict[str, dict[str, Any]] = {}
    if not audit_path.exists():
        return found
    with audit_path.open("rb") as handle:
        for line in handle:
            if b'"type":"document"' not in line:
                continue
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("fingerprint") == fingerprint:
                found[record["source"]] = record
    return found


def _still_valid(entry: dict[str, Any], path: str, out_dir: Path, fingerprint: str) -> bool:
    if entry.get("fingerprint") != fingerprint:
        return False
    try:
        if hashlib.sha256(Path(path).read_bytes()).hexdigest() != entry.get("input_sha256"):
            return False
        for output in entry["outputs"].values():
            target = out_dir / output["file"]
            if target.is_symlink() or hashlib.sha256(target.read_bytes()).hexdigest() != output["sha256"]:
                return False
    except (OSError, KeyError, TypeError):
        return False
    return True


@contextmanager
def _private_tempdir(out_dir: Path) -> Iterator[None]:
    """Temporary files of a run (weasyprint's font copies) go to OUT/.redact-tmp-PID, not the system's
    temporary folder: a crashed run leaves nothing there, and the next run removes what it left here."""
    make_out_dir(out_dir)
    for stale in out_dir.glob(".redact-tmp-*"):
        pid = stale.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or not _alive(int(pid)):
            shutil.rmtree(stale, ignore_errors=True)
    folder = out_dir / f".redact-tmp-{os.getpid()}"
    try:
        folder.mkdir(exist_ok=True)
    except OSError as error:
        raise RenderError(f"the output directory is not writable: {error.strerror}", path=str(out_dir)) from None
    previous = tempfile.tempdir
    tempfile.tempdir = str(folder)
    try:
        yield
    finally:
        tempfile.tempdir = previous
        release_fonts()  # their files live in the folder about to go
        shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale_temporaries(out_dir: Path) -> None:
    """A killed run can leave the temporary file it was writing; it was never verified, so it goes."""
    if out_dir.is_dir():
        for stale in out_dir.glob(".*.release.*.tmp"):
            stale.unlink(missing_ok=True)


# The policy a pool worker was given when it started: one object for all of its documents.
_worker_policy: list[Policy] = []


def _init_worker(policy: Policy) -> None:
    """Workers leave Ctrl-C to the parent, which stops the batch cleanly, and keep the run's policy."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_policy[:] = [policy]


def _process_in_worker(chunk: list[Task], options: Options) -> tuple[list[Outcome], float]:
    """process_one with the worker's policy, for each document of a task, and the seconds each
    took on average. A policy sent with every document arrived as a new object each time (pickled
    by the parent for each), and what a policy works out once was worked out again for every
    document (its hash: the canonical JSON of the whole policy)."""
    started = time.perf_counter()
    outcomes = [process_one(path, _worker_policy[0], options, others) for path, others in chunk]
    return outcomes, (time.perf_counter() - started) / len(chunk)


# A task holds as many documents as take about this long (at most _MOST_IN_A_TASK): every task
# costs the parent a round trip, and with one quick document a task (HTML: a few milliseconds)
# the workers waited for the parent between documents. A slow document (a PDF) is a task alone.
_TASK_SECONDS = 0.05
_MOST_IN_A_TASK = 16


def _task_size(seconds_each: float) -> int:
    return max(1, min(_MOST_IN_A_TASK, round(_TASK_SECONDS / max(seconds_each, 1e-6))))


def _local_engine(tasks: Iterable[Task], policy: Policy, options: Options, jobs: int) -> Iterator[Outcome]:
    if jobs <= 1:
        for path, others in tasks:
            yield process_one(path, policy, options, others)
        return
    # Bounded in flight: memory does not grow with the number of documents. The first tasks hold
    # one document each; then as many as the documents so far say fit in _TASK_SECONDS.
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker, initargs=(policy,)) as pool:
        pending: set[Future[tuple[list[Outcome], float]]] = set()
        iterator = iter(tasks)
        size, seconds_each = 1, 0.0
        try:
            while chunk := list(itertools.islice(iterator, size)):
                pending.add(pool.submit(_process_in_worker, chunk, options))
                if len(pending) >= jobs * 2:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    for future in finished:
                        outcomes, seconds = future.result()
                        seconds_each = seconds if not seconds_each else (3 * seconds_each + seconds) / 4
                        yield from outcomes
                    size = _task_size(seconds_each)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (outcome for future in finished for outcome in future.result()[0])
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _dask_engine(tasks: Iterable[Task], policy: Policy, options: Options, scheduler: str,
                 jobs: int) -> Iterator[Outcome]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise InputError("the dask engine needs the optional extra: pip install 'redact-declass[dask]'") from None
    with Client(scheduler, set_as_default=False) as client:  # type: ignore[no-untyped-call]
        policy_future = client.scatter(policy, broadcast=True)
        window = max(jobs, 1) * 4
        iterator = iter(tasks)
        first = [client.submit(process_one, path, policy_future, options, others, pure=False)
                 for path, others in itertools.islice(iterator, window)]
        if not first:
            return
        futures = as_completed(first, loop=client.loop)  # type: ignore[no-untyped-call]
        for future in futures:
            yield future.result()
            for path, others in itertools.islice(iterator, 1):
                futures.add(  # type: ignore[no-untyped-call]
                    client.submit(process_one, path, policy_future, options, others, pure=False))


@dataclass(frozen=True)
class Engine:
    """Where documents are processed: in this process (jobs 1), a process pool, or a dask cluster."""

    name: str = "local"
    jobs: int = 1
    scheduler: str | None = None

    def outcomes(self, tasks: Iterable[Task], policy: Policy, options: Options) -> Iterator[Outcome]:
        if self.name == "dask":
            if not self.scheduler:
                raise InputError("--engine dask needs --scheduler ADDRESS")
            return _dask_engine(tasks, policy, options, self.scheduler, self.jobs)
        return _local_engine(tasks, policy, options, self.jobs)


def run(paths: Iterable[Path | str], policy: Policy, options: Options, audit_path: Path | None = None,
        progress: Callable[[DocumentResult], None] | None = None,
        command: dict[str, Any] | None = None, jobs: int = 1, engine: str = "local",
        scheduler: str | None = None, consistent: bool = False, prior: Iterable[Path] = ()) -> RunResult:
    """Process every document; one failure is recorded and the batch goes on.

    A rerun into the same output directory skips what the manifest (or the
    audit log) shows finished with the same input, policy and options, and
    whose outputs are still there unchanged. Then the cross-checks (redact.crosscheck): text
    withheld in one document and released in another is reported, and with ``consistent``
    withheld in both; ``prior`` runs (output directories or audit logs) are compared.
    """
    # Earlier runs are read first: before this run writes anything (it may be the same directory),
    # and a prior that cannot be read leaves no output directory behind.
    priors = [open_prior(path, options.out_dir / INDEX_DIR) for path in prior]
    with _private_tempdir(options.out_dir):
        return _run(paths, policy, options, audit_path, progress, command, Engine(engine, jobs, scheduler),
                    consistent, priors)


def _run(paths: Iterable[Path | str], policy: Policy, options: Options, audit_path: Path | None,
         progress: Callable[[DocumentResult], None] | None, command: dict[str, Any] | None, engine: Engine,
         consistent: bool, priors: list[Prior]) -> RunResult:
    audit_path = audit_path or options.out_dir / "audit.jsonl"
    result = RunResult(audit_path=audit_path)
    started = time.monotonic()
    index = Index(options.out_dir / INDEX_DIR, priors[0].view.index.key if priors else None)
    log = AuditLog(audit_path)
    manifest = Manifest(options.out_dir)
    fingerprint = options_fingerprint(policy, options)
    _remove_stale_temporaries(options.out_dir)
    done = manifest.entries()
    if done or manifest.path.exists():
        for source, commit in _committed_in_log(audit_path, fingerprint).items():
            if source not in done:  # killed between the audit commit and the manifest line
                done[source] = _manifest_entry(commit, policy, log.head)
                manifest.append(done[source])
    todo: list[str] = []
    for item in paths:
        path = str(item)
        entry = done.get(path)
        if entry is not None and _still_valid(entry, path, options.out_dir, fingerprint):
            result.skipped += 1
        else:
            todo.append(path)
    log.append({
        "type": "run-start", "tool": "redact", "version": __version__, "format": AUDIT_FORMAT,
        "fingerprint": fingerprint,  # its documents carry it: the policy table they were decided by
        "policy": policy.name, "policy_sha256": policy.sha256, "policy_table": policy_table(policy),
        "as_of": options.as_of.isoformat(), "reviewer": options.reviewer, "case": options.case,
        "formats": list(options.formats), "out_dir": options.out_dir.name,  # a name: no machine path
        "documents": len(todo), "skipped": result.skipped, "engine": engine.name, "jobs": engine.jobs,
        "options": command or {},
    })
    # Workers write outputs without an fsync each; the group commit below makes them durable.
    workers = replace(options, sync_outputs=False, index_key=index.key)
    group = _Group(log, manifest, policy, options.out_dir, result, progress, index)
    try:
        for outcome in engine.outcomes(((path, ()) for path in todo), policy, workers):
            group.add(outcome)
        group.commit()
        result.findings = _cross_check(index, priors, group, engine, policy, workers, consistent)
    except KeyboardInterrupt:
        group.commit()  # what finished is kept (outputs durable, then its audit records)
        result.head = log.append(_run_end(result, started, "interrupted"))
        result.interrupted = True
        raise
    finally:
        index.close()
    result.head = log.append(_run_end(result, started, "failed" if result.failed_count else "ok"))
    manifest.append({"type": "run-end", "audit": str(audit_path), "audit_head": result.head,
                     "documents": result.count, "failed": result.failed_count, "skipped": result.skipped})
    return result


def _cross_check(index: Index, priors: list[Prior], group: _Group, engine: Engine, policy: Policy,
                 options: Options, consistent: bool) -> Findings:
    """The batch's conflicts (and, with ``consistent``, their documents redone to withhold them),
    the comparisons with earlier runs, the report, and its audit record."""
    findings = Findings()
    view = View(index)
    rows = describe(conflicts(view, view), view, view)
    if consistent and rows:
        group.again = True
        tasks: list[Task] = []
        for path, others in repeat_tasks(rows, policy, options):
            if isinstance(others, RedactError):
                group.add(_failed(path, others))
            else:
                tasks.append((path, others))
        for outcome in engine.outcomes(tasks, policy, options):
            group.add(outcome)
        group.commit()
        findings.withheld_again, findings.failed_again = group.redone, group.failed_again
        group.again = False
        rows = describe(conflicts(view, view), view, view)  # what is left: none, unless a redo failed
    findings.conflicts = rows
    assert group.log.path is not None
    findings.prior = [compare_with_prior(prior, view, group.log.path) for prior in priors]
    if findings.empty:  # nothing to report: no report (and none left from an earlier run)
        (group.out_dir / REPORT).unlink(missing_ok=True)
        return findings
    digest = write_report(group.out_dir, findings)
    group.log.append({"type": "consistency", "report": REPORT, "sha256": digest, **findings.summary()})
    return findings


def _failed(path: str, error: RedactError) -> Outcome:
    record = {"type": "document-failed", "source": path, "error": type(error).__name__, "message": str(error)}
    return Outcome(path, safe_stem(path), "FAILED", None, {}, (record,), error=str(error),
                   exit_code=error.exit_code, error_class=type(error))


# A group commit: at most this many documents, or this long after the first of them finished.
GROUP_SIZE = 64
GROUP_WINDOW_S = 0.1


class _Group:
    """Finished documents waiting for one durable commit. Their outputs are fsynced first (each
    file, then the directory), then their audit blocks are written with one fsync, then their
    manifest lines with one: an audit record never names an output that a power cut could lose,
    and a kill before the commit leaves documents that a rerun redoes (atomically, the same)."""

    def __init__(self, log: AuditLog, manifest: Manifest, policy: Policy, out_dir: Path, result: RunResult,
                 progress: Callable[[DocumentResult], None] | None, index: Index) -> None:
        self.log, self.manifest, self.policy, self.out_dir = log, manifest, policy, out_dir
        self.result, self.progress, self.index = result, progress, index
        self.pending: list[Outcome] = []
        self.since = 0.0
        # Redoing documents that repeat what others withhold (--consistent): a document counts once;
        # one that cannot be redone loses the copies it was first given (fail closed).
        self.again = False
        self.redone = 0
        self.failed_again: list[str] = []

    def add(self, outcome: Outcome) -> None:
        if not self.pending:
            self.since = time.monotonic()
        self.pending.append(outcome)
        if len(self.pending) >= GROUP_SIZE or time.monotonic() - self.since >= GROUP_WINDOW_S:
            self.commit()

    def commit(self) -> None:
        pending, self.pending = self.pending, []
        if not pending:
            return
        _fsync_outputs(self.out_dir, [name for o in pending if o.error is None for name, _ in o.outputs.values()])
        # The index first: a document whose entry a kill cut short is not in the manifest yet, so
        # a rerun redoes it and its new entry replaces the torn one (redact.consistency).
        for outcome in pending:
            if outcome.index_entry is not None:
                self.index.add(outcome.index_entry)
        self.index.flush()
        heads = self.log.append_blocks([(list(o.records), o.sealed) for o in pending])
        self.manifest.append_many([_manifest_entry(o.records[-1], self.policy, head)
                                   for o, head in zip(pending, heads, strict=True) if o.error is None])
        for outcome in pending:
            document = document_result(outcome, self.out_dir)
            if self.again:
                self._redone(outcome, document)
                continue
            self.result.add(document, outcome.exit_code)
            if self.progress is not None:
                self.progress(document)

    def _redone(self, outcome: Outcome, document: DocumentResult) -> None:
        if outcome.error is None:
            self.redone += 1
            return
        for suffix in SUFFIX.values():  # the first copies release what another document withholds
            (self.out_dir / (outcome.doc_id + suffix)).unlink(missing_ok=True)
        self.failed_again.append(outcome.source)
        self.result.failed_count += 1
        self.result.exit_code = max(self.result.exit_code, outcome.exit_code)
        if len(self.result.failed) < MAX_KEPT:
            self.result.failed.append(document)


def _fsync_outputs(out_dir: Path, names: list[str]) -> None:
    """Each output file on disk, then the directory that names them."""
    if not names:
        return
    try:
        for name in names:
            fd = os.open(out_dir / name, os.O_RDONLY | os.O_NOFOLLOW)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        fd = os.open(out_dir, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:
        raise RenderError(f"cannot make the release copies durable: {error.strerror}", path=str(out_dir)) from None


def _run_end(result: RunResult, started: float, status: str) -> dict[str, Any]:
    return {
        "type": "run-end", "status": status, "documents": result.count, "failed": result.failed_count,
        "skipped": result.skipped, "withheld": result.withheld, "released": result.released,
        "by_label": dict(sorted(result.by_label.items())),
        "duration_s": round(time.monotonic() - started, 3),
    }
