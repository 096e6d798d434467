"""Parse: text -> Document, with grammar/cable.lark (and memo.lark).

The grammar classifies every line by its shape and state (start, header or
body); each token is a whole line shape (a numbered, marked paragraph with the
blank lines before it is one token), and the parse tree is one flat list of
tokens. A reader turns each token into a small item, reading its parts (number,
marking, rest) with the grammar's own part definitions. The assembler below
then joins items into portions: paragraphs split by blank or
page-break lines become one portion, unmarked subparagraphs inherit their
parent's marking, headings take the highest marking of what they head, and
anything unmarked is left unmarked (the policy withholds it: fail closed).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from typing import Any, NamedTuple, TypeVar

from lark import Lark, Token
from lark.exceptions import LarkError, UnexpectedInput

from .fields import MEMO_FIELD, continuation_fits, memo_line_fits
from .lines import Lines, layout, normalise_newlines, split_run_on_lines  # noqa: F401 (re-exported)
from .markings import parse_banner_marking, parse_portion_marking, unrecognised
from .model import Decl, Document, Header, HeaderField, Kind, Level, Marking, Portion, Problem, combine
from .resources import grammar_path
from .tags import parse_tags

# ---------------------------------------------------------------------------
# grammar items


class _Item(NamedTuple):
    """One element the grammar recognised: a line, or a run of plain lines."""

    kind: str  # field:<name> | para | titled | entire | marked | sub | text | blank | page | divider
    line: int
    lines: int
    lead: str = ""
    marking: str | None = None
    text: str = ""


def _count_lines(value: str) -> int:
    return max(1, value.count("\n"))


# What each token of the grammars is to the assembler. Every token carries the blank lines before
# it; they become a "blank" item of their own, so the assembler sees blocks exactly as printed.
_FIELDS = {"BANNER": "banner", "EO_LINE": "eo", "TAGS_LINE": "tags", "SUBJECT_LINE": "subject",
           "REF_LINE": "ref", "CLASSIFIED_BY_LINE": "classified_by", "SIPDIS": "caption",
           "MEMO_SUBJECT_LINE": "subject", "MEMO_FIELD_LINE": "memo_header",
           "DERIVED_FROM_LINE": "derived_from", "DECLASSIFY_ON_LINE": "declassify_on",
           "DYNAMIC_PAGE_LINE": "derived_from",
           "REASON_LINE": "reason"}
# An OCR'd page's image references ("![img-0.jpeg](img-0.jpeg)") are no text: read as blank lines.
_PLAIN = {"TEXT": "text", "PAGE_BREAK": "page", "DIVIDER": "divider", "IMAGE_LINE": "blank"}
# The tokens made of parts, and the parts to read ("TERMINAL:group"): (kind, parts). A part
# ending in "?" may be missing; what follows the last part is the rest of the token.
_COMPOSED = {
    "MARKED_PARAGRAPH": ("para", ("PARA_NUMBER:lead", "MARKING_CANDIDATE:marking")),
    "PARAGRAPH": ("para", ("PARA_NUMBER:lead",)),
    "TITLED_PARAGRAPH": ("titled", ("PARA_NUMBER:lead", "TITLED_MARKING:text")),
    "ENTIRE_TEXT": ("entire", ("PARA_NUMBER:lead?", "ENTIRE:text")),
    "BLOCK_MARKING": ("marked", ("LEAD_MARKING:lead",)),
    "FIRST_MARKING": ("marked", ("LEAD_MARKING:lead",)),
    "MEMO_BLOCK_MARKING": ("marked", ("MEMO_LEAD_MARKING:lead",)),
    "MEMO_NUMBERED_ITEM": ("sub", ("MEMO_NUMBER_LEAD:lead", "MARKING_CANDIDATE:marking")),
    "SUBPARAGRAPH": ("sub", ("SUBPARA_LEAD:lead", "MARKING_CANDIDATE:marking?")),
    "NUMBERED_SUBPARAGRAPH": ("sub", ("NUMBERED_SUBPARA_LEAD:lead", "MARKING_CANDIDATE:marking")),
}


class _Reader:
    """Turns one grammar's tokens into items. The parts of a composed token are read by a regular
    expression built from the grammar's own part definitions, matched where the lexer matched the
    token: the same pattern with names on its groups, so it cannot split a token differently from
    how the lexer read it (the rest of the line always matches, so the parts are the first match)."""

    def __init__(self, lark: Lark) -> None:
        self.lark = lark
        blank = lark.get_terminal("BLANK").pattern.to_regexp()
        self.blanks = re.compile(f"(?:{blank})*")
        self.parts: dict[str, tuple[str, re.Pattern[str]]] = {}
        defined = {terminal.name for terminal in lark.terminals}
        for name, (kind, parts) in _COMPOSED.items():
            if name not in defined:
                continue
            pattern = f"(?P<blanks>(?:{blank})*)"
            for part in parts:
                terminal, group = part.split(":")
                optional = group.endswith("?")
                regexp = lark.get_terminal(terminal).pattern.to_regexp()
                pattern += f"(?P<{group.rstrip('?')}>{regexp}){'?' if optional else ''}"
            self.parts[name] = (kind, re.compile(pattern))

    def items(self, text: str) -> list[_Item]:
        tree = self.lark.parse(text, start="start")
        items: list[_Item] = []
        for token in tree.children:
            assert isinstance(token, Token)
            self._read(token, text, items)
        return items

    def _read(self, token: Token, text: str, items: list[_Item]) -> None:
        kind = token.type
        line = token.line or 0
        value = str(token)
        if kind == "BLANKS":
            items.append(_Item("blank", line, _count_lines(value), text=value))
            return
        composed = self.parts.get(kind)
        if composed is not None:
            self._read_parts(composed, token, text, items)
            return
        blanks = self.blanks.match(value).end()  # type: ignore[union-attr]
        if blanks:
            items.append(_Item("blank", line, _count_lines(value[:blanks]), text=value[:blanks]))
            line += value.count("\n", 0, blanks)
            value = value[blanks:]
        field_name = _FIELDS.get(kind)
        if field_name is not None:
            items.append(_Item(f"field:{field_name}", line, 1, text=value))
        else:
            items.append(_Item(_PLAIN[kind], line, _count_lines(value), text=value))

    def _read_parts(self, composed: tuple[str, re.Pattern[str]], token: Token, text: str,
                    items: list[_Item]) -> None:
        kind, pattern = composed
        start = token.start_pos or 0
        found = pattern.match(text, start)
        if found is None:  # cannot happen (the lexer matched these parts here); if it did: fail closed
            raise LarkError(f"the parts of a {token.type} token could not be read")
        blanks = found.group("blanks")
        line = token.line or 0
        if blanks:
            items.append(_Item("blank", line, _count_lines(blanks), text=blanks))
            line += blanks.count("\n")
        parts = found.groupdict()
        lead = parts.get("lead") or ""
        marking = parts.get("marking")
        rest = str(token)[found.end() - start:]
        if kind == "titled" or kind == "entire":
            items.append(_Item(kind, line, 1, lead=lead, text=parts["text"]))
        elif kind == "marked":
            stripped = lead.rstrip()
            cut = stripped.rfind("(")
            items.append(_Item(kind, line, _count_lines(rest), lead=lead[:cut], marking=stripped[cut:],
                               text=rest))
        else:
            items.append(_Item(kind, line, _count_lines(rest), lead=lead, marking=marking, text=rest))


@cache
def _reader(doc_type: str) -> _Reader:
    """The reader of grammar/<doc_type>.lark ("cable" or "memo"), built once per process."""
    return _Reader(Lark.open(str(grammar_path(f"{doc_type}.lark")), parser="lalr", lexer="contextual",
                             start=["start", "parts"], maybe_placeholders=False))


_MEMO = re.compile(r"^[ \t]*MEMORANDUM\b", re.M)
# A cable's own lines: TAGS, E.O., and the routing block's (VZCZC..., "ZNY SSSSS", "FM AMEMBASSY").
_CABLE_FIELDS = re.compile(r"^[ \t]*(?:TAGS\b|E\.?[ ]?O\.?[ \t]*\d{4,5}|(?-i:VZCZC|ZN[YR][ ][A-Z]{5}|FM[ ][A-Z]{3,}))",
                           re.M | re.I)
# A memo's or newsletter's own header lines: "FROM: the editor", "Run Date: 11/04/2005".
_MEMO_FIELDS = re.compile(r"^[ \t*#>]*(?:FROM|Run[ \t]+Date|DERIVED[ \t]+FROM)[ \t]*:", re.M | re.I)


# "1. (S) text": numbered, marked paragraphs, which only the cable grammar reads.
_NUMBERED_MARKED = re.compile(r"^[ \t*]*(?:¶[ \t]*)?\d{1,3}[ \t]?\.[ \t]*\(", re.M)


# A line that opens with a portion marking, after markdown debris ("(S//SI) ...", "# (U) Title").
_OPENS_MARKED = re.compile(r"^[ \t*#>\"]*\((?://(?:JOINT|[A-Z]{3})[ ])?(?:TS|S|C|U|SBU)(?://?[^()\n]{0,60})?\)[ \t]",
                           re.M)


def detect_type(text: str) -> str:
    """A marked document other than a cable (a memorandum, a report, a newsletter article) has none
    of a cable's TAGS, E.O. or routing lines, and either a MEMORANDUM line (without a cable's
    numbered, marked paragraphs: a cable may carry a MEMORANDUM OF CONVERSATION line), a memo's
    FROM: / Run Date: / Derived From: line and a line that opens with a marking, or more lines
    that open with a marking than numbered, marked paragraphs."""
    if _CABLE_FIELDS.search(text):
        return "cable"
    if "MEMORANDUM" in text and _MEMO.search(text) and not _NUMBERED_MARKED.search(text):
        return "memo"
    if _MEMO_FIELDS.search(text) and _OPENS_MARKED.search(text):
        return "memo"  # an article's FROM: / Run Date: lines, with a numbered list of marked titles
    # More paragraphs that open with a marking than numbered, marked ones: an article with a
    # numbered list in it, not a cable's numbered paragraphs.
    opening = len(_OPENS_MARKED.findall(text))
    return "memo" if opening and opening > len(_NUMBERED_MARKED.findall(text)) else "cable"


def _items(text: str, doc_type: str = "cable") -> list[_Item]:
    return _reader(doc_type).items(text)


def read_items(text: str, doc_type: str = "auto") -> list[_Item]:
    """The grammar stage alone: every line shape of the document as an item (a paragraph's
    number, marking and text; a header line; a run of text), before the assembler joins them
    into portions and reads the header fields. For benchmarks and debugging; may raise
    ``lark.exceptions.LarkError`` where ``parse`` would fail closed."""
    text = split_run_on_lines(text).text
    return _items(text, detect_type(text) if doc_type == "auto" else doc_type)


def _first_line(text: str) -> tuple[str, str]:
    """A run of plain lines split after its first line: (first, rest)."""
    cut = text.find("\n") + 1
    return text[:cut], text[cut:]


# ---------------------------------------------------------------------------
# header fields

_DEBRIS = re.compile(r"\*\*|\[(\d{1,3})\]\(#\)|\[([^\]\n]{1,40})\]\(#\)")
_WS = re.compile(r"\s+")
_BANNER_SPLIT = re.compile(
    r"^(?P<level>.*?)(?:[ \t]+SECTION[ \t]+(?P<section>\d+)[ \t]+OF[ \t]+(?P<of>\d+))?"
    r"(?:[ \t]+(?P<post>[A-Z][A-Za-z .'-]*?)[ \t]+(?P<num>\d+))?[ \t]*$")
_FIELD_PREFIX = {
    "tags": re.compile(r"^\s*tags?\s*:?\s*", re.I),
    "subject": re.compile(r"^\s*subj(?:ect)?\s*[:.]?\s*", re.I),
    "ref": re.compile(r"^\s*(?:refs?|ref\(s\)|reftels?|references?)\s*[:.]?\s*", re.I),
    "classified_by": re.compile(r"^\s*(?:\((?:U|C|S)\)\s*)?", re.I),
}
_INLINE_FIELDS = re.compile(r"\s(?=(?:TAGS|Tags|tags)\s*:?\s|(?:SUBJECT|Subject|subject)\s*:\s)")
_EO = re.compile(r"^\s*(?:E\.?\s?O\.?|EXECUTIVE\s+ORDER)\s*:?\s*(?P<order>\d{4,5})\s*:?\s*(?P<rest>.*)$",
                 re.I | re.S)
_DECL_PREFIX = re.compile(r"^(?:DECL[A-Za-z]*|DECLASSIFY\s+ON|DNG)\s*:?\s*", re.I)
_DATE_MDY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\b")
_DATE_YMD = re.compile(r"\b(\d{4})[/-](\d{1,2})[/-](\d{1,2})\b|\b(\d{4})(\d{2})(\d{2})\b")
_REASONS_AT = re.compile(r"\b1\s*[.,]\s*[45]\b|\breasons?\b", re.I)
_REASON_LETTER = re.compile(r"(?<![A-Za-z])\(?([a-hA-H])\)?(?![A-Za-z.])")
_DTG = re.compile(r"\b(\d{2})(\d{4})Z\s+(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\s+(\d{2,4})\b")
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])}
_FROM = re.compile(r"^\s*FM\s+(.+?)\s*$", re.M)
_REF_ITEM = re.compile(r"(?:^|\s)(?:\(?[A-Z]\)|[A-Z]\.)\s+")
_LEADING_MARKING = re.compile(r"^\s*(\([^()\n]{1,40}\))\s*")
_MARKED_SUBJECT = re.compile(r"^\s*(\([^()\n]{1,24}\))\s*subject\b", re.I)


def _clean(text: str) -> str:
    """Remove viewer debris, decode HTML entities ("&#8217;") and fold whitespace: one line."""
    text = _DEBRIS.sub(lambda m: m.group(2) or "", text)
    if "&" in text:
        text = html.unescape(text)
    return _WS.sub(" ", text).strip()


def _year(value: str) -> int:
    year = int(value)
    if len(value) == 2:
        year += 2000 if year <= 60 else 1900
    return year


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_decl(value: str) -> Decl:
    """The DECL value of an E.O. line, in every form real cables print."""
    text = _WS.sub(" ", value).strip()
    body = _DECL_PREFIX.sub("", text)
    upper = body.upper()
    # The order is the order of certainty: an exemption from declassification ("25X1", "50X1-HUM")
    # wins over any other wording, an event ("10 YEARS AFTER 12/11/2008") over the date it names.
    if not body:
        return Decl(text, None, "unknown")
    if re.search(r"(?<![A-Z0-9])(?:\d{2})?X\d|1\.6\s*X\d", upper):
        return Decl(text, None, "exemption")
    if "DECLASSIFIED" in upper:
        found = _find_date(body)
        return Decl(text, found, "declassified")
    if upper.startswith(("N/A", "NA ", "NA")) and len(upper) <= 4:
        return Decl(text, None, "na")
    if "OADR" in upper:
        return Decl(text, None, "oadr")
    if re.search(r"\b(?:AFTER|UPON|WHEN|YEARS?|UNTIL|UNLESS|EVENT)\b", upper):
        return Decl(text, None, "event")
    if upper.startswith("GDS"):
        return Decl(text, None, "gds")
    found = _find_date(body)
    if found is not None:
        return Decl(text, found, "rds" if upper.startswith("RDS") else "date")
    return Decl(text, None, "unknown")


def _find_date(text: str) -> date | None:
    ymd = _DATE_YMD.search(text)
    if ymd:
        parts = [g for g in ymd.groups() if g is not None]
        return _safe_date(int(parts[0]), int(parts[1]), int(parts[2]))
    mdy = _DATE_MDY.search(text)
    if mdy:
        return _safe_date(_year(mdy.group(3)), int(mdy.group(1)), int(mdy.group(2)))
    return None


def parse_reasons(text: str) -> tuple[str, ...]:
    """E.O. 12958/13526 section 1.4 (1.5 before 2003) letters: ``("b", "d")``."""
    start = _REASONS_AT.search(text)
    if start is None:
        return ()
    tail = text[start.end():]
    tail = re.sub(r"\b1\s*[.,]\s*[45]\b", " ", tail)
    letters = [m.group(1).lower() for m in _REASON_LETTER.finditer(tail)]
    # "and" splits letters, but a stray capital A from "AND" must not count.
    letters = [x for x in letters if x != "a" or re.search(r"\(a\)|\ba\b[,)]|\ba\s+and\b", tail, re.I)]
    return tuple(sorted(set(letters)))


_BANNER_LIMIT = 200  # a banner is short; past this, a lazy split would backtrack quadratically


def _split_banner(text: str) -> tuple[str, str | None]:
    line = _clean(text)
    if len(line) > _BANNER_LIMIT:
        return line, None  # read whole: a level that long is not recognised (fail closed)
    match = _BANNER_SPLIT.match(line)
    if match is None:
        return line, None
    return match.group("level").strip(), match.group("post")


# ---------------------------------------------------------------------------
# assembly


@dataclass(slots=True)
class _Open:
    """A portion being assembled from consecutive items."""

    kind: Kind
    number: str | None
    marking: Marking | None
    inherited: bool
    start_line: int
    end_line: int
    lines: list[str] = field(default_factory=list)
    parent: int | None = None
    quoting: bool = False

    def add(self, text: str, line: int, count: int = 1) -> None:
        self.lines.append(text)
        self.end_line = max(self.end_line, line + count - 1)
        if "TEXT" in text or "QUOTE" in text or "ext" in text or "uote" in text:
            upper = text.upper()
            begin = max(upper.rfind("BEGIN TEXT"), upper.rfind("BEGIN QUOTE"))
            end = max(upper.rfind("END TEXT"), upper.rfind("END QUOTE"))
            if begin > end:
                self.quoting = True
            elif end > begin:
                self.quoting = False


_NUMBER = re.compile(r"\d{1,3}")
_SENTENCE_END = re.compile(r"[.!?:;\"')\]]\s*$")
# One to twelve words, each opening with a capital or a digit. Words are split by spaces only,
# so the pattern cannot split one word many ways (which backtracked for minutes on long words).
_HEADING_LINE = re.compile(r"^[^a-z]*$|^[A-Z0-9][\w'\"/&,.:()-]*(?:\s+[A-Z0-9][\w'\"/&,.:()-]*){0,11}\s*$")
_SIGNATURE = re.compile(r"^[A-Z][A-Z .'-]{1,30}$")
_ENTIRE_LEVEL = re.compile(r"^\s*(TOP\s+SECRET|CONFIDENTIAL|SECRET|UNCLASSIFIED|LIMITED\s+OFFICIAL\s+USE|TS|C|S|U)\b",
                           re.I)
_ENTIRE_NAMES = {"TS": "TOP SECRET", "C": "CONFIDENTIAL", "S": "SECRET", "U": "UNCLASSIFIED"}


class _Assembler:
    def __init__(self, source: str) -> None:
        self.source = source
        self.fields: list[HeaderField] = []
        self.field_lines: list[list[str]] = []
        self.portions: list[Portion] = []
        self.problems: list[Problem] = []
        self.open: _Open | None = None
        self.parent_index: int | None = None
        # The markings in scope for an unmarked subparagraph: the effective marking of the last
        # paragraph, and of every marked subparagraph and heading since (their join applies).
        self.scope: list[Marking] = []
        self.entire: Marking | None = None
        self.after_blank = True
        self.after_page = False
        self.in_body = False
        self.seen_banner = False
        self.seen_core_field = False
        self.in_body_text = False
        self.in_repeated_field = False
        self.body_fields: list[int] = []  # fields found after the body began (a memo's closing block)
        self.in_memo_header = False  # in an article's FROM / Run Date block, under its title

    # -- header -------------------------------------------------------------
    def _field(self, name: str, text: str, line: int) -> None:
        self.fields.append(HeaderField(name, "", line, line))
        self.field_lines.append([text])

    def _extend_field(self, text: str, line: int) -> None:
        last = self.fields[-1]
        self.fields[-1] = HeaderField(last.name, "", last.start_line, line + max(0, text.count("\n") - 1))
        self.field_lines[-1].append(text)

    def header_item(self, item: _Item) -> None:
        if item.kind == "blank":
            self.after_blank = True
            return
        if item.kind == "page" or item.kind == "divider":
            self.after_blank = True
            return
        if item.kind.startswith("field:"):
            name = item.kind[6:]
            if name == "banner" and self.seen_banner:
                self.after_blank = False
                return  # a repeated banner (page top) carries nothing new
            if name == "subject" and not self.after_blank and self.fields and self.fields[-1].name == "subject":
                self._extend_field(item.text, item.line)  # a wrapped subject whose next line says "SUBJECT"
                return
            self.seen_banner |= name == "banner"
            self.seen_core_field |= name in ("eo", "tags", "subject", "classified_by", "memo_header")
            if name == "banner" and not self.fields:
                pass
            self._field(name, item.text, item.line)
            self.after_blank = False
            return
        # TEXT in the header: the first line decides where the run belongs; the rest follows it.
        first, rest = _first_line(item.text)
        if rest:
            self.header_item(item._replace(text=first, lines=1))
            if self.in_body_text:
                self._body_text(_Item("text", item.line + 1, item.lines - 1, text=rest))
            elif self.fields and self.fields[-1].name in ("routing", "caption"):
                self._extend_field(rest, item.line + 1)  # addressing: read line by line later
            else:
                # every line under a released field is checked on its own (shape, marking)
                for offset, line in enumerate(rest.splitlines(keepends=True)):
                    self.header_item(_Item("text", item.line + 1 + offset, 1, text=line))
            return
        if self.in_body_text and not self.after_blank:
            # The block already went to the body: its next line follows it there, never
            # back into the header field above (where it would be released as addressing).
            self._body_text(item)
            self.after_blank = False
            return
        self.in_body_text = False
        last = self.fields[-1].name if self.fields else None
        continues = last in ("subject", "ref", "classified_by", "tags", "eo", "routing", "caption", "memo_header")
        if last == "ref" and self.after_blank:
            continues = bool(re.match(r"^\s*(?:\[\d+\]\(#\))?\s*(?:\(?[A-Z]\)|[A-Z]\.)\s", item.text))
        elif self.after_blank and last not in ("routing", None):
            continues = False
        if continues and last not in ("routing", "caption") and _opens_portion(item.text, last):
            continues = False  # "(S) THE MINISTER SAID ..." glued under a header line: a portion
        if continues and last == "tags" and len(_LOWER_WORD.findall(item.text)) >= 3 \
                and not _LOWER_CASE_CODES.fullmatch(item.text):
            continues = False  # tags are codes and names; prose under TAGS is not one of them
        if continues and last is not None and not continuation_fits(last, "".join(self.field_lines[-1]), item.text):
            continues = False  # the line does not fit the field's shape (redact.fields)
        if continues and last is not None:
            self._extend_field(item.text, item.line)
        elif not self.seen_banner and not self.seen_core_field:
            self._field("routing", item.text, item.line)
        elif not self.seen_core_field:
            self._field("caption", item.text, item.line)
        elif (opening := _OPENS_WITH_MARKING.match(item.text)) is not None:
            # "(S) ..." run on from or glued under a header field: a portion with its own marking
            printed = _PRINTED_MARKING.search(opening.group(0))
            marking = self._marking(printed.group(0) if printed else None, item.line)
            self._start(Kind.PARAGRAPH, None, marking, item, item.text)
            self.in_body_text = True
        else:
            # Text after the header fields and before the first numbered
            # paragraph is body: a heading ("Summary") or an unnumbered portion.
            self._body_text(item)
            self.in_body_text = True
        self.after_blank = False

    # -- body ---------------------------------------------------------------
    def _close(self) -> None:
        current = self.open
        if current is None:
            return
        text = "".join(current.lines).rstrip("\n")
        index = len(self.portions)
        inline = _inline_markings(text, current.marking)
        if any(not m.recognised for m in inline):
            self.problems.append(Problem(current.start_line, "unrecognised-marking",
                                         "a marking printed inside the portion cannot be read; treated as TOP SECRET"))
        elif inline:
            self.problems.append(Problem(current.start_line, "mixed-markings",
                                         "a more restrictive marking is printed inside the portion; all of them apply"))
        self.portions.append(Portion(
            index=index, kind=current.kind, number=current.number, marking=current.marking,
            inherited=current.inherited, text=text, start_line=current.start_line,
            end_line=current.end_line, parent=current.parent, inline=inline))
        effective = combine((current.marking, *inline)) if inline and current.marking is not None \
            else current.marking
        if current.kind in (Kind.PARAGRAPH, Kind.TEXT):
            self.parent_index = index
            self.scope = [effective] if effective is not None else []
        elif current.kind is Kind.SUBPARAGRAPH and effective is not None and not current.inherited:
            self.scope.append(effective)
        elif current.kind is Kind.HEADING:
            self.scope += _printed_markings(text)
        self.open = None

    def _marking(self, printed: str | None, line: int) -> Marking | None:
        if printed is None:
            return None
        marking = parse_portion_marking(printed.strip())
        if not marking.recognised:
            self.problems.append(Problem(line, "unrecognised-marking",
                                         "a marking the grammar does not know; treated as TOP SECRET"))
        return marking

    def _start(self, kind: Kind, number: str | None, marking: Marking | None,
               item: _Item, text: str, parent: int | None = None) -> None:
        self._close()
        inherited = False
        if kind is Kind.SUBPARAGRAPH:
            parent = self.parent_index
        if marking is None and kind is Kind.SUBPARAGRAPH and self.scope:
            marking, inherited = combine(self.scope), True
        if marking is None and self.entire is not None and kind is not Kind.HEADING:
            marking, inherited = self.entire, True
        if marking is None and kind in (Kind.PARAGRAPH, Kind.TEXT):
            self.problems.append(Problem(item.line, "unmarked-portion",
                                         "a portion without a marking; withheld unless a policy says otherwise"))
        self.open = _Open(kind, number, marking, inherited, item.line, item.line, parent=parent)
        self.open.add(text, item.line, item.lines)

    def _continues_open(self, text: str) -> bool:
        """Is a new block of text the rest of the open portion (split by a blank or page break)?"""
        current = self.open
        if current is None or current.kind is Kind.HEADING:
            return False
        if self.after_page or current.quoting:
            return True
        stripped = text.lstrip(" \t*")
        if stripped[:1].islower():
            return True
        last = "".join(current.lines).rstrip()
        return not _SENTENCE_END.search(last)

    def _body_text(self, item: _Item) -> None:
        """A run of plain lines: the first decides where it belongs, the others follow it."""
        first, rest = _first_line(item.text)
        if self._repeated_header(first, item):
            if rest:
                self._body_text(_Item("text", item.line + 1, item.lines - 1, text=rest))
            return
        self.in_repeated_field = False
        text = first
        if self.open is not None and not self.after_blank:
            self._extend_open(text, item.line, 1)
        elif self.open is not None and self._continues_open(text):
            self.open.add(text, item.line, 1)
        elif _is_heading(text):
            self._start(Kind.HEADING, None, None, item._replace(lines=1), text)
        else:
            self._start(Kind.TEXT, None, None, item._replace(lines=1), text)
        if rest:
            self._extend_open(rest, item.line + 1, item.lines - 1)
        self.after_page = False

    def _repeated_header(self, line: str, item: _Item) -> bool:
        """A multi-section cable prints its banner (SECTION 2 OF 3), E.O., TAGS and SUBJECT lines
        again at the top of each section. They are the header's fields, printed again, and are
        decided as header fields (the same field gets the same decision everywhere); the open
        portion stays open, as across a page break. A wrapped SUBJECT line continues its field."""
        name = _repeated_field_name(line)
        last = self.fields[-1] if self.fields else None
        if name is None and self.in_repeated_field and not self.after_blank and last is not None \
                and last.name == "subject" and _title_continues(line) \
                and len(self.field_lines[-1]) < _SUBJECT_LINES:
            self._extend_field(line, item.line)
            return True
        if name is None:
            return False
        self._field(name, line, item.line)
        self.in_repeated_field = True
        return True

    def _extend_open(self, text: str, line: int, count: int) -> None:
        current = self.open
        assert current is not None
        if current.kind is Kind.HEADING:
            # A heading is one line; a block of several lines is an unmarked portion.
            current.kind = Kind.TEXT
            self.problems.append(Problem(current.start_line, "unmarked-portion",
                                         "a portion without a marking; withheld unless a policy says otherwise"))
        current.add(text, line, count)

    def body_item(self, item: _Item) -> None:
        kind = item.kind
        if self.in_memo_header:
            if kind == "text" and not self.after_blank and self._memo_header_lines(item):
                return
            self.in_memo_header = kind == "field:memo_header"
        if kind == "blank":
            self.after_blank = True
            return
        if kind == "page":
            self.after_page = self.open is not None
            self.after_blank = True
            return
        if kind == "divider":
            self._close()
            self.after_blank = True
            self.after_page = False
            return
        self.in_body = True
        if kind.startswith("field:"):
            self._body_field(item)
            return
        if kind == "para":
            number = _number(item.lead)
            self._start(Kind.PARAGRAPH, number, self._marking(item.marking, item.line), item,
                        item.lead.strip() + " " + (item.marking or "") + item.text)
        elif kind == "titled":
            self._titled(item)
        elif kind == "entire":
            self._entire(item)
        elif kind == "marked":
            marking = self._marking(item.marking, item.line)
            if marking is not None and _LIST_LABEL.fullmatch(item.marking or "") and self.scope:
                # "(t) ... (u) ..." inside a paragraph: a list label never lowers the level in scope
                marking = combine([marking, *self.scope])
                self.problems.append(Problem(item.line, "list-label-marking", "a one-letter lower-case marking "
                                             "inside a paragraph may be a list label: the marking in scope applies"))
            self._start(Kind.PARAGRAPH, None, marking, item, (item.marking or "") + item.text)
        elif kind == "sub":
            self._start(Kind.SUBPARAGRAPH, _label(item.lead), self._marking(item.marking, item.line), item,
                        item.lead.strip() + " " + (item.marking or "") + item.text)
        elif kind == "text":
            self._body_text(item)
        else:  # a header field shape inside the body is just text
            self._body_text(item)
        self.after_blank = False
        self.after_page = False

    def _body_field(self, item: _Item) -> None:
        """A memo's closing block (Classified By ...) and its bottom banner, after the body. A
        field line inside a paragraph (no blank line before it) is the paragraph's text; a banner
        there is a page's foot, across which the paragraph goes on; and a closing block that body
        portions follow was no closing block (finish() withholds it as header_text)."""
        name = item.kind[6:]
        if name == "memo_header" and self._title_only() and memo_line_fits(item.text):
            self._close()
            self._field(name, item.text, item.line)  # an article's FROM / Run Date block under its title
            self.in_memo_header = True
            self.after_blank = False
            return
        if self.open is not None and not self.after_blank and name != "banner" \
                and not _closes_paragraph(item.text):
            # (a closing block's "Derived From:" line, of its shape, ends the paragraph above it)
            self._extend_open(item.text, item.line, 1)
            return
        if name == "banner":
            self.after_page = self.open is not None
            self.after_blank = True
            return  # the banner repeated at a page foot or the bottom carries nothing new
        self._close()
        if name == "reason" and self.fields and self.fields[-1].name == "classified_by":
            self._extend_field(item.text, item.line)
        else:
            self._field(name, item.text, item.line)
            self.body_fields.append(len(self.fields) - 1)
        self.after_blank = False

    def _title_only(self) -> bool:
        """Has the body so far been one line, an article's marked title (open or closed)?"""
        if self.open is not None:
            return not self.portions and self.open.start_line == self.open.end_line \
                and self.open.kind is Kind.PARAGRAPH and self.open.marking is not None
        return len(self.portions) == 1 and self.portions[0].start_line == self.portions[0].end_line

    def _memo_header_lines(self, item: _Item) -> bool:
        """Lines under an article's FROM line: more addressing fields, or the sender's office (a
        short line of no prose); the first line that is neither goes to the body with the rest."""
        lines = item.text.splitlines(keepends=True)
        taken = 0
        for line in lines:
            if MEMO_FIELD.match(line) and memo_line_fits(line):
                self._field("memo_header", line, item.line + taken)
            elif memo_line_fits(line, continuation=True):
                self._extend_field(line, item.line + taken)
            else:
                break
            taken += 1
        if taken < len(lines):
            self.in_memo_header = False
            if taken:
                self._body_text(_Item("text", item.line + taken, item.lines - taken, text="".join(lines[taken:])))
        self.after_blank = False
        return taken > 0

    def _closing_block_is_last(self) -> None:
        """A memo's closing fields (Classified By, Derived From, DATE:) end the document: one that
        body portions follow is text that looked like one, withheld as header_text (fail closed)."""
        last_portion = max((p.start_line for p in self.portions), default=0)
        for index in self.body_fields:
            fld = self.fields[index]
            if fld.start_line < last_portion:
                self.fields[index] = HeaderField("header_text", fld.text, fld.start_line, fld.end_line)
                self.problems.append(Problem(fld.start_line, "field-in-body", "a header field line between "
                                             "body portions is read as text and withheld"))

    def _titled(self, item: _Item) -> None:
        """``1. Summary (C)``: the marking printed after a heading."""
        text = item.text.rstrip()
        start = text.rfind("(")
        marking = parse_portion_marking(text[start:].strip()) if start >= 0 else None
        if marking is not None and not marking.recognised:
            marking = None  # "(PSOE)" at the end of a sentence is not a marking
        self._start(Kind.PARAGRAPH, _number(item.lead), marking, item,
                    item.lead.strip() + " " + item.text)

    def _entire(self, item: _Item) -> None:
        level = _ENTIRE_LEVEL.match(item.text)
        word = level.group(1).upper() if level else ""
        self.entire = parse_banner_marking(_ENTIRE_NAMES.get(word, word))
        number = _number(item.lead) if item.lead else None
        self._start(Kind.PARAGRAPH, number, self.entire, item, item.lead + item.text)

    # -- result -------------------------------------------------------------
    def finish(self) -> tuple[Header, list[Portion], list[Problem]]:
        self._close()
        self._closing_block_is_last()
        portions = _with_signature(self.portions)
        portions = _headings_take_marking(portions)
        header = self._header(portions)
        return header, portions, self.problems

    def _header(self, portions: list[Portion]) -> Header:
        fields = [HeaderField(f.name, "".join(lines).rstrip("\n"), f.start_line, f.end_line)
                  for f, lines in zip(self.fields, self.field_lines, strict=True)]
        fields = _split_inline_fields(fields)
        fields = [part for f in fields for part in _prose_is_not_routing(f)]
        values: dict[str, Any] = {}
        for position, f in enumerate(fields):
            if f.name == "banner" and "banner" not in values:
                level_text, post = _split_banner(f.text)
                values["banner"] = parse_banner_marking(level_text)
                values["banner_text"] = level_text
                if post:
                    values.setdefault("origin", post.strip())
            elif f.name == "eo" and "decl" not in values:
                match = _EO.match(_clean(f.text))
                if match:
                    values["decl"] = parse_decl(match.group("rest"))
            elif f.name == "tags" and "tags" not in values:
                body = _FIELD_PREFIX["tags"].sub("", _clean(f.text))
                values["tags"] = parse_tags(body)
            elif f.name == "subject":  # every SUBJECT line carries its own marking; the first is the title
                body = _FIELD_PREFIX["subject"].sub("", _LEADING_MARKING.sub("", _clean(f.text), 1)
                                                    if _MARKED_SUBJECT.match(f.text) else _clean(f.text))
                lead = _LEADING_MARKING.match(body) or _MARKED_SUBJECT.match(f.text)
                if lead:
                    marking = parse_portion_marking(lead.group(1))
                    fields[position] = HeaderField(f.name, f.text, f.start_line, f.end_line, marking)
                values.setdefault("subject", body)
            elif f.name == "ref":
                body = _FIELD_PREFIX["ref"].sub("", _clean(f.text))
                values["refs"] = tuple(r.strip(" ;") for r in _REF_ITEM.split(body) if r.strip(" ;"))
            elif f.name == "classified_by" and "classified_by" not in values:
                values["classified_by"] = _clean(f.text)
            elif f.name == "declassify_on" and "decl" not in values:
                values["decl"] = parse_decl(re.sub(r"^\s*declassify\s+on\s*:?", "", _clean(f.text), flags=re.I))
        if "classified_by" not in values:
            for portion in portions[:2]:
                found = re.search(r"CLASSIFIED\s+BY\b.*", portion.text, re.I | re.S)
                if found:
                    values["classified_by"] = _clean(found.group(0))
                    break
        if "classified_by" in values:
            values["reasons"] = parse_reasons(values["classified_by"])
        routing = "\n".join(f.text for f in fields if f.name == "routing")
        # The cable's date is its own date-time group, in the routing block (or a caption line):
        # never one cited under REF or in a subject (declassify-by-date relies on it).
        dtg = _DTG.search(routing) or _DTG.search("\n".join(f.text for f in fields if f.name == "caption"))
        if dtg:
            values["date"] = _safe_date(_year(dtg.group(4)), _MONTHS[dtg.group(3)], int(dtg.group(1)))
        sender = _FROM.search(routing)
        if sender:
            values["origin"] = sender.group(1)
        fields = [_with_printed_marking(f) for f in fields]
        return Header(fields=tuple(fields), **values)


