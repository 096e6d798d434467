"""Cables printed to PDF as a FOIA office receives them, for the PDF-input tests and benchmark.

Four kinds, each from a cable's text (scripts/make-pdf-fixtures.py writes examples):
- ``printout``: a monospace telegram printout, the classification and "PAGE nn" with the cable's
  number and date-time group as a running head on every page, the classification as a foot;
- ``webpage``: a web viewer's page printed by a browser: proportional type, each header block
  reflowed onto one line, paragraphs reflowed, the browser's date/title head and address foot;
- ``scan``: the printout's pages as images only (no text layer), slightly rotated, with specks;
- ``partial``: an earlier partial release: the State release header on every page, a RELEASED IN
  PART stamp, withheld paragraphs as black boxes with their margin code (B1), no text under them.
"""

from __future__ import annotations

import html
import io
import random
import re
from collections.abc import Iterable

import pypdfium2 as pdfium
import weasyprint
from PIL import Image, ImageChops

_LEVEL_WORDS = {"U": "UNCLASSIFIED", "C": "CONFIDENTIAL", "S": "SECRET", "TS": "TOP SECRET"}
_STYLE = "@page { size: letter; margin: 0.9in 0.8in; %s } body { margin: 0 } %s"
_RUNNING_FONT = 'font: 9pt "DejaVu Sans Mono", monospace'


def _classification(text: str) -> str:
    """The cable's own classification word, from its banner line (spaced or not)."""
    for line in text.splitlines()[:40]:
        squeezed = line.replace(" ", "").upper()
        for word in ("TOPSECRET", "SECRET", "CONFIDENTIAL", "UNCLASSIFIED"):
            if squeezed.startswith(word):
                return "TOP SECRET" if word == "TOPSECRET" else word
    return "UNCLASSIFIED"


def _reference(text: str, doc_id: str) -> str:
    """``MADRID 03104 281401Z``: the cable's origin, number and date-time group, as telegrams print."""
    number = re.search(r"^DE \w+ #(\d+)", text, re.M)
    origin = re.search(r"^FM (?:AMEMBASSY|AMCONSUL|USMISSION|SECSTATE)?\s*(.+)$", text, re.M)
    group = re.search(r"^\w \d{6}Z", text, re.M)
    parts = [origin.group(1).split()[0] if origin else doc_id, f"{int(number.group(1)):05d}" if number else "",
             group.group(0).split()[1] if group else ""]
    return " ".join(p for p in parts if p)


def printout(text: str, doc_id: str) -> bytes:
    """A monospace telegram printout with running heads and feet."""
    level = _classification(text)
    head = (f'@top-left {{ content: "{level}"; {_RUNNING_FONT} }} '
            f'@top-right {{ content: "PAGE " counter(page, decimal-leading-zero) "   {_reference(text, doc_id)}"; '
            f'{_RUNNING_FONT} }} @bottom-center {{ content: "{level}"; {_RUNNING_FONT} }}')
    body = 'pre { font: 10pt/1.3 "DejaVu Sans Mono", monospace; margin: 0; white-space: pre-wrap }'
    document = f"<html><head><style>{_STYLE % (head, body)}</style></head><body><pre>{html.escape(text)}</pre>" \
               "</body></html>"
    return bytes(weasyprint.HTML(string=document).write_pdf())


def _blocks(text: str) -> list[str]:
    return [b for b in re.split(r"\n\s*\n", text) if b.strip()]


_FIRST = re.compile(r"^\W*(?:\[\d+\]\(#\))?\W*(?:¶\s*)?1\s*[.)]\s")  # paragraph 1, debris and all
_ITEM = re.compile(r"^\s*(?:[-*•]|\(?[A-Za-z0-9]{1,3}[.)]|¶|//)")


def _rule(line: str) -> bool:
    return not any(c.isalnum() for c in line)


def _reflowed(block: str, join_all: bool = False) -> list[str]:
    """A hard-wrapped block as a web viewer reflows it: wrapped prose joined (every line of a header
    block with ``join_all``), list items, rules, signatures and headings kept on their own lines."""
    lines: list[str] = []
    for line in block.splitlines():
        short_capitals = line.strip().isupper() and len(line.split()) <= 3  # a signature, a heading
        own_line = _ITEM.match(line) or short_capitals or _rule(line) or (lines and _rule(lines[-1]))
        joins = lines and (join_all or len(lines[-1]) > 45) and line.strip() and not own_line
        if joins:
            lines[-1] += " " + line.strip()
        elif line.strip():
            lines.append(line.strip())
    return lines


