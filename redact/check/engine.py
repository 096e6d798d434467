"""Run the rules over documents, golden decision files and release copies."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from ..decide import Context, Decisions, decide
from ..errors import InputError, RedactError
from ..model import Document
from ..parse import parse
from ..policy import Policy
from ..read import read_source
from ..verify import verify_release
from .rules import RULES, Severity, rule_info

_IGNORE_LINE = re.compile(r"redact:\s*ignore\[([A-Z0-9, ]+)\]")
_IGNORE_FILE = re.compile(r"redact:\s*ignore-file\[([A-Z0-9, ]+)\]")


@dataclass(frozen=True)
class Finding:
    rule_id: str
    severity: Severity
    path: str
    line: int
    column: int
    message: str

    @property
    def name(self) -> str:
        return rule_info(self.rule_id)[0]

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.rule_id} {self.severity.label}: {self.message}"

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule_id, "name": self.name, "severity": self.severity.label, "path": self.path,
                "line": self.line, "column": self.column, "message": self.message}


@dataclass(frozen=True)
class CheckOptions:
    as_of: date = field(default_factory=date.today)
    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    policy: Policy | None = None
    update_expected: bool = False
    doc_type: str = "auto"
    audience: str | None = None
    ocr: bool = False


@dataclass
class CheckResult:
    findings: list[Finding] = field(default_factory=list)
    documents: list[str] = field(default_factory=list)
    findings_by_document: dict[str, list[Finding]] = field(default_factory=dict)
    updated: list[str] = field(default_factory=list)

    def by_rule(self) -> Counter[str]:
        return Counter(f.rule_id for f in self.findings)

    def worst(self) -> Severity | None:
        return max((f.severity for f in self.findings), default=None)

    def add(self, document: str, findings: list[Finding]) -> None:
        self.documents.append(document)
        self.findings_by_document[document] = findings
        self.findings.extend(findings)


def _ignores(text: str) -> tuple[set[str], dict[int, set[str]]]:
    """Inline ignores in a fixture: ``redact: ignore[RD104]`` on a line, ``redact: ignore-file[...]``."""
    whole: set[str] = set()
    by_line: dict[int, set[str]] = {}
    if "redact:" not in text:
        return whole, by_line
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _IGNORE_FILE.finditer(line):
            whole |= {r.strip() for r in match.group(1).split(",")}
        for match in _IGNORE_LINE.finditer(line):
            by_line.setdefault(number, set()).update(r.strip() for r in match.group(1).split(","))
    return whole, by_line


def wanted(rule_id: str, options: CheckOptions) -> bool:
    if options.select is not None and rule_id not in options.select:
        return False
    return rule_id not in options.ignore


def lint_document(document: Document, options: CheckOptions) -> list[Finding]:
    findings = []
    for rule in RULES.values():
        if not wanted(rule.id, options):
            continue
        for hit in rule.check(document, options.as_of):
            findings.append(Finding(rule.id, rule.severity, document.source, hit.line, 1, hit.message))
    return findings


# ---------------------------------------------------------------------------
# golden decisions


def expected_path(path: Path) -> Path:
    return path.with_name(path.stem + ".expected.yaml")


def _portion_key(document: Document, index: int) -> str:
    portion = document.portions[index]
    return f"{portion.kind.value} {portion.number}" if portion.number else f"{portion.kind.value} #{index}"


def decisions_table(document: Document, decisions: Decisions) -> dict[str, Any]:
    portions = [{"index": d.index, "item": _portion_key(document, d.index), "action": d.action,
                 **({"label": d.label} if d.label else {})} for d in decisions.portions]
    fields = [{"index": d.index, "field": document.header.fields[d.index].name, "action": d.action,
               **({"label": d.label} if d.label else {})} for d in decisions.fields]
    return {"portions": portions, "fields": fields}


def write_expected(path: Path, document: Document, decisions: Decisions, policy: Policy) -> None:
    yaml = YAML(typ="rt")
    yaml.default_flow_style = None
    body = {"policy": policy.name, **decisions_table(document, decisions)}
    with expected_path(path).open("w", encoding="utf-8") as stream:
        stream.write(f"# Expected decisions for {path.name} under {policy.name}.\n"
                     "# Regenerate with: redact check --update-expected --policy " + policy.name + "\n")
        yaml.dump(body, stream)


def compare_expected(path: Path, document: Document, decisions: Decisions) -> list[Finding]:
    """Every difference between the golden file and what the policy decides now, showing both."""
    golden = expected_path(path)
    try:
        wanted = YAML(typ="safe").load(golden.read_text(encoding="utf-8")) or {}
    except Exception as error:  # ruamel raises several error types for a broken file
        raise InputError(f"cannot read the expected decisions ({type(error).__name__})", path=str(golden)) from None
    now = decisions_table(document, decisions)
    findings: list[Finding] = []
    lines = {"portions": [p.start_line for p in document.portions],
             "fields": [f.start_line for f in document.header.fields]}
    for section in ("portions", "fields"):
        expected_rows = {row["index"]: row for row in wanted.get(section) or []}
        current_rows = {row["index"]: row for row in now[section]}
        for index in sorted(set(expected_rows) | set(current_rows)):
            before, after = expected_rows.get(index), current_rows.get(index)
            if before is not None and after is not None and \
                    (before.get("action"), before.get("label")) == (after.get("action"), after.get("label")):
                continue
            line = lines[section][index] if after is not None else 1
            name = (after or before or {}).get("item") or (after or before or {}).get("field") or str(index)
            findings.append(Finding("RD201", Severity.ERROR, str(path), line, 1,
                                    f"{name}: expected {_describe(before)}, now {_describe(after)}"))
    return findings


def _describe(row: dict[str, Any] | None) -> str:
    if row is None:
        return "nothing"
    return f"{row.get('action')} {row.get('label') or ''}".strip()


# ---------------------------------------------------------------------------
# entry points


def check_document(path: Path, options: CheckOptions) -> tuple[list[Finding], bool]:
    """Findings for one document; True when a golden file was written."""
    source = read_source(path, ocr=options.ocr)
    document = parse(source.text, source=str(path), doc_id=path.stem, doc_type=options.doc_type)
    findings = lint_document(document, options)
    if source.pdf is not None:  # a PDF's lines are found by page and line
        findings = [replace(f, message=f"{f.message} ({source.where(f.line)})") for f in findings]
    updated = False
    if options.policy is not None:
        decisions = decide(document, options.policy, Context(as_of=options.as_of, audience=options.audience))
        if options.update_expected:
            write_expected(path, document, decisions, options.policy)
            updated = True
        elif expected_path(path).is_file() and wanted("RD201", options):
            findings += compare_expected(path, document, decisions)
    whole, by_line = _ignores(source.text)
    kept = [f for f in findings if f.rule_id not in whole and f.rule_id not in by_line.get(f.line, set())]
    # The review file's findings name its own lines; the document's inline ignores do not apply.
    from .reviews import review_findings  # a sibling that builds on this module's Finding

    kept += review_findings(path, document, source.sha256, options)
    return sorted(kept, key=lambda f: (f.path != str(path), f.line, f.rule_id)), updated


def check_paths(paths: Iterable[Path], options: CheckOptions) -> CheckResult:
    result = CheckResult()
    for path in paths:
        try:
            findings, updated = check_document(path, options)
        except RedactError as error:
            findings, updated = [Finding("RD111", Severity.ERROR, str(path), error.line or 1, error.column or 1,
                                         error.message)], False
        result.add(str(path), findings)
        if updated:
            result.updated.append(str(expected_path(path)))
    return result


def check_release(copy: Path, source_path: Path, policy: Policy, options: CheckOptions) -> CheckResult:
    """Run the leak verifier on a release copy made by anyone, against its source and a policy."""
    source = read_source(source_path)
    document = parse(source.text, source=str(source_path), doc_id=source_path.stem, doc_type=options.doc_type)
    decisions = decide(document, policy, Context(as_of=options.as_of, audience=options.audience))
    suffix = copy.suffix.lower()
    fmt = {".pdf": "pdf", ".html": "html", ".htm": "html"}.get(suffix, "text")
    try:
        data = copy.read_bytes()
    except OSError as error:
        raise InputError(f"cannot read the release copy: {error.strerror}", path=str(copy)) from None
    report = verify_release(data, fmt, document, decisions, policy.ceiling, policy.released_controls)
    findings = [Finding("RD301", Severity.ERROR, str(copy), 1, 1, str(leak)) for leak in report.leaks]
    findings += [Finding("RD302", Severity.ERROR, str(copy), 1, 1, str(f)) for f in report.findings]
    result = CheckResult()
    result.add(str(copy), [f for f in findings if wanted(f.rule_id, options)])
    return result
