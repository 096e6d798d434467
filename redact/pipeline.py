"""The whole job for one or many documents: read -> parse -> decide -> render -> verify -> audit.

Outputs are written to a temporary file beside their final name, read back and
verified, and only then renamed into place: a copy that fails verification
never appears under its final name. Every decision goes to the audit log.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import re
import shutil
import signal
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .audit import AuditLog, Sealed, seal
from .decide import Context, Decision, Decisions, decide
from .errors import InputError, LeakError, RedactError, RenderError
from .model import Document, Marking
from .parse import parse
from .policy import Policy
from .read import DEFAULT_MAX_BYTES, read_source
from .render import build_view, render_html, render_pdf, render_text
from .render.html import TEMPLATES, page_header, stylesheet
from .render.pdf import release_fonts
from .render.view import ReleaseView
from .resources import data_dir
from .verify import Withheld, released_markings, released_text, verify_bytes, withheld_items
from .version import __version__

FORMATS = ("html", "pdf", "text")
SUFFIX = {"html": ".release.html", "pdf": ".release.pdf", "text": ".release.txt"}


@dataclass(frozen=True)
class Options:
    out_dir: Path
    formats: tuple[str, ...] = ("html", "pdf")
    reviewer: str = "unspecified"
    as_of: date = field(default_factory=date.today)
    case: str | None = None
    doc_id: str | None = None
    audience: str | None = None
    max_bytes: int = DEFAULT_MAX_BYTES
    encoding: str | None = None
    doc_type: str = "auto"


@dataclass(frozen=True)
class DocumentResult:
    source: str
    doc_id: str
    status: str
    outputs: dict[str, Path]
    withheld: int
    released: int
    labels: tuple[str, ...]
    problems: int
    error: str | None = None


MAX_KEPT = 1000  # results kept for the report; counters cover the rest


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


def safe_stem(path: str) -> str:
    """A file name for the outputs that cannot escape the output directory."""
    stem = Path(path).name
    for suffix in (".txt", ".text", ".cable"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", stem).lstrip(".") or "document"
    return stem[:120]


def _boilerplate(view: ReleaseView) -> str:
    """Text a copy may contain besides released text: template words, stamp, labels."""
    template = (TEMPLATES / "release.html.j2").read_text(encoding="utf-8")
    stamp = view.stamp
    values = [view.banner, view.title, stamp.status, stamp.authority, stamp.reviewer,
              stamp.as_of, stamp.case or "", stamp.doc_id or "", *view.exemptions]
    labels = [b.label or "" for b in (*view.header, *view.body)]
    margins = [b.margin or "" for b in (*view.header, *view.body)]
    names = [f"Paragraph {b.number} Subparagraph {b.number}" for b in view.body if b.number]
    fixed = [re.sub(r"<[^>]*>|\{[^}]*\}", " ", template), stylesheet(), page_header(view)]
    return "\n".join([*fixed, *values, *labels, *margins, *names])


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _atomic_write_verified(target: Path, data: bytes, check: Callable[[bytes], None]) -> str:
    """Write data to target through a temporary file that is verified before the rename."""
    if target.is_symlink():
        raise RenderError("the output path is a symbolic link; refusing to follow it", path=str(target))
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as error:
        raise RenderError(f"cannot write the output: {error.strerror}", path=str(target)) from None
    try:
        os.chmod(temporary, 0o644 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        check(Path(temporary).read_bytes())
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise RenderError(f"cannot write the output: {error.strerror}", path=str(target)) from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return hashlib.sha256(data).hexdigest()


def render_outputs(document: Document, decisions: Decisions, policy: Policy,
                   options: Options) -> tuple[ReleaseView, dict[str, bytes]]:
    view = build_view(document, decisions, policy_name=policy.name, policy_sha256=policy.sha256,
                      as_of=options.as_of, reviewer=options.reviewer, case=options.case,
                      doc_id=options.doc_id or document.doc_id)
    rendered: dict[str, bytes] = {}
    html = render_html(view)
    if "html" in options.formats:
        rendered["html"] = html.encode("utf-8")
    if "pdf" in options.formats:
        pdf_html = render_html(view, inline_stylesheet=False)
        rendered["pdf"] = render_pdf(pdf_html, title=view.title, as_of=options.as_of)
    if "text" in options.formats:
        rendered["text"] = render_text(view).encode("utf-8")
    return view, rendered


def _make_out_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RenderError(f"cannot create the output directory: {error.strerror}", path=str(out_dir)) from None


def _logged_marking(marking: Marking | None) -> str | None:
    """A marking as printed; never the text of one the grammar could not read (it may be content)."""
    if marking is None:
        return None
    return marking.text if marking.recognised else "(unrecognised)"


# The audit log's compact form (format 2): a document's portions and header fields are rows of its
# "document" record, in these columns; the rule's reason and source are in the run's policy table
# (run-start), so a row carries a reason only when it differs from its rule's (a fail-closed one).
# A document record names its run by the options' fingerprint, which its run-start carries too;
# "inherited" is 1 or 0.
PORTION_COLUMNS = ("index", "kind", "number", "marking", "inherited", "first_line", "last_line", "decision",
                   "label", "rule", "spans")
FIELD_COLUMNS = ("index", "field", "marking", "first_line", "last_line", "decision", "label", "rule", "spans")
AUDIT_FORMAT = 2


def _rule_reasons(policy: Policy) -> dict[str, str]:
    reasons = {"default": policy.default.reason or ""}
    for resolved in (*policy.rules, *policy.fields):
        reasons.setdefault(resolved.rule.id, resolved.rule.reason or "")
    return reasons


def _row(cells: list[Any], decision: Decision, reasons: dict[str, str]) -> list[Any]:
    cells += [decision.action, decision.label, decision.rule_id, [s.label for s in decision.spans]]
    if reasons.get(decision.rule_id) != decision.reason:
        cells.append(decision.reason)
    return cells


def _item_rows(document: Document, decisions: Decisions,
               policy: Policy) -> tuple[list[list[Any]], list[list[Any]]]:
    """The rows of a document's portions and of its header fields (PORTION_COLUMNS, FIELD_COLUMNS)."""
    reasons = _rule_reasons(policy)
    portions = [_row([portion.index, portion.kind.value, portion.number, _logged_marking(portion.marking),
                      int(portion.inherited), portion.start_line, portion.end_line], decision, reasons)
                for portion, decision in zip(document.portions, decisions.portions, strict=True)]
    fields = [_row([index, fld.name, _logged_marking(fld.marking), fld.start_line, fld.end_line], decision, reasons)
              for index, (fld, decision) in enumerate(zip(document.header.fields, decisions.fields, strict=True))]
    return portions, fields