def webpage(text: str, doc_id: str) -> bytes:
    """A browser's print of a web viewer's page: each header block reflowed onto one line (routing,
    fields), paragraphs reflowed in proportional type, the browser's head and foot on every page."""
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if _FIRST.match(line)), len(lines))
    header = ["<br>".join(html.escape(line) for line in _reflowed(block, join_all=True))
              for block in _blocks("\n".join(lines[:first]))]
    paragraphs = ["<br>".join(html.escape(line) for line in _reflowed(b)) for b in _blocks("\n".join(lines[first:]))]
    head = (f'@top-left {{ content: "11/26/26, 4:39 PM"; font: 8pt "DejaVu Sans", sans-serif }} '
            f'@top-center {{ content: "Cable: {doc_id}"; font: 8pt "DejaVu Sans", sans-serif }} '
            f'@bottom-left {{ content: "https://cables.example.org/cable/{doc_id}.html"; '
            'font: 8pt "DejaVu Sans", sans-serif } '
            '@bottom-right { content: counter(page) "/" counter(pages); font: 8pt "DejaVu Sans", sans-serif }')
    body = ('p { font: 10.5pt/1.4 "DejaVu Serif", serif; margin: 0 0 0.8em } '
            '.header { font-family: "DejaVu Sans"; margin: 0 0 0.5em }')
    parts = [f'<p class="header">{h}</p>' for h in header] + [f"<p>{p}</p>" for p in paragraphs]
    document = f"<html><head><style>{_STYLE % (head, body)}</style></head><body>{''.join(parts)}</body></html>"
    return bytes(weasyprint.HTML(string=document).write_pdf())


def _page_images(pdf: bytes, dpi: int) -> Iterable[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(len(document)):
            page = document[index]
            yield page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
    finally:
        document.close()


def scan(pdf: bytes, seed: int = 1, dpi: int = 150, degrees: float = 0.6) -> bytes:
    """A printed PDF as a scanner returns it: page images only, turned a little, with specks."""
    pages = []
    generator = random.Random(seed)
    for image in _page_images(pdf, dpi):
        turned = image.rotate(degrees, resample=Image.BICUBIC, fillcolor=255, expand=False)
        noise = Image.frombytes("L", turned.size, generator.randbytes(turned.size[0] * turned.size[1]))
        specks = noise.point(lambda v: 0 if v < 1 else 255)  # about 1 pixel in 256 black
        # A scanner's black and white (1 bit): small files, the specks stay.
        pages.append(ImageChops.darker(turned, specks).point(lambda v: 0 if v < 150 else 255).convert("1"))
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=float(dpi), save_all=True, append_images=pages[1:])
    return out.getvalue()


def partial_release(text: str, withheld_lines: set[int], case: str = "F-2010-01234",
                    doc_no: str = "C05123456") -> bytes:
    """An earlier partial release: the release header on every page, the stamp, and every withheld
    line (1-based) printed as a black box of its width, with B1 in the margin, no text."""
    head = (f'@top-center {{ content: "UNCLASSIFIED U.S. Department of State Case No. {case} Doc No. {doc_no} '
            f'Date: 11/30/2010"; font: 8pt "DejaVu Sans", sans-serif }}')
    body = ('pre { font: 10pt/1.3 "DejaVu Sans Mono", monospace; margin: 0; white-space: pre-wrap } '
            '.box { background: #000; color: #000; display: inline-block; height: 1.05em; vertical-align: middle } '
            '.code { position: absolute; right: -0.55in; font: bold 9pt "DejaVu Sans", sans-serif } '
            '.line { position: relative } .stamp { border: 2px solid #000; float: right; padding: 4px 8px; '
            'font: bold 11pt "DejaVu Sans", sans-serif; margin: 0 0 8px 8px }')
    rows = ['<div class="stamp">RELEASED IN PART<br>B1, 1.4(D)</div>']
    for number, line in enumerate(text.splitlines(), start=1):
        if number in withheld_lines and line.strip():
            width = max(4, len(line.rstrip()))
            rows.append(f'<div class="line"><span class="box" style="width:{width * 0.6:.1f}em"></span>'
                        '<span class="code">B1</span></div>')
        else:
            rows.append(f'<div class="line"><pre>{html.escape(line) or " "}</pre></div>')
    document = f"<html><head><style>{_STYLE % (head, body)}</style></head><body>{''.join(rows)}</body></html>"
    return bytes(weasyprint.HTML(string=document).write_pdf())


def withheld_lines(text: str, name: str, policy: str = "public-release") -> set[int]:
    """The lines (1-based) of the portions an earlier release under ``policy`` withheld."""
    from redact import Context, decide, load_policy, parse

    from .conftest import AS_OF

    document = parse(text, source=name)
    decisions = decide(document, load_policy(policy), Context(as_of=AS_OF))
    lines: set[int] = set()
    for portion, decision in zip(document.portions, decisions.portions, strict=True):
        if decision.withheld:
            lines.update(range(portion.start_line, portion.end_line + 1))
    return lines
