"""The whole job for one or many documents: read -> parse -> decide -> render -> verify -> audit.

Outputs are written to a temporary file beside their final name, read back and
verified, and only then renamed into place: a copy that fails verification
never appears under its final name. Every decision goes to the audit log.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from . import __version__
from .audit import AuditLog
from .decide import Context, Decisions, decide
from .errors import LeakError, RedactError, RenderError
from .model import Document
from .parse import parse
from .policy import Policy
from .read import DEFAULT_MAX_BYTES, read_source
from .render import build_view, render_html, render_pdf, render_text
from .render.html import TEMPLATES
from .render.view import ReleaseView
from .verify import released_text, verify_bytes, withheld_items

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


@dataclass
class RunResult:
    documents: list[DocumentResult] = field(default_factory=list)
    head: str = ""
    audit_path: Path | None = None

    @property
    def failed(self) -> list[DocumentResult]:
        return [d for d in self.documents if d.error is not None]


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
    return "\n".join([re.sub(r"<[^>]*>|\{[^}]*\}", " ", template), *values, *labels, *margins, *names])


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _atomic_write_verified(target: Path, data: bytes, check: Callable[[bytes], None]) -> str:
    """Write data to target through a temporary file that is verified before the rename."""
    if target.is_symlink():
        raise RenderError("the output path is a symbolic link; refusing to follow it", path=str(target))
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        os.chmod(temporary, 0o644 & ~_umask())
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        check(Path(temporary).read_bytes())
        os.replace(temporary, target)
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
        rendered["pdf"] = render_pdf(html, title=view.title, as_of=options.as_of)
    if "text" in options.formats:
        rendered["text"] = render_text(view).encode("utf-8")
    return view, rendered


def _portion_records(document: Document, decisions: Decisions) -> Iterable[dict[str, Any]]:
    for portion, decision in zip(document.portions, decisions.portions, strict=True):
        marking = portion.marking
        yield {
            "type": "portion", "doc_id": document.doc_id, "index": portion.index,
            "kind": portion.kind.value, "number": portion.number,
            "marking": marking.text if marking else None,
            "canonical": marking.canonical if marking else None,
            "inherited": portion.inherited, "lines": [portion.start_line, portion.end_line],
            "decision": decision.action, "label": decision.label, "rule": decision.rule_id,
            "rule_source": decision.source, "spans": [s.label for s in decision.spans],
        }
    for index, (fld, decision) in enumerate(zip(document.header.fields, decisions.fields, strict=True)):
        yield {
            "type": "field", "doc_id": document.doc_id, "index": index, "field": fld.name,
            "lines": [fld.start_line, fld.end_line],
            "marking": fld.marking.text if fld.marking else None,
            "decision": decision.action, "label": decision.label, "rule": decision.rule_id,
            "rule_source": decision.source, "spans": [s.label for s in decision.spans],
        }


def process_document(path: Path, policy: Policy, options: Options, log: AuditLog) -> DocumentResult:
    """One document, start to finish. Raises RedactError; writes nothing half-done."""
    source = read_source(path, max_bytes=options.max_bytes, encoding=options.encoding)
    stem = safe_stem(source.path)
    document = parse(source.text, source=source.path, doc_id=stem)
    decisions = decide(document, policy, Context(as_of=options.as_of, audience=options.audience))
    view, rendered = render_outputs(document, decisions, policy, options)
    withheld = withheld_items(document, decisions)
    allowed = released_text(document, decisions) + "\n" + _boilerplate(view)
    options.out_dir.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, Path] = {}
    hashes: dict[str, str] = {}
    written: list[Path] = []
    try:
        for fmt, data in rendered.items():
            target = options.out_dir / (stem + SUFFIX[fmt])

            def check(on_disk: bytes, fmt: str = fmt) -> None:
                report = verify_bytes(on_disk, fmt, withheld, allowed)
                if not report.ok:
                    raise LeakError(f"verification failed, output removed: {report.summary()}",
                                    path=source.path)

            hashes[fmt] = _atomic_write_verified(target, data, check)
            outputs[fmt] = target
            written.append(target)
    except BaseException:
        for target in written:  # all formats of a document, or none
            target.unlink(missing_ok=True)
        raise
    problems = Counter(p.code for p in document.problems)
    log.append({
        "type": "document", "source": source.path, "doc_id": stem, "input_sha256": source.sha256,
        "outputs": {fmt: {"file": p.name, "sha256": hashes[fmt]} for fmt, p in outputs.items()},
        "status": decisions.status, "problems": dict(sorted(problems.items())),
        "portions": len(document.portions), "verified": True,
    })
    for record in _portion_records(document, decisions):
        log.append(record)
    labels = tuple(d.label for d in decisions.portions if d.withheld and d.label)
    return DocumentResult(source.path, stem, decisions.status, outputs,
                          sum(d.withheld for d in decisions.portions),
                          sum(not d.withheld for d in decisions.portions), labels,
                          len(document.problems))


def run(paths: list[Path], policy: Policy, options: Options, audit_path: Path | None = None,
        progress: Callable[[DocumentResult], None] | None = None,
        command: dict[str, Any] | None = None) -> RunResult:
    """Process every document; one failure is recorded and the batch goes on."""
    audit_path = audit_path or options.out_dir / "audit.jsonl"
    result = RunResult(audit_path=audit_path)
    started = time.monotonic()
    log = AuditLog(audit_path)
    with log.session():
        log.append({
            "type": "run-start", "tool": "redact", "version": __version__,
            "policy": policy.name, "policy_sha256": policy.sha256, "policy_files": list(policy.files),
            "as_of": options.as_of.isoformat(), "reviewer": options.reviewer, "case": options.case,
            "formats": list(options.formats), "out_dir": str(options.out_dir),
            "options": command or {},
        })
        try:
            for path in paths:
                try:
                    outcome = process_document(path, policy, options, log)
                except RedactError as error:
                    outcome = DocumentResult(str(path), safe_stem(str(path)), "FAILED", {}, 0, 0, (), 0,
                                             error=str(error))
                    log.append({"type": "document-failed", "source": str(path),
                                "error": type(error).__name__, "message": str(error)})
                result.documents.append(outcome)
                if progress is not None:
                    progress(outcome)
        except KeyboardInterrupt:
            log.append(_run_end(result, started, "interrupted"))
            result.head = log.head
            raise
        log.append(_run_end(result, started, "failed" if result.failed else "ok"))
        result.head = log.head
    return result


def _run_end(result: RunResult, started: float, status: str) -> dict[str, Any]:
    return {
        "type": "run-end", "status": status, "documents": len(result.documents),
        "failed": len(result.failed),
        "withheld": sum(d.withheld for d in result.documents),
        "released": sum(d.released for d in result.documents),
        "by_label": dict(sorted(Counter(label for d in result.documents for label in d.labels).items())),
        "duration_s": round(time.monotonic() - started, 3),
    }
