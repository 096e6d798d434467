"""Parse: text -> Document, with grammar/cable.lark (and memo.lark). The grammar stage.

The steps, one module each: redact.lines puts every paragraph start and header field on a
line of its own; here the grammar classifies every line by its shape and state (start, header
or body), each token a whole line shape (a numbered, marked paragraph with the blank lines
before it is one token, and the parse tree one flat list of tokens: redact.lalr runs Lark's
lexer and parse table for that list without building the tree), and a reader turns each
token into an item, reading its parts (number, marking, rest) with the grammar's own part
definitions; redact.assemble joins the items into header fields and portions; redact.portions
finishes the portions (signature, headings that take the markings of what they head) and
redact.header reads the header's values. Anything unmarked stays unmarked (the policy
withholds it: fail closed), and text the grammar cannot read at all becomes one unmarked
portion with a parse-error problem.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from typing import TypeVar

from lark import Lark, Token
from lark.exceptions import LarkError, UnexpectedInput

from .assemble import Assembler, Item
from .fields import OVERFLOW
from .header import header_problems, parse_decl, parse_reasons
from .lalr import Driver, Unfit
from .lalr import Token as _Token
from .lines import Lines, layout, normalise_newlines, split_run_on_lines  # noqa: F401 (re-exported)
from .model import Document, Header, HeaderField, Kind, Level, Portion, Problem
from .resources import grammar_path
from .shapes import JOINT_OWNERS, OWNER

# What each token of the grammars is to the assembler. Every token carries the blank lines before
# it; they become a "blank" item of their own, so the assembler sees blocks exactly as printed.
_FIELDS = {"BANNER": "field:banner", "EO_LINE": "field:eo", "TAGS_LINE": "field:tags",
           "SUBJECT_LINE": "field:subject", "REF_LINE": "field:ref",
           "CLASSIFIED_BY_LINE": "field:classified_by", "SIPDIS": "field:caption",
           "MEMO_SUBJECT_LINE": "field:subject", "MEMO_FIELD_LINE": "field:memo_header",
           "DERIVED_FROM_LINE": "field:derived_from", "DECLASSIFY_ON_LINE": "field:declassify_on",
           "DYNAMIC_PAGE_LINE": "field:derived_from", "REASON_LINE": "field:reason"}

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
        self.driver = Driver.of(lark)
        blank = lark.get_terminal("BLANK").pattern.to_regexp()
        self.blanks = re.compile(f"(?:{blank})*")
        self.parts: dict[str, tuple[str, re.Pattern[str], bool]] = {}  # kind, parts, has a marking
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
            compiled = re.compile(pattern)
            self.parts[name] = (kind, compiled, "marking" in compiled.groupindex)
        # A divider ends a block as a blank line does: "(U) Title" under a line of dashes opens a
        # portion (the grammar's BLOCK_MARKING needs a blank line before it, which a divider is not).
        self.lead = re.compile(lark.get_terminal("LEAD_MARKING").pattern.to_regexp()) \
            if "LEAD_MARKING" in defined else None

    def items(self, text: str) -> list[Item]:
        items: list[Item] = []
        in_body = False
        for token in self.tokens(text):
            self._read(token, text, items)
            in_body = in_body or items[-1].kind in _BODY_KINDS
            if in_body and items[-1].kind == "text" and len(items) > 1 and items[-2].kind == "divider":
                items[-1] = self._marked_after_divider(items[-1])
        return items

    def tokens(self, text: str) -> list[_Token]:
        """The grammar's tokens of ``text``: what ``Lark.parse`` reads, without its tree."""
        if self.driver is not None:
            try:
                return self.driver.tokens(text)
            except Unfit:
                self.driver = None  # this Lark's lexers are not ones the driver can run: Lark's own parse
        return [_Token(str(t.type), t.start_pos or 0, t.end_pos or 0, t.line or 1)
                for t in self.lark.parse(text, start="start").children if isinstance(t, Token)]

    def _marked_after_divider(self, item: Item) -> Item:
        """A run of text under a divider that opens with a portion marking ("(U) Opening remarks"):
        a marked portion, as after a blank line. Only in the body (in the header the grammar reads
        the lines after it as header lines), and only a marking of a portion's shape."""
        found = self.lead.match(item.text) if self.lead is not None and _OPENS_MARKED.match(item.text) else None
        if found is None:
            return item
        return _marked(item.line, item.lines, found.group(0), item.text[found.end():])

    def _read(self, token: _Token, text: str, items: list[Item]) -> None:
        kind, start, end, line = token
        if kind == "BLANKS":
            value = text[start:end]
            items.append(_item("blank", line, value.count("\n") or 1, "", None, value))
            return
        composed = self.parts.get(kind)
        if composed is not None:
            self._read_parts(composed, token, text, items)
            return
        blanks = self.blanks.match(text, start, end).end()  # type: ignore[union-attr]
        if blanks > start:
            value = text[start:blanks]
            items.append(_item("blank", line, value.count("\n") or 1, "", None, value))
            line += value.count("\n")
            start = blanks
        value = text[start:end]
        field_name = _FIELDS.get(kind)
        if field_name is not None:
            items.append(_item(field_name, line, 1, "", None, value))
        else:
            items.append(_item(_PLAIN[kind], line, value.count("\n") or 1, "", None, value))

    def _read_parts(self, composed: tuple[str, re.Pattern[str], bool], token: _Token, text: str,
                    items: list[Item]) -> None:
        kind, pattern, marked = composed
        name, start, end, line = token
        found = pattern.match(text, start)
        if found is None:  # cannot happen (the lexer matched these parts here); if it did: fail closed
            raise LarkError(f"the parts of a {name} token could not be read")
        if found.end("blanks") > start:  # blank lines before the parts
            blanks = text[start:found.end("blanks")]
            items.append(_item("blank", line, blanks.count("\n") or 1, "", None, blanks))
            line += blanks.count("\n")
        lead = found.group("lead") or ""
        rest = text[found.end():end]
        if kind == "titled" or kind == "entire":
            items.append(_item(kind, line, 1, lead, None, found.group("text")))
        elif kind == "marked":
            items.append(_marked(line, rest.count("\n") or 1, lead, rest))
        else:
            items.append(_item(kind, line, rest.count("\n") or 1, lead, found.group("marking") if marked else None,
                               rest))