_LOWER_WORD = re.compile(r"(?<![\w'])[a-z][a-z'-]*")
# Tag codes in lower case, wrapped after a comma: "etra, mnuc, marr, ch, jp"
_LOWER_CASE_CODES = re.compile(r"[ \t]*[a-z]{2,4}(?:[ \t]*,[ \t]*[a-z]{2,4})*[ \t]*,?[ \t]*\n?")
# A parenthesis where a marking may be printed. Any letter, not only A-Z: "(Ѕ)" with a
# Cyrillic letter looks like a marking to a reader.
_MARKING_SHAPE = r"\([ \t]*(?://[ \t]*)?[^\W\d_][^()\n]{0,38}\)"
_PRINTED_MARKING = re.compile(_MARKING_SHAPE)
_OPENS_WITH_MARKING = re.compile(r"^[ \t]*(?:(?:\*\*|#|\[\d{1,3}\]\(#\))+[ \t]*)?" + _MARKING_SHAPE)


def _not_addressing(line: str) -> bool:
    """Running prose (three or more lower-case words), a line that opens like a portion
    ("(S) ...", "(Ѕ) ..." with a look-alike letter, or a name in parentheses: fail closed), or
    one that prints a portion marking anywhere ("FM AMEMBASSY X (S) SITES ...")."""
    return (len(_LOWER_WORD.findall(line)) >= 3 or _OPENS_WITH_MARKING.match(line) is not None
            or ("(" in line and _LEVEL_SHAPED.search(line) is not None))


