"""OCR for PDF pages without a text layer (scans): the page rendered, read by Tesseract.

Tesseract (Debian's ``tesseract-ocr``) through pytesseract gives words with their boxes, grouped
into lines; they become characters with boxes, as a text layer would give them, so that the same
line building, furniture removal and layout code serves both (redact.pdftext). What OCR misreads
in a marking, the marking grammar does not recognise: such a portion is withheld (fail closed).

A misread that gives another valid marking is the one the grammar cannot catch, and only a lower
one does harm: a marking that lets a portion be released ((U), (SBU), (U//FOUO)) is therefore
read a second time, alone, from its own cut of the page at twice the size, and kept only when
both reads agree; otherwise it becomes "(U?)", which no grammar reads, and the portion is withheld.
"""

from __future__ import annotations

import re
import shutil

from .errors import InputError

DPI = 300
Box = tuple[float, float, float, float]
_NO_BOX: Box = (0.0, 0.0, 0.0, 0.0)


def available() -> bool:
    return shutil.which("tesseract") is not None


def ocr_page_chars(page: object, dpi: int = DPI) -> list[tuple[str, Box]]:
    """The page's words as characters with boxes in PDF points, a line break after each line."""
    if not available():
        raise InputError("--ocr needs Tesseract (Debian: apt-get install tesseract-ocr)")
    import pytesseract
    from PIL import ImageFilter

    scale = dpi / 72
    image = page.render(scale=scale, grayscale=True).to_pil()  # type: ignore[attr-defined]
    # A scanner's specks read as punctuation ("¶1." becomes "‘(1."); a median filter removes
    # isolated dots and keeps strokes.
    image = image.convert("L").filter(ImageFilter.MedianFilter(3))
    height = float(page.get_height())  # type: ignore[attr-defined]
    data = pytesseract.image_to_data(image, lang="eng", config="--psm 4", output_type=pytesseract.Output.DICT)
    lines: dict[tuple[int, int, int], list[tuple[str, Box]]] = {}
    for index, word in enumerate(data["text"]):
        word = (word or "").strip()
        if not word:
            continue
        key = (data["block_num"][index], data["par_num"][index], data["line_num"][index])
        if releasing(word):
            pixels = (data["left"][index], data["top"][index], data["width"][index], data["height"][index])
            word = confirmed(word, second_read(image, pixels))
        left, top = data["left"][index] / scale, data["top"][index] / scale
        width, tall = data["width"][index] / scale, data["height"][index] / scale
        lines.setdefault(key, []).append((word, (left, height - top - tall, left + width, height - top)))
    chars: list[tuple[str, Box]] = []
    for words in lines.values():
        cleaned = clean_line(words)
        if not cleaned:
            continue
        if chars:
            chars.append(("\n", _NO_BOX))
        for number, (word, (left, bottom, right, top)) in enumerate(cleaned):
            if number:
                chars.append((" ", _NO_BOX))
            step = (right - left) / len(word)
            chars.extend((c, (left + i * step, bottom, left + (i + 1) * step, top)) for i, c in enumerate(word))
    return chars


# The markings under which a policy may release a portion: (U), (SBU), (U//FOUO), (SBU//NF) ...
_RELEASING = re.compile(r"^[({\[](U|SBU|U//[A-Z/ -]{1,24}|SBU//[A-Z/ -]{1,24})[)}\]]\}?[.,:;]?$")


def releasing(word: str) -> bool:
    return bool(_RELEASING.match(word))


def _letters(word: str) -> str:
    return re.sub(r"[^A-Z/]", "", word.upper())


def confirmed(first: str, second: str) -> str:
    """A releasing marking as read first, if the second read of it agrees; else "(U?)", which no
    grammar reads (the portion is withheld and the problem reported)."""
    if _letters(first) == _letters(second):
        return first
    return "(" + _letters(first).split("/")[0] + "?)"


def second_read(image: object, pixels: tuple[int, int, int, int]) -> str:
    """The word in ``pixels`` (left, top, width, height) read again on its own: cut out with a
    margin, enlarged twice, read as a single word."""
    import pytesseract
    from PIL import Image

    left, top, width, height = pixels
    # Little margin beside the word (the next word's first letter would be read with it), more above
    # and below; the whitelist keeps stray strokes from reading as lower-case letters.
    side, above = 3, max(3, height // 4)
    cut = image.crop((max(0, left - side), max(0, top - above), left + width + side,  # type: ignore[attr-defined]
                      top + height + above))
    cut = cut.resize((cut.width * 2, cut.height * 2), Image.Resampling.LANCZOS)
    config = "--psm 8 -c tessedit_char_whitelist=()/ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return str(pytesseract.image_to_string(cut, lang="eng", config=config)).strip()


# What Tesseract makes of a typed page's furniture and of the pilcrow: specks read as stray
# punctuation at a line's ends; "¶1." read as "q1.", "{1." or "(1."; the letter O in "E.O." and
# in section numbers read as a zero and the other way round.
_JUNK = re.compile(r"^[|‘’'\"“”_~.,:;»«©®°*=+]+$")  # dashes stay: they open list items
# "¶1." and "**¶1.**" as read: the pilcrow as q, {, (, |, § or #, or as 4 or 9 before two digits.
_PILCROW = re.compile(r"^([*#]*)(?:[q{(|§]|[49](?=\d\d)|(?<=[*#])[49](?=\d[.,]))\s?(\d{1,2})[.,](\**)$")
# A marking's parentheses read as braces or brackets: "{C)", "(S)}", "[U)".
_MARKING = re.compile(r"^[({\[]([A-Z][A-Z/ ]{0,24})[)}\]]\}?([.,:;]?)$")
_LEADING = "‘’'\"“”_~»«©|"


def clean_line(words: list[tuple[str, Box]]) -> list[tuple[str, Box]]:
    """A line's words with OCR's usual debris removed and the pilcrow given back."""
    while words and _JUNK.match(words[0][0]):
        words = words[1:]
    while words and _JUNK.match(words[-1][0]):
        words = words[:-1]
    if not words:
        return []
    first, box = words[0]
    first = first.lstrip(_LEADING) or first
    first = _PILCROW.sub(lambda m: f"{'**' if m.group(1) else ''}¶{m.group(2)}.{m.group(3)}", first)
    if first in ("E.0.", "E.0", "E.O,"):
        first = "E.O."
    cleaned = [(first, box), *words[1:]]
    cleaned = [(_MARKING.sub(r"(\1)\2", word), place) for word, place in cleaned]
    for number in range(1, len(cleaned)):
        previous, (word, place) = cleaned[number - 1][0], cleaned[number]
        if previous.upper() in ("SECTION", "OF") and re.fullmatch(r"[O0-9@]{1,3}", word):
            cleaned[number] = (word.replace("O", "0").replace("@", "0"), place)
    return cleaned
