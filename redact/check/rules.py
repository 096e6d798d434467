"""Marking rules, one small function each, with a stable id.

Modelled on the intelligence community's ISM Schematron rules. Each rule's
docstring gives a bad and a good example; the README section is generated
from them (``python -m redact.check.rules``).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from ..echoes import find_echoes
from ..model import Document, Kind, Level, Portion


class Severity(enum.IntEnum):
    NOTE = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Hit:
    """Where a rule fires: a line of the document and what is wrong there (never its text)."""

    line: int
    message: str


@dataclass(frozen=True)
class Rule:
    id: str
    name: str
    severity: Severity
    summary: str
    check: Callable[[Document, date], Iterator[Hit]]

    @property
    def examples(self) -> tuple[str, str]:
        doc = self.check.__doc__ or ""
        bad = doc.split("Bad:", 1)[1].split("Good:", 1)[0].strip() if "Bad:" in doc else ""
        good = doc.split("Good:", 1)[1].strip() if "Good:" in doc else ""
        return _dedent(bad), _dedent(good)


def _dedent(block: str) -> str:
    return "\n".join(line.strip() for line in block.splitlines()).strip()


RULES: dict[str, Rule] = {}


def rule(rule_id: str, name: str, severity: Severity, summary: str) -> Callable[
        [Callable[[Document, date], Iterator[Hit]]], Callable[[Document, date], Iterator[Hit]]]:
    def register(check: Callable[[Document, date], Iterator[Hit]]) -> Callable[[Document, date], Iterator[Hit]]:
        RULES[rule_id] = Rule(rule_id, name, severity, summary, check)
        return check
    return register


def _name(portion: Portion) -> str:
    if portion.number:
        return f"{portion.kind.value} {portion.number}"
    return f"{portion.kind.value} #{portion.index}"


def _classified(document: Document) -> bool:
    banner = document.header.banner
    top = document.highest_level
    return (banner is not None and banner.recognised and banner.level > Level.U) or \
        (top is not None and top > Level.U)


def _field_line(document: Document, name: str) -> int:
    return next((f.start_line for f in document.header.fields if f.name == name), 1)


@rule("RD101", "unmarked-portion", Severity.ERROR, "Every paragraph carries a portion marking.")
def unmarked_portion(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        1. (C) The minister agreed.
        2. The minister also asked for a reply.
    Good:
        1. (C) The minister agreed.
        2. (C) The minister also asked for a reply.
    """
    for portion in document.portions:
        if portion.marking is None and portion.kind in (Kind.PARAGRAPH, Kind.TEXT):
            yield Hit(portion.start_line, f"{_name(portion)} has no portion marking (withheld: fail closed)")


