"""The release copy in the original layout (``--layout original``, PDF inputs): each page an image
of the original page, every withheld character's box painted over opaquely with its exemption
code in the box, and an invisible text layer holding only the released text (the copy stays
searchable).

Nothing of the withheld text can survive: the page is an image made here (no text, no vector
under the boxes), the boxes are painted into its pixels, and the text layer is written from
released lines only. Which characters are released is decided line by line, failing closed: a
printed line stays visible only when every item on it is released; a span inside a released
item is painted over its own characters (the whole item when they cannot be found). The
verifier (redact.verify) checks the text layer and every box's pixels afterwards.
"""

from __future__ import annotations

import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from ..decide import Decision, Decisions
from ..model import Document
from ..pdftext import Box, PdfText
from .view import margin_code

if TYPE_CHECKING:
    from collections.abc import Iterable

    from PIL import Image, ImageFont

    from .ink import PixelBox

# Words that furniture left visible may hold; checked word by word (no pattern to backtrack).
_FURNITURE_WORD = re.compile(r"UNCLASSIFIED|CONFIDENTIAL|SECRET|TOP|LIMITED|OFFICIAL|USE|SENSITIVE|BUT|NOFORN|PAGE|OF"
                             r"|RELEASED?|IN|PART|FULL|DENIED|B\d(?:\([A-Z]\))?|1\.4|1\.4\([A-H]\)|\([A-H]\)|\d{1,4}|-",
                             re.I)


def _bare_furniture(text: str) -> bool:
    """Whether dropped furniture can hold nothing but a classification, page number or code."""
    return all(_FURNITURE_WORD.fullmatch(word) for word in re.split(r"[\s/,;]+", text.strip()) if word)


DPI = 150
_PAINT_PASSES = 3  # a painted box can change what is left around it (redact.render.ink); rarely twice
PAD = 1.5  # points around a character box
_FONTS = ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", "/usr/share/fonts/TTF/DejaVuSans.ttf",
          "/usr/share/fonts/dejavu/DejaVuSans.ttf")


@dataclass
class Redaction:
    """One painted box, in page points (left, bottom, right, top), with its code when it shows one."""

    page: int
    box: Box
    code: str = ""


@dataclass
class Plan:
    """What the copy shows: per page, the boxes to paint and the released text runs to write."""

    redactions: list[Redaction] = field(default_factory=list)
    runs: list[tuple[int, str, list[Box | None]]] = field(default_factory=list)  # page, text, boxes
    kept: list[tuple[int, Box]] = field(default_factory=list)  # furniture left visible: page, box
    # Drawn with the pages: ink no text line holds, painted over (page, pixels); the stamp (pixels).
    painted: list[tuple[int, PixelBox]] = field(default_factory=list)
    stamp: PixelBox | None = None

    def unread_pages(self) -> dict[int, int]:
        """Pages where ink no text line holds was painted over, and how many boxes it took."""
        return dict(Counter(page for page, _ in self.painted))


def _items(document: Document, decisions: Decisions) -> list[tuple[int, int, str, Decision]]:
    """(first line, last line, text, decision) for every header field and portion."""
    found = [(f.start_line, f.end_line, f.text, d) for f, d in zip(document.header.fields, decisions.fields,
                                                                    strict=True)]
    found += [(p.start_line, p.end_line, p.text, d) for p, d in zip(document.portions, decisions.portions,
                                                                   strict=True)]
    return found


def _span_columns(pdf: PdfText, first: int, last: int, text: str, start: int, end: int) -> list[tuple[int, int, int]]:
    """(line, first column, end column) of a span's characters on the printed lines; [] when the
    span's text cannot be found there (the caller then paints the whole item)."""
    lines = [pdf.lines[n - 1].text for n in range(first, last + 1)]
    joined = "\n".join(lines)
    wanted = text[start:end]
    at = joined.find(wanted)
    if at < 0 or not wanted.strip():
        return []
    cells: list[tuple[int, int, int]] = []
    offset = 0
    for number, line in enumerate(lines, start=first):
        low, high = max(at, offset), min(at + len(wanted), offset + len(line))
        if low < high:
            cells.append((number, low - offset, high - offset))
        offset += len(line) + 1
    return cells


def _union(boxes: list[Box | None]) -> Box | None:
    real = [b for b in boxes if b is not None and b[2] > b[0]]
    if not real:
        return None
    return (min(b[0] for b in real) - PAD, min(b[1] for b in real) - PAD,
            max(b[2] for b in real) + PAD, max(b[3] for b in real) + PAD)


