"""What the command modules share: how an error ends a command, dates, policies."""

from __future__ import annotations

import glob
import sys
from datetime import date
from pathlib import Path

import click

from .errors import PolicyError, RedactError
from .policy import Policy, load_policy

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

ocr_option = click.option(
    "--ocr", is_flag=True,
    help="Read PDF pages that have no text layer (scans) with Tesseract; without it they are refused.")


def fail(error: RedactError) -> None:
    for line in str(error).splitlines() or [""]:  # a policy with several problems: one line each
        click.echo(f"redact: error: {line}", err=True)
    sys.exit(error.exit_code)


def as_of_date(value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def policy_named(name: str) -> Policy:
    try:
        return load_policy(name)
    except PolicyError as error:
        fail(error)
        raise  # unreachable: fail exits


def expand_inputs(inputs: tuple[str, ...]) -> list[Path]:
    """Files, directories (every *.txt and *.pdf below them, release copies aside) and glob patterns,
    in a stable order."""
    paths: list[Path] = []
    for item in inputs:
        candidate = Path(item)
        try:
            is_dir = candidate.is_dir()
        except OSError:
            is_dir = False  # unreadable: read_source reports it for the file itself
        if is_dir:
            found = [*candidate.rglob("*.txt"), *candidate.rglob("*.pdf")]
            paths.extend(sorted(p for p in found if p.is_file() and not p.name.endswith(".release.pdf")))
        elif not candidate.exists() and glob.has_magic(item):
            paths.extend(sorted(Path(p) for p in glob.glob(item, recursive=True) if Path(p).is_file()))
        else:
            paths.append(candidate)
    return paths
