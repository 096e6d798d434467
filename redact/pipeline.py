"""The whole job for one document: read -> parse -> decide -> render -> verify -> audit record.

Outputs are written to a temporary file beside their final name, read back and
verified, and only then renamed into place: a copy that fails verification
never appears under its final name. Every decision goes into the document's audit
record, which the caller chains into the log. Many documents: redact.batch.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .audit import AuditLog, Sealed, seal
from .decide import Context, Decision, Decisions, decide
from .errors import InputError, LeakError, RedactError, RenderError
from .marking_check import released_markings
from .model import Document, Marking
from .parse import parse
from .policy import Policy
from .read import DEFAULT_MAX_BYTES, Source, read_source
from .render import build_view, render_html, render_pdf, render_text
from .render.html import TEMPLATES, page_header, stylesheet
from .render.original import Plan, check_copy, render_original
from .render.view import ReleaseView
from .resources import data_dir
from .review import SUFFIX as REVIEW_SUFFIX
from .review import apply_review, load_review
from .verify import Prepared, Withheld, released_text, verify_bytes, withheld_items
from .version import __version__

if TYPE_CHECKING:  # redact.consistency imports numpy: only a document that is indexed pays for it
    from .consistency import Entry, Other, Piece

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
    ocr: bool = False  # read PDF pages without a text layer with Tesseract
    layout: str = "retype"  # the PDF copy: "retype" (typeset anew) or "original" (the PDF's own pages)
    # fsync each output as it is written; a batch turns it off and makes a group of documents
    # durable at once before their audit records are written (redact.batch).
    sync_outputs: bool = True
    # A reviewer's overrides (redact.review): one review file for a single document, or a
    # directory of STEM.review.yaml files for a batch; reviews_sha256 (reviews_digest) makes a
    # rerun redo documents when a review changed.
    review: Path | None = None
    reviews_dir: Path | None = None
    reviews_sha256: str | None = None
    # The case's secret: with it, each document's keyed fingerprints come back with its outcome
    # for the batch's consistency index (redact.consistency).
    index_key: bytes | None = None


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
    warnings: tuple[str, ...] = ()


def safe_stem(path: str) -> str:
    """A file name for the outputs that cannot escape the output directory."""
    stem = Path(path).name
    for suffix in (".txt", ".text", ".cable", ".pdf"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", stem).lstrip(".") or "document"
    return stem[:120]


def _boilerplate(view: ReleaseView) -> str:
    """Text a copy may contain besides released text: the stamp, labels and names of this copy
    (the template's words and the stylesheet, the same in every copy: _template_words)."""
    stamp = view.stamp
    values = [view.banner, view.title, stamp.status, stamp.authority, stamp.reviewer,
              stamp.as_of, stamp.case or "", stamp.doc_id or "", stamp.source, *view.exemptions]
    labels = [b.label or "" for b in (*view.header, *view.body)]
    margins = [b.margin or "" for b in (*view.header, *view.body)]
    names = [b.name for b in (*view.header, *view.body)]  # "Paragraph 2", "Header line", as printed
    return "\n".join([page_header(view), *values, *labels, *margins, *names])


@cache
def _template_words() -> Prepared:
    """The words every copy prints whatever its document: the template's own and the stylesheet."""
    template = (TEMPLATES / "release.html.j2").read_text(encoding="utf-8")
    return Prepared.of("\n".join([re.sub(r"<[^>]*>|\{[^}]*\}", " ", template), stylesheet()]))


def allowed_text(document: Document, decisions: Decisions, view: ReleaseView,
                 banners: bool = False) -> list[str | Prepared]:
    """What a copy of ``document`` may print: its released text, this copy's stamp and labels,
    and the template's words (in parts: see redact.verify.Checker); with ``banners``, the banner
    lines as printed too (a copy that keeps the original pages)."""
    return [released_text(document, decisions, banners) + "\n" + _boilerplate(view), _template_words()]


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _atomic_write_verified(target: Path, data: bytes, check: Callable[[bytes], None], sync: bool = True) -> str:
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
            if sync:
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
                   options: Options, origin: str = "text") -> tuple[ReleaseView, dict[str, bytes]]:
    view = build_view(document, decisions, policy_name=policy.name, policy_sha256=policy.sha256,
                      as_of=options.as_of, reviewer=options.reviewer, case=options.case,
                      doc_id=options.doc_id or document.doc_id, origin=origin)
    rendered: dict[str, bytes] = {}
    if "html" in options.formats:
        rendered["html"] = render_html(view).encode("utf-8")
    if "pdf" in options.formats:
        pdf_html = render_html(view, inline_stylesheet=False)
        rendered["pdf"] = render_pdf(pdf_html, title=view.title, as_of=options.as_of)
    if "text" in options.formats:
        rendered["text"] = render_text(view).encode("utf-8")
    return view, rendered


