"""What the command modules share: how an error ends a command, dates, policies."""

from __future__ import annotations

import sys
from datetime import date

import click

from .errors import PolicyError, RedactError
from .policy import Policy, load_policy

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
