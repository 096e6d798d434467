"""Assembly: the grammar's items (redact.parse) joined into header fields and portions.

Items arrive in document order, each a line shape: a header field line, a numbered paragraph
with its marking, a subparagraph, a block of plain text, a blank or a page break. The
assembler keeps one portion open at a time: paragraphs split by blank or page-break lines
become one portion, unmarked subparagraphs inherit the markings in scope, a multi-section
cable's repeated header lines are header fields again, an article's FROM block under its
title is addressing, and anything unmarked stays unmarked (the policy withholds it: fail
closed). ``finish`` hands the result to redact.portions (signature, headings) and
redact.header (the header's values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import NamedTuple

from .field_names import misprinted_opening
from .fields import (
    MEMO_FIELD,
    OVERFLOW,
    SHAPED_FIELDS,
    completes_reasons,
    continuation_fits,
    memo_line_fits,
    next_reference_item,
    overflow_at,
    spilled_lines,
)
from .header import governing_decl, opens_portion, read_header, tags_without_subject
from .markings import parse_banner_marking, parse_portion_marking
from .model import HEADING, PARAGRAPH, SUBPARAGRAPH, TEXT, Header, HeaderField, Kind, Marking, Portion, Problem, combine
from .portions import (
    OpenPortion,
    entire_text_under_banner,
    finishes_sentence,
    headings_take_marking,
    inline_markings,
    is_heading,
    is_wrapped_heading,
    label_of,
    lines_apart,
    number_of,
    printed_markings,
    with_signature,
)
from .shapes import LIST_LABEL, LOWER_WORD, OPENS_WITH_MARKING, PRINTED_MARKING


class Item(NamedTuple):
    """One element the grammar recognised: a line, or a run of plain lines."""

    kind: str  # field:<name> | para | titled | entire | marked | sub | text | blank | page | divider
    line: int
    lines: int
    lead: str = ""
    marking: str | None = None
    text: str = ""


def first_line(text: str) -> tuple[str, str]:
    """A run of plain lines split after its first line: (first, rest)."""
    cut = text.find("\n") + 1
    return text[:cut], text[cut:]


_ENTIRE_LEVEL = re.compile(r"^\s*(TOP\s+SECRET|CONFIDENTIAL|SECRET|UNCLASSIFIED|LIMITED\s+OFFICIAL\s+USE|TS|C|S|U)\b",
                           re.I)

_ENTIRE_NAMES = {"TS": "TOP SECRET", "C": "CONFIDENTIAL", "S": "SECRET", "U": "UNCLASSIFIED"}


@dataclass(slots=True)
class _OpenField:
    """A header field being assembled: its lines so far."""

    name: str
    start_line: int
    end_line: int
    lines: list[str]


# Fields whose lines under them come one right after the other (no blank line between).
_SPILLING = frozenset({"tags", "eo"})


class Assembler:
    def __init__(self, source: str, doc_type: str = "cable", filled: int | None = None) -> None:
        self.source = source
        self.doc_type = doc_type
        self.filled = filled  # a wrapped article's lines are filled past this many characters
        self.fields: list[_OpenField] = []
        self.portions: list[Portion] = []
        self.problems: list[Problem] = []
        self.open: OpenPortion | None = None
        self.parent_index: int | None = None
        # The markings in scope for an unmarked subparagraph: the effective marking of the last
        # paragraph, and of every marked subparagraph and heading since (their join applies).
        self.scope: list[Marking] = []
        self.entire: Marking | None = None
        self.after_blank = True
        self.in_body = False
        self.seen_banner = False
        self.seen_core_field = False
        self.in_body_text = False
        self.in_repeated_field = False
        self.body_fields: list[int] = []  # fields found after the body began (a memo's closing block)
        self.header_fields: int | None = None  # how many fields came before the body began
        self.in_memo_header = False  # in an article's FROM / Run Date block, under its title

    # -- header -------------------------------------------------------------
    def _field(self, name: str, text: str, line: int) -> None:
        self.fields.append(_OpenField(name, line, line, [text]))

    def _extend_field(self, text: str, line: int) -> None:
        last = self.fields[-1]
        last.end_line = line + max(0, text.count("\n") - 1)
        last.lines.append(text)

    def _spill(self, name: str, item: Item) -> None:
        """Lines under a field that fitted its shape alone, and that the line under them shows are
        not the field's (a title's first line under TAGS: "RUN-OFF," / "SEEKS EMBASSY'S ..."), go to
        the body with it. Only fields that never go on across a blank line: their lines are the
        ones right above ``item``."""
        lines = self.fields[-1].lines
        count = spilled_lines(name, lines, item.text) if name in _SPILLING and not self.after_blank else 0
        if not count:
            return
        moved = lines[-count:]
        del lines[-count:]
        first = item.line - count
        self.fields[-1].end_line = first - 1
        self.problems.append(Problem(first, "field-overflow", OVERFLOW))
        for offset, text in enumerate(moved):
            self._body_text(Item("text", first + offset, 1, text=text))
        self.in_body_text = True

    def header_item(self, item: Item) -> None:
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
            self._field(name, item.text, item.line)
            # A field with a shape ends the block that went to the body: the lines under it are
            # the field's when they fit its shape (redact.fields), not the rest of that block.
            # (Addressing has no such shape: lines under a caption still follow the block.)
            self.in_body_text = self.in_body_text and name not in SHAPED_FIELDS
            self.after_blank = False
            return
        # TEXT in the header: the first line decides where the run belongs; the rest follows it.
        first, rest = first_line(item.text)
        if rest:
            self.header_item(Item(item.kind, item.line, 1, item.lead, item.marking, first))
            if self.in_body_text:
                self._body_text(Item("text", item.line + 1, item.lines - 1, text=rest))
            elif self.fields and self.fields[-1].name in ("routing", "caption"):
                self._extend_field(rest, item.line + 1)  # addressing: read line by line later
            else:
                # every line under a released field is checked on its own (shape, marking)
                for offset, line in enumerate(rest.splitlines(keepends=True)):
                    self.header_item(Item("text", item.line + 1 + offset, 1, text=line))
            return
        if self.in_body_text and not self.after_blank:
            # The block already went to the body: its next line follows it there, never
            # back into the header field above (where it would be released as addressing).
            self._body_text(item)
            self.after_blank = False
            return
        self.in_body_text = False
        misprinted = misprinted_opening(item.text)
        if misprinted is not None and misprinted[0] == "subject":
            # "UBJECT: ...", "SUB JECT: ...": the SUBJECT line with its name misprinted, decided as
            # one (withheld unless its marking releases it), not addressing or a field's next line
            self.header_item(item._replace(kind="field:subject"))
            return
        last = self.fields[-1].name if self.fields else None
        continues = last in ("subject", "ref", "classified_by", "tags", "eo", "routing", "caption", "memo_header")
        so_far = "".join(self.fields[-1].lines) if last is not None else ""
        reasons = last == "classified_by" and completes_reasons(so_far, item.text)
        if last == "ref" and self.after_blank:
            continues = next_reference_item(so_far, item.text)
        elif self.after_blank and last not in ("routing", None):
            continues = reasons  # "FOR REASONS" / (blank) / "1.4 B, D"
        if continues and last not in ("routing", "caption") and not reasons and opens_portion(item.text, last):
            continues = False  # "(S) THE MINISTER SAID ..." glued under a header line: a portion
        if continues and last == "tags" and len(LOWER_WORD.findall(item.text)) >= 3 \
                and not _LOWER_CASE_CODES.fullmatch(item.text):
            continues = False  # tags are codes and names; prose under TAGS is not one of them
        if continues and last is not None and not continuation_fits(last, so_far, item.text):
            continues = False  # the line does not fit the field's shape (redact.fields)
            self._spill(last, item)
        if continues and last is not None:
            self._extend_field(item.text, item.line)
        elif not self.seen_banner and not self.seen_core_field:
            self._field("routing", item.text, item.line)
        elif not self.seen_core_field:
            self._field("caption", item.text, item.line)
        elif (opening := OPENS_WITH_MARKING.match(item.text)) is not None:
            # "(S) ..." run on from or glued under a header field: a portion with its own marking
            printed = PRINTED_MARKING.search(opening.group(0))
            marking = self._marking(printed.group(0) if printed else None, item.line)
            self._start(PARAGRAPH, None, marking, item, item.text)
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
        inline = inline_markings(text, current.marking, current.carried)
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
        if current.kind in (PARAGRAPH, TEXT):
            self.parent_index = index
            self.scope = [effective] if effective is not None else []
        elif current.kind is SUBPARAGRAPH and effective is not None and not current.inherited:
            self.scope.append(effective)
        elif current.kind is HEADING:
            self.scope += printed_markings(text)
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
               item: Item, text: str, parent: int | None = None, lines: int | None = None) -> None:
        """Open a portion with ``item`` (``lines`` of it: all unless given)."""
        self._close()
        inherited = False
        if kind is SUBPARAGRAPH:
            parent = self.parent_index
        unmarked_sibling = marking is None and kind is SUBPARAGRAPH and self._unmarked_sibling()
        if marking is None and kind is SUBPARAGRAPH and self.scope and not unmarked_sibling:
            marking, inherited = combine(self.scope), True
        if marking is None and self.entire is not None and kind is not HEADING:
            marking, inherited = self.entire, True
        if marking is None and (kind in (PARAGRAPH, TEXT) or unmarked_sibling):
            self.problems.append(Problem(item.line, "unmarked-portion",
                                         "a portion without a marking; withheld unless a policy says otherwise"))
        self.open = OpenPortion(kind, number, marking, inherited, item.line, item.line, parent=parent)
        self.open.add(text, item.line, item.lines if lines is None else lines)

    def _unmarked_sibling(self) -> bool:
        """In a memo or newsletter (where every portion is marked, bullets too), an unmarked item
        right under a list item that carries its own marking and ends its sentence is not covered
        by the markings in scope: its siblings are marked one by one and it is not ("- (U) ..." /
        "- The source will ..."): unmarked, withheld. Under an item that opens a list with a colon
        it is a part of that item, as in a cable, where subparagraphs take the markings in scope."""
        if self.doc_type != "memo" or not self.portions:
            return False
        above = self.portions[-1]
        return (above.kind is SUBPARAGRAPH and above.marking is not None and not above.inherited
                and finishes_sentence(above.text))

    def _wrapped_number(self, item: Item) -> bool:
        """An unmarked "10. The two ..." inside a paragraph, after a line that ends no sentence
        ("... on October"), whose number does not follow the paragraph's: a date or a count that
        the line wrap put at the start of a line, not a paragraph (a blank line, a marking, the
        next number or a finished sentence keep it a paragraph, withheld if unmarked)."""
        current = self.open
        if item.marking is not None or self.after_blank or self.in_repeated_field or current is None \
                or current.kind is HEADING:
            return False  # (after header lines printed again, a "1." may open another cable)
        number = number_of(item.lead)
        if number is None or not number.isdigit() or current.number is None or not current.number.isdigit():
            return False
        return int(number) != int(current.number) + 1 and not current.ends_sentence()

    def _continues_open(self, text: str, whole: bool) -> bool:
        """Is a new block of text the rest of the open portion (split by a blank or page break)?
        Only where it goes on with a sentence the portion left unfinished (or a quotation): after
        a page break too, a block that opens a sentence under a finished one may be a paragraph of
        its own, unmarked ("2. (U) ... in May." / page break / "The minister will defect ..."),
        and is withheld as one (fail closed), not released with the paragraph above. A heading
        alone in its block ("END SUMMARY" / "YET ANOTHER BAD MONTH ...") heads what follows it
        (and takes its markings), whatever the line above left unfinished."""
        current = self.open
        if current is None or current.kind is HEADING:
            return False
        if current.quoting():
            return True
        goes_on = text.lstrip(" \t*")[:1].islower() or not current.ends_sentence()
        return goes_on and not (whole and is_heading(text))

    def _body_text(self, item: Item) -> None:
        """A run of plain lines: the first decides where it belongs, the others follow it."""
        first, rest = first_line(item.text)
        if self._repeated_header(first, item):
            if rest:
                self._body_text(Item("text", item.line + 1, item.lines - 1, text=rest))
            return
        self.in_repeated_field = False
        text = first
        if self.open is not None and not self.after_blank:
            self._extend_open(text, item.line, 1)
        elif self.open is not None and self._continues_open(text, whole=not rest):
            self.open.add(text, item.line, 1)
        elif is_heading(text):
            self._start(HEADING, None, None, item, text, lines=1)
        else:
            self._start(TEXT, None, None, item, text, lines=1)
        if rest:
            self._extend_open(rest, item.line + 1, item.lines - 1)

    def _repeated_header(self, line: str, item: Item) -> bool:
        """A multi-section cable prints its banner (SECTION 2 OF 3), E.O., TAGS and SUBJECT lines
        again at the top of each section. They are the header's fields, printed again, and are
        decided as header fields (the same field gets the same decision everywhere); the open
        portion stays open, as across a page break. A wrapped SUBJECT line continues its field."""
        name = _repeated_field_name(line)
        last = self.fields[-1] if self.fields else None
        if name is None and self.in_repeated_field and not self.after_blank and last is not None \
                and last.name == "subject" and _title_continues(line) \
                and len(last.lines) < _SUBJECT_LINES:
            self._extend_field(line, item.line)
            return True
        if name is None:
            return False
        cut = overflow_at(line)
        self._field(name, line if cut is None else line[:cut].rstrip() + "\n", item.line)
        self.in_repeated_field = True
        if cut is not None:
            # "TAGS: PREL VT WORLD STEPPING INTO THE GAP": the line went on in the body's text; it
            # stays in the body (decided by the open portion's marking), not in a released field
            if _repeated_field_name(line[cut:]) is None:  # (another field printed after it is no overflow)
                self.problems.append(Problem(item.line, "field-overflow", OVERFLOW))
            self._body_text(Item("text", item.line, 1, text=line[cut:]))
        return True

    def _extend_open(self, text: str, line: int, count: int) -> None:
        current = self.open
        assert current is not None
        if current.kind is HEADING and count == 1 and len(current.lines) == 1 \
                and is_wrapped_heading(current.lines[0], text):
            current.add(text, line, count)  # its rule on its second line: a heading that wrapped
            return
        if current.kind is HEADING:
            # A heading is one line; a block of several lines is an unmarked portion.
            current.kind = TEXT
            self.problems.append(Problem(current.start_line, "unmarked-portion",
                                         "a portion without a marking; withheld unless a policy says otherwise"))
        current.add(text, line, count)

    def body_item(self, item: Item) -> None:
        kind = item.kind
        if self.in_memo_header:
            if kind == "text" and not self.after_blank and self._memo_header_lines(item):
                return
            self.in_memo_header = kind == "field:memo_header"
        if kind in ("blank", "page"):  # a page break ends a block as a blank line does
            self.after_blank = True
            return
        if kind == "divider":
            self._close()
            self.after_blank = True
            return
        if self.header_fields is None:
            self.header_fields = len(self.fields)  # the fields above the body (a section's repeated ones follow)
        self.in_body = True
        if kind.startswith("field:"):
            self._body_field(item)
            return
        if kind == "para" and self._wrapped_number(item):
            self._body_text(Item("text", item.line, item.lines, text=item.lead + item.text))
        elif kind == "para":
            number = number_of(item.lead)
            self._start(PARAGRAPH, number, self._marking(item.marking, item.line), item,
                        item.lead.strip() + " " + (item.marking or "") + item.text)
        elif kind == "titled":
            self._titled(item)
        elif kind == "entire":
            self._entire(item)
        elif kind == "marked" and self.open is not None and self._continues_sentence(self.open, item):
            self.open.add((item.marking or "") + item.text, item.line, item.lines)
            self.open.carried += [m for m in (self._marking(item.marking, item.line),) if m is not None]
        elif kind == "marked":
            marking = self._marking(item.marking, item.line)
            if marking is not None and LIST_LABEL.fullmatch(item.marking or "") and self.scope:
                # "(t) ... (u) ..." inside a paragraph: a list label never lowers the level in scope
                marking = combine([marking, *self.scope])
                self.problems.append(Problem(item.line, "list-label-marking", "a one-letter lower-case marking "
                                             "inside a paragraph may be a list label: the marking in scope applies"))
            self._start(PARAGRAPH, None, marking, item, (item.marking or "") + item.text)
        elif kind == "sub":
            self._start(SUBPARAGRAPH, label_of(item.lead), self._marking(item.marking, item.line), item,
                        item.lead.strip() + " " + (item.marking or "") + item.text)
        elif kind == "text":
            self._body_text(item)
        else:  # a header field shape inside the body is just text
            self._body_text(item)
        self.after_blank = False

    def _continues_sentence(self, current: OpenPortion, item: Item) -> bool:
        """In a wrapped article, a marked line under a filled line whose sentence it goes on with ("...
        the recent article" / "(U) Changes in the Service, the editors asked ..."): a cited title's
        marking that the wrap put at the line's start. The paragraph goes on, its marking joined."""
        if self.filled is None or self.after_blank or item.marking is None or item.lead.strip() \
                or current.marking is None or current.kind not in (PARAGRAPH, TEXT, SUBPARAGRAPH):
            return False
        last = current.lines[-1].rstrip() if current.lines else ""
        return len(last) + 1 + len(item.marking.strip()) > self.filled and not current.ends_sentence()

    def _body_field(self, item: Item) -> None:
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
                and self.open.kind is PARAGRAPH and self.open.marking is not None
        return len(self.portions) == 1 and self.portions[0].start_line == self.portions[0].end_line

    def _memo_header_lines(self, item: Item) -> bool:
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
                self._body_text(Item("text", item.line + taken, item.lines - taken, text="".join(lines[taken:])))
        self.after_blank = False
        return taken > 0

    def _closing_block_is_last(self) -> None:
        """A memo's closing fields (Classified By, Derived From, DATE:) end the document: one that
        body portions follow is text that looked like one, withheld as header_text (fail closed)."""
        last_portion = max((p.start_line for p in self.portions), default=0)
        for index in self.body_fields:
            fld = self.fields[index]
            if fld.start_line < last_portion:
                fld.name = "header_text"
                self.problems.append(Problem(fld.start_line, "field-in-body", "a header field line between "
                                             "body portions is read as text and withheld"))

    def _titled(self, item: Item) -> None:
        """``1. Summary (C)``: the marking printed after a heading."""
        text = item.text.rstrip()
        start = text.rfind("(")
        marking = parse_portion_marking(text[start:].strip()) if start >= 0 else None
        if marking is not None and not marking.recognised:
            marking = None  # "(PSOE)" at the end of a sentence is not a marking
        self._start(PARAGRAPH, number_of(item.lead), marking, item,
                    item.lead.strip() + " " + item.text)

    def _entire(self, item: Item) -> None:
        level = _ENTIRE_LEVEL.match(item.text)
        word = level.group(1).upper() if level else ""
        self.entire = parse_banner_marking(_ENTIRE_NAMES.get(word, word))
        number = number_of(item.lead) if item.lead else None
        self._start(PARAGRAPH, number, self.entire, item, item.lead + item.text)

    # -- result -------------------------------------------------------------
    def finish(self) -> tuple[Header, list[Portion], list[Problem]]:
        self._close()
        self._closing_block_is_last()
        fields = [HeaderField(f.name, "".join(f.lines).rstrip("\n"), f.start_line, f.end_line) for f in self.fields]
        if self.doc_type == "cable":
            fields, problems = tags_without_subject(fields, self.header_fields)
            self.problems += problems
        portions = with_signature(self.portions, " ".join(f.text for f in fields if f.name == "classified_by"))
        portions, unmarked = lines_apart(portions, self.doc_type)
        self.problems += [Problem(line, "unmarked-portion", "a line printed under a paragraph opens a paragraph of "
                                  "its own, without a marking; withheld unless a policy says otherwise")
                          for line in unmarked]
        header = self._governing_decl(read_header(fields, portions), portions)  # reads the portions' text only
        portions, contradiction = entire_text_under_banner(portions, self.entire, header.banner)
        self.problems += contradiction
        return header, headings_take_marking(portions, header.banner), self.problems

    def _governing_decl(self, header: Header, portions: list[Portion]) -> Header:
        """The declassification instruction that governs, of all the document prints (redact.header)."""
        decl, problems = governing_decl(header, portions)
        self.problems += problems
        return header if decl == header.decl else replace(header, decl=decl)


# Tag codes in lower case, wrapped after a comma: "etra, mnuc, marr, ch, jp"
_LOWER_CASE_CODES = re.compile(r"[ \t]*[a-z]{2,4}(?:[ \t]*,[ \t]*[a-z]{2,4})*[ \t]*,?[ \t]*\n?")

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
    return (len(LOWER_WORD.findall(line)) < 3 and _OTHER_FIELD.match(line) is None
            and OPENS_WITH_MARKING.match(line) is None and "(" not in line[:3])


# The shapes above as one pattern (tried in their order), for the line-by-line test in the body.
_REPEATED_FIELD = re.compile("|".join(
    f"(?P<{name}>{'(?i:' if pattern.flags & re.I else '(?:'}{pattern.pattern}))" for name, pattern in _REPEATED_FIELDS))


def _repeated_field_name(line: str) -> str | None:
    found = _REPEATED_FIELD.match(line)
    return found.lastgroup if found is not None else None


# A closing block's field, with its colon ("Derived From: NSA/CSSM 1-52"; not "derived from
# SIGINT" running on in a paragraph).
_CLOSING_FIELD = re.compile(r"[ \t]*(?:derived[ \t]+from|declassify[ \t]+on)[ \t]*:", re.I)


def _closes_paragraph(line: str) -> bool:
    """A closing block's line, of its shape, printed right under the last paragraph: the web
    page's classification block (its grammar token has the whole shape) or "Derived From: ..."."""
    return line.lstrip().startswith("DYNAMIC PAGE --") or (
        _CLOSING_FIELD.match(line) is not None and memo_line_fits(line))