_WORD = re.compile(r"[^\W\d_]{2,}")
_LIST_LABEL = re.compile(r"\([ \t]*[a-z][ \t]*\)")
_CAPITAL_NEXT = re.compile(r"[ \t]+[A-Z][A-Za-z]")


def _opens_portion(line: str, field_name: str | None) -> bool:
    """A line that opens with a marking and goes on in words ("(S) THE MINISTER SAID") is a
    portion, not the rest of the header field above it; "(b) and (d)" (reasons) is not. Under
    REF, "(C) 09 STATE 030541" and "(I) 9 FAM 42.1 N4, PN2-5, and PN7" are lettered references:
    one letter, then numbers cited, not prose."""
    shaped = _OPENS_LEVEL_SHAPED.match(line)
    if shaped is not None and (not shaped.group(0).endswith(")")
                               or not parse_portion_marking(shaped.group(0).strip(" \t*#")).recognised):
        return True  # "(TS// ...", "(S.) ...": a marking nobody can read opens a portion (fail closed)
    found = _OPENS_WITH_MARKING.match(line)
    if found is None:
        return False
    words = len(_WORD.findall(line, found.end()))
    if len(_WORD.findall(found.group(0))) > 0:
        return words >= 1  # "(S//NF) Summary", "(SBU) ...": never a reference letter or a reason
    if field_name != "ref" and _CAPITAL_NEXT.match(line, found.end()):
        return True  # "(S) CANARY": a one-letter marking and a capitalised word ("(C) and (D)" is not)
    if words < 3:
        return False
    if field_name != "ref":
        return True
    rest = line[found.end():]
    return not any(c.isdigit() for c in rest) or len(_LOWER_WORD.findall(rest)) >= 3