def plan(pdf: PdfText, document: Document, decisions: Decisions) -> Plan:
    """Which characters are painted over and which are written to the text layer."""
    count = len(pdf.lines)
    released_on = [False] * (count + 2)
    withheld_on: dict[int, str] = {}
    painted: dict[int, list[tuple[int, int, str]]] = {}  # line -> columns painted inside it
    for first, last, text, decision in _items(document, decisions):
        lines = range(max(1, first), min(count, last) + 1)
        if decision.withheld:
            for number in lines:
                withheld_on.setdefault(number, margin_code(decision.label) or "WITHHELD")
            continue
        for number in lines:
            released_on[number] = True
        for span in decision.spans:
            cells = _span_columns(pdf, lines.start, lines.stop - 1, text, span.start, span.end)
            if not cells:  # not found as printed: the whole item, fail closed
                for number in lines:
                    withheld_on.setdefault(number, margin_code(span.label) or "WITHHELD")
            for number, low, high in cells:
                painted.setdefault(number, []).append((low, high, margin_code(span.label) or ""))
    result = Plan()
    # Furniture left out of the text stays visible only when it can hold nothing else: a
    # classification, a page number, a margin code or stamp word. A running head with a reference,
    # a release header or a browser line is painted over with the withheld text (fail closed: a
    # furniture pattern that took a line of content must not leave it readable on the page).
    for line in pdf.dropped:
        box = _union(line.boxes)
        if box is not None:
            if _bare_furniture(line.text):
                result.kept.append((line.page, box))
            else:
                result.redactions.append(Redaction(line.page, box))
    labelled: set[tuple[int, str]] = set()
    for number, line in enumerate(pdf.lines, start=1):
        if not line.text.strip():
            continue
        code = withheld_on.get(number)
        if code is not None or not released_on[number]:
            box = _union(line.boxes)
            if box is not None:
                first_of_item = (line.page, code or "") not in labelled
                labelled.add((line.page, code or ""))
                result.redactions.append(Redaction(line.page, box, (code or "") if first_of_item else ""))
            continue
        spans = sorted(painted.get(number, []))
        position = 0
        for low, high, span_code in spans:
            if low > position:
                result.runs.append((line.page, line.text[position:low], line.boxes[position:low]))
            box = _union(line.boxes[low:high])
            if box is not None:
                result.redactions.append(Redaction(line.page, box, span_code))
            position = max(position, high)
        if position < len(line.text):
            result.runs.append((line.page, line.text[position:], line.boxes[position:]))
    return result


@cache
def _font_path() -> str | None:
    return next((path for path in _FONTS if Path(path).is_file()), None)


def _label_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont  # Pillow: imported when a copy keeps its pages, not at start-up

    path = _font_path()
    return ImageFont.truetype(path, size) if path else ImageFont.load_default()


def box_pixels(width: int, height: int, code: str) -> Image.Image:
    """A painted box as it is drawn into a page: black, its code in white when it fits."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (max(1, width), max(1, height)), 0)
    if code:
        size = max(6, min(int(height * 0.8), 18))
        font = _label_font(size)
        draw = ImageDraw.Draw(image)
        left, top, right, bottom = draw.textbbox((0, 0), code, font=font)
        if right - left + 4 <= width:
            draw.text((3 - left, (height - (bottom - top)) // 2 - top), code, fill=255, font=font)
    return image


def pixel_box(box: Box, page_height: float, scale: float) -> tuple[int, int, int, int]:
    """A box in page points as whole pixels of the page image (left, top, right, bottom), outward."""
    left, bottom, right, top = box
    return (max(0, math.floor(left * scale)), max(0, math.floor((page_height - top) * scale)),
            math.ceil(right * scale), math.ceil((page_height - bottom) * scale))


def _common(a: PixelBox, b: PixelBox) -> PixelBox | None:
    """The pixels two boxes share; None when they share none."""
    left, top, right, bottom = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    return (left, top, right, bottom) if right > left and bottom > top else None


def on_image(box: PixelBox, size: tuple[int, int]) -> PixelBox | None:
    """The part of a box (pixels) on an image of ``size``; None when there is none (a character
    outside the crop box: not drawn on the page, so nothing to paint over)."""
    return _common(box, (0, 0, *size))


def _blank_under(cover: PixelBox, box: PixelBox, *images: Image.Image) -> None:
    """Blank, in each image of ``box``'s pixels, the part that ``cover`` (pixels of the page) lies over."""
    shared = _common(cover, box)
    if shared is not None:
        for image in images:
            image.paste(0, (shared[0] - box[0], shared[1] - box[1], shared[2] - box[0], shared[3] - box[1]))