def make_out_dir(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise RenderError(f"cannot create the output directory: {error.strerror}", path=str(out_dir)) from None


def _logged_marking(marking: Marking | None) -> str | None:
    """A marking as printed; never the text of one the grammar could not read (it may be content)."""
    if marking is None:
        return None
    return marking.text if marking.recognised else "(unrecognised)"


# The audit log's compact form (formats 2 and 3): a document's portions and header fields are rows of its
# "document" record, in these columns; the rule's reason and source are in the run's policy table
# (run-start), so a row carries a reason only when it differs from its rule's (a fail-closed one).
# A document record names its run by the options' fingerprint, which its run-start carries too;
# "inherited" is 1 or 0; "label" and "spans" hold indexes into the record's "labels", and (since
# format 3) "rule" an index into its "rule_ids" (format 2 wrote the id itself). A row's index is
# its position; "spans" is left out when empty and no reason follows.
PORTION_COLUMNS = ("kind", "number", "marking", "inherited", "first_line", "last_line", "decision", "label", "rule",
                   "spans")
FIELD_COLUMNS = ("field", "marking", "first_line", "last_line", "decision", "label", "rule", "spans")
AUDIT_FORMAT = 3


def _rule_reasons(policy: Policy) -> dict[str, str]:
    reasons = {"default": policy.default.reason or ""}
    for resolved in (*policy.rules, *policy.fields):
        reasons.setdefault(resolved.rule.id, resolved.rule.reason or "")
    return reasons


def _row(cells: list[Any], decision: Decision, reasons: dict[str, str], labels: dict[str, int],
         rules: dict[str, int]) -> list[Any]:
    def label(text: str | None) -> int | None:
        return None if text is None else labels.setdefault(text, len(labels))

    cells += [decision.action, label(decision.label), rules.setdefault(decision.rule_id, len(rules))]
    spans = [label(s.label) for s in decision.spans]
    if reasons.get(decision.rule_id) != decision.reason:
        cells += [spans, decision.reason]
    elif spans:
        cells.append(spans)
    return cells


def _item_rows(document: Document, decisions: Decisions,
               policy: Policy) -> tuple[list[list[Any]], list[list[Any]], list[str], list[str]]:
    """The rows of a document's portions and of its header fields (PORTION_COLUMNS, FIELD_COLUMNS),
    its labels and its rule ids: a row's label, span labels and rule are indexes into them (a
    document repeats few)."""
    reasons = _rule_reasons(policy)
    labels: dict[str, int] = {}
    rules: dict[str, int] = {}
    portions = [_row([portion.kind.value, portion.number, _logged_marking(portion.marking),
                      int(portion.inherited), portion.start_line, portion.end_line], decision, reasons, labels, rules)
                for portion, decision in zip(document.portions, decisions.portions, strict=True)]
    fields = [_row([fld.name, _logged_marking(fld.marking), fld.start_line, fld.end_line], decision, reasons, labels,
                   rules)
              for fld, decision in zip(document.header.fields, decisions.fields, strict=True)]
    return portions, fields, list(labels), list(rules)


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
    warnings: tuple[str, ...] = ()
    error_class: type[RedactError] | None = None
    sealed: tuple[Sealed, ...] | None = None  # the records encoded in the worker (audit.seal)
    index_entry: Entry | None = None  # keyed fingerprints for the consistency index (no words)


def options_fingerprint(policy: Policy, options: Options) -> str:
    """What must match for a finished document to count as done on a rerun."""
    body: dict[str, Any] = {
            "policy": policy.sha256, "formats": sorted(options.formats), "as_of": options.as_of.isoformat(),
            "reviewer": options.reviewer, "case": options.case, "doc_id": options.doc_id,
            "audience": options.audience, "encoding": options.encoding, "type": options.doc_type,
            "version": __version__}
    if options.ocr:
        body["ocr"] = True
    if options.layout != "retype":
        body["layout"] = options.layout
    if options.reviews_sha256 is not None:
        body["reviews"] = options.reviews_sha256
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _write_outputs(rendered: dict[str, bytes], stem: str, source: str, out_dir: Path,
                   withheld: list[Withheld], allowed: list[str | Prepared], sync: bool = True,
                   original: Plan | None = None, pages_allowed: list[str | Prepared] | None = None,
                   ) -> dict[str, tuple[str, str]]:
    """Each rendered copy written atomically and verified on disk. A PDF that keeps the original
    pages (``original``) is checked against ``pages_allowed``: what it shows as printed."""
    outputs: dict[str, tuple[str, str]] = {}
    written: list[Path] = []
    try:
        for fmt, data in rendered.items():
            target = out_dir / (stem + SUFFIX[fmt])

            def check(on_disk: bytes, fmt: str = fmt) -> None:
                shown = pages_allowed if fmt == "pdf" and original is not None and pages_allowed else allowed
                report = verify_bytes(on_disk, fmt, withheld, shown)
                if not report.ok:
                    raise LeakError(f"verification failed, output removed: {report.summary()}", path=source)
                if fmt == "pdf" and original is not None:  # the page images and the text under the boxes
                    problems = check_copy(on_disk, original)
                    if problems:
                        raise LeakError("verification failed, output removed: " + "; ".join(problems[:3]),
                                        path=source)

            outputs[fmt] = (target.name, _atomic_write_verified(target, data, check, sync))
            written.append(target)
    except BaseException:
        for target in written:  # all formats of a document, or none
            target.unlink(missing_ok=True)
        raise
    return outputs


def process_one(path: str, policy: Policy, options: Options, others: tuple[Other, ...] = ()) -> Outcome:
    """One document, start to finish, in any process: the unit every engine runs.

    Outputs are written (verified) into options.out_dir; the audit records are
    returned for the caller to chain. Errors become a failed Outcome. ``others``: text other
    documents of the batch withhold; runs of it in released portions are withheld too.
    """
    try:
        source, stem, document, decisions, review_record, warnings = _decided(path, policy, options)
        repeats: list[list[Any]] = []
        if others:
            from .consistency import withhold_repeats

            decisions, repeats = withhold_repeats(document, decisions, others, policy.echoes.words)
        above = released_markings(document, decisions, policy.ceiling, policy.released_controls)
        if above:
            raise LeakError("verification failed, nothing written: " + "; ".join(str(f) for f in above),
                            path=source.path)
        view, rendered = render_outputs(document, decisions, policy, options, source.origin)
        original, unread = None, []
        if options.layout == "original" and "pdf" in options.formats:
            if source.pdf is None:
                raise InputError("--layout original keeps a PDF's own pages: the input is not a PDF",
                                 path=source.path)
            rendered["pdf"], original = render_original(
                source.pdf.data, source.pdf, document, decisions, title=view.title, status=decisions.status,
                authority=policy.name, as_of=options.as_of)
            unread = sorted(original.unread_pages().items())
            warnings += tuple(f"{source.path}: page {page}: ink that no text line holds (a picture, a stamp, "
                              f"handwriting, words OCR missed) painted over ({count} boxes)" for page, count in unread)
        left_out: dict[int, tuple[int, int]] = {}
        if source.pdf is not None and original is None:  # copies typed anew: what they leave out is said
            left_out = source.pdf.not_text
            warnings += _left_out(source.path, left_out, source.pdf.ocr)
        withheld = withheld_items(document, decisions)
        allowed = allowed_text(document, decisions, view)
        # The original pages show the banner lines as printed (the other copies print the banner
        # recomputed): released text there, where a withheld paragraph may repeat their words.
        pages_allowed = allowed_text(document, decisions, view, banners=True) if original is not None else None
        make_out_dir(options.out_dir)
        outputs = _write_outputs(rendered, stem, source.path, options.out_dir, withheld, allowed,
                                 options.sync_outputs, original, pages_allowed)
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
    portions, fields, label_table, rule_table = _item_rows(document, decisions, policy)
    commit = {
        "type": "document", "source": source.path, "doc_id": stem, "input_sha256": source.sha256,
        "fingerprint": options_fingerprint(policy, options),
        "outputs": {fmt: {"file": name, "sha256": digest} for fmt, (name, digest) in outputs.items()},
        "doc_type": document.doc_type, "status": decisions.status, "problems": dict(sorted(problems.items())),
        "labels": label_table, "rule_ids": rule_table, "portions": portions, "fields": fields, "verified": True,
    }
    if decisions.echoes:  # by portion index and run count: never the words
        commit["echoes"] = [[e.released, e.withheld, len(e.runs)] for e in decisions.echoes]
    if review_record is not None:
        commit["review"] = review_record
    if repeats:  # released portion, other document, its portion, runs: never the words
        commit["consistency"] = repeats
    if source.pdf is not None:  # lines are the PDF's text lines; "pages" maps them to pages
        commit["origin"] = source.origin
        commit["pages"] = source.pdf.page_starts()
    if unread:  # pages where ink no text line holds was painted over (--layout original)
        commit["unread_ink"] = {str(page): count for page, count in unread}
    if left_out:  # pictures and annotations of a PDF's pages that a copy typed anew leaves out
        commit["left_out"] = {str(page): {"pictures": pictures, "annotations": notes}
                              for page, (pictures, notes) in sorted(left_out.items())}
    records = (commit,)
    labels = tuple(d.label for d in decisions.portions if d.withheld and d.label)
    entry = None
    if options.index_key is not None:
        from .consistency import entry_for

        entry = entry_for(source.path, stem, _pieces(document, decisions), options.index_key)
    return Outcome(source.path, stem, decisions.status, source.sha256, outputs, records,
                   sum(d.withheld for d in decisions.portions), sum(not d.withheld for d in decisions.portions),
                   labels, len(document.problems), sealed=seal(records), warnings=warnings, index_entry=entry)


def _left_out(path: str, not_text: dict[int, tuple[int, int]], ocr: bool) -> tuple[str, ...]:
    """What a copy typed anew from a PDF's text leaves out, page by page: its pictures and
    annotations, and (read by OCR) whatever a scan shows besides printed text."""
    def counted(count: int, what: str) -> str:
        return f"{count} {what}{'' if count == 1 else 's'}" if count else ""

    said = []
    for page, (pictures, notes) in sorted(not_text.items()):
        what = " and ".join(filter(None, (counted(pictures, "picture"), counted(notes, "annotation"))))
        said.append(f"{path}: page {page}: {what} not in the release copy (typed anew from the text; "
                    "--layout original keeps the pages)")
    if ocr:
        said.append(f"{path}: read by OCR: what the pages show besides printed text (pictures, handwriting, stamps) "
                    "is not in the release copy (typed anew from the text; --layout original keeps the pages)")
    return tuple(said)


def _pieces(document: Document, decisions: Decisions) -> list[Piece]:
    from .consistency import pieces_of

    pairs = list(zip(document.portions, decisions.portions, strict=True))
    return pieces_of([p.text for p, _ in pairs], [d.withheld for _, d in pairs], [d.label for _, d in pairs],
                     [[(s.start, s.end) for s in d.spans] for _, d in pairs])


def _decided(path: str, policy: Policy, options: Options) -> tuple[Source, str, Document, Decisions,
                                                                  dict[str, Any] | None, tuple[str, ...]]:
    """Read, parse, decide and apply the review: the document as the run decides it (source, output
    stem, document, decisions, the review's audit record, its warnings)."""
    source = read_source(Path(path), max_bytes=options.max_bytes, encoding=options.encoding, ocr=options.ocr)
    stem = safe_stem(source.path)
    document = parse(source.text, source=source.path, doc_id=stem, doc_type=options.doc_type)
    decisions = decide(document, policy, Context(as_of=options.as_of, audience=options.audience))
    decisions, review_record, warnings = _reviewed(document, decisions, policy, options, stem, source.sha256)
    return source, stem, document, decisions, review_record, warnings


def withheld_portions(path: str, policy: Policy, options: Options, portions: set[int]) -> tuple[Other, ...]:
    """The text and label of some withheld portions of a document, decided again as the run decided
    it (policy, then review): for the document that repeats them (--consistent)."""
    from .consistency import Other

    _, stem, document, decisions, _, _ = _decided(path, policy, options)
    return tuple(Other(stem, p.index, d.label or "(b)(1)", p.text)
                 for p, d in zip(document.portions, decisions.portions, strict=True)
                 if d.withheld and p.index in portions)


def review_file_for(options: Options, stem: str) -> Path | None:
    """The review that applies to a document: the one named, or STEM.review.yaml in the directory."""
    if options.review is not None:
        return options.review
    if options.reviews_dir is not None:
        candidate = options.reviews_dir / (stem + REVIEW_SUFFIX)
        return candidate if candidate.is_file() else None
    return None


def reviews_digest(review: Path | None, reviews_dir: Path | None) -> str | None:
    """One hash over the review files a run reads (names and contents), for its fingerprint."""
    if review is not None:
        files = [review]
    elif reviews_dir is not None:
        files = sorted(reviews_dir.glob("*" + REVIEW_SUFFIX))
    else:
        return None
    digest = hashlib.sha256()
    for file in files:
        digest.update(file.name.encode() + b"\0")
        try:
            digest.update(hashlib.sha256(file.read_bytes()).digest())
        except OSError:
            digest.update(b"unreadable")
    return digest.hexdigest()


def _reviewed(document: Document, decisions: Decisions, policy: Policy, options: Options, stem: str,
              document_sha256: str) -> tuple[Decisions, dict[str, Any] | None, tuple[str, ...]]:
    path = review_file_for(options, stem)
    if path is None:
        return decisions, None, ()
    applied = apply_review(document, decisions, policy, load_review(path), document_sha256)
    return applied.decisions, applied.record, applied.warnings


def process_document(path: Path, policy: Policy, options: Options, log: AuditLog) -> DocumentResult:
    """One document with its audit block appended to ``log``; raises on failure."""
    outcome = process_one(str(path), policy, options)
    if outcome.error is not None:
        raise (outcome.error_class or RedactError)(outcome.error)
    log.append_block(list(outcome.records), outcome.sealed)
    return document_result(outcome, options.out_dir)


def document_result(outcome: Outcome, out_dir: Path) -> DocumentResult:
    return DocumentResult(outcome.source, outcome.doc_id, outcome.status,
                          {fmt: out_dir / name for fmt, (name, _) in outcome.outputs.items()},
                          outcome.withheld, outcome.released, outcome.labels, outcome.problems, outcome.error,
                          outcome.warnings)