def _prose_is_not_routing(field: HeaderField) -> list[HeaderField]:
    """Routing and caption lines are codes and addresses. Lines of running prose there, and lines
    that open with a parenthesis where a portion marking would stand, are not addressing: they
    become ``header_text`` fields, which no bundled policy releases; the lines around them keep
    their name. After a line that opens with a marking, no line of the field is addressing: a
    marked paragraph's unmarked lines follow it."""
    if field.name not in ("routing", "caption"):
        return [field]
    lines = field.text.split("\n")
    if not any(_not_addressing(line) for line in lines):
        return [field]
    parts: list[HeaderField] = []
    run: list[str] = []
    run_start, run_prose, marked = field.start_line, False, False
    for offset, line in enumerate(lines):
        marked = marked or _OPENS_WITH_MARKING.match(line) is not None
        prose = marked or _not_addressing(line)
        if run and prose != run_prose:
            parts.append(HeaderField("header_text" if run_prose else field.name, "\n".join(run), run_start,
                                     run_start + len(run) - 1))
            run, run_start = [], field.start_line + offset
        run_prose = prose
        run.append(line)
    parts.append(HeaderField("header_text" if run_prose else field.name, "\n".join(run), run_start,
                             run_start + len(run) - 1))
    return parts


def _with_printed_marking(field: HeaderField) -> HeaderField:
    """A header field's marking is the join of every marking printed in it ("SUBJECT: (U) X (S) Y"
    is SECRET), so that no field is released holding a higher one; one-letter ones under REF and
    Classified By are reference letters and reasons, and the banner is the document's, not a field's."""
    if field.name == "banner" or "(" not in field.text:
        return field
    printed = [m.group(0) for m in _LEVEL_SHAPED.finditer(field.text)]
    if field.name in ("ref", "classified_by"):  # "(C)" exactly: a letter; "(C.)", "(C//NF)", "(TS//": markings
        printed = [p for p in printed if not re.fullmatch(r"\([ \t]*[A-Za-z][ \t]*\)", p)]
    markings = [parse_portion_marking(p) if p.endswith(")") else unrecognised(p) for p in printed]
    if field.marking is not None:
        markings.insert(0, field.marking)
    if not markings:
        return field
    return replace(field, marking=combine(markings))