def _item(kind: str, line: int, lines: int, lead: str, marking: str | None, text: str) -> Item:
    """An item, made without NamedTuple's keyword handling (tens of thousands a corpus pass)."""
    return tuple.__new__(Item, (kind, line, lines, lead, marking, text))


_BODY_KINDS = ("para", "titled", "entire", "marked", "sub")


def _marked(line: int, lines: int, lead: str, rest: str) -> Item:
    """A block that opens with a marking: the lead's last parenthesis opens the marking."""
    stripped = lead.rstrip()
    cut = stripped.rfind("(")
    return _item("marked", line, lines, lead[:cut], stripped[cut:], rest)


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
_OPENS_MARKED = re.compile(r"^[ \t*#>\"]*\(" + OWNER + r"(?:TS|S|C|U|SBU)" + JOINT_OWNERS
                           + r"(?://?[^()\n]{0,60})?\)[ \t]", re.M)


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


def _items(text: str, doc_type: str = "cable") -> list[Item]:
    return _reader(doc_type).items(text)


def read_items(text: str, doc_type: str = "auto") -> list[Item]:
    """The grammar stage alone: every line shape of the document as an item (a paragraph's
    number, marking and text; a header line; a run of text), before the assembler joins them
    into portions and reads the header fields. For benchmarks and debugging; may raise
    ``lark.exceptions.LarkError`` where ``parse`` would fail closed."""
    text = split_run_on_lines(text).text
    return _items(text, detect_type(text) if doc_type == "auto" else doc_type)


