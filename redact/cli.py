"""The command line: thin click commands over the library API.

Exit codes: 0 success; 1 findings (a document failed, a leak was caught, a
log does not verify); 2 usage, configuration or input error; 3 internal
error; 130 interrupted.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .audit import verify_log, verify_outputs
from .cli_common import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    as_of_date,
    expand_inputs,
    fail,
    ocr_option,
    policy_named,
)
from .decide import Context, decide
from .errors import AuditError, InputError, PolicyError, RedactError
from .model import Document
from .parse import parse
from .pipeline import FORMATS, DocumentResult, Options, reviews_digest
from .policy import bundled_policies, find_policy, load_policy, policy_json_schema
from .read import DEFAULT_MAX_BYTES, read_source
from .report import RENDERERS, write_report
from .review import apply_review, load_review
from .version import __version__

if TYPE_CHECKING:
    from .crosscheck import Findings

EXIT_PIPE = 141  # 128 + SIGPIPE: what a shell reports for a command whose reader went away

# weasyprint's notice that it subsets fonts with fontTools is not the reviewer's concern.
logging.getLogger("weasyprint").addFilter(lambda record: "HarfBuzz" not in record.getMessage())


# Commands read from their own modules only when called or listed (--help): `redact run` does
# not import the check engine and its report formats, nor the review commands.
_LAZY_COMMANDS = {"check": ("cli_check", "check_command"), "review": ("cli_review", "review_group")}


class _Guarded(click.Group):
    """Turns an unexpected exception into a one-line message and exit 3.

    Exception messages and tracebacks can quote values, and a value may be
    withheld text: only the exception's type and where it was raised are shown.
    REDACT_DEBUG=1 shows the traceback (for a developer, on their own data).
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in _LAZY_COMMANDS and name not in self.commands:
            module, attribute = _LAZY_COMMANDS[name]
            self.add_command(getattr(importlib.import_module(f"{__package__}.{module}"), attribute), name)
        return super().get_command(ctx, name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit, KeyboardInterrupt):
            raise
        except RedactError as error:
            fail(error)
        except BrokenPipeError:
            # The reader went away ("redact explain DOC | head"): stop quietly, as other tools do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(EXIT_PIPE)
        except Exception as error:
            if os.environ.get("REDACT_DEBUG"):
                raise
            frame = traceback.extract_tb(error.__traceback__)[-1]
            where = f"{Path(frame.filename).name}:{frame.lineno}"
            click.echo(f"redact: internal error: {type(error).__name__} at {where} "
                       "(the message is not shown: it may quote document text; REDACT_DEBUG=1 shows it)", err=True)
            sys.exit(EXIT_INTERNAL)


@click.group(cls=_Guarded, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="redact")
def main() -> None:
    """Redact classified cables for release, portion by portion.

    redact reads a marked document (a State Department cable with its portion
    markings), applies a YAML policy that releases or withholds every portion
    and header field, and writes a release copy (HTML, PDF, text) in which
    withheld text is truly gone, verified after writing, with an audit log of
    every decision.

    \b
    Exit codes: 0 ok; 1 findings (failed document, leak caught, log broken);
                2 usage, configuration or input error; 3 internal error;
                130 interrupted.
    """


@main.command("run")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--policy", "policy_name", default="public-release", show_default=True,
              help="A bundled policy name or a policy file.")
@click.option("--format", "formats", default="html,pdf", show_default=True,
              help="Comma-separated output formats: html, pdf, text.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Directory for the release copies and the audit log.")
@click.option("--reviewer", default="unspecified", show_default=True,
              help="Review authority printed on the release stamp.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Review date (default: today); "
              "also the PDF creation date, so outputs are reproducible.")
@click.option("--case", help="FOIA case number for the page header, e.g. F-2014-20439.")
@click.option("--doc-id", "doc_id", help="Document number for the page header (default: file name).")
@click.option("--audience", help="Country the release is for (foreign-release policies).")
@click.option("--audit", "audit_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Audit log to append to (default: OUT/audit.jsonl).")
@click.option("--max-bytes", default=DEFAULT_MAX_BYTES, show_default=True,
              help="Refuse input files larger than this.")