@rule("RD102", "unrecognised-marking", Severity.ERROR, "A portion marking must be one the grammar can read.")
def unrecognised_marking(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        3. (SECRETish) The minister agreed.
    Good:
        3. (S) The minister agreed.
    """
    for portion in document.portions:
        if portion.marking is not None and not portion.marking.recognised and not portion.inherited:
            yield Hit(portion.start_line, f"{_name(portion)} has a marking that cannot be read "
                                          "(treated as TOP SECRET)")


@rule("RD103", "banner-below-portion", Severity.ERROR,
      "The banner is at least as high as the highest portion (an UNCLASSIFIED document has no C, S or TS "
      "portion).")
def banner_below_portion(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        UNCLASSIFIED
        1. (S) The minister agreed.
    Good:
        SECRET
        1. (S) The minister agreed.
    """
    banner = document.header.banner
    if banner is None or not banner.recognised:
        return
    for portion in document.portions:
        marking = portion.marking
        if marking is not None and marking.recognised and not portion.inherited and marking.level > banner.level:
            yield Hit(portion.start_line, f"{_name(portion)} is marked {marking.level.name}, above the banner "
                                          f"({banner.level.name})")


@rule("RD104", "banner-above-portions", Severity.WARNING,
      "The banner is no higher than the highest portion (over-classification).")
def banner_above_portions(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        SECRET
        1. (C) The minister agreed.
    Good:
        CONFIDENTIAL
        1. (C) The minister agreed.
    """
    banner = document.header.banner
    marked = [p.marking for p in document.portions if p.marking is not None and p.marking.recognised]
    if banner is None or not banner.recognised or not marked:
        return
    top = max(m.level for m in marked)
    if any(p.marking is not None and not p.marking.recognised for p in document.portions):
        return  # an unreadable marking may be the high one
    if banner.level > top:
        yield Hit(_field_line(document, "banner"), f"banner {banner.level.name} is above every portion "
                                                   f"(highest {top.name})")


@rule("RD105", "decl-missing-or-invalid", Severity.WARNING,
      "A classified document has a declassification instruction that can be read.")
def decl_missing_or_invalid(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        CONFIDENTIAL
        E.O. 12958: DECL: SOMETIME
    Good:
        CONFIDENTIAL
        E.O. 12958: DECL: 12/11/2033
    """
    if not _classified(document):
        return
    decl = document.header.decl
    if decl is None:
        yield Hit(_field_line(document, "banner"), "classified document without a DECL instruction")
    elif decl.kind == "unknown":
        yield Hit(_field_line(document, "eo"), "the DECL value cannot be read")


@rule("RD106", "classified-by-missing", Severity.ERROR,
      "A classified document names who classified it and the E.O. reasons.")
def classified_by_missing(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        SECRET
        SUBJECT: TALKS
        1. (S) The minister agreed.
    Good:
        SECRET
        SUBJECT: TALKS
        Classified By: Ambassador, Reasons 1.4 (b) and (d)
        1. (S) The minister agreed.
    """
    if not _classified(document) or document.doc_type == "memo":
        return  # a memo may be derivatively classified instead (RD113)
    header = document.header
    if header.classified_by is None:
        yield Hit(_field_line(document, "banner"), "classified document without a Classified By line")
    elif not header.reasons:
        yield Hit(_field_line(document, "classified_by"), "the Classified By line gives no E.O. 1.4 reasons")


@rule("RD107", "decl-passed", Severity.NOTE, "The declassification date has passed as of --as-of.")
def decl_passed(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        E.O. 12958: DECL: 08/28/2019   (checked as of 2026)
    Good:
        E.O. 12958: DECL: 08/28/2039
    """
    decl = document.header.decl
    if _classified(document) and decl is not None and decl.date is not None and decl.kind in ("date", "rds") \
            and decl.date <= as_of:
        yield Hit(_field_line(document, "eo") if any(f.name == "eo" for f in document.header.fields)
                  else _field_line(document, "declassify_on"),
                  f"the declassification date {decl.date.isoformat()} has passed; review for release")


@rule("RD108", "subparagraph-above-parent", Severity.WARNING,
      "A subparagraph is not marked higher than the paragraph it belongs to.")
def subparagraph_above_parent(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        1. (C) The minister listed three points:
        A. (S) The first point.
    Good:
        1. (S) The minister listed three points:
        A. (S) The first point.
    """
    by_index = {p.index: p for p in document.portions}
    for portion in document.portions:
        parent = by_index.get(portion.parent) if portion.parent is not None else None
        if portion.kind is not Kind.SUBPARAGRAPH or parent is None or portion.inherited:
            continue
        if portion.marking and parent.marking and portion.marking.recognised and parent.marking.recognised \
                and portion.marking.level > parent.marking.level:
            yield Hit(portion.start_line, f"{_name(portion)} ({portion.marking.level.name}) is marked above "
                                          f"its {_name(parent)} ({parent.marking.level.name})")


@rule("RD109", "subject-unmarked", Severity.WARNING, "The SUBJECT line of a classified document is marked.")
def subject_unmarked(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        SECRET
        SUBJECT: TALKS WITH THE MINISTER
    Good:
        SECRET
        SUBJECT: (U) TALKS WITH THE MINISTER
    """
    if not _classified(document):
        return
    for fld in document.header.fields:
        if fld.name == "subject" and fld.marking is None:
            yield Hit(fld.start_line, "the SUBJECT line of a classified document has no portion marking")


@rule("RD110", "rel-to-without-usa", Severity.NOTE, "A REL TO list starts with USA.")
def rel_to_without_usa(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        1. (S//REL TO GBR) Shared text.
    Good:
        1. (S//REL TO USA, GBR) Shared text.
    """
    for portion in document.portions:
        marking = portion.marking
        if marking is not None and marking.rel_to and not portion.inherited and marking.rel_to[0] != "USA":
            yield Hit(portion.start_line, f"{_name(portion)}: the REL TO list does not start with USA")


@rule("RD111", "parse-error", Severity.ERROR, "The document can be parsed.")
def parse_error(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        (a document the grammar cannot read at all)
    Good:
        (any cable or memo)
    """
    for problem in document.problems:
        if problem.code == "parse-error":
            yield Hit(problem.line, problem.message)


@rule("RD112", "title-unmarked", Severity.WARNING, "A memo's or article's title carries a portion marking.")
def title_unmarked(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        # Hiring: Let's All Help Scout Out the Best Talent
        FROM: the editor
    Good:
        # (U) Hiring: Let's All Help Scout Out the Best Talent
        FROM: the editor
    """
    if document.doc_type != "memo" or not document.portions:
        return
    first = min(p.start_line for p in document.portions)
    before = [f for f in document.header.fields if f.name in ("header_text", "routing") and f.start_line < first]
    if before:
        yield Hit(before[0].start_line, "the title has no portion marking (withheld: fail closed)")
    elif document.portions[0].marking is None:
        yield Hit(document.portions[0].start_line, "the title has no portion marking (withheld: fail closed)")


@rule("RD113", "derived-from-missing", Severity.ERROR,
      "A classified memo says what it was classified by or derived from.")
def derived_from_missing(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        SECRET//NOFORN
        (S//NF) The minister agreed.
        SECRET//NOFORN
    Good:
        SECRET//NOFORN
        (S//NF) The minister agreed.
        Derived From: DOS CG 1-2, Declassify On: 20351231
        SECRET//NOFORN
    """
    if document.doc_type != "memo" or not _classified(document):
        return
    names = {f.name for f in document.header.fields}
    if not names & {"classified_by", "derived_from"} and document.header.classified_by is None:
        yield Hit(_field_line(document, "banner"), "classified memo without a Classified By or Derived From line")


ECHO_WORDS = 8


@rule("RD114", "echo", Severity.WARNING,
      f"No portion repeats a run of {ECHO_WORDS} words of a portion marked higher (it would give it away).")
def echo(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        1. (C) The minister will resign on Friday after the cabinet meeting.
        2. (U) Press reports say the minister will resign on Friday after the cabinet meeting.
    Good:
        1. (C) The minister will resign on Friday after the cabinet meeting.
        2. (U) Press reports speculate about the cabinet.
    """
    levels = {p.index: p.effective.level for p in document.portions
              if p.effective is not None and p.effective.recognised}
    by_index = {p.index: p for p in document.portions}
    for level in sorted(set(levels.values()))[1:]:
        higher = [(i, by_index[i].text) for i, at in levels.items() if at == level]
        lower = [(i, by_index[i].text) for i, at in levels.items() if at < level]
        for found in find_echoes(lower, higher, ECHO_WORDS):
            low, high = by_index[found.released], by_index[found.withheld]
            yield Hit(low.start_line, f"{_name(low)} ({levels[low.index].name}) repeats {len(found.runs)} run(s) "
                                      f"of {ECHO_WORDS}+ words of {_name(high)} ({levels[high.index].name})")


@rule("RD115", "decl-conflicting", Severity.WARNING,
      "The declassification instructions a document prints agree (the most restrictive governs).")
def decl_conflicting(document: Document, as_of: date) -> Iterator[Hit]:
    """
    Bad:
        SECRET//20401231
        E.O. 12958: DECL: 01/01/2020
    Good:
        SECRET//20401231
        E.O. 12958: DECL: 12/31/2040
    """
    for problem in document.problems:
        if problem.code == "conflicting-decl":
            yield Hit(problem.line, problem.message)


# Findings that come from elsewhere than a document's own markings.
EXTRA_RULES = {
    "RD201": ("expected-decision", Severity.ERROR,
              "The decisions of the policy match the golden file DOC.expected.yaml."),
    "RD301": ("release-leak", Severity.ERROR, "A release copy contains no withheld text, in any channel."),
    "RD302": ("release-structure", Severity.ERROR,
              "A release copy has no attachments or annotations and can be read."),
    # Review files beside the documents (DOC.review.yaml): redact.check.reviews
    "RD401": ("review-invalid", Severity.ERROR,
              "A review file validates, and its justifications repeat no withheld text."),
    "RD402": ("review-stale", Severity.WARNING,
              "A review file was made for this version of the document and of the policy."),
    "RD403": ("review-anchor-broken", Severity.ERROR, "Every override of a review file still matches its item."),
    "RD404": ("review-unapproved-declassification", Severity.ERROR,
              "A release past the policy's ceiling or released controls is a declassification, approved by a second "
              "person."),
}


def all_rule_ids() -> list[str]:
    return sorted([*RULES, *EXTRA_RULES])


def rule_info(rule_id: str) -> tuple[str, Severity, str]:
    if rule_id in RULES:
        r = RULES[rule_id]
        return r.name, r.severity, r.summary
    return EXTRA_RULES[rule_id]


def readme_section() -> str:
    """The README's rule reference, generated from the rules themselves."""
    lines = ["| id | name | severity | what it checks |", "|---|---|---|---|"]
    for rule_id in all_rule_ids():
        name, severity, summary = rule_info(rule_id)
        lines.append(f"| {rule_id} | {name} | {severity.label} | {summary} |")
    for r in RULES.values():
        bad, good = r.examples
        lines += ["", f"**{r.id} {r.name}**", "", "Bad:", "```", bad, "```", "Good:", "```", good, "```"]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    print(readme_section())