def _portable(path: str) -> str:
    """A policy file as a log that travels may name it: a bundled one by name, another by its own name."""
    file = Path(path)
    bundled = data_dir("policies")
    return f"bundled:{file.name}" if file.resolve().parent == bundled.resolve() else file.name


def _file_sha256(path: str) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def policy_table(policy: Policy) -> dict[str, Any]:
    """The resolved policy as the run-start record carries it, once per run: its files (by
    bundled name or file name, with their sha256), and every rule's label, reason and source."""
    def entry(resolved: Any, target: str) -> dict[str, Any]:
        rule = resolved.rule
        return {"target": target, "action": rule.action, "label": rule.label, "reason": rule.reason or "",
                "source": f"{_portable(resolved.source.path)}:{resolved.source.line}"}

    rules = {"default": {"target": "any", "action": policy.default.action, "label": policy.default.label,
                         "reason": policy.default.reason or "",
                         "source": f"{_portable(policy.default_source.path)}:{policy.default_source.line}"}}
    for resolved in policy.rules:
        rules.setdefault(resolved.rule.id, entry(resolved, "portion"))
    for resolved in policy.fields:
        rules.setdefault(resolved.rule.id, entry(resolved, "field"))
    return {"name": policy.name, "sha256": policy.sha256, "ceiling": policy.ceiling.name,
            "files": [{"file": _portable(f), "sha256": _file_sha256(f)} for f in policy.files],
            "rules": rules, "portion_columns": list(PORTION_COLUMNS), "field_columns": list(FIELD_COLUMNS)}


@dataclass(frozen=True)
class Outcome:
    """What one document produced: written outputs and its audit block (without the chain)."""

    source: str
    doc_id: str
    status: str
    input_sha256: str | None
    outputs: dict[str, tuple[str, str]]  # format -> (file name, sha256)
    records: tuple[dict[str, Any], ...]
    withheld: int = 0
    released: int = 0
    labels: tuple[str, ...] = ()
    problems: int = 0
    error: str | None = None
    exit_code: int = 0
    error_class: type[RedactError] | None = None
    sealed: tuple[Sealed, ...] | None = None  # the records encoded in the worker (audit.seal)


