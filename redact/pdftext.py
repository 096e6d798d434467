"""PDF input: the text layer (pypdfium2), one text line per printed line, page furniture removed.

The parser reads text; a PDF is made into text that reads like the document as typed:
- lines come from the page's characters, grouped by baseline and put in reading order (top to
  bottom, left to right), so that a running head drawn last in the content stream still comes
  first; a large vertical gap becomes a blank line;
- page furniture is recognised and dropped: running heads and feet of cable printouts
  (``CONFIDENTIAL PAGE 02 ANKARA 08112 311011Z``, a bare ``SECRET`` line, page numbers) in the
  page's top and bottom bands, an earlier State release's page header (``UNCLASSIFIED U.S.
  Department of State Case No. ...``), ``RELEASED IN PART`` stamps and margin codes (``B1``,
  ``B6``, ``1.4(D)``) anywhere; a paragraph that runs over a page break is one paragraph;
- every text line keeps its page and the line on that page (problems and audit records cite them)
  and its characters' boxes (a copy in the original layout paints over withheld ones).

A PDF (or page) without a usable text layer is refused unless OCR is asked for (redact.ocr).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from statistics import median

from .errors import InputError
from .shapes import RULE_LINE

Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points

# Furniture anywhere on a page: an earlier release's stamps and page header, margin codes.
_STAMPS = re.compile(
    r"^(?:RELEASED? IN (?:PART|FULL)|DENIED IN FULL|DECLASSIFIED|REVIEW AUTHORITY:.*"
    r"|UNCLASSIFIED U\.\s?S\. Department of State Case No\..*|U\.\s?S\. Department of State Case No\..*"
    r"|(?:B\d(?:\([A-Z]\))?|1\.4\s?\([A-H]\)|E\.?O\.? ?\d+)(?:[\s,;]+(?:B\d(?:\([A-Z]\))?|1\.4\s?\([A-H]\)))*)$",
    re.I)
# Furniture in the top and bottom bands of a page only: running heads and feet, page numbers.
_LEVEL = r"(?:UNCLASSIFIED|CONFIDENTIAL|SECRET|TOP SECRET|LIMITED OFFICIAL USE|SENSITIVE BUT UNCLASSIFIED)"
_RUNNING = re.compile(
    rf"^(?:{_LEVEL}(?://[A-Z /,-]+)?|{_LEVEL}\s+PAGE\s+\d+\b.*|PAGE\s+\d+(?:\s+OF\s+\d+)?\b.*"
    r"|(?:Page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?|-\s*\d{1,4}\s*-)$", re.I)
# A browser's head or foot: its date and time, or the page's address (the line goes with it).
_BROWSER = re.compile(r"^(?:\d{1,2}/\d{1,2}/\d{2,4},?\s+\d{1,2}:\d{2}(?:\s*[AP]M)?\b.*|(?:https?|file)://\S+.*)$", re.I)
_PASSWORD = 4  # PDFium's FPDF_ERR_PASSWORD: the document needs a password to open
BAND = 0.075  # of the page's height: where running heads and feet are printed
_MIN_CHARS = 20  # a page with fewer characters in its text layer has no usable text layer


@dataclass
class Line:
    """One printed line: its text, page (1-based), line on the page, and each character's box."""

    text: str
    page: int
    number: int
    boxes: list[Box | None] = field(default_factory=list)


@dataclass
class PdfText:
    lines: list[Line]
    pages: int
    ocr: bool = False
    furniture: int = 0  # lines dropped as page furniture
    data: bytes = b""  # the PDF itself: a copy in the original layout is drawn from its pages
    dropped: list[Line] = field(default_factory=list)  # the furniture, with its boxes (pages kept whole)
    # What its text layer does not hold, by page: (pictures, annotations). A copy typed anew from
    # the text leaves them out (a copy in the original layout keeps the pages).
    not_text: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines) + "\n"

    def page_starts(self) -> list[int]:
        """The text line (1-based) where each page's text begins."""
        starts: list[int] = []
        for number, line in enumerate(self.lines, start=1):
            if line.page > len(starts):
                starts.extend([number] * (line.page - len(starts)))
        return starts


@dataclass
class _Raw:
    chars: list[tuple[str, Box]]
    top: float
    bottom: float
    height: float

    @property
    def left(self) -> float:
        return min((b[0] for _, b in self.chars), default=0.0)


def is_pdf(data: bytes) -> bool:
    return data[:1024].lstrip().startswith(b"%PDF-")


