"""Lines: put every paragraph start and header field on a line of its own, before the grammar.

The grammars read whole lines. Real copies do not always break lines where a new part
begins: a reflowed cable prints its header fields and paragraph 1 on one line
(``Classified By: X, Reasons 1.4 (b) and (d). 1. (C) Summary: ...``), and some copies
separate lines with Unicode separators (U+2028, U+2029, NEL). Read as printed, such a
paragraph would become part of the header field before it, which policies release. So
every place where a marked paragraph starts in the middle of a line, and (in the header)
every header field name printed after other text, begins a new line here. The new text
keeps a map from its lines to the original ones, so problems and records cite the lines
the reviewer sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .fields import overflow_at

# Line and paragraph separators other than "\n" (str.splitlines knows them all).
_SEPARATORS = re.compile("\r\n|[\r\u2028\u2029\u0085\x0b\x0c\x1c\x1d\x1e]")

# A level word, as the first word of a portion marking ("(C)", "(S//NF)", "(SBU)", "C)").
_LEVEL = r"(?i:top[ ]secret|secret|confidential|unclassified|ts|s|c|u|sbu|fouo|lou)"
# What may follow the level inside the marking: its end, a control separator, a control.
_AFTER_LEVEL = r"[ \t]*(?:\)|/|-[ \t]*[A-Za-z]|[ \t](?i:rel|nf|noforn)\b)"
# A paragraph number as printed: "1.", "1 .", "1)", "¶1.", "¶ 1.", "**1.**", "1.."
_NUMBER = r'(?:\*\*|\[\d{1,3}\]\(#\)|")*' r"(?:¶[ \t]*)?\d{1,3}(?:[ \t]?\.{1,2}|\))(?:\*\*)?[ \t]{0,6}"
# A numbered, marked paragraph that starts in the middle of a line. The number must follow
# a space: "1.4 (b)" (reasons) has none before its "4" and no marking after it.
_RUN_ON_PARAGRAPH = re.compile(rf"(?<=[^\s¶])[ \t\u00a0]+(?={_NUMBER}\(?[ \t]*{_LEVEL}{_AFTER_LEVEL})")
# "7. SBU) text": a number and a marking whose opening parenthesis was lost.
_LOST_PARENTHESIS = re.compile(
    rf"^([ \t]*{_NUMBER})(?={_LEVEL}(?:/{{1,2}}[A-Za-z]{{1,8}})*\)[ \t])", re.M)
# Header field names printed after other text on the same line ("SUBJECT: X Classified By: Y").
_RUN_ON_FIELD = re.compile(
    r"(?<=\S)[ \t\u00a0]+(?=(?i:classified[ \t]+by)\b|(?i:refs?|reftels?|tags|subject|subj)[ \t]*:"
    r"|E\.[ ]?O\.[ \t]*\d{4,5}[ \t]*:?[ \t]*(?i:decl))")
# In the header, an unnumbered marking after a sentence end ("... (b) and (d). (C) Summary"):
# printed in capitals, as markings are and reference letters under REF are too (REF is left alone).
_RUN_ON_MARKING = re.compile(r"(?<=[^\d\s]\.)[ \t\u00a0]+(?=\((?:TS|S|C|U|SBU)(?:[ \t]*/{1,2}[ \t]*[A-Z][A-Z ,]*)*\)[ \t]+\S)")
_REF_LINE = re.compile(r"[ \t]*(?i:refs?|reftels?)\b")
# Where the body starts: a line that opens with a marked paragraph (after the split above).
_BODY_START = re.compile(rf"^[ \t]*{_NUMBER}\(?[ \t]*{_LEVEL}{_AFTER_LEVEL}", re.M)


# A marking alone: "(U) SUBJECT: ..." prints the field's own marking before its name.
_MARKING_ONLY = re.compile(r"[ \t]*\([^()\n]{1,40}\)[ \t]*")


def _split_fields(line: str) -> list[str]:
    """The line cut before every field name printed after other text (not after a marking alone)."""
    cuts = [m for m in _RUN_ON_FIELD.finditer(line) if not _MARKING_ONLY.fullmatch(line[:m.start()])]
    pieces, start = [], 0
    for cut in cuts:
        pieces.append(line[start:cut.start()])
        start = cut.end()
    pieces.append(line[start:])
    return pieces


@dataclass(frozen=True)
class Lines:
    """The text with one part per line, and the original line of each of its lines."""

    text: str
    origin: tuple[int, ...]  # origin[n - 1] is the original line of line n
    overflows: tuple[int, ...] = ()  # original lines where a header field's text ran past its shape

    def original(self, line: int) -> int:
        """The line of the original text that line ``line`` of ``text`` came from."""
        if not self.origin:
            return line
        return self.origin[min(max(line, 1), len(self.origin)) - 1]


def normalise_newlines(text: str) -> str:
    """Every line separator as "\\n", and a final newline."""
    text = _SEPARATORS.sub("\n", text)
    return text if text.endswith("\n") else text + "\n"


def _header_pieces(line: str) -> tuple[list[str], bool]:
    """A header line cut before each field name and each unnumbered marking printed in it, and
    where a field's text stops fitting its shape (redact.fields). A cut before body text leaves
    a blank line ("") in front, as a portion opens a block. True when the body began here."""
    pieces: list[str] = []
    opened = False
    for piece in _split_fields(line):
        cut = overflow_at(piece)
        if cut is not None:
            pieces += [piece[:cut].rstrip(), "", piece[cut:]]
            opened = True
            continue
        if _REF_LINE.match(piece):
            pieces.append(piece)  # "(C) STATE 1234" under REF is a reference letter
            continue
        for index, block in enumerate(_RUN_ON_MARKING.split(piece)):
            pieces += ["", block] if index else [block]
            opened = opened or index > 0
    return pieces, opened


def split_run_on_lines(text: str) -> Lines:
    """Break lines where a marked paragraph starts mid-line, and (before the body) where a header
    field name or a portion marking is printed after other text; map new lines to original ones."""
    lines = normalise_newlines(text).split("\n")[:-1]
    out: list[str] = []
    origin: list[int] = []
    overflows: list[int] = []
    in_header = True
    for number, line in enumerate(lines, start=1):
        for index, part in enumerate(_RUN_ON_PARAGRAPH.split(line)):
            in_header = in_header and index == 0 and _BODY_START.match(part) is None
            pieces, opened = _header_pieces(part) if in_header else ([part], False)
            if in_header and any(overflow_at(piece) is not None for piece in _split_fields(part)):
                overflows.append(number)
            in_header = in_header and not opened
            out += (_LOST_PARENTHESIS.sub(r"\1(", piece) for piece in pieces)
            origin += [number] * len(pieces)
    joined = "".join(f"{line}\n" for line in out)
    return Lines(joined, () if len(out) == len(lines) else tuple(origin), tuple(overflows))
