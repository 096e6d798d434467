"""``redact review``: the workbench, and the review file's schema, validation and approval."""

from __future__ import annotations

import json
import sys
import webbrowser
from pathlib import Path
from typing import Any

import click

from .cli_common import as_of_date, fail, ocr_option, policy_named
from .errors import InputError, RedactError
from .pipeline import safe_stem
from .review import SUFFIX, ReviewError, approve, load_review, review_json_schema, write_review


class _DocumentFirst(click.Group):
    """``redact review DOC ...`` opens the workbench; ``redact review schema|approve|validate``
    are subcommands."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("-h", "--help"):
            args = ["open", *args]
        return super().parse_args(ctx, args)


@click.group("review", cls=_DocumentFirst)
def review_group() -> None:
    """Review a document in the workbench, or manage review files.

    \b
      redact review DOC --policy P --reviewer NAME    open the workbench on DOC
      redact review approve DOC.review.yaml --by NAME approve a review's declassifications
      redact review validate FILE...                  file:line:col: key: message for every error
      redact review schema                            JSON Schema of the review file

    A review file (DOC.review.yaml) holds the reviewer's overrides of the policy, each with a
    justification; `redact run DOC --review DOC.review.yaml` applies it.
    """


def default_review_path(document: Path) -> Path:
    return document.parent / (safe_stem(str(document)) + SUFFIX)


@review_group.command("open")
@click.argument("document", metavar="DOC", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--policy", "policy_name", default="public-release", show_default=True, help="The policy that proposes.")
@click.option("--review", "review_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The review file to read and save (default: DOC.review.yaml beside DOC).")
@click.option("--reviewer", help="Your name, recorded with every change (default: the review file's reviewer).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="Where Export writes the release copies and the audit log.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Review date (default: today).")
@click.option("--port", type=click.IntRange(0, 65535), default=0, show_default=True,
              help="Port on 127.0.0.1 (0: any free port).")
@click.option("--no-browser", is_flag=True, help="Print the address only; do not open a browser.")
@ocr_option
def review_open(document: Path, policy_name: str, review_file: Path | None, reviewer: str | None, out_dir: Path,
                as_of: str | None, port: int, no_browser: bool, ocr: bool) -> None:
    """Open the workbench on DOC: a local page (127.0.0.1 only, with a secret token in its address)
    showing every portion with its marking and proposed decision, a live preview of the release
    copy, and Save / Export."""
    if not document.is_file():
        fail(InputError("no such file", path=str(document)))
    review_path = review_file or default_review_path(document)
    if reviewer is None and review_path.is_file():
        reviewer = load_review(review_path).data.reviewer
    if not reviewer or not reviewer.strip():
        raise click.UsageError("say who reviews: --reviewer NAME")
    policy = policy_named(policy_name)
    from .workbench import Session, Settings, Workbench, serve, url  # the web server loads for this command only

    try:
        session = Session(Settings(document, policy, review_path, reviewer, out_dir, as_of_date(as_of), ocr))
    except RedactError as error:
        fail(error)
        return
    app = Workbench(session)
    server = serve(app, port)
    address = url(app)
    click.echo(f"redact review: {document} under {policy.name}, review file {review_path}")
    click.echo(f"open {address}  (Ctrl-C stops; the address holds the session's secret token)")
    if not no_browser:
        webbrowser.open(address)
    try:
        server.serve_forever()  # Werkzeug's server ends quietly on Ctrl-C
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        click.echo("\nredact review: stopped" + (" (unsaved changes were not written)" if session.dirty else ""))


@review_group.command("approve")
@click.argument("review_file", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--by", "approver", required=True, help="The approver: a second person, not the reviewer.")
@click.option("--date", "on", metavar="YYYY-MM-DD", help="Date of the approval (default: today).")
def review_approve(review_file: Path, approver: str, on: str | None) -> None:
    """Approve the review FILE as it is now (its declassifications need it); a later edit voids it."""
    review = load_review(review_file)
    approved = approve(review, approver, as_of_date(on))
    write_review(review_file, approved)
    declassified = sum(o.declassify for o in approved.overrides)
    click.echo(f"{review_file}: approved by {approver} ({declassified} declassification(s), "
               f"content sha256 {review.content_sha256[:16]})")


@review_group.command("validate")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
def review_validate(files: tuple[Path, ...]) -> None:
    """Validate review FILES; print file:line:col: key: message for every error."""
    failed = 0
    for file in files:
        try:
            review = load_review(file)
        except ReviewError as error:
            click.echo(str(error), err=True)
            failed += 1
            continue
        data = review.data
        click.echo(f"{file}: ok ({len(data.overrides)} override(s) by {data.reviewer}, "
                   f"approved by {', '.join(review.approvers()) or 'nobody'})")
    if failed:
        sys.exit(2)


@review_group.command("schema")
def review_schema() -> None:
    """Print the JSON Schema of the review file (for editors)."""
    schema: dict[str, Any] = review_json_schema()
    click.echo(json.dumps(schema, indent=2))