@dataclass(frozen=True)
class _Shown:
    """How a page with a text layer is shown: its crop box (in the page's own space) and the
    rotation it is shown with, clockwise. Its characters' boxes are in the page's own space; a
    copy in the original layout draws the page as shown (cropped, turned, from its bottom left
    corner), so every box is moved into that space: from the crop box's corner before the lines
    are read (the bands of running heads are measured from it), and turned once they are read
    (the lines run across the page as printed in its own space)."""

    left: float
    bottom: float
    width: float
    height: float
    rotation: int

    @classmethod
    def of(cls, page: object) -> _Shown:
        left, bottom, right, top = page.get_cropbox()  # type: ignore[attr-defined]
        rotation = int(page.get_rotation()) % 360  # type: ignore[attr-defined]
        return cls(float(left), float(bottom), float(right - left), float(top - bottom), rotation)

    def cropped(self, chars: list[tuple[str, Box]]) -> list[tuple[str, Box]]:
        if not self.left and not self.bottom:
            return chars
        return [(c, (b[0] - self.left, b[1] - self.bottom, b[2] - self.left, b[3] - self.bottom) if b[2] > b[0] else b)
                for c, b in chars]

    def turned(self, box: Box | None) -> Box | None:
        """A cropped box as shown after the rotation (a page turned 90 degrees clockwise is shown
        ``height`` wide: its bottom left corner is shown at the top left)."""
        if box is None or box[2] <= box[0]:
            return box
        left, bottom, right, top = box
        if self.rotation == 90:
            return (bottom, self.width - right, top, self.width - left)
        if self.rotation == 180:
            return (self.width - right, self.height - top, self.width - left, self.height - bottom)
        if self.rotation == 270:
            return (self.height - top, left, self.height - bottom, right)
        return box


def _not_text(page: object) -> tuple[int, int]:
    """The pictures (image objects, in forms too) and annotations (comments, ink, stamps, form
    fields; not links and the pop-ups of others) of a page with a text layer: what a copy typed
    anew from its text leaves out."""
    import pypdfium2.raw as pdfium_c

    pictures = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))  # type: ignore[attr-defined]
    notes = 0
    for index in range(pdfium_c.FPDFPage_GetAnnotCount(page)):
        annotation = pdfium_c.FPDFPage_GetAnnot(page, index)
        try:
            notes += pdfium_c.FPDFAnnot_GetSubtype(annotation) not in (pdfium_c.FPDF_ANNOT_LINK,
                                                                        pdfium_c.FPDF_ANNOT_POPUP)
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annotation)
    return len(pictures), notes


def _page_chars(page: object) -> list[tuple[str, Box]]:
    textpage = page.get_textpage()  # type: ignore[attr-defined]
    try:
        count = textpage.count_chars()
        text = textpage.get_text_range(0, count) if count else ""
        chars: list[tuple[str, Box]] = []
        # get_text_range returns one character per index (generated line breaks included).
        for index, character in enumerate(text[:count]):
            if character in "\x02\ufffe":  # PDFium's mark for a hyphen that ends a line
                left, bottom, right, top = textpage.get_charbox(index)
                if right > left:  # printed: the text keeps it (a copy in the original layout shows it)
                    chars.append(("-", (float(left), float(bottom), float(right), float(top))))
                chars.append(("\n", (0.0, 0.0, 0.0, 0.0)))
                continue
            if character in "\r\n":
                chars.append(("\n", (0.0, 0.0, 0.0, 0.0)))
                continue
            left, bottom, right, top = textpage.get_charbox(index)
            chars.append((character, (float(left), float(bottom), float(right), float(top))))
        return chars
    finally:
        textpage.close()


def _raw_lines(chars: list[tuple[str, Box]]) -> list[_Raw]:
    """PDFium's lines (split at its line breaks), then lines on one baseline joined in x order."""
    pieces: list[list[tuple[str, Box]]] = [[]]
    extent: Box | None = None  # the inked characters of the piece so far: left of the last, bottom, top
    for character, box in chars:
        printed = not character.isspace() and box[3] > box[1]
        if character == "\n" or (printed and extent is not None and box[0] < extent[0]
                                  and (box[3] < extent[1] or box[1] > extent[3])):
            # a line break, or a character back at the left below (or above) the piece's line that
            # PDFium gave no break before (a browser's line of a space and a backslash, run on)
            pieces.append([])
            extent = None
        if character == "\n":
            continue
        pieces[-1].append((character, box))
        if printed:
            extent = box if extent is None else (box[0], min(extent[1], box[1]), 0.0, max(extent[3], box[3]))
    lines: list[_Raw] = []
    for piece in pieces:
        inked = [b for c, b in piece if not c.isspace() and b[3] > b[1]]
        if not inked:
            continue
        lines.append(_Raw(piece, max(b[3] for b in inked), min(b[1] for b in inked),
                          median(b[3] - b[1] for b in inked)))
    lines.sort(key=lambda r: (-r.top, r.left))
    groups: list[list[_Raw]] = []
    for line in lines:
        group = groups[-1] if groups else None
        if group is not None and abs(min(r.bottom for r in group) - line.bottom) < 0.4 * max(group[0].height,
                                                                                            line.height):
            group.append(line)
        else:
            groups.append([line])
    return [_on_one_baseline(group) for group in groups]


