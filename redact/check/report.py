"""Check results for people and for machines: text, JSON, SARIF 2.1.0, JUnit XML, GitHub annotations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import click

from ..version import __version__
from .engine import CheckResult, Finding
from .rules import Severity, all_rule_ids, rule_info

SARIF_LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "note"}
COLOURS = {Severity.ERROR: "red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


def summary_line(result: CheckResult) -> str:
    by_rule = result.by_rule()
    counts = ", ".join(f"{rule} {rule_info(rule)[0]} x{n}" for rule, n in sorted(by_rule.items())) or "none"
    return (f"{len(result.documents)} document(s) checked, {len(result.findings)} finding(s); "
            f"by rule: {counts}")


def render_text(result: CheckResult, colour: bool) -> str:
    lines = []
    for finding in result.findings:
        tag = f"{finding.rule_id} {finding.severity.label}"
        if colour:
            tag = click.style(tag, fg=COLOURS[finding.severity], bold=finding.severity is Severity.ERROR)
        lines.append(f"{finding.path}:{finding.line}:{finding.column}: {tag}: {finding.message} [{finding.name}]")
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"


def render_json(result: CheckResult) -> str:
    body = {"tool": "redact", "version": __version__, "documents": len(result.documents),
            "findings": [f.to_json() for f in result.findings],
            "by_rule": dict(sorted(result.by_rule().items()))}
    return json.dumps(body, indent=2) + "\n"


def _uri(path: str) -> str:
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return candidate.as_uri()
    return candidate.as_posix()


def render_sarif(result: CheckResult) -> str:
    ids = all_rule_ids()
    rules = []
    for rule_id in ids:
        name, severity, summary = rule_info(rule_id)
        rules.append({"id": rule_id, "name": name, "shortDescription": {"text": summary},
                      "fullDescription": {"text": summary},
                      "defaultConfiguration": {"level": SARIF_LEVEL[severity]},
                      "helpUri": "https://github.com/redact-declass/redact#check-rules"})
    results: list[dict[str, Any]] = []
    for finding in result.findings:
        results.append({
            "ruleId": finding.rule_id, "ruleIndex": ids.index(finding.rule_id),
            "level": SARIF_LEVEL[finding.severity], "message": {"text": finding.message},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": _uri(finding.path)},
                "region": {"startLine": max(1, finding.line), "startColumn": max(1, finding.column)}}}],
        })
    log = {"$schema": "https://json.schemastore.org/sarif-2.1.0.json", "version": "2.1.0",
           "runs": [{"tool": {"driver": {"name": "redact", "version": __version__,
                                         "informationUri": "https://github.com/redact-declass/redact",
                                         "rules": rules}},
                     "results": results}]}
    return json.dumps(log, indent=2) + "\n"


def render_junit(result: CheckResult, fail_on: Severity) -> str:
    """One test case per document; a failure per finding at or above --fail-on."""
    suite = ElementTree.Element("testsuite", name="redact check", tests=str(len(result.documents)))
    failures = 0
    for document in result.documents:
        case = ElementTree.SubElement(suite, "testcase", classname="redact.check", name=document)
        bad: list[Finding] = [f for f in result.findings_by_document.get(document, []) if f.severity >= fail_on]
        if bad:
            failures += 1
            failure = ElementTree.SubElement(case, "failure", message=f"{len(bad)} finding(s)",
                                             type=bad[0].rule_id)
            failure.text = "\n".join(str(f) for f in bad)
    suite.set("failures", str(failures))
    suites = ElementTree.Element("testsuites")
    suites.append(suite)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(result: CheckResult) -> str:
    """GitHub workflow commands: an annotation per finding."""
    command = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}
    lines = [f"::{command[f.severity]} file={_escape_property(f.path)},line={f.line},col={f.column},"
             f"title={_escape_property(f.rule_id + ' ' + f.name)}::{_escape_data(f.message)}"
             for f in result.findings]
    lines.append(summary_line(result))
    return "\n".join(lines) + "\n"