def _split_inline_fields(fields: list[HeaderField]) -> list[HeaderField]:
    """``E.O. 12958: DECL: 03/08/19 TAGS: PGOV SUBJECT: ...`` on one line: split it."""
    result: list[HeaderField] = []
    for f in fields:
        if f.name != "eo" or not _INLINE_FIELDS.search(f.text):
            result.append(f)
            continue
        parts = _INLINE_FIELDS.split(f.text)
        result.append(HeaderField("eo", parts[0], f.start_line, f.end_line))
        for part in parts[1:]:
            name = "tags" if part.lower().startswith("tags") else "subject"
            result.append(HeaderField(name, part, f.start_line, f.end_line))
    return result


# The header lines a multi-section cable prints again at the top of each section.
_REPEATED_FIELDS = (
    ("banner", re.compile(r"^[ \t]*(?:[A-Z][ ]){3,}[A-Z]?.*\bSECTION[ \t]+\d+[ \t]+OF[ \t]+\d+|"
                          r"^[ \t]*(?:TOP[ ]SECRET|SECRET|CONFIDENTIAL|UNCLASSIFIED|UNCLAS)\b.*\bSECTION"
                          r"[ \t]+\d+[ \t]+OF[ \t]+\d+")),
    ("eo", re.compile(r"^[ \t]*E\.[ ]?O\.[ \t]*\d{4,5}[ \t]*:?[ \t]*(?:DECL|N/A|NA\b)", re.I)),
    ("tags", re.compile(r"^[ \t]*TAGS[ \t]*:?[ \t]+[A-Z]{2,}")),
    ("subject", re.compile(r"^[ \t]*(?:SUBJECT|SUBJ)[ \t]*:")),
)


