"""Rules for review files beside the documents (DOC.review.yaml, made by `redact review`):
a review that no longer fits its document, or that `redact run --review` would refuse."""

from __future__ import annotations

from pathlib import Path

from ..decide import Context, decide
from ..errors import PolicyError, RedactError
from ..model import Document
from ..pipeline import safe_stem
from ..policy import Policy, load_policy
from ..review import SUFFIX, Review, ReviewError, apply_review, broken_overrides, declassifies, items, load_review
from .engine import CheckOptions, Finding, wanted
from .rules import rule_info


def review_path(document_path: Path) -> Path:
    return document_path.parent / (safe_stem(str(document_path)) + SUFFIX)


def _finding(rule_id: str, path: str, line: int | None, message: str, column: int | None = None) -> Finding:
    return Finding(rule_id, rule_info(rule_id)[1], path, line or 1, column or 1, message)


def review_findings(document_path: Path, document: Document, document_sha256: str,
                    options: CheckOptions) -> list[Finding]:
    """Findings for the review file beside a document, if there is one."""
    path = review_path(document_path)
    if not path.is_file():
        return []
    try:
        review = load_review(path)
    except ReviewError as error:
        return [_finding("RD401", str(path), p.line, (f"{p.key}: " if p.key else "") + p.message, p.column)
                for p in (error, *error.also)]
    findings: list[Finding] = []
    if review.data.document.sha256 != document_sha256:
        findings.append(_finding("RD402", str(path), 1, "the review was made for another version of the "
                                 "document (its sha256 differs)"))
    broken = set(broken_overrides(review, document))
    findings += [_finding("RD403", str(path), review.lines[n], f"overrides[{n}]: {o.target} {o.index} no longer "
                          "matches its item (anchor)") for n, o in enumerate(review.data.overrides) if n in broken]
    policy = _policy(review, options)
    if policy is not None:
        findings += _policy_findings(review, document, document_sha256, policy, options, broken)
    return [f for f in findings if wanted(f.rule_id, options)]


def _policy(review: Review, options: CheckOptions) -> Policy | None:
    if options.policy is not None:
        return options.policy
    try:
        return load_policy(review.data.policy.name)
    except PolicyError:
        return None


def _policy_findings(review: Review, document: Document, document_sha256: str, policy: Policy,
                     options: CheckOptions, broken: set[int]) -> list[Finding]:
    findings: list[Finding] = []
    if review.data.policy.sha256 != policy.sha256:
        findings.append(_finding("RD402", review.path, 1, f"the review was made under another version of the "
                                 f"policy {review.data.policy.name} (its sha256 differs)"))
    decisions = decide(document, policy, Context(as_of=options.as_of, audience=options.audience))
    known = items(document)
    for number, override in enumerate(review.data.overrides):
        if number in broken or override.action != "release":
            continue
        chosen = decisions.portions if override.target == "portion" else decisions.fields
        item = known[(override.target, override.index)]
        if not declassifies(item, chosen[override.index], policy):
            continue
        if not override.declassify:
            findings.append(_finding("RD404", review.path, review.lines[number], f"overrides[{number}]: releases "
                                     "past the policy's ceiling without `declassify: true`"))
        elif not review.approvers():
            findings.append(_finding("RD404", review.path, review.lines[number], f"overrides[{number}]: a "
                                     "declassification without an approval by a second person over this content"))
    if not broken:
        try:
            apply_review(document, decisions, policy, review, document_sha256, "skip")
        except RedactError as error:
            findings.append(_finding("RD401", review.path, error.line, error.message))
    return findings
