"""An independent leak scan for whole-corpus tests: find every printed portion marking in a
document with a plain regular expression (at a line start, after a paragraph number, or
after a sentence end in the middle of a line), cut the text into segments at those places,
and ask what a policy must do with a paragraph of each segment's marking. No 6-word run of
a segment the policy must withhold may be in the released text, unless the same run is
also in a segment the policy may release (cables repeat themselves).

The scan shares nothing with the parser but the marking reader, so a paragraph the parser
folds into a header field, or reads at a lower level, shows up here as a leak.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from redact import Context, Policy, decide
from redact.decide import decide_portion
from redact.markings import parse_portion_marking
from redact.model import Document, Kind, Portion
from redact.verify import released_text, words

GRAM = 6
_LEVEL = r"(?:TOP SECRET|SECRET|CONFIDENTIAL|UNCLASSIFIED|TS|S|C|U|SBU|FOUO|LOU)"
_MARK = rf"\(\s*(?://\s*(?:JOINT|[A-Z]{{3}})\s+)?{_LEVEL}(?:\s*(?:/{{1,2}}|-|\s)\s*[A-Za-z][A-Za-z ,/-]{{0,30}})?\s*\)"
# A marking where a portion starts: after a paragraph number ("1. (C)", "1 .(C)", "¶2 (S)"),
# at a line start, or after a sentence end in the middle of a line (". (C) Summary").
START = re.compile(
    rf"(?:(?:^|(?<=\s))(?:¶[ \t]*)?\d{{1,3}}(?:[ \t]?[.,]|\))?[ \t]{{0,6}}|^[ \t*#>\"\u2022-]*|(?<=[.:;)])\s{{1,6}})"
    rf"(?P<mark>{_MARK})", re.M)


@dataclass(frozen=True)
class Segment:
    marking: str
    text: str
    start: int
    end: int


# A portion ends at the next marking, at a blank line or a divider, or where a header field name is printed.
_FIELD_NAME = (r"(?i:from:|run[ \t]+date\b|classified[ \t]+by\b|refs?\b|reftels?\b|tags\b|subj(?:ect)?\b"
               r"|derived[ \t]+from[ \t]*:|declassify[ \t]+on[ \t]*:|dynamic[ \t]+page[ \t]+--)")
END = re.compile(rf"\n[ \t]*\n|\n(?=[ \t]*[-=_]{{3}})|\n(?=[ \t]*{_FIELD_NAME})"
                 r"|[ \t](?=(?:REF|REFS|TAGS|SUBJECT|Classified By|CLASSIFIED BY):)")
# "(C) SAO PAULO 260" in a list of lettered references: the letter C, not a marking.
# A "B." item follows a line start or a cited number ("A. STATE 12 B. STATE 34"), not a name
# ("Alva B. Lasswell").
_REFERENCE_LIST = re.compile(r"\bREF|(?:^|\n[ \t]*¶?[ \t]*|[\d,;)][ \t]+)\(?B[.)]\s")


def _is_reference_letter(text: str, match: re.Match[str]) -> bool:
    if match.group("mark").strip("() ") not in ("C", "S", "U") or re.search(r"\d[ \t]?[.)]", match.group(0)):
        return False  # a numbered paragraph ("3. (C)") is no reference letter
    # Looked for in the same block, from the line before this one: a lettered list's letters are
    # printed a line or two apart; a memo printed one paragraph per line has no blank lines,
    # and "William B. Black" pages earlier is no list.
    line_start = text.rfind("\n", 0, match.start())
    previous_line = text.rfind("\n", 0, max(line_start, 0))
    block = max(text.rfind("\n\n", 0, match.start()), previous_line, 0)
    return _REFERENCE_LIST.search(text, block, match.start()) is not None  # from the newline: "\n(B)"


def segments(text: str) -> list[Segment]:
    """The text after each printed marking up to the next one or the end of its block (the header
    before the first marking is left out)."""
    found = [m for m in START.finditer(text) if not _is_reference_letter(text, m)]
    result = []
    for i, match in enumerate(found):
        stop = found[i + 1].start() if i + 1 < len(found) else len(text)
        end = END.search(text, match.end(), stop)
        result.append(Segment(match.group("mark"), text[match.end():end.start() if end else stop],
                              match.start(), end.start() if end else stop))
    return result


REPEATED_HEADER = re.compile(r"^[ \t]*(?:(?:[A-Z] ){4,}.*SECTION.*|E\.O\. \d{5}.*|TAGS.*)$", re.M)


def _grams(text: str) -> set[tuple[str, ...]]:
    tokens = words(text)
    return {tuple(tokens[i:i + GRAM]) for i in range(len(tokens) - GRAM + 1)}


def must_withhold(marking: str, document: Document, policy: Policy, context: Context) -> bool:
    """What the policy does with a paragraph printed with this marking in this document."""
    probe = Portion(0, Kind.PARAGRAPH, "1", parse_portion_marking(marking), False, "x", 1, 1)
    return decide_portion(probe, document, policy, context).withheld


def leaked_segments(text: str, document: Document, policy: Policy, context: Context) -> list[Segment]:
    """Segments the policy must withhold whose words (6-grams) are in the released text."""
    released = _grams(released_text(document, decide(document, policy, context)))
    withheld = [s for s in segments(text) if must_withhold(s.marking, document, policy, context)]
    # Everything outside the segments to withhold may be released: its words may come back in one.
    outside, position = [], 0
    for segment in withheld:
        outside.append(text[position:segment.start])
        position = max(position, segment.end)
    outside.append(text[position:])
    # Header lines a multi-section cable prints again inside a paragraph (banner, E.O., TAGS)
    # are page furniture the header releases, wherever they stand.
    allowed = _grams("\n".join(outside + REPEATED_HEADER.findall(text)))
    return [s for s in withheld if (_grams(s.text) - allowed) & released]