_SUBJECT_LINES = 3
_OTHER_FIELD = re.compile(r"^[ \t]*(?i:classified[ \t]+by|refs?\b|reftels?\b|tags\b|e\.[ ]?o\.)")


def _title_continues(line: str) -> bool:
    """A wrapped SUBJECT line: not prose, not another field, not a marked portion."""
    return (len(_LOWER_WORD.findall(line)) < 3 and _OTHER_FIELD.match(line) is None
            and _OPENS_WITH_MARKING.match(line) is None and "(" not in line[:3])


# The shapes above as one pattern (tried in their order), for the line-by-line test in the body.
_REPEATED_FIELD = re.compile("|".join(
    f"(?P<{name}>{'(?i:' if pattern.flags & re.I else '(?:'}{pattern.pattern}))" for name, pattern in _REPEATED_FIELDS))


def _repeated_field_name(line: str) -> str | None:
    found = _REPEATED_FIELD.match(line)
    return found.lastgroup if found is not None else None


def _number(lead: str) -> str | None:
    if "[" in lead:  # "[1](#)2." carries a viewer's footnote number before the real one
        lead = _DEBRIS.sub("", lead)
    found = _NUMBER.search(lead)
    return found.group(0) if found else None


# A parenthesis shaped like a portion marking: a level or sensitivity word, then the end of
# the marking, a control separator or a dot ("(S)", "(TS//SCI)", "(S/ /NF)", "(C/REL)",
# "(S.)", "(S-NF)", and "(S//NF" left open). "(U.S.)", "(Iran)", "(Secretary ...)" are not.
_LEVEL_SHAPED = re.compile(
    r"\([ \t]*(?P<owner>//[ \t]*(?:JOINT|[A-Z]{3})[ \t]+)?"
    r"(?i:top[ ]secret|secret|confidential|unclassified|unclas|ts|s|c|u|sbu|fouo|lou|les)"
    r"(?(owner)(?:[ \t]+[A-Z]{3}(?![A-Za-z]))*)"
    r"(?i:nf)?[ \t]*(?:\.?\)|(?:/|-[ \t]*(?=[A-Za-z]{2}))(?:[^()\n]{0,40}?\)|))")