def _on_one_baseline(pieces: list[_Raw]) -> _Raw:
    """Pieces printed on one baseline as one line, left to right, a space where a gap parts them.
    (A browser may draw its running head a character at a time, in no order: taken in the order
    they came, "11/28/26, 1:08 AM" read "2 8 2 6 1:0 8 1 1 / / A M ,".)"""
    if len(pieces) == 1:
        return pieces[0]
    ordered = sorted(pieces, key=lambda r: r.left)
    size = max(r.height for r in pieces)  # (a comma alone is a short piece)
    chars = list(ordered[0].chars)
    right = _right(ordered[0])
    for piece in ordered[1:]:
        if piece.left - right > 0.3 * size:
            chars.append((" ", (0.0, 0.0, 0.0, 0.0)))
        chars += piece.chars
        right = max(right, _right(piece))
    return _Raw(chars, max(r.top for r in pieces), min(r.bottom for r in pieces), ordered[0].height)


def _right(line: _Raw) -> float:
    return max((b[2] for _, b in line.chars if b[2] > b[0]), default=line.left)


def _cells(line: _Raw, size: float) -> list[list[tuple[str, Box | None]]]:
    """A line cut where a wide gap separates its text (a margin code beside a printed line)."""
    cells: list[list[tuple[str, Box | None]]] = [[]]
    previous_right: float | None = None
    for character, box in line.chars:
        real = box[2] > box[0]
        if real and previous_right is not None and box[0] - previous_right > 4 * size:
            cells.append([])
        cells[-1].append((character, box if real else None))
        if real:
            previous_right = box[2]
    return [c for c in cells if "".join(ch for ch, _ in c).strip()]


def _text_of(cell: list[tuple[str, Box | None]]) -> tuple[str, list[Box | None]]:
    text = "".join(c for c, _ in cell)
    boxes = [b for _, b in cell]
    stripped = text.rstrip()
    lead = len(text) - len(text.lstrip())
    return stripped[lead:], boxes[lead:len(stripped)]


def _type_size(chars: list[tuple[str, Box]]) -> float:
    """The page's usual glyph height (of letters and digits): what gaps are measured against."""
    heights = [b[3] - b[1] for c, b in chars if c.isalnum() and b[3] > b[1]]
    return median(heights) if heights else 8.0


def page_lines(chars: list[tuple[str, Box]], page_number: int,
               page_height: float) -> tuple[list[Line], list[Line]]:
    """A page's printed lines in reading order, furniture dropped; and the furniture dropped."""
    kept: list[Line] = []
    dropped: list[Line] = []
    previous: _Raw | None = None
    size = _type_size(chars)
    for raw in _raw_lines(chars):
        in_band = raw.top > page_height * (1 - BAND) or raw.bottom < page_height * BAND
        parts = []
        cells = [_text_of(cell) for cell in _cells(raw, size)]
        # A browser's head or foot (its date and time, the address) takes its whole line with it:
        # the page title printed beside it is furniture too.
        if in_band and any(_BROWSER.match(text) for text, _ in cells):
            dropped += [Line(text, page_number, 0, boxes) for text, boxes in cells]
            continue
        for text, boxes in cells:
            squeezed = re.sub(r"\s+", "", text) if len(text.split()) <= 3 else text  # "CONFIDENT IAL" (OCR)
            if _STAMPS.match(text) or (in_band and (_RUNNING.match(text) or _RUNNING.match(squeezed))):
                dropped.append(Line(text, page_number, 0, boxes))
                continue
            parts.append((text, boxes))
        if not parts:
            continue
        text = "   ".join(t for t, _ in parts)
        line_boxes: list[Box | None] = []
        for number, (_, part_boxes) in enumerate(parts):
            line_boxes += ([None] * 3 if number else []) + part_boxes
        # A line of dashes has no tall glyph: its top is taken a letter's height above its bottom.
        if previous is not None and previous.bottom - max(raw.top, raw.bottom + size) > 1.2 * size:
            kept.append(Line("", page_number, 0))  # a paragraph gap
        kept.append(Line(text, page_number, 0, line_boxes))
        previous = raw
    for number, line in enumerate(kept, start=1):
        line.number = number
    return kept, dropped


def _top(line: Line) -> float:
    return max(b[3] for b in line.boxes if b is not None)


def _bottom(line: Line) -> float:
    return min(b[1] for b in line.boxes if b is not None)


def _inked(page: list[Line]) -> list[Line]:
    return [line for line in page if any(b is not None for b in line.boxes)]