@click.option("--encoding", help="Input encoding when it is not UTF-8 (e.g. cp1252).")
@click.option("--type", "doc_type", type=click.Choice(["auto", "cable", "memo"]), default="auto",
              show_default=True, help="Document type; auto chooses by content.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None,
              help="Documents processed in parallel (default: the machine's cores).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="local processes, or a dask.distributed cluster (pip install 'redact-declass[dask]').")
@click.option("--scheduler", metavar="ADDRESS", help="The dask scheduler, e.g. tcp://10.0.0.5:8786.")
@click.option("--review", "review_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A reviewer's overrides for the one input (DOC.review.yaml, made by `redact review`).")
@click.option("--reviews", "reviews_dir", type=click.Path(file_okay=False, path_type=Path),
              help="A directory of review files for a batch: STEM.review.yaml for each reviewed document.")
@click.option("--layout", type=click.Choice(["retype", "original"]), default="retype", show_default=True,
              help="The PDF copy of a PDF input: typeset anew, or its own pages as images with the withheld "
                   "text painted over and only released text in an invisible text layer.")
@click.option("--consistent", is_flag=True,
              help="Withhold released text that another document of the batch withholds (runs of the policy's "
                   "echo length), under that document's label; without it such text is only reported.")
@click.option("--prior", "prior", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="An earlier run (its output directory or audit log) to compare with: decisions that changed, "
                   "text released before and withheld now, and the reverse. Repeatable.")
@ocr_option
def run_command(inputs: tuple[str, ...], policy_name: str, formats: str, out_dir: Path, reviewer: str,
                as_of: str | None, case: str | None, doc_id: str | None, audience: str | None,
                audit_path: Path | None, max_bytes: int, encoding: str | None, doc_type: str,
                jobs: int | None, engine: str, scheduler: str | None, review_file: Path | None,
                reviews_dir: Path | None, layout: str, consistent: bool, prior: tuple[Path, ...], ocr: bool) -> None:
    """Make release copies of INPUTS (files, directories, globs) under a policy.

    Every copy is verified after it is written (no withheld text in any channel)
    and every decision goes to the audit log. Rerunning the same command resumes.

    \b
    Examples:
      redact run cable.txt --out release --reviewer "J. Smith" --case F-2026-00001
      redact run archive/ --policy declassify-by-date --as-of 2026-11-23 --jobs 2
      redact run cable.txt --policy foreign-release --audience NATO --format pdf
      redact run cable.txt --review cable.review.yaml --reviewer "J. Smith"
      redact run archive/ --consistent --prior last-release/
    """
    chosen = tuple(f.strip() for f in formats.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        raise click.BadParameter(f"unknown format(s) {', '.join(unknown) or '(none)'}; "
                                 f"choose from {', '.join(FORMATS)}", param_hint="--format")
    paths = expand_inputs(inputs)
    if not paths:
        raise click.UsageError("no input documents found")
    if not any(path.exists() for path in paths):  # nothing to do: create no directory and no log
        more = f" (and {len(paths) - 1} more inputs, none of which exists)" if len(paths) > 1 else ""
        fail(InputError(f"no such file{more}", path=str(paths[0])))
    _check_reviews(paths, review_file, reviews_dir)
    policy = policy_named(policy_name)
    options = Options(out_dir=out_dir, formats=chosen, reviewer=reviewer, as_of=as_of_date(as_of),
                      case=case, doc_id=doc_id if len(paths) == 1 else None, audience=audience,
                      max_bytes=max_bytes, encoding=encoding, doc_type=doc_type, review=review_file,
                      reviews_dir=reviews_dir, reviews_sha256=reviews_digest(review_file, reviews_dir), ocr=ocr,
                      layout=layout)
    command = {"policy": policy_name, "formats": list(chosen), "reviewer": reviewer, "case": case,
               "as_of": options.as_of.isoformat(), "inputs": len(paths)}
    if engine == "dask" and not scheduler:
        raise click.UsageError("--engine dask needs --scheduler ADDRESS")
    workers = jobs or os.cpu_count() or 1
    reporter = _Progress(len(paths))
    from .batch import run  # with the index and numpy: only a run imports them

    try:
        result = run(paths, policy, options, audit_path=audit_path, progress=reporter.update,
                     command=command, jobs=min(workers, len(paths)), engine=engine, scheduler=scheduler,
                     consistent=consistent, prior=prior)
    except KeyboardInterrupt:
        reporter.close()
        click.echo("redact: interrupted; finished documents are kept, no partial output was left, "
                   "and the audit log records the interruption; rerun the same command to resume", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except RedactError as error:
        fail(error)
        return
    reporter.close()
    for document in result.documents:
        for warning in document.warnings:
            click.echo(f"redact: warning: {warning}", err=True)
    for failed in result.failed:
        click.echo(f"redact: error: {failed.error}", err=True)
    if result.count <= 20:
        for document in result.documents:
            files = ", ".join(str(p) for p in document.outputs.values())
            click.echo(f"{document.source}: {document.status} ({document.released} released, "
                       f"{document.withheld} withheld) -> {files}")
    statuses = ", ".join(f"{k.lower()} {v}" for k, v in sorted(result.by_status.items()))
    click.echo(f"{result.count - result.failed_count} document(s) released, {result.failed_count} failed, "
               f"{result.skipped} already done" + (f" ({statuses})" if statuses else ""))
    click.echo(f"portions: {result.released} released, {result.withheld} withheld; by exemption: "
               + (", ".join(f"{k} x{v}" for k, v in sorted(result.by_label.items())) or "none"))
    _echo_findings(result.findings, out_dir)
    click.echo(f"audit log: {result.audit_path} (head {result.head})")
    if result.failed_count:
        sys.exit(result.exit_code or EXIT_FINDINGS)


def _echo_findings(findings: Findings | None, out_dir: Path) -> None:
    """The cross-checks in a few lines; the whole of them is in OUT/consistency.json."""
    from .crosscheck import REPORT

    if findings is None:
        return
    summary = findings.summary()
    where = out_dir / REPORT
    if findings.withheld_again:
        click.echo(f"consistency: {findings.withheld_again} document(s) redone to withhold text another "
                   "document withholds")
    if summary["conflicts"]:
        hint = "" if findings.withheld_again or findings.failed_again else "; --consistent withholds them"
        click.echo(f"consistency: {summary['documents']} document(s) release text another document withholds "
                   f"({summary['conflicts']} portion pairs){hint}: {where}")
    for prior in summary["prior"]:
        click.echo(f"compared with {prior['prior']}: {prior['changed_decisions']} changed decision(s), "
                   f"{prior['withheld_before_released_now']} portion pair(s) withheld before and released now, "
                   f"{prior['released_before_withheld_now']} released before and withheld now: {where}")


def _check_reviews(paths: list[Path], review_file: Path | None, reviews_dir: Path | None) -> None:
    """Usage errors before anything is created: a review file belongs to one document."""
    if review_file is not None and reviews_dir is not None:
        raise click.UsageError("give --review (one document) or --reviews (a directory), not both")
    if review_file is not None and len(paths) != 1:
        raise click.UsageError("--review applies to one document; for a batch use --reviews DIR")
    if review_file is not None and not review_file.is_file():
        fail(InputError("no such review file", path=str(review_file)))
    if reviews_dir is not None and not reviews_dir.is_dir():
        fail(InputError("no such directory of review files", path=str(reviews_dir)))


class _Progress:
    """click's progress bar on a terminal (documents, failures, rate, ETA); in CI logs, one quiet
    line per 100 documents instead."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()
        self.bar: Any = None
        if total >= 2 and sys.stderr.isatty():
            self.bar = click.progressbar(length=total, label="redacting", file=sys.stderr, show_eta=True,
                                         show_pos=True, item_show_func=self._status)
            self.bar.__enter__()

    def _rate(self) -> float:
        return self.done / max(time.monotonic() - self.started, 1e-6)

    def _status(self, _: object) -> str:
        return f"{self.failed} failed, {self._rate():.1f}/s"

    def update(self, result: DocumentResult) -> None:
        self.done += 1
        self.failed += result.error is not None
        if self.bar is not None:
            self.bar.update(1, result)
        elif self.total >= 2 and (self.done % 100 == 0 or self.done == self.total):
            rate = self._rate()
            eta = (self.total - self.done) / rate if rate else 0.0
            click.echo(f"{self.done}/{self.total} documents, {self.failed} failed, {rate:.1f}/s, "
                       f"ETA {eta:.0f}s", err=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@main.command("parse")
@click.argument("inputs", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print the parsed model as JSON (one line per document).")
@click.option("--encoding", help="Input encoding when it is not UTF-8.")
@click.option("--type", "doc_type", type=click.Choice(["auto", "cable", "memo"]), default="auto",
              show_default=True, help="Document type; auto chooses by content.")
@ocr_option
def parse_command(inputs: tuple[str, ...], as_json: bool, encoding: str | None, doc_type: str, ocr: bool) -> None:
    """Parse INPUTS and show their header fields and marked portions."""
    failed = 0
    for path in expand_inputs(inputs):
        try:
            source = read_source(path, encoding=encoding, ocr=ocr)
        except InputError as error:
            click.echo(f"redact: error: {error}", err=True)
            failed += 1
            continue
        document = parse(source.text, source=source.path, doc_id=path.stem, doc_type=doc_type)
        if as_json:
            click.echo(json.dumps(document.to_json(), ensure_ascii=False))
            continue
        header = document.header
        click.echo(f"{source.path}: {document.doc_type}, banner {header.banner.canonical if header.banner else '-'}, "
                   f"{len(document.portions)} portions, {len(document.problems)} problems")
        for portion in document.portions:
            marking = portion.marking.text if portion.marking else "(unmarked)"
            flag = " inherited" if portion.inherited else ""
            click.echo(f"  {portion.index:3d} {portion.kind.value:<12} {portion.number or '':>4} "
                       f"{marking}{flag}  lines {portion.start_line}-{portion.end_line}")
        for problem in document.problems:
            where = f" ({source.where(problem.line)})" if source.pdf else ""
            click.echo(f"  {source.path}:{problem.line}: {problem.code}: {problem.message}{where}")
    if failed:
        sys.exit(EXIT_USAGE)


@main.command("explain")
@click.argument("document_path", metavar="DOC", type=click.Path(path_type=Path))
@click.option("--policy", "policy_name", default="public-release", show_default=True)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD")
@click.option("--audience")
@click.option("--type", "doc_type", type=click.Choice(["auto", "cable", "memo"]), default="auto",
              show_default=True, help="Document type; auto chooses by content.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="A table for reading, or JSON for scripts.")
@click.option("--review", "review_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Apply a reviewer's overrides (DOC.review.yaml): shown as rule 'review'.")
@ocr_option
def explain_command(document_path: Path, policy_name: str, as_of: str | None, audience: str | None,
                    doc_type: str, fmt: str, review_file: Path | None, ocr: bool) -> None:
    """Show, for every portion of DOC, the decision and the rule (file:line) that made it."""
    policy = policy_named(policy_name)
    try:
        source = read_source(document_path, ocr=ocr)
    except InputError as error:
        fail(error)
        return
    document = parse(source.text, source=source.path, doc_id=document_path.stem, doc_type=doc_type)
    decisions = decide(document, policy, Context(as_of=as_of_date(as_of), audience=audience))
    reviewed: dict[str, Any] | None = None
    if review_file is not None:
        applied = apply_review(document, decisions, policy, load_review(review_file), source.sha256)
        decisions, reviewed = applied.decisions, applied.record
        for warning in applied.warnings:
            click.echo(f"redact: warning: {warning}", err=True)
    rows = [(f"field {fld.name}", fld.marking.text if fld.marking else "-", decision)
            for fld, decision in zip(document.header.fields, decisions.fields, strict=True)]
    rows += [(f"{portion.kind.value[:4]} {portion.number or '#' + str(portion.index)}",
              (portion.marking.text + ("*" if portion.inherited else "")) if portion.marking else "unmarked", decision)
             for portion, decision in zip(document.portions, decisions.portions, strict=True)]
    starts = [f.start_line for f in document.header.fields] + [p.start_line for p in document.portions]
    if source.pdf is not None:  # a PDF's items are found by page and line
        rows = [(f"{name} ({source.where(line)})", marking, d)
                for (name, marking, d), line in zip(rows, starts, strict=True)]
    names = [name for name, _, _ in rows[len(document.header.fields):]]
    echoes = [(names[e.released], names[e.withheld], len(e.runs)) for e in decisions.echoes]
    if fmt == "json":
        click.echo(json.dumps({"status": decisions.status, "items": [
            {"item": item, "marking": marking, "decision": d.action, "label": d.label, "rule": d.rule_id,
             "source": d.source, "reason": d.reason, "where": source.where(line)}
            for (item, marking, d), line in zip(rows, starts, strict=True)],
            "echoes": [{"released": r, "repeats": w, "runs": n} for r, w, n in echoes],
            "review": reviewed}, indent=2))
        return
    table = [("item", "marking", "decision", "label", "rule")]
    table += [(item, marking, d.action, d.label or "-", f"{d.rule_id} ({d.source})") for item, marking, d in rows]
    widths = [max(len(row[column]) for row in table) for column in range(4)]  # columns fit their longest cell
    for row in table:
        click.echo("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[4])
    action = "withheld" if policy.echoes.action == "withhold" else "released, flagged"
    for released, repeated, runs in echoes:
        click.echo(f"echo: {released} repeats {runs} run(s) of {policy.echoes.words}+ words of withheld "
                   f"{repeated} ({action})")
    if reviewed is not None:
        approvers = ", ".join(reviewed["approvers"]) or "nobody"
        click.echo(f"review: {reviewed['file']} by {reviewed['reviewer']}, approved by {approvers}")
        for override in reviewed["overrides"]:
            declassified = f", declassified under {override['authority']}" if override["declassify"] else ""
            click.echo(f"  {override['target']} #{override['index']}: {override['action']}{declassified}: "
                       f"{override['justification']}")
    click.echo(f"status: {decisions.status}   (* = marking inherited)")


@main.group("policy")
def policy_group() -> None:
    """Validate and show policies."""


@policy_group.command("validate")
@click.argument("files", nargs=-1, required=True)
def policy_validate(files: tuple[str, ...]) -> None:
    """Validate policy FILES (or bundled names); print file:line:col: key: message for errors."""
    failed = 0
    for name in files:
        try:
            policy = load_policy(name)
        except PolicyError as error:
            click.echo(f"{error}", err=True)
            failed += 1
            continue
        click.echo(f"{find_policy(name)}: ok ({policy.name}, {len(policy.rules)} rules, "
                   f"ceiling {policy.ceiling.name}, sha256 {policy.sha256[:16]})")
    if failed:
        sys.exit(EXIT_USAGE)


@policy_group.command("show")
@click.argument("name")
def policy_show(name: str) -> None:
    """Print the resolved policy NAME (after extends) as JSON, each rule with its source line."""
    policy = policy_named(name)
    click.echo(json.dumps({**policy.to_json(), "sha256": policy.sha256}, indent=2))


@policy_group.command("list")
def policy_list() -> None:
    """List the bundled policies."""
    for name in bundled_policies():
        policy = load_policy(name)
        click.echo(f"{name:<22} {policy.description}")


@policy_group.command("schema")
def policy_schema() -> None:
    """Print the JSON Schema of the policy format (for editors)."""
    click.echo(json.dumps(policy_json_schema(), indent=2))


@main.group("audit")
def audit_group() -> None:
    """Verify audit logs."""


@audit_group.command("verify")
@click.argument("log", type=click.Path(path_type=Path))
@click.option("--head", help="Head hash printed by the run: proves no records were cut from the end.")
@click.option("--outputs", "outputs_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Re-hash the release copies in this directory and compare them with the log.")
def audit_verify(log: Path, head: str | None, outputs_dir: Path | None) -> None:
    """Recompute the hash chain of LOG; report the first broken record by line."""
    try:
        result = verify_log(log, head)
        mismatches = verify_outputs(log, outputs_dir) if outputs_dir is not None else []
    except RedactError as error:
        fail(error)
        return
    for message in (*result.errors, *mismatches):
        click.echo(message, err=True)
    if not result.ok or mismatches:
        sys.exit(EXIT_FINDINGS)
    checked = f", release copies in {outputs_dir} match" if outputs_dir is not None else ""
    click.echo(f"{log}: ok, {result.records} records, head {result.head}{checked}")


@audit_group.command("report")
@click.argument("log", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(sorted(RENDERERS)), default="md", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the index to this file instead of standard output.")
def audit_report(log: Path, fmt: str, output: Path | None) -> None:
    """The withholding index (Vaughn index) of LOG: one row per withheld item, totals per exemption."""
    if not log.is_file():
        fail(AuditError("no such audit log", path=str(log)))
    # Streamed: memory does not grow with the log.
    if output is None:
        write_report(log, fmt, lambda piece: click.echo(piece, nl=False))
        return
    temporary = output.with_name(f".{output.name}.tmp")
    with temporary.open("w", encoding="utf-8") as stream:
        count = write_report(log, fmt, stream.write)
    temporary.replace(output)  # never a half-written index under its name
    click.echo(f"{output}: {count} withheld items")


@main.command("stats")
@click.argument("inputs", nargs=-1, required=True)
@ocr_option
def stats_command(inputs: tuple[str, ...], ocr: bool) -> None:
    """A corpus report: portions, markings by canonical form, problems, throughput."""
    paths = expand_inputs(inputs)
    markings: Counter[str] = Counter()
    problems: Counter[str] = Counter()
    unrecognised: Counter[str] = Counter()
    by_layout: dict[str, Counter[str]] = {}
    documents = portions = unmarked = size = 0
    elapsed = 0.0
    for path in paths:
        try:
            source = read_source(path, ocr=ocr)
        except InputError as error:
            click.echo(f"redact: error: {error}", err=True)
            continue
        started = time.perf_counter()
        document = parse(source.text, source=source.path)
        elapsed += time.perf_counter() - started
        documents += 1
        size += source.size
        _count_layout(by_layout.setdefault(document.layout, Counter()), document)
        for portion in document.portions:
            portions += 1
            if portion.marking is None:
                unmarked += 1
            elif not portion.marking.recognised:
                unrecognised[portion.marking.text] += 1
            else:
                markings[portion.marking.canonical] += 1
        problems.update(p.code for p in document.problems)
    click.echo(f"documents: {documents}\nportions: {portions}\nunmarked portions: {unmarked}")
    click.echo("by layout:")
    for name, counts in sorted(by_layout.items()):
        click.echo(f"  {name:<9} documents {counts['documents']}, portions {counts['portions']}, marked "
                   f"{counts['marked']}, unmarked {counts['unmarked']}, unrecognised {counts['unrecognised']}, "
                   f"field overflows {counts['overflows']}, parse errors {counts['errors']}")
    click.echo("markings by canonical form:")
    for name, count in markings.most_common():
        click.echo(f"  {name:<28} {count}")
    click.echo("unrecognised markings: " + (", ".join(f"{k} x{v}" for k, v in unrecognised.most_common())
                                          or "none"))
    click.echo("problems by code: " + (", ".join(f"{k} x{v}" for k, v in problems.most_common()) or "none"))
    rate = size / elapsed / 1e6 if elapsed else 0.0
    click.echo(f"parse throughput: {rate:.2f} MB/s ({size} bytes in {elapsed:.2f} s)")


def _count_layout(counts: Counter[str], document: Document) -> None:
    counts["documents"] += 1
    counts["portions"] += len(document.portions)
    counts["marked"] += sum(p.marking is not None and p.marking.recognised for p in document.portions)
    counts["unmarked"] += sum(p.marking is None for p in document.portions)
    counts["unrecognised"] += sum(p.marking is not None and not p.marking.recognised for p in document.portions)
    counts["overflows"] += sum(p.code == "field-overflow" for p in document.problems)
    counts["errors"] += sum(p.code == "parse-error" for p in document.problems)


def _main_guard() -> Any:  # pragma: no cover - for `python -m redact`
    return main()


