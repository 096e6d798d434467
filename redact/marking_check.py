"""The verifier's second line of defence, independent of how the parser split a document:
released text that prints a portion marking where a portion starts, above the policy's ceiling,
under a control it never releases, or more restricted than the released portion's own marking,
means a classified paragraph rode out inside something released (a header field, a (U)
paragraph). redact.verify runs it on every copy's document; findings name the item, never text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .decide import Decision, Decisions
from .fields import reads_as_prose, title_holds_sentence
from .markings import parse_portion_marking, within_limits
from .model import Document, Level, Marking, restricts
from .shapes import JOINT_OWNERS, OCR_LEVEL, OWNER


@dataclass(frozen=True)
class Finding:
    """Something else wrong with a copy: an attachment, an annotation, unreadable output."""

    channel: str
    message: str

    def __str__(self) -> str:
        return f"{self.channel}: {self.message}"


def text_with_labels(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """``text`` as a copy shows it: each withheld span (start, end, label) replaced by its label."""
    parts, position = [], 0
    for start, end, label in spans:
        parts.append(text[position:start])
        parts.append(f" {label} ")
        position = end
    parts.append(text[position:])
    return "".join(parts)


# A portion marking where a portion starts: after a paragraph number ("1. (C)", "¶2 (S//NF)"),
# at a line start (after markdown "#" or "**"), or after a sentence end (". (S) The"), printed
# in capitals (or with a level OCR read as a digit: "(5//SI)") and followed by a sentence.
# "Reasons 1.4 (b) and (d)", "1.4 (C)", list labels "(a) (b) (c)" and lettered
# references ("(B) STATE 12 (C) STATE 34") are not in that position or not of that shape.
_PORTION_START = re.compile(
    r"(?:(?:^|(?<=\s))(?:¶[ \t]*)?\d{1,3}(?:[ \t]?\.|\))[ \t]{0,6}|^[ \t*#]*|(?<=[.;])[ \t]{1,6})"
    r"(?P<mark>\([ \t]*" + OWNER
    + r"(?:TOP SECRET|SECRET|CONFIDENTIAL|TS|S|C|U|SBU|(?=" + OCR_LEVEL + r")[A-Z0-9$]{1,5})" + JOINT_OWNERS +
    r"(?:[ \t]*(?:/{1,2}|-)[ \t]*[A-Za-z][^()\n\d]{0,30})?[ \t]*\))(?=[ \t]+[A-Z\"“'])", re.M)


# The same after a paragraph number, with the marking's "(" lost ("... spring. 2. S) The minister").
_LOST_PORTION_START = re.compile(
    r"(?:^|(?<=\s))(?:¶[ \t]*)?\d{1,3}(?:[ \t]?\.{1,2}|\))[ \t]{0,6}"
    r"(?P<mark>(?:TOP SECRET|SECRET|CONFIDENTIAL|TS|S|C|U|SBU)(?:/{1,2}[A-Za-z]{1,8})*\))(?=[ \t]+[A-Z\"“'])", re.M)


def _reference_letter(text: str, match: re.Match[str]) -> bool:
    """"(C)" after "(B)" or "B." earlier in the same text: a lettered list, not a marking."""
    word = match.group("mark").strip("() \t")
    if len(word) != 1 or re.search(r"\d[ \t]?[.)]", match.group(0)):
        return False
    before = text[:match.start()]
    previous, own = re.escape(chr(ord(word) - 1)), re.escape(word)
    # (the verifier's own reading of a list, stricter than the parser's: labels of one style, the
    # letter before printed "(B)" and this one not yet; "(Ref B)" or "B." is no label of this list)
    return re.search(rf"\([ \t]*{previous}[ \t]*\)", before) is not None \
        and re.search(rf"\([ \t]*{own}[ \t]*\)", before) is None


# "(C) AND (D)" after "REASONS 1.4", a narrow page having wrapped the line before the letters:
# classification reasons (1.4 (a) to (h)), not a portion marking.
_MORE_REASONS = re.compile(r"[ \t]+(?:AND|OR|and|or|&)[ \t]+[(\[]?[A-Ha-h][)\]]")


def _reason_letters(text: str, match: re.Match[str]) -> bool:
    return match.group("mark").strip("() \t") in _REASON_LETTERS and _MORE_REASONS.match(text, match.end()) is not None


_REASON_LETTERS = frozenset("ABCDEFGH")


def markings_above(text: str, ceiling: Level, controls: frozenset[str] | None = None) -> list[str]:
    """Portion markings above ``ceiling`` (or under a control not in ``controls``) printed where
    a portion starts in ``text``."""
    found = []
    for match in _PORTION_START.finditer(text):
        marking = parse_portion_marking(match.group("mark"))
        if not within_limits(marking, ceiling, controls) and not _reference_letter(text, match) \
                and not _reason_letters(text, match):
            found.append(marking.canonical)
    if ")" in text:
        for match in _LOST_PORTION_START.finditer(text):
            marking = parse_portion_marking("(" + match.group("mark"))
            if not within_limits(marking, ceiling, controls):
                found.append(marking.canonical)
    return found


# After a subparagraph's label that a reflowed copy ran on into the paragraph above it ("... his
# reform B. (C) The sites", "(A) ... (B) (S) The crossing", "(2) (C) The", "Cell, -- (S) Our source"): a portion
# starts there; a narrow page may have wrapped the marking inside its parentheses ("( S" / ") Our").
_LABEL_START = re.compile(
    r"(?<=\s)(?:\([ \t]*(?:[A-Za-z]|\d{1,2})[ \t]*\)|(?:[A-Za-z]|[ivx]{1,4})[.)]|-{1,3}|[*\u2022\u2013\u2014])"
    r"[ \t]{1,6}(?P<mark>\([ \t]*\n?[ \t]*"
    + OWNER + r"(?:TOP SECRET|SECRET|CONFIDENTIAL|TS|S|C|U|SBU)" + JOINT_OWNERS
    + r"(?:[ \t]*(?:/{1,2}|-)[ \t]*[A-Za-z][^()\n\d]{0,30})?[ \t]*\n?[ \t]*\))(?=[ \t]+[A-Z\"“'])")


def _markings_above_its_own(text: str, own: Marking) -> list[str]:
    """Markings printed where a portion starts in a released portion's ``text`` (after words: not
    its own, at its start) that restrict its ``own`` marking, whatever the policy's ceiling: a
    portion the parser did not split off rode out under the marking of the one it ran on in."""
    found = []
    for pattern in (_PORTION_START, _LABEL_START):
        for match in pattern.finditer(text):
            if _TWO_LETTERS.search(text, 0, match.start("mark")) is None or _reference_letter(text, match) \
                    or _reason_letters(text, match):
                continue
            marking = parse_portion_marking(match.group("mark"))
            if marking.canonical != own.canonical and restricts(own, marking):
                found.append(marking.canonical)
    return found


_TWO_LETTERS = re.compile(r"[A-Za-z]{2}")


# Anywhere in released text: a marking no list label or reason letter looks like, a level of more
# than one letter or one with a control ("(TS//SI)", "(SECRET)", "(C/NF)", "(S - NF)"), a line break
# allowed where a narrow page wrapped it ("(TOP" / "SECRET//NOFORN)", "(S//REL TO USA," / "FVEY)").
_SPELLED_MARKING = re.compile(
    r"\([ \t]*" + OWNER + r"(?:(?:TOP\s+SECRET|SECRET|CONFIDENTIAL|TS|SBU)" + JOINT_OWNERS
    + r"(?:\s*(?:/{1,2}|-)\s*[A-Za-z][^()\d]{0,40}?)?|(?:S|C|U)" + JOINT_OWNERS
    + r"\s*(?:/{1,2}|-)\s*[A-Za-z][^()\d]{0,40}?)\s*\)")


def _spelled_markings_above(text: str, ceiling: Level, controls: frozenset[str] | None) -> list[str]:
    """Markings of that shape anywhere in ``text`` above ``ceiling`` (or under a control outside
    ``controls``): the parser withholds a portion that prints one above its own marking."""
    found = []
    for match in _SPELLED_MARKING.finditer(text):
        marking = parse_portion_marking(match.group(0))
        if not within_limits(marking, ceiling, controls):
            found.append(marking.canonical)
    return found


# Anywhere in a released header field: a portion marking printed in capitals.
_FIELD_MARKING = re.compile(r"\([ \t]*" + OWNER + r"(?:TOP SECRET|SECRET|CONFIDENTIAL|TS|S|C|SBU)" + JOINT_OWNERS +
                            r"(?:[ \t]*(?:/{1,2}|-)[ \t]*[A-Za-z][^()\n\d]{0,30})?[ \t]*\)")


def _field_markings_above(name: str, text: str, ceiling: Level, controls: frozenset[str] | None) -> list[str]:
    """Nothing a policy releases as a header field may print a marking above the ceiling, at any
    place; one-letter ones under REF and Classified By are reference letters and reasons."""
    found = []
    for match in _FIELD_MARKING.finditer(text):
        one_letter = len(match.group(0).strip("() \t")) == 1
        if one_letter and name in ("header field ref", "header field classified_by"):
            continue
        marking = parse_portion_marking(match.group(0))
        if not within_limits(marking, ceiling, controls):
            found.append(marking.canonical)
    return found


# A one-letter marking in a released REF field, opening a line or an item of a line that holds
# several ("A. STATE 12 B. STATE 34 (C) ..."): a reference letter only before a cited message's
# number ("(C) 09 STATE 030541", "(B) BUENOS AIRES 1115"); before words alone ("(C) EMBASSY PARIS
# DAILY REPORT FOR FEBRUARY 6") it may be CONFIDENTIAL, whatever letters came before it. The
# parser withholds such text (redact.header.opens_portion, redact.fields); this checks the copy.
_CITED_NUMBER = re.compile(r"[(\[]?[0-9][0-9/.-]*[)\],;:.]*")  # a word that is a number, not "CANARY0653X5"
_REF_LINE_MARKING = re.compile(r"(?<!\S)(?:(?:¶?[A-Za-z][.)]|-{1,3}|[*\u2022])[ \t]*)?"
                               r"(?P<mark>\([ \t]*[CS][ \t]*\))[ \t]+(?P<rest>[^\n]*)")


def _cites(words: list[str]) -> bool:
    """A number among an item's first words, before the next item's label ("C)", "D.", "(E)")."""
    for word in words:
        if re.fullmatch(r"\(?[A-Za-z][.)]", word):
            return False
        if _CITED_NUMBER.fullmatch(word):
            return True
    return False


def _uncited_reference_letters(text: str, ceiling: Level, controls: frozenset[str] | None) -> list[str]:
    found = []
    for match in _REF_LINE_MARKING.finditer(text):
        if _cites(match.group("rest").split()[:4]):
            continue  # a message cited ("STATE 1234", "09 KABUL 4039;"): a reference letter
        marking = parse_portion_marking(match.group("mark"))
        if not within_limits(marking, ceiling, controls):
            found.append(marking.canonical)
    return found


# In a released Classified By field, a one-letter marking before a word, at a line's start (after
# a list's lead) or after a space: "(b) and (d)" and "(B) AND (D)" are its reasons; "-- (S) PLAN",
# "* (c) CANARY" and "Wood (c) CANARY PLAN Reason: 1.4 (b,d)" are not.
_LETTER_BEFORE_WORD = re.compile(r"(?:^|(?<=\s))[ \t]*(?:(?:-{1,3}|[*\u2022]|[A-Za-z0-9][.)])[ \t]+)?"
                                 r"(?P<mark>\([ \t]*[CSUcsu][ \t]*\))[ \t]+(?!(?i:and|or)\b)[A-Za-z]{2}", re.M)


def _letters_before_words(text: str, ceiling: Level, controls: frozenset[str] | None) -> list[str]:
    found = []
    for match in _LETTER_BEFORE_WORD.finditer(text):
        marking = parse_portion_marking(match.group("mark").upper())
        if not within_limits(marking, ceiling, controls):
            found.append(marking.canonical)
    return found


def released_markings(document: Document, decisions: Decisions, ceiling: Level,
                      controls: frozenset[str] | None = None) -> list[Finding]:
    """A second line of defence, independent of how the parser split the document: released text
    that prints a portion marking above the policy's ceiling (or under a control outside the
    policy's ``released_controls``) where a portion starts means a classified paragraph rode out
    inside something released (a header field, a (U) paragraph)."""
    findings = []
    released: list[tuple[str, str, Decision, Marking | None]] = [
        (f"header field {f.name}", f.text, d, None)
        for f, d in zip(document.header.fields, decisions.fields, strict=True)]
    released += [(f"{p.kind.value} {p.number or '#' + str(p.index)}", p.text, d, p.effective)
                 for p, d in zip(document.portions, decisions.portions, strict=True)]
    for name, text, decision, own in released:
        if decision.withheld or decision.declassified:
            continue
        shown = text_with_labels(text, ((s.start, s.end, s.label) for s in decision.spans))
        above = markings_above(shown, ceiling, controls) + _spelled_markings_above(shown, ceiling, controls)
        if own is not None and own.recognised:
            findings += [Finding("released text", f"{name} prints a {canonical} portion marking where a portion "
                                 f"starts, more restricted than its own ({own.canonical})")
                         for canonical in dict.fromkeys(_markings_above_its_own(shown, own))]
        if name.startswith("header field"):
            above += _field_markings_above(name, shown, ceiling, controls)
            if name == "header field ref":
                above += _uncited_reference_letters(shown, ceiling, controls)
            if name == "header field classified_by":
                above += _letters_before_words(shown, ceiling, controls)
            if name.removeprefix("header field ") in _ADDRESSING and reads_as_prose(" ".join(shown.split())):
                findings.append(Finding("released text", f"{name} holds a sentence (\"the ... will\", \"said that\"): "
                                        "running prose rode out in a line released as addressing or reference"))
            if name == "header field subject" and title_holds_sentence(shown):
                findings.append(Finding("released text", f"{name} holds a sentence after its title: running prose "
                                        "rode out in the released subject line"))
        for canonical in dict.fromkeys(above):
            findings.append(Finding("released text", f"{name} prints a {canonical} portion marking above the "
                                    f"policy's ceiling ({ceiling.name}) or under a control it never releases"))
    return findings


# Header fields released as addressing, codes and references: no sentence belongs in them (a
# memo's addressing block names people and offices). The subject is a title, checked on its own
# terms above; header text is prose a policy chose to release.
_ADDRESSING = frozenset({"routing", "caption", "eo", "tags", "ref", "classified_by", "derived_from", "declassify_on",
                         "memo_header"})