def stamp(image: Image.Image, lines: list[str], scale: float, avoid: Iterable[PixelBox] = ()) -> PixelBox:
    """The release stamp in a corner of the first page: the bottom right one (running heads are at
    the top), or the first of the others where it covers nothing in ``avoid`` (the released text,
    the boxes: it is opaque); the pixels it covers."""
    from PIL import ImageDraw

    font = _label_font(int(8 * scale))
    draw = ImageDraw.Draw(image)
    widths = [draw.textbbox((0, 0), line, font=font)[2] for line in lines]
    step = int(10 * scale)
    width, height = max(widths) + int(8 * scale), step * len(lines) + int(6 * scale)
    right, bottom = int(image.size[0] - width) - int(18 * scale), int(image.size[1] - height) - int(6 * scale)
    corners = [(right, bottom), (int(18 * scale), bottom), (right, int(6 * scale)), (int(18 * scale), int(6 * scale))]
    taken = list(avoid)
    left, top = next(((x, y) for x, y in corners if not any(
        _common((x, y, int(x + width) + 1, int(y + height) + 1), box) for box in taken)), corners[0])
    draw.rectangle((left, top, left + width, top + height), fill=255, outline=0, width=max(1, int(scale)))
    for number, line in enumerate(lines):
        draw.text((left + int(4 * scale), top + int(3 * scale) + number * step), line, fill=0, font=font)
    return (int(left), int(top), int(left + width) + 1, int(top + height) + 1)


def shown_boxes(the_plan: Plan, page: int, page_height: float, scale: float) -> list[PixelBox]:
    """What a page of the copy may show besides paper (pixels): its released text runs, the
    furniture left visible, the painted boxes and the stamp."""
    boxes = [pixel_box(box, page_height, scale) for number, _, run in the_plan.runs if number == page
             for box in [_union(run)] if box is not None]
    boxes += [pixel_box(box, page_height, scale) for number, box in the_plan.kept if number == page]
    boxes += [pixel_box(r.box, page_height, scale) for r in the_plan.redactions if r.page == page]
    boxes += [box for number, box in the_plan.painted if number == page]
    if page == 1 and the_plan.stamp is not None:
        boxes.append(the_plan.stamp)
    return boxes


def _points(box: PixelBox, page_height: float, scale: float) -> Box:
    left, top, right, bottom = box
    return (left / scale, page_height - bottom / scale, right / scale, page_height - top / scale)


def page_images(original: bytes, the_plan: Plan, dpi: int = DPI,
                stamped: list[str] | None = None) -> list[tuple[Image.Image, float, float]]:
    """The original pages as images, boxes painted: (image, width and height in points)."""
    import pypdfium2 as pdfium

    from .ink import unread_ink  # numpy: imported when a copy keeps its pages, not at start-up

    scale = dpi / 72
    document = pdfium.PdfDocument(original)
    pages: list[tuple[Image.Image, float, float]] = []
    try:
        for index in range(len(document)):
            page = document[index]
            width, height = float(page.get_width()), float(page.get_height())
            image = page.render(scale=scale, grayscale=True).to_pil().convert("L")
            page.close()
            for redaction in (r for r in the_plan.redactions if r.page == index + 1):
                shown = on_image(pixel_box(redaction.box, height, scale), image.size)
                if shown is not None:
                    left, top, right, bottom = shown
                    image.paste(box_pixels(right - left, bottom - top, redaction.code), (left, top))
            if index == 0 and stamped:
                the_plan.stamp = stamp(image, stamped, scale, shown_boxes(the_plan, 1, height, scale))
            # Ink no text line holds was never read, so never decided: painted over (fail closed),
            # and looked for again on the painted page, as the verifier will look at the copy.
            for _ in range(_PAINT_PASSES):
                found = unread_ink(image, shown_boxes(the_plan, index + 1, height, scale))
                for box in found:
                    image.paste(box_pixels(box[2] - box[0], box[3] - box[1], ""), box[:2])
                    the_plan.painted.append((index + 1, box))
                if not found:
                    break
            pages.append((image, width, height))
    finally:
        document.close()
    return pages


