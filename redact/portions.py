"""Portions: the one being assembled (its lines so far), and after assembly their numbers and
labels, markings printed inside them, headings that take the markings of what they head, and the
signature that closes a cable.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache

from .fields import is_capitals_sentence
from .markings import parse_portion_marking, unrecognised
from .model import HEADING, SIGNATURE, TEXT, Kind, Marking, Portion, Problem, combine, restricts
from .shapes import (
    DEBRIS,
    LEVEL_SHAPED,
    MARKING_SHAPE,
    OPENS_WITH_MARKING,
    PRINTED_MARKING,
    RULE_CHAR,
    clean_field_text,
    continues_lettered_list,
    ends_sentence,
)


@dataclass(slots=True)
class OpenPortion:
    """A portion being assembled from consecutive items."""

    kind: Kind
    number: str | None
    marking: Marking | None
    inherited: bool
    start_line: int
    end_line: int
    lines: list[str] = field(default_factory=list)
    parent: int | None = None
    # Markings of lines that went on with its sentence (see redact.assemble.Assembler._continues_sentence).
    carried: list[Marking] = field(default_factory=list)
    # Whether a quotation is open after the first ``quote_read`` lines (see ``quoting``).
    quote_open: bool = False
    quote_read: int = 0

    def add(self, text: str, line: int, count: int = 1) -> None:
        self.lines.append(text)
        self.end_line = max(self.end_line, line + count - 1)

    def quoting(self) -> bool:
        """Is a quotation open at the end of the text so far ("BEGIN TEXT" / "BEGIN QUOTE" with no
        END after it)? Each line is read once, when this is first asked after it was added (asked
        only when a block may go on with the portion, far less often than lines are added)."""
        for text in self.lines[self.quote_read:]:
            if "TEXT" in text or "QUOTE" in text or "ext" in text or "uote" in text:
                upper = text.upper()
                begin = max(upper.rfind("BEGIN TEXT"), upper.rfind("BEGIN QUOTE"))
                end = max(upper.rfind("END TEXT"), upper.rfind("END QUOTE"))
                if begin != end:
                    self.quote_open = begin > end
        self.quote_read = len(self.lines)
        return self.quote_open

    def ends_sentence(self) -> bool:
        """Does the text so far end a sentence (redact.shapes.ends_sentence: at its last line that is
        not blank)?"""
        for line in reversed(self.lines):
            if line and not line.isspace():
                return ends_sentence(line)
        return False


_NUMBER = re.compile(r"\d{1,3}")

# One to twelve words, each opening with a capital or a digit. Words are split by spaces only,
# so the pattern cannot split one word many ways (which backtracked for minutes on long words).
_HEADING_LINE = re.compile(r"^[^a-z]*$|^[A-Z0-9][\w'\"/&,.:()-]*(?:\s+[A-Z0-9][\w'\"/&,.:()-]*){0,11}\s*$")

# In capitals ("HOAGLAND", "VAN VOORST"), or one name in Title Case ("Beyrle", "McMullen").
_SIGNATURE = re.compile(r"^[A-Z][A-Z .'-]{1,30}$|^(?:Mc|Mac|O')?[A-Z][a-z'-]{1,30}$")


def number_of(lead: str) -> str | None:
    if "[" in lead:  # "[1](#)2." carries a viewer's footnote number before the real one
        lead = DEBRIS.sub("", lead)
    found = _NUMBER.search(lead)
    return found.group(0) if found else None


def inline_markings(text: str, own: Marking | None, carried: Sequence[Marking] = ()) -> tuple[Marking, ...]:
    """Markings printed inside a portion that change its own ("(U) ... -- (S) ...", "(C) ...
    (C//NF) ..."): higher, with other controls, or unreadable (then TOP SECRET: fail closed).
    A one-letter one that goes on a list lettered before it ("(b) ... (c) Definition") is a label.
    ``carried``: markings the grammar read at the start of lines the portion took in (no label)."""
    if own is None or "(" not in text:
        return ()
    if carried:
        inside = inline_markings(text, own)
        return inside + tuple(m for m in dict.fromkeys(carried) if m not in inside and _restricts(own, m))
    found = []
    for match in LEVEL_SHAPED.finditer(text):
        printed = match.group(0)
        if printed == own.text:
            continue  # its own marking, printed at its start
        letter = printed.strip("() \t")
        if len(letter) == 1 and continues_lettered_list(text, match.start(), letter):
            continue
        marking = parse_portion_marking(printed) if printed.endswith(")") else _wrapped(printed, text, match.end())
        if _restricts(own, marking):
            found.append(marking)
    return tuple(found)


# The rest of a marking that a line break cut: "(CONFIDENTIAL//REL AUSTRALIA" / "GROUP)".
_WRAPPED_REST = re.compile(r"[^()\n]{0,40}\n[ \t]*[^()\n]{0,40}?\)")


def _wrapped(printed: str, text: str, end: int) -> Marking:
    """A marking left open at the end of its line, read with its rest from the next line when
    the two make a marking of one line's shape that the grammar reads; else unreadable (TOP
    SECRET: fail closed)."""
    rest = _WRAPPED_REST.match(text, end)
    if rest is not None:
        joined = " ".join((printed + rest.group(0)).split())
        # only what one line could print as a whole marking: no longer for being wrapped
        marking = parse_portion_marking(joined) if LEVEL_SHAPED.fullmatch(joined) else None
        if marking is not None and marking.recognised:
            return marking
    return unrecognised(printed)


# Few distinct pairs in a corpus; asked for every marking printed inside a portion.
_restricts = cache(restricts)


def label_of(lead: str) -> str | None:
    """The printed label of a subparagraph: "A", "1", "iv"; None for dashes and bullets."""
    found = re.search(r"[A-Za-z0-9]+", DEBRIS.sub("", lead))
    return found.group(0) if found else None


# A heading's underline (or overline) printed on its own line is a divider; a reflowed copy puts it
# on the heading's line: "ELECTION POLL: LULA LEADS AGAIN ----------------".
_RULE_TAIL = rf"(?:\s*{RULE_CHAR}){{3,}}"
_RULE_ENDS = re.compile(rf"^(?:{RULE_CHAR}\s*){{3,}}|{_RULE_TAIL}$")


_ONE_RULE_CHAR = re.compile(RULE_CHAR)


def is_heading(text: str) -> bool:
    if "\n" in text.strip("\n"):
        return False
    line = clean_field_text(text)
    if _ONE_RULE_CHAR.match(line) or _ONE_RULE_CHAR.match(line, len(line) - 1):  # a rule at an end (one line)
        line = _RULE_ENDS.sub("", line).strip()
    if not line or len(line) > 90:
        return False
    if line.endswith((".", ",", ";")) and not line.isupper():
        return False
    if line.isupper() and is_capitals_sentence(line):
        return False  # "NOTE: THE MINISTER SAID HE WILL DEFECT.": prose, not a heading to take a marking
    return bool(_HEADING_LINE.match(line))


_RULE_END = re.compile(rf"{_RULE_TAIL}\s*$")


# A line of a title in Title Case: words only, no punctuation that lists, addresses or dates use
# (":", ",", ".", "|"), no columns (runs of spaces), and a lower-case letter (capitals alone are
# also routing, captions and names: "END TEXT" / "RICE").
_TITLE_CASE_LINE = re.compile(r"^(?=.*[a-z])[A-Z][^:,.|\n]*?(?<! )[ \t]*$")


def is_wrapped_heading(first: str, second: str) -> bool:
    """A heading printed with its rule on its own line, wrapped onto a second line that ends with
    the rule ("------ BRAZILIAN SPACE FLIGHT IS A" / "MERE \"PUBLICITY STUNT\" ------"), or a
    heading in Title Case wrapped onto a second line ("Energy Commission Fears Problems Unless GOS
    Increases" / "Electricity Charges"): one heading."""
    if "\n" in second.strip("\n"):
        return False
    if not _RULE_END.search(second) and not all(
            _TITLE_CASE_LINE.match(line) and "  " not in line.strip() for line in (first.strip(), second.strip())):
        return False
    return is_heading(first.rstrip("\n") + " " + second.strip())


def with_signature(portions: list[Portion], authority: str = "") -> list[Portion]:
    """The sender's name on the last line ("HOAGLAND") is a signature, not text: released as the
    sender's name, unmarked. Fail closed where the line may be something else:
    - alone after the last portion, it is a signature if it is shaped as one name (a surname, with
      a particle, a suffix or printed twice: "VAN VOORST", "TIMKEN JR", "KUBISKE KUBISKE") or if
      the Classified By line names every word of it;
    - printed under a paragraph with no blank line between, it may be that paragraph's own last
      line ("GENERAL MUSA KHAN" closing a list of sources), so it is the unmarked signature only
      when the Classified By line names it; otherwise it keeps the paragraph's marking (a
      classified paragraph's last line stays withheld), and under an unmarked paragraph it stays
      in that paragraph's text."""
    if not portions:
        return portions
    last = portions[-1]
    lines = last.text.rstrip().split("\n")
    name = clean_field_text(lines[-1])
    if not _SIGNATURE.match(name) or len(name.split()) > 3:
        return portions
    named = _named_by(name, authority)
    if len(lines) == 1:
        if last.kind not in (TEXT, HEADING) or len(portions) == 1:
            return portions
        if not (named or _one_name(name)):
            return portions
        signature = Portion(last.index, SIGNATURE, None, None, False, lines[0],
                            last.end_line, last.end_line)
        return [*portions[:-1], signature]
    if not ends_sentence(lines[-2]) or not (named or last.marking is not None):
        return portions
    body = "\n".join(lines[:-1])
    # replace(), not a new Portion: the markings printed inside it must stay (they raise it)
    kept = replace(last, text=body, end_line=last.end_line - 1)
    marking, inherited = (None, False) if named else (last.marking, True)
    signature = Portion(last.index + 1, SIGNATURE, None, marking, inherited, lines[-1],
                        last.end_line, last.end_line)
    return [*portions[:-1], kept, signature]


# Words that go with a surname in a signature: particles, suffixes, initials' stops.
_NAME_PARTS = frozenset({"VAN", "VON", "DE", "DA", "DI", "DEL", "DELLA", "DOS", "LA", "LE", "MC", "MAC", "ST",
                         "JR", "SR", "II", "III", "IV"})
_NAME_WORD = re.compile(r"[A-Z][A-Za-z'-]*")


def _one_name(name: str) -> bool:
    """One surname, perhaps with a particle or suffix, perhaps printed twice."""
    return len({w.upper() for w in _NAME_WORD.findall(name)} - _NAME_PARTS) == 1


def _named_by(name: str, authority: str) -> bool:
    """Every word of the name is a word of the Classified By line ("Ambassador Richard Hoagland"),
    or the name is one of its words printed with a space inside ("HOAGLA ND")."""
    said = set(_NAME_WORD.findall(authority.upper()))
    found = [w.upper() for w in _NAME_WORD.findall(name)]
    return bool(found) and (all(w in said or w in _NAME_PARTS for w in found) or "".join(found) in said)


def lines_apart(portions: list[Portion], doc_type: str) -> tuple[list[Portion], list[int]]:
    """Lines a marked portion took in, printed under it with no blank line between, that are not
    its own (fail closed: each is a portion of its own, decided by what it is):
    - a heading on its last line, after a finished sentence ("... said the Minister." / "MANAS AIR
      BASE"), heads what follows it (redact.portions.headings_take_marking), not the paragraph
      above: left in a (U) paragraph, the heading of a SECRET section was released;
    - in a memo or newsletter, where a line is a paragraph, a line that opens a sentence after a
      finished one on a line that had room for its first word is a paragraph of its own with no
      marking (withheld), not more of the paragraph above; a list under a colon, or under a list
      item, stays.
    Returns the portions, renumbered, and the lines where unmarked portions now start."""
    width = _wrap_width(portions) if doc_type == "memo" else 0
    result: list[Portion] = []
    moved: dict[int, int] = {}
    unmarked: list[int] = []
    for position, portion in enumerate(portions):
        moved[portion.index] = len(result)
        parts = _parts(portion, width, last=position == len(portions) - 1)
        for part in parts[1:]:
            if part.kind is TEXT:
                unmarked.append(part.start_line)
        result.extend(parts)
    if len(result) == len(portions):
        return portions, unmarked
    return [_renumbered(p, i, moved) for i, p in enumerate(result)], unmarked


def _renumbered(portion: Portion, index: int, moved: dict[int, int]) -> Portion:
    parent = moved[portion.parent] if portion.parent is not None else None
    if index == portion.index and parent == portion.parent:
        return portion
    return replace(portion, index=index, parent=parent)


def _parts(portion: Portion, width: int, last: bool) -> list[Portion]:
    if portion.marking is None or portion.kind is HEADING or portion.kind is SIGNATURE:
        return [portion]
    cut = _first_own_line(portion.text.split("\n"), width) if width else None
    if cut is None and not last:
        text = portion.text  # its last two lines (not every line, not a copy: most portions stay whole)
        last_break = text.rfind("\n")
        if last_break >= 0 and finishes_sentence(text[text.rfind("\n", 0, last_break) + 1:last_break]) \
                and is_heading(text[last_break + 1:]):
            cut = text.count("\n")
    if cut is None:
        return [portion]
    lines = portion.text.split("\n")
    kind = HEADING if cut == len(lines) - 1 and is_heading(lines[cut]) else TEXT
    line = min(portion.start_line + cut, portion.end_line)
    # The part kept keeps the markings printed anywhere in the old text (they only raise it).
    kept = replace(portion, text="\n".join(lines[:cut]), end_line=max(portion.start_line, line - 1))
    apart = Portion(portion.index, kind, None, None, False, "\n".join(lines[cut:]), line, portion.end_line)
    return [kept, apart]


def finishes_sentence(line: str) -> bool:
    """A line that ends a sentence (not one that opens a list with a colon)."""
    line = line.rstrip()
    return ends_sentence(line) and not line.endswith(":")


_LIST_ITEM = re.compile(r"\s*(?:[-*\u2022]+|\d{1,2}[.)]|[A-Za-z][.)])\s")
# A list item that carries its own marking ("1. (U) text", "- (S//SI) text").
_MARKED_LIST_ITEM = re.compile(_LIST_ITEM.pattern + r"[ \t]*" + MARKING_SHAPE)


def _first_own_line(lines: list[str], width: int) -> int | None:
    """The first line of a memo's portion that is a paragraph of its own (see lines_apart). A list
    item under a list item goes on the list, unless the item above carries its own marking and
    this one does not: where the items are marked one by one, an unmarked one is not the item
    above ("1. (U) ..." / "2. The source ..."), and is withheld as unmarked."""
    for j in range(1, len(lines)):
        previous, line = lines[j - 1].rstrip(), lines[j].strip()
        if not line or line[:1].islower() or not finishes_sentence(previous):  # (a colon does not finish)
            continue
        if _LIST_ITEM.match(lines[j]) and _LIST_ITEM.match(lines[j - 1]):
            if _MARKED_LIST_ITEM.match(lines[j - 1]) and not _MARKED_LIST_ITEM.match(lines[j]):
                return j
            continue
        if len(previous) + 1 + len(line.split()[0]) <= width:
            return j
    return None


def _wrap_width(portions: list[Portion]) -> int:
    """The length of a full line: nine lines in ten of the document's are no longer."""
    lengths = sorted(len(line.rstrip()) for p in portions for line in p.text.split("\n") if line.strip())
    return lengths[len(lengths) * 9 // 10] if lengths else 0


def printed_markings(text: str) -> list[Marking]:
    """The markings printed in a heading's own text ("(S//NF) KEY POINTS", "IRAN (C)"). One it
    opens with, or one shaped like a marking ("ANNEX (TS//SCI)"), counts even when it cannot be
    read (then as TOP SECRET: fail closed)."""
    opening = OPENS_WITH_MARKING.match(text)
    shaped = list(LEVEL_SHAPED.finditer(text))
    markings = [unrecognised(m.group(0)) for m in shaped if not m.group(0).endswith(")")]
    shaped_at = {m.start() for m in shaped}
    for match in PRINTED_MARKING.finditer(text):
        marking = parse_portion_marking(match.group(0))
        if marking.recognised or match.start() in shaped_at or (opening is not None and match.end() == opening.end()):
            markings.append(marking)
    return markings


def headings_take_marking(portions: list[Portion], opening: Marking | None = None) -> list[Portion]:
    """A heading carries the join of its own printed markings, the marking of the portion just
    before it (for the first portion, ``opening``: the document's banner; without one, it cannot
    be read: fail closed), and the markings of the portions up to the next heading. An unmarked
    line never takes its marking from what follows alone: "OPERATION CANARY STORM" between a (S)
    paragraph and a (U) one is SECRET, and an unmarked line between a CONFIDENTIAL cable's header
    and its (U) paragraph 1 is CONFIDENTIAL (where structure is unclear, the highest marking in
    scope). A line that heads nothing (the last of a document, under the last paragraph) is an
    unmarked line of its own: withheld."""
    result = list(portions)
    if not any(p.kind is HEADING and p.marking is None for p in portions):
        return result  # no heading to mark (a quarter of the cables): no runs to read
    runs = _runs_headed(portions)
    for i, portion in enumerate(portions):
        if portion.kind is not HEADING or portion.marking is not None:
            continue
        headed = printed_markings(portion.text)
        before = result[i - 1].effective if i > 0 else opening
        if before is not None:
            headed.append(before)
        else:
            headed.append(unrecognised("(unmarked)"))  # what came before cannot be read: fail closed
        run = runs[i + 1]
        if run is None:  # a last line that heads nothing is an unmarked line: fail closed
            headed.append(unrecognised("(unmarked)"))
        else:
            headed.extend(run)
        result[i] = Portion(portion.index, portion.kind, None, combine(headed), True, portion.text,
                            portion.start_line, portion.end_line)
    return result


def _runs_headed(portions: list[Portion]) -> list[tuple[Marking, ...] | None]:
    """For each position, what a heading just before it heads: the markings of the first run of
    portions other than headings from there on (headings in a row head the run after the last;
    each marking once, in order: the join does not change), or None where only headings follow.
    One pass from the end, so that many headings in a row cost no more than many paragraphs."""
    runs: list[tuple[Marking, ...] | None] = [None] * (len(portions) + 1)
    markings: list[Marking] = []  # of the run being read, last first
    for i in range(len(portions) - 1, -1, -1):
        portion = portions[i]
        if portion.kind is HEADING:
            runs[i] = runs[i + 1]
            continue
        if portion.effective is not None:
            markings.append(portion.effective)
        if i == 0 or portions[i - 1].kind is HEADING:  # the run starts here
            runs[i] = tuple(dict.fromkeys(reversed(markings)))
            markings = []
    return runs


def entire_text_under_banner(portions: list[Portion], entire: Marking | None,
                             banner: Marking | None) -> tuple[list[Portion], list[Problem]]:
    """"UNCLASSIFIED - ENTIRE TEXT" under a SECRET banner: the document contradicts itself, and
    where markings disagree the higher governs (fail closed). The paragraphs the entire-text
    line marks (``entire``) take the banner's level with it, and the contradiction is reported."""
    if entire is None or banner is None or not banner.recognised or not entire.recognised \
            or banner.level <= entire.level:
        return portions, []
    marked = [p for p in portions if p.marking == entire]
    if not marked:
        return portions, []
    problem = Problem(marked[0].start_line, "entire-text-below-banner", f"the entire text is marked "
                      f"{entire.canonical} under a {banner.canonical} banner; its paragraphs are read at "
                      f"{banner.canonical}")
    raised = combine([entire, banner])
    return [replace(p, marking=raised) if p.marking == entire else p for p in portions], [problem]