def parse(text: str, source: str = "<text>", doc_id: str | None = None, doc_type: str = "auto") -> Document:
    """Parse a cable or memo into header fields and marked portions. Never raises on text.

    ``doc_type`` is ``cable``, ``memo`` or ``auto`` (chosen by content).
    """
    lines = split_run_on_lines(text)
    if doc_type == "auto":
        doc_type = detect_type(lines.text)
    document = _original_lines(_parse_lines(lines.text, source, doc_id, doc_type), lines)
    first_lines = [_line_one(p.text) for p in document.portions if p.number is not None]
    return replace(document, layout=layout(first_lines))


def _line_one(text: str) -> str:
    """The first line of ``text`` (without copying the rest, as a split would)."""
    end = text.find("\n")
    return text if end < 0 else text[:end]


def _parse_lines(text: str, source: str, doc_id: str | None, doc_type: str) -> Document:
    # An article's lines may be wrapped (a printed page, a narrow copy): how wide, for the marking a
    # wrap put at a line's start in the middle of a sentence (Assembler._continues_sentence).
    width = wrapped_width(text) if doc_type == "memo" else None
    assembler = Assembler(source, doc_type, None if width is None else int(width * _FILLED))
    _reader(doc_type)  # a grammar that does not load is our bug, not the document's: let it raise
    try:
        items = _items(text, doc_type)
    except UnexpectedInput as error:
        return _unparsable(text, source, doc_id, error.line, error.column, doc_type)
    except LarkError:
        return _unparsable(text, source, doc_id, 1, 1, doc_type)
    for item in items:
        if assembler.in_body or item.kind in _BODY_KINDS:
            assembler.in_body = True
            assembler.body_item(item)
        else:
            assembler.header_item(item)
    header, portions, problems = assembler.finish()
    problems.extend(header_problems(header, portions))
    return Document(source=source, doc_type=doc_type, header=header, portions=tuple(portions),
                    problems=tuple(sorted(problems, key=lambda p: p.line)), doc_id=doc_id)


def wrapped_width(text: str) -> int | None:
    """The width ``text`` is wrapped at: its longest line's length, when most of its lines fill
    most of it (a paragraph's lines but its last); None for a text printed a line a paragraph."""
    lengths = [len(line) for line in text.split("\n") if line.strip()]
    if len(lengths) < _WRAPPED_LINES:
        return None
    width = max(lengths)
    filled = sum(length >= width * 0.8 for length in lengths)
    return width if filled * 2 >= len(lengths) else None


_WRAPPED_LINES = 8
# A line is filled when its next word would have taken it past this share of the width (a page's
# characters are not all the same width).
_FILLED = 0.9


def _original_lines(document: Document, lines: Lines) -> Document:
    """Line numbers of the split text (redact.lines) turned back into the original's."""
    if not lines.origin:
        return document
    at = lines.original
    overflows = tuple(Problem(line, "field-overflow", OVERFLOW) for line in lines.overflows)
    fields = tuple(_moved(f, at) for f in document.header.fields)
    portions = tuple(_moved(p, at) for p in document.portions)
    problems = tuple(sorted((*(p if at(p.line) == p.line else replace(p, line=at(p.line)) for p in document.problems),
                             *overflows), key=lambda p: p.line))
    return replace(document, header=replace(document.header, fields=fields), portions=portions, problems=problems)


_Spanned = TypeVar("_Spanned", HeaderField, Portion)


def _moved(item: _Spanned, at: Callable[[int], int]) -> _Spanned:
    """``item`` with its lines given by ``at`` (itself when they do not change: most do not)."""
    start, end = at(item.start_line), at(item.end_line)
    if start == item.start_line and end == item.end_line:
        return item
    return replace(item, start_line=start, end_line=end)


def _unparsable(text: str, source: str, doc_id: str | None, line: int, column: int,
                doc_type: str = "cable") -> Document:
    """A document the grammar cannot read is one unmarked portion: withheld whole."""
    portion = Portion(0, Kind.TEXT, None, None, False, text.rstrip("\n"), 1,
                      max(1, text.count("\n")))
    problem = Problem(line, "parse-error", f"the document could not be parsed at column {column}")
    return Document(source=source, doc_type=doc_type, header=Header(), portions=(portion,),
                    problems=(problem,), doc_id=doc_id)


__all__ = ["Level", "parse", "parse_decl", "parse_reasons"]