def render_original(original: bytes, pdf: PdfText, document: Document, decisions: Decisions, *,
                    title: str, status: str, authority: str, as_of: date) -> tuple[bytes, Plan]:
    """The copy in the original layout, and the plan it was drawn from (for the verifier)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    the_plan = plan(pdf, document, decisions)
    font = "Helvetica"
    if _font_path():
        if "RedactSans" not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont("RedactSans", _font_path()))
        font = "RedactSans"
    out = io.BytesIO()
    sheet = canvas.Canvas(out, invariant=1, pageCompression=1)
    sheet.setTitle(title)
    sheet.setAuthor("")
    sheet.setSubject(f"{status}; {authority}; reviewed as of {as_of.isoformat()}")
    sheet.setCreator("redact")
    sheet.setProducer("redact")
    codes = sorted({r.code for r in the_plan.redactions if r.code and r.code != "WITHHELD"})
    lines = [status, *([", ".join(codes)] if codes else []), f"{authority} {as_of.isoformat()}"]
    for number, (image, width, height) in enumerate(page_images(original, the_plan, stamped=lines), start=1):
        sheet.setPageSize((width, height))
        sheet.drawImage(ImageReader(image), 0, 0, width, height)
        for page, text, boxes in the_plan.runs:
            if page != number or not text.strip():
                continue
            _invisible(sheet, font, text, boxes)
        sheet.showPage()
    sheet.save()
    return out.getvalue(), the_plan


def _invisible(sheet: object, font: str, text: str, boxes: list[Box | None]) -> None:
    """Released text where it is printed, invisible (text render mode 3): the copy is searchable."""
    real = [b for b in boxes if b is not None and b[2] > b[0]]
    if not real:
        return
    from reportlab.pdfbase.pdfmetrics import stringWidth

    left, bottom = min(b[0] for b in real), min(b[1] for b in real)
    size = max(4.0, max(b[3] - b[1] for b in real) * 1.1)
    body = sheet.beginText()  # type: ignore[attr-defined]
    body.setTextRenderMode(3)
    body.setFont(font, size)
    # As wide as the printed run, no wider: the text stays off the boxes painted beside it.
    width = stringWidth(text.strip(), font, size)
    if width > 0:
        body.setHorizScale(100 * (max(b[2] for b in real) - left) / width)
    body.setTextOrigin(left, bottom)
    body.textOut(text.strip())
    sheet.drawText(body)  # type: ignore[attr-defined]


def check_copy(data: bytes, the_plan: Plan, dpi: int = DPI) -> list[str]:
    """Problems with a copy in the original layout, found by reading the written bytes back:
    - every painted box holds exactly the pixels of a box (black, its code): nothing of the page
      under it survives in the page image;
    - no character of the text layer lies under a box (what freelawproject's x-ray looks for);
    - no ink outside the released text, the visible furniture, the boxes and the stamp, beyond
      specks and rules (redact.render.ink): nothing the copy did not read and release.
    """
    import pypdfium2 as pdfium

    from .ink import unread_ink

    problems: list[str] = []
    document = pdfium.PdfDocument(data)
    try:
        for index in range(len(document)):
            page = document[index]
            height = float(page.get_height())
            images = [o for o in page.get_objects() if isinstance(o, pdfium.PdfImage)]
            if len(images) != 1:
                problems.append(f"page {index + 1}: {len(images)} images (one page image expected)")
                continue
            image = images[0].get_bitmap().to_pil().convert("L")
            scale = dpi / 72
            # A page whose size in points is not a whole number of pixels at this resolution (A4:
            # 595.28 points) is drawn a fraction of a pixel smaller or larger: that is still this dpi.
            if abs(image.size[0] - float(page.get_width()) * scale) > 1 or abs(image.size[1] - height * scale) > 1:
                problems.append(f"page {index + 1}: the page image is not at {dpi} dpi")
                continue
            boxes = [r for r in the_plan.redactions if r.page == index + 1]
            pixels = [(shown, r.code) for r in boxes
                      if (shown := on_image(pixel_box(r.box, height, scale), image.size)) is not None]
            painted = [box for page_number, box in the_plan.painted if page_number == index + 1]
            pixels += [(box, "") for box in painted]
            stamp_box = the_plan.stamp if index == 0 else None
            for number, ((left, top, right, bottom), code) in enumerate(pixels):
                expected = box_pixels(right - left, bottom - top, code)
                found = image.crop((left, top, right, bottom))
                if stamp_box is not None:  # the stamp (opaque) drawn over a box's corner: not the box's
                    _blank_under(stamp_box, (left, top, right, bottom), expected, found)
                if found.tobytes() != expected.tobytes():
                    problems.append(f"page {index + 1}: box {number + 1} does not hold only its box and code")
            unread = unread_ink(image, shown_boxes(the_plan, index + 1, height, scale))
            if unread:
                problems.append(f"page {index + 1}: ink outside the released text and the boxes ({len(unread)} places)")
            boxes += [Redaction(index + 1, _points(box, height, scale)) for box in painted]
            textpage = page.get_textpage()
            for char in range(textpage.count_chars()):
                c_left, c_bottom, c_right, c_top = textpage.get_charbox(char)
                if c_right <= c_left:
                    continue
                for redaction in boxes:
                    b_left, b_bottom, b_right, b_top = redaction.box
                    overlap_x = min(c_right, b_right - PAD) - max(c_left, b_left + PAD)
                    overlap_y = min(c_top, b_top - PAD) - max(c_bottom, b_bottom + PAD)
                    if overlap_x > 0.5 and overlap_y > 0.5:
                        problems.append(f"page {index + 1}: text under a box (character {char})")
                        break
            textpage.close()
            page.close()
    finally:
        document.close()
    return problems