def _joined(pages: list[list[Line]]) -> list[Line]:
    """The pages' lines in one list, with the blank line a page break swallowed put back: after a
    page whose last line is clearly short, or that ends higher than the fullest page ends, or
    before a page whose first line starts lower than the pages' first lines start (the blank line
    was printed at the foot or the head of the page, and has no ink to read)."""
    inked = [_inked(page) for page in pages]
    pitches = [_bottom(a) - _bottom(b) for page in inked for a, b in itertools.pairwise(page)
               if _bottom(a) > _bottom(b)]
    pitch = median(pitches) if pitches else 0.0
    firsts = [_top(page[0]) for page in inked if page]
    lasts = [_bottom(page[-1]) for page in inked[:-1] if page]
    first_top, last_bottom = max(firsts, default=0.0), min(lasts, default=0.0)
    lines: list[Line] = []
    for number, page in enumerate(pages):
        if lines and page and pitch:
            ended = lines[-1].text and _ends_paragraph(lines)
            before, after = inked[number - 1], inked[number]
            lower_start = bool(after) and _top(after[0]) < first_top - 0.8 * pitch
            higher_end = bool(before) and _bottom(before[-1]) > last_bottom + 0.8 * pitch
            if ended or lower_start or higher_end or _block_on_top(lines[-1], page):
                lines.append(Line("", lines[-1].page, lines[-1].number + 1))
        lines += page
    return lines


_SENTENCE_END = re.compile(r"[.:;!?][\"')\u201d\u2019]?$")


def _block_on_top(last: Line, page: list[Line]) -> bool:
    """A page that opens with a block of one line (a heading: a paragraph gap or a rule of dashes
    under it, and no sentence's end) after a page that ended a sentence: the page break fell
    between blocks. A line that ends a sentence there is a paragraph's last line, alone on the
    page (a printout has no widow control): split off, an all-capitals one would read as a heading
    and take the markings of what follows it, so it stays with its paragraph."""
    return (len(page) >= 2 and bool(page[0].text) and (not page[1].text or bool(RULE_LINE.match(page[1].text)))
            and bool(_SENTENCE_END.search(last.text)) and not _SENTENCE_END.search(page[0].text)
            and len(page[0].text) <= 100)


def _ends_paragraph(lines: list[Line]) -> bool:
    """Whether the last line so far is a paragraph's last line: clearly shorter than the page's
    usual full line (a page break swallows the blank line after it)."""
    last = lines[-1]
    page = [len(line.text) for line in lines if line.page == last.page and line.text]
    full = sorted(page)[int(len(page) * 0.8)] if len(page) >= 5 else 0
    return bool(last.text) and full > 0 and len(last.text) < 0.7 * full


def read_pdf(data: bytes, path: str, ocr: bool = False) -> PdfText:
    """The PDF's text, line by line; a page without a text layer needs ``ocr`` (redact.ocr)."""
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as error:
        if getattr(error, "err_code", None) == _PASSWORD:
            raise InputError("the PDF is locked with a password: decrypt it first (qpdf --decrypt "
                             "--password=PASSWORD IN.pdf OUT.pdf), then run on the decrypted copy", path=path) from None
        raise InputError(f"not a readable PDF ({error})", path=path) from None
    try:
        if len(document) == 0:
            raise InputError("the PDF has no pages", path=path)
        pages: list[list[Line]] = []
        dropped_lines: list[Line] = []
        not_text: dict[int, tuple[int, int]] = {}
        turned: dict[int, _Shown] = {}  # pages shown turned: their lines' boxes are turned last
        used_ocr = False
        for index in range(len(document)):
            page = document[index]
            try:
                chars = _page_chars(page)
                if sum(not c.isspace() for c, _ in chars) < _MIN_CHARS:
                    if not ocr:
                        raise InputError(f"page {index + 1} has no text layer (a scan?); give --ocr to read it "
                                         "with Tesseract", path=path)
                    from .ocr import ocr_page_chars

                    chars = ocr_page_chars(page)
                    used_ocr = True
                    found, dropped = page_lines(chars, index + 1, page.get_height())  # OCR: as shown
                else:
                    left_out = _not_text(page)
                    if any(left_out):
                        not_text[index + 1] = left_out
                    shown = _Shown.of(page)
                    found, dropped = page_lines(shown.cropped(chars), index + 1, shown.height)
                    if shown.rotation:
                        turned[index + 1] = shown
            finally:
                page.close()
            pages.append(found)
            dropped_lines += dropped
        lines = _joined(pages)
        while lines and not lines[0].text:
            lines.pop(0)
        for line in (*lines, *dropped_lines):
            if line.page in turned:
                line.boxes = [turned[line.page].turned(box) for box in line.boxes]
        return PdfText(lines, len(document), used_ocr, len(dropped_lines), data, dropped_lines, not_text)
    finally:
        document.close()