# A line that opens with one (after markdown or viewer debris).
_OPENS_LEVEL_SHAPED = re.compile(r"^[ \t]*(?:(?:\*\*|#|\[\d{1,3}\]\(#\))+[ \t]*)?" + _LEVEL_SHAPED.pattern)


def _inline_markings(text: str, own: Marking | None) -> tuple[Marking, ...]:
    """Markings printed inside a portion that change its own ("(U) ... -- (S) ...", "(C) ...
    (C//NF) ..."): higher, with other controls, or unreadable (then TOP SECRET: fail closed)."""
    if own is None or "(" not in text:
        return ()
    found = []
    for match in _LEVEL_SHAPED.finditer(text):
        printed = match.group(0)
        if printed == own.text:
            continue  # its own marking, printed at its start
        marking = parse_portion_marking(printed) if printed.endswith(")") else unrecognised(printed)
        if _restricts(own, marking):
            found.append(marking)
    return tuple(found)


@cache  # few distinct pairs in a corpus; asked for every marking printed inside a portion
def _restricts(own: Marking, other: Marking) -> bool:
    """Does text marked ``own`` become more restricted by also carrying ``other``?"""
    joined = combine((own, other))
    return (not joined.recognised or joined.level > own.level or bool(set(joined.controls) - set(own.controls))
            or bool(set(own.rel_to) - set(joined.rel_to)))


def _label(lead: str) -> str | None:
    """The printed label of a subparagraph: "A", "1", "iv"; None for dashes and bullets."""
    found = re.search(r"[A-Za-z0-9]+", _DEBRIS.sub("", lead))
    return found.group(0) if found else None


def _is_heading(text: str) -> bool:
    line = _clean(text)
    if not line or len(line) > 90 or "\n" in text.strip("\n"):
        return False
    if line.endswith((".", ",", ";")) and not line.isupper():
        return False
    return bool(_HEADING_LINE.match(line))