def options_fingerprint(policy: Policy, options: Options) -> str:
    """What must match for a finished document to count as done on a rerun."""
    body = {"policy": policy.sha256, "formats": sorted(options.formats), "as_of": options.as_of.isoformat(),
            "reviewer": options.reviewer, "case": options.case, "doc_id": options.doc_id,
            "audience": options.audience, "encoding": options.encoding, "type": options.doc_type,
            "version": __version__}
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _write_outputs(rendered: dict[str, bytes], stem: str, source: str, out_dir: Path,
                   withheld: list[Withheld], allowed: str) -> dict[str, tuple[str, str]]:
    outputs: dict[str, tuple[str, str]] = {}
    written: list[Path] = []
    try:
        for fmt, data in rendered.items():
            target = out_dir / (stem + SUFFIX[fmt])

            def check(on_disk: bytes, fmt: str = fmt) -> None:
                report = verify_bytes(on_disk, fmt, withheld, allowed)
                if not report.ok:
                    raise LeakError(f"verification failed, output removed: {report.summary()}", path=source)

            outputs[fmt] = (target.name, _atomic_write_verified(target, data, check))
            written.append(target)
    except BaseException:
        for target in written:  # all formats of a document, or none
            target.unlink(missing_ok=True)
        raise
    return outputs


def process_one(path: str, policy: Policy, options: Options) -> Outcome:
    """One document, start to finish, in any process: the unit every engine runs.

    Outputs are written (verified) into options.out_dir; the audit records are
    returned for the caller to chain. Errors become a failed Outcome.
    """
    try:
        source = read_source(Path(path), max_bytes=options.max_bytes, encoding=options.encoding)
        stem = safe_stem(source.path)
        document = parse(source.text, source=source.path, doc_id=stem, doc_type=options.doc_type)
        decisions = decide(document, policy, Context(as_of=options.as_of, audience=options.audience))
        above = released_markings(document, decisions, policy.ceiling)
        if above:
            raise LeakError("verification failed, nothing written: " + "; ".join(str(f) for f in above),
                            path=source.path)
        view, rendered = render_outputs(document, decisions, policy, options)
        withheld = withheld_items(document, decisions)
        allowed = released_text(document, decisions) + "\n" + _boilerplate(view)
        _make_out_dir(options.out_dir)
        outputs = _write_outputs(rendered, stem, source.path, options.out_dir, withheld, allowed)
    except RedactError as error:
        record = {"type": "document-failed", "source": path, "error": type(error).__name__,
                  "message": str(error)}
        return Outcome(path, safe_stem(path), "FAILED", None, {}, (record,), error=str(error),
                       exit_code=error.exit_code, error_class=type(error))
    except OSError as error:  # disk full, file too large, permissions: the system's words, no content
        message = f"{path}: cannot write the release copy: {error.strerror or type(error).__name__}"
        record = {"type": "document-failed", "source": path, "error": "RenderError", "message": message}
        return Outcome(path, safe_stem(path), "FAILED", None, {}, (record,), error=message, exit_code=2,
                       error_class=RenderError)
    except Exception as error:  # one bad document never stops the batch
        # Only the type and place: an exception's message may quote document text.
        frame = traceback.extract_tb(error.__traceback__)[-1]
        message = f"{path}: internal error: {type(error).__name__} at {Path(frame.filename).name}:{frame.lineno}"
        record = {"type": "document-failed", "source": path, "error": type(error).__name__, "message": message}
        return Outcome(path, safe_stem(path), "FAILED", None, {}, (record,), error=message, exit_code=3)
    problems = Counter(p.code for p in document.problems)
    portions, fields = _item_rows(document, decisions, policy)
    commit = {
        "type": "document", "source": source.path, "doc_id": stem, "input_sha256": source.sha256,
        "fingerprint": options_fingerprint(policy, options),
        "outputs": {fmt: {"file": name, "sha256": digest} for fmt, (name, digest) in outputs.items()},
        "status": decisions.status, "problems": dict(sorted(problems.items())),
        "portions": portions, "fields": fields, "verified": True,
    }
    records = (commit,)
    labels = tuple(d.label for d in decisions.portions if d.withheld and d.label)
    return Outcome(source.path, stem, decisions.status, source.sha256, outputs, records,
                   sum(d.withheld for d in decisions.portions), sum(not d.withheld for d in decisions.portions),
                   labels, len(document.problems), sealed=seal(records))


def process_document(path: Path, policy: Policy, options: Options, log: AuditLog) -> DocumentResult:
    """One document with its audit block appended to ``log``; raises on failure."""
    outcome = process_one(str(path), policy, options)
    if outcome.error is not None:
        raise (outcome.error_class or RedactError)(outcome.error)
    log.append_block(list(outcome.records), outcome.sealed)
    return _result(outcome, options.out_dir)


