"""``redact check``: the CI gate over marked documents, golden decision files and release copies."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .check import CheckOptions, Severity, check_paths, check_release
from .check.config import discover
from .check.report import render_github, render_json, render_junit, render_sarif, summary_line
from .check.report import render_text as render_check_text
from .check.rules import all_rule_ids
from .cli_common import EXIT_FINDINGS, as_of_date, expand_inputs, fail, ocr_option, policy_named
from .errors import PolicyError, RedactError


@click.command("check")
@click.argument("paths", nargs=-1)
@click.option("--policy", "policy_name", help="Compare decisions with DOC.expected.yaml golden files under this "
              "policy (and the policy for --release).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif", "junit", "github"]),
              help="Report format (default: text).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write the report here.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "note"]),
              help="Exit 1 when a finding is at least this severe (default: error).")
@click.option("--select", help="Only these rule ids, comma-separated (e.g. RD101,RD103).")
@click.option("--ignore", "ignore_ids", help="Skip these rule ids, comma-separated.")
@click.option("--update-expected", is_flag=True, help="Write DOC.expected.yaml beside each document (needs --policy).")
@click.option("--release", "release_copy", type=click.Path(path_type=Path),
              help="A release copy (PDF, HTML or text) to verify against --source and --policy.")
@click.option("--source", "source_doc", type=click.Path(path_type=Path), help="The document the copy was made from.")
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="Date for DECL rules (default: today).")
@click.option("--audience", help="Audience for foreign-release policies.")
@click.option("--type", "doc_type", type=click.Choice(["auto", "cable", "memo"]), default="auto",
              show_default=True, help="Document type; auto chooses by content.")
@ocr_option
def check_command(paths: tuple[str, ...], policy_name: str | None, fmt: str | None, output: Path | None,
                  fail_on: str | None, select: str | None, ignore_ids: str | None, update_expected: bool,
                  release_copy: Path | None, source_doc: Path | None, as_of: str | None, audience: str | None,
                  doc_type: str, ocr: bool) -> None:
    """Lint marked documents, compare decisions with golden files, or verify a release copy (CI gate).

    \b
    Examples:
      redact check fixtures/ --format sarif --output redact.sarif
      redact check fixtures/ --policy public-release --update-expected
      redact check --release copy.pdf --source cable.txt --policy public-release

    \b
    Exit codes: 0 no finding at or above --fail-on; 1 findings; 2 usage or configuration error.
    Configuration: [tool.redact] in pyproject.toml or .redact.yaml (policy, paths, select, ignore,
    fail-on, format); command-line options override it.
    """
    try:
        config, _ = discover()
    except PolicyError as error:
        fail(error)
        return
    fmt = fmt or config.get("format", "text")
    severity = Severity[(fail_on or config.get("fail-on", "error")).upper()]
    chosen_policy = policy_name or config.get("policy")
    selected = _ids(select) if select else (frozenset(config["select"]) if "select" in config else None)
    ignored = _ids(ignore_ids) if ignore_ids else frozenset(config.get("ignore", []))
    known = set(all_rule_ids())
    for rule_id in (selected or frozenset()) | ignored:
        if rule_id not in known:
            raise click.BadParameter(f"unknown rule id {rule_id}", param_hint="--select/--ignore")
    policy = policy_named(chosen_policy) if chosen_policy else None
    if update_expected and policy is None:
        raise click.UsageError("--update-expected needs --policy")
    options = CheckOptions(as_of=as_of_date(as_of or config.get("as-of")), select=selected, ignore=ignored,
                           policy=policy, update_expected=update_expected, doc_type=doc_type, audience=audience,
                           ocr=ocr)
    try:
        if release_copy is not None:
            if source_doc is None or policy is None:
                raise click.UsageError("--release needs --source and --policy")
            result = check_release(release_copy, source_doc, policy, options)
        else:
            targets = expand_inputs(paths or tuple(config.get("paths", ())))
            if not targets:
                raise click.UsageError("no documents to check (give PATHS or set paths in the configuration)")
            result = check_paths(targets, options)
    except RedactError as error:
        fail(error)
        return
    renderers = {"text": lambda: render_check_text(result, colour=output is None and sys.stdout.isatty()),
                 "json": lambda: render_json(result), "sarif": lambda: render_sarif(result),
                 "junit": lambda: render_junit(result, severity), "github": lambda: render_github(result)}
    text = renderers[fmt]()
    if output is not None:
        output.write_text(text, encoding="utf-8")
        click.echo(summary_line(result))
    else:
        click.echo(text, nl=False)
    for written in result.updated:
        click.echo(f"wrote {written}", err=True)
    if any(f.severity >= severity for f in result.findings):
        sys.exit(EXIT_FINDINGS)


def _ids(value: str) -> frozenset[str]:
    return frozenset(v.strip().upper() for v in value.split(",") if v.strip())