def _with_signature(portions: list[Portion]) -> list[Portion]:
    """The sender's name on the last line ("HOAGLAND") is a signature, not text."""
    if not portions:
        return portions
    last = portions[-1]
    lines = last.text.rstrip().split("\n")
    name = _clean(lines[-1])
    if not _SIGNATURE.match(name) or len(name.split()) > 3:
        return portions
    if len(lines) == 1:
        if last.kind not in (Kind.TEXT, Kind.HEADING) or len(portions) == 1:
            return portions
        signature = Portion(last.index, Kind.SIGNATURE, None, None, False, lines[0],
                            last.end_line, last.end_line)
        return [*portions[:-1], signature]
    if not _SENTENCE_END.search(lines[-2]):
        return portions
    body = "\n".join(lines[:-1])
    # replace(), not a new Portion: the markings printed inside it must stay (they raise it)
    kept = replace(last, text=body, end_line=last.end_line - 1)
    signature = Portion(last.index + 1, Kind.SIGNATURE, None, None, False, lines[-1],
                        last.end_line, last.end_line)
    return [*portions[:-1], kept, signature]


def _printed_markings(text: str) -> list[Marking]:
    """The markings printed in a heading's own text ("(S//NF) KEY POINTS", "IRAN (C)"). One it
    opens with, or one shaped like a marking ("ANNEX (TS//SCI)"), counts even when it cannot be
    read (then as TOP SECRET: fail closed)."""
    opening = _OPENS_WITH_MARKING.match(text)
    shaped = list(_LEVEL_SHAPED.finditer(text))
    markings = [unrecognised(m.group(0)) for m in shaped if not m.group(0).endswith(")")]
    shaped_at = {m.start() for m in shaped}
    for match in _PRINTED_MARKING.finditer(text):
        marking = parse_portion_marking(match.group(0))
        if marking.recognised or match.start() in shaped_at or (opening is not None and match.end() == opening.end()):
            markings.append(marking)
    return markings


def _headings_take_marking(portions: list[Portion]) -> list[Portion]:
    """A heading carries the join of its own printed markings, the marking of the portion just
    before it, and the markings of the portions up to the next heading. An unmarked line never
    takes its marking from what follows alone: "OPERATION CANARY STORM" between a (S) paragraph
    and a (U) one is SECRET (where structure is unclear, the highest marking in scope)."""
    result = list(portions)
    for i, portion in enumerate(portions):
        if portion.kind is not Kind.HEADING or portion.marking is not None:
            continue
        headed = _printed_markings(portion.text)
        before = result[i - 1].effective if i > 0 else None
        if before is not None:
            headed.append(before)
        elif i > 0:
            headed.append(unrecognised("(unmarked)"))  # what came before cannot be read: fail closed
        for following in portions[i + 1:]:
            if following.kind is Kind.HEADING:
                break
            if following.effective is not None:
                headed.append(following.effective)
        if headed:
            top = combine(headed)
            result[i] = Portion(portion.index, portion.kind, None, top, True, portion.text,
                                portion.start_line, portion.end_line)
    return result


def parse(text: str, source: str = "<text>", doc_id: str | None = None, doc_type: str = "auto") -> Document:
    """Parse a cable or memo into header fields and marked portions. Never raises on text.

    ``doc_type`` is ``cable``, ``memo`` or ``auto`` (chosen by content).
    """
    lines = split_run_on_lines(text)
    if doc_type == "auto":
        doc_type = detect_type(lines.text)
    document = _original_lines(_parse_lines(lines.text, source, doc_id, doc_type), lines)
    first_lines = [p.text.split("\n", 1)[0] for p in document.portions if p.number is not None]
    return replace(document, layout=layout(first_lines))


def _parse_lines(text: str, source: str, doc_id: str | None, doc_type: str) -> Document:
    assembler = _Assembler(source)
    _reader(doc_type)  # a grammar that does not load is our bug, not the document's: let it raise
    try:
        items = _items(text, doc_type)
    except UnexpectedInput as error:
        return _unparsable(text, source, doc_id, error.line, error.column, doc_type)
    except LarkError:
        return _unparsable(text, source, doc_id, 1, 1, doc_type)
    for item in items:
        if assembler.in_body or item.kind in ("para", "titled", "entire", "marked", "sub"):
            assembler.in_body = True
            assembler.body_item(item)
        else:
            assembler.header_item(item)
    header, portions, problems = assembler.finish()
    problems.extend(_header_problems(header, portions))
    return Document(source=source, doc_type=doc_type, header=header, portions=tuple(portions),
                    problems=tuple(sorted(problems, key=lambda p: p.line)), doc_id=doc_id)


def _original_lines(document: Document, lines: Lines) -> Document:
    """Line numbers of the split text (redact.lines) turned back into the original's."""
    if not lines.origin:
        return document
    at = lines.original
    overflows = tuple(Problem(line, "field-overflow", "text past the end of a header field's shape is read as "
                              "body text (decided by its own marking, or withheld as unmarked)")
                      for line in lines.overflows)
    fields = tuple(_moved(f, at) for f in document.header.fields)
    portions = tuple(_moved(p, at) for p in document.portions)
    problems = tuple(sorted((*(p if at(p.line) == p.line else replace(p, line=at(p.line)) for p in document.problems),
                             *overflows), key=lambda p: p.line))
    return replace(document, header=replace(document.header, fields=fields), portions=portions, problems=problems)


# A closing block's field, with its colon ("Derived From: NSA/CSSM 1-52"; not "derived from
# SIGINT" running on in a paragraph).
_CLOSING_FIELD = re.compile(r"[ \t]*(?:derived[ \t]+from|declassify[ \t]+on)[ \t]*:", re.I)


def _closes_paragraph(line: str) -> bool:
    """A closing block's line, of its shape, printed right under the last paragraph: the web
    page's classification block (its grammar token has the whole shape) or "Derived From: ..."."""
    return line.lstrip().startswith("DYNAMIC PAGE --") or (
        _CLOSING_FIELD.match(line) is not None and memo_line_fits(line))

_Spanned = TypeVar("_Spanned", HeaderField, Portion)


def _moved(item: _Spanned, at: Callable[[int], int]) -> _Spanned:
    """``item`` with its lines given by ``at`` (itself when they do not change: most do not)."""
    start, end = at(item.start_line), at(item.end_line)
    if start == item.start_line and end == item.end_line:
        return item
    return replace(item, start_line=start, end_line=end)


def _header_problems(header: Header, portions: list[Portion]) -> list[Problem]:
    problems: list[Problem] = []
    if header.banner is not None and not header.banner.recognised:
        problems.append(Problem(_field_line(header, "banner"), "unrecognised-banner",
                                "the banner's classification could not be read"))
    if not portions:
        problems.append(Problem(1, "no-portions", "no body portion was found"))
    return problems


def _field_line(header: Header, name: str) -> int:
    return next((f.start_line for f in header.fields if f.name == name), 1)


def _unparsable(text: str, source: str, doc_id: str | None, line: int, column: int,
                doc_type: str = "cable") -> Document:
    """A document the grammar cannot read is one unmarked portion: withheld whole."""
    portion = Portion(0, Kind.TEXT, None, None, False, text.rstrip("\n"), 1,
                      max(1, text.count("\n")))
    problem = Problem(line, "parse-error", f"the document could not be parsed at column {column}")
    return Document(source=source, doc_type=doc_type, header=Header(), portions=(portion,),
                    problems=(problem,), doc_id=doc_id)


__all__ = ["Level", "parse", "parse_decl", "parse_reasons"]