def _result(outcome: Outcome, out_dir: Path) -> DocumentResult:
    return DocumentResult(outcome.source, outcome.doc_id, outcome.status,
                          {fmt: out_dir / name for fmt, (name, _) in outcome.outputs.items()},
                          outcome.withheld, outcome.released, outcome.labels, outcome.problems, outcome.error)


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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                os.write(fd, b"\n")  # close a line torn by a crash
            os.write(fd, (json.dumps(entry, sort_keys=True) + "\n").encode())
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
    _make_out_dir(out_dir)
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


def _init_worker() -> None:
    """Workers leave Ctrl-C to the parent, which stops the batch cleanly."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _local_engine(paths: Iterable[str], policy: Policy, options: Options, jobs: int) -> Iterator[Outcome]:
    if jobs <= 1:
        for path in paths:
            yield process_one(path, policy, options)
        return
    # Bounded in flight: memory does not grow with the number of documents.
    with ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker) as pool:
        pending: set[Future[Outcome]] = set()
        iterator = iter(paths)
        try:
            for path in iterator:
                pending.add(pool.submit(process_one, path, policy, options))
                if len(pending) >= jobs * 2:
                    finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                    yield from (f.result() for f in finished)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                yield from (f.result() for f in finished)
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _dask_engine(paths: Iterable[str], policy: Policy, options: Options, scheduler: str,
                 jobs: int) -> Iterator[Outcome]:
    try:
        from dask.distributed import Client, as_completed
    except ImportError:
        raise InputError("the dask engine needs the optional extra: pip install 'redact-declass[dask]'") from None
    with Client(scheduler, set_as_default=False) as client:  # type: ignore[no-untyped-call]
        policy_future = client.scatter(policy, broadcast=True)
        window = max(jobs, 1) * 4
        iterator = iter(paths)
        first = [client.submit(process_one, path, policy_future, options, pure=False)
                 for path in itertools.islice(iterator, window)]
        if not first:
            return
        futures = as_completed(first, loop=client.loop)  # type: ignore[no-untyped-call]
        for future in futures:
            yield future.result()
            for path in itertools.islice(iterator, 1):
                futures.add(  # type: ignore[no-untyped-call]
                    client.submit(process_one, path, policy_future, options, pure=False))


def run(paths: Iterable[Path | str], policy: Policy, options: Options, audit_path: Path | None = None,
        progress: Callable[[DocumentResult], None] | None = None,
        command: dict[str, Any] | None = None, jobs: int = 1, engine: str = "local",
        scheduler: str | None = None) -> RunResult:
    """Process every document; one failure is recorded and the batch goes on.

    A rerun into the same output directory skips what the manifest (or the
    audit log) shows finished with the same input, policy and options, and
    whose outputs are still there unchanged.
    """
    with _private_tempdir(options.out_dir):
        return _run(paths, policy, options, audit_path, progress, command, jobs, engine, scheduler)


def _run(paths: Iterable[Path | str], policy: Policy, options: Options, audit_path: Path | None,
         progress: Callable[[DocumentResult], None] | None, command: dict[str, Any] | None, jobs: int,
         engine: str, scheduler: str | None) -> RunResult:
    audit_path = audit_path or options.out_dir / "audit.jsonl"
    result = RunResult(audit_path=audit_path)
    started = time.monotonic()
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
        "documents": len(todo), "skipped": result.skipped, "engine": engine, "jobs": jobs,
        "options": command or {},
    })
    if engine == "dask":
        if not scheduler:
            raise InputError("--engine dask needs --scheduler ADDRESS")
        outcomes = _dask_engine(todo, policy, options, scheduler, jobs)
    else:
        outcomes = _local_engine(todo, policy, options, jobs)
    try:
        for outcome in outcomes:
            head = log.append_block(list(outcome.records), outcome.sealed)
            if outcome.error is None:
                manifest.append(_manifest_entry(outcome.records[-1], policy, head))
            document = _result(outcome, options.out_dir)
            result.add(document, outcome.exit_code)
            if progress is not None:
                progress(document)
    except KeyboardInterrupt:
        result.head = log.append(_run_end(result, started, "interrupted"))
        result.interrupted = True
        raise
    result.head = log.append(_run_end(result, started, "failed" if result.failed_count else "ok"))
    manifest.append({"type": "run-end", "audit": str(audit_path), "audit_head": result.head,
                     "documents": result.count, "failed": result.failed_count, "skipped": result.skipped})
    return result


def _run_end(result: RunResult, started: float, status: str) -> dict[str, Any]:
    return {
        "type": "run-end", "status": status, "documents": result.count, "failed": result.failed_count,
        "skipped": result.skipped, "withheld": result.withheld, "released": result.released,
        "by_label": dict(sorted(result.by_label.items())),
        "duration_s": round(time.monotonic() - started, 3),
    }
