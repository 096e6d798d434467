"""Render release HTML to PDF with weasyprint, fetching nothing but our own fonts.

Metadata is set on purpose in a finisher (title, producer, creation date from
--as-of) and everything else weasyprint might copy from the HTML is dropped:
no author, keywords, subject, outline or attachments.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from functools import cache
from typing import Any

from ..resources import package_path
from ..version import __version__
from .html import stylesheet

ASSET_SCHEME = "redact-asset:"
FONTS = package_path("render", "fonts")
FONT_FACES = """
@font-face { font-family: "DejaVu Sans Mono"; font-weight: normal;
             src: url("redact-asset:DejaVuSansMono.ttf"); }
@font-face { font-family: "DejaVu Sans Mono"; font-weight: bold;
             src: url("redact-asset:DejaVuSansMono-Bold.ttf"); }
"""


def _fetcher_class() -> type:
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class AssetFetcher(URLFetcher):  # type: ignore[misc]
        """weasyprint's url_fetcher: only our fonts, nothing from the network or the disk."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=[], fail_on_errors=False)

        def fetch(self, url: str, headers: Any = None) -> Any:
            return URLFetcherResponse(url, read_asset(url), {"Content-Type": "font/ttf"})

    return AssetFetcher


def read_asset(url: str) -> bytes:
    """The bytes of one of our assets; ValueError (weasyprint skips the resource) for anything else."""
    if url.startswith(ASSET_SCHEME):
        name = url[len(ASSET_SCHEME):]
        candidate = FONTS / name
        if "/" not in name and "\\" not in name and candidate.is_file():
            return candidate.read_bytes()
    raise ValueError(f"redact fetches nothing outside its own assets: {url[:40]!r}")


@cache
def asset_fetcher() -> Any:
    return _fetcher_class()()


@cache
def _fonts() -> tuple[Any, list[Any]]:
    """Parsed once per process: the font configuration, the @font-face sheet and the release stylesheet."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    config = FontConfiguration()
    sheets = [CSS(string=FONT_FACES + stylesheet(), font_config=config, url_fetcher=asset_fetcher())]
    # Drop them before interpreter shutdown, while weasyprint can still clean up.
    atexit.register(_fonts.cache_clear)
    return config, sheets


def release_fonts() -> None:
    """Drop the parsed fonts (and weasyprint's temporary copies of them)."""
    _fonts.cache_clear()


def _pdf_date(day: date) -> str:
    return f"D:{day:%Y%m%d}000000Z"


def render_pdf(html: str, *, title: str, as_of: date) -> bytes:
    """Render release HTML made with ``render_html(view, inline_stylesheet=False)`` (the stylesheet
    comes parsed); HTML that carries its own stylesheet renders the same, only slower."""
    import pydyf

    config, sheets = _fonts()

    def finish(document: Any, pdf: Any) -> None:
        info = pydyf.Dictionary()
        info["Title"] = pydyf.String(title)
        info["Producer"] = pydyf.String(f"redact {__version__}")
        info["Creator"] = pydyf.String(f"redact {__version__}")
        info["CreationDate"] = pydyf.String(_pdf_date(as_of))
        info["ModDate"] = pydyf.String(_pdf_date(as_of))
        pdf.info.clear()
        pdf.info.update(info)
        for key in ("Outlines", "Names", "AcroForm", "Metadata"):
            pdf.catalog.pop(key, None)
        pdf.catalog.pop("PageMode", None)

    document = _html_document(html).render(stylesheets=sheets, font_config=config)
    identifier = hashlib.sha256(html.encode("utf-8")).hexdigest()[:32].encode("ascii")
    with _source_date(as_of):
        result: bytes = document.write_pdf(finisher=finish, pdf_identifier=identifier)
    return result


# Characters libxml2's HTML parser may read otherwise than weasyprint's HTML5 parser: controls,
# a carriage return, lone surrogates, noncharacters. HTML holding one is read weasyprint's way.
_READ_OTHERWISE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                             + "".join(f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}"
                                       for plane in range(17)) + "]")


def _html_document(html: str) -> Any:
    """weasyprint's HTML object for our release HTML. weasyprint reads HTML with a pure-Python
    HTML5 parser (a tenth of a PDF's render); our own HTML, well formed and made by our template,
    is read by libxml2 instead into the same element tree (tests.test_pdf_render compares the two
    trees and the PDFs), unless it holds a character the two parsers may read otherwise."""
    html_class = _html_class(html)
    if _READ_OTHERWISE.search(html) or _html_attributes() != _MADE_HERE:
        return html_class(string=html, base_url=ASSET_SCHEME, url_fetcher=asset_fetcher())
    document = html_class.__new__(html_class)
    document.base_url = ASSET_SCHEME
    document.url_fetcher = asset_fetcher()
    document.media_type = "print"
    import cssselect2

    document.wrapper_element = cssselect2.ElementWrapper.from_html_root(html_tree(html), content_language=None)
    document.etree_element = document.wrapper_element.etree_element
    return document


# Rules of weasyprint's user-agent stylesheet for pseudo-elements only list items (::marker),
# elements floated to a footnote or placed in a note (their calls and markers) bring into being.
# weasyprint styles each of them for every element of every page all the same: two thirds of a
# release copy's style work, for boxes it never makes.
_IDLE_PSEUDO_RULES = re.compile(r"^::(?:marker|footnote-call|footnote-marker|note-call|note-marker|note-callback)"
                                r"[ \t]*\{[^{}]*\}[ \t]*$", re.M)

# What brings one of those pseudo-elements into being: HTML (or its stylesheet) holding any of it
# renders with weasyprint's whole user-agent stylesheet.
_MAKES_PSEUDO = re.compile(r"list-item|footnote|note\(|<li\b|<summary\b", re.I)


def _html_class(html: str) -> Any:
    """weasyprint's HTML class, or the same with the idle pseudo-element rules left out of its
    user-agent stylesheet when neither this HTML nor our stylesheet can bring one into being (the
    same PDF, byte for byte: tests.test_pdf_render)."""
    from weasyprint import HTML

    return HTML if _MAKES_PSEUDO.search(html) else _lean_html_class()


@cache
def _lean_html_class() -> Any:
    from weasyprint import CSS, HTML

    if _MAKES_PSEUDO.search(stylesheet()):
        return HTML
    try:
        from weasyprint.html import UA, UA_COUNTER_STYLE, UA_STYLESHEET
    except ImportError:  # another weasyprint keeps its stylesheet elsewhere: leave it whole
        return HTML
    lean = CSS(string=_IDLE_PSEUDO_RULES.sub("", UA), counter_style=UA_COUNTER_STYLE)

    class LeanHTML(HTML):  # type: ignore[misc]
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [lean if sheet is UA_STYLESHEET else sheet for sheet in super()._ua_stylesheets(forms)]

    return LeanHTML


# What _html_document sets; a weasyprint whose HTML object holds anything else is left to read
# our HTML its own way.
_MADE_HERE = frozenset({"base_url", "url_fetcher", "media_type", "wrapper_element", "etree_element"})


@cache
def _html_attributes() -> frozenset[str]:
    from weasyprint import HTML

    return frozenset(vars(HTML(string="<p>", base_url=ASSET_SCHEME, url_fetcher=asset_fetcher())))


def html_tree(html: str) -> Any:
    """Our release HTML as an ElementTree element, read by libxml2 as weasyprint's parser reads it
    (no namespaces; no text between <html> and <head>)."""
    import xml.etree.ElementTree as ElementTree

    import lxml.html

    def copy(element: Any) -> Any:
        made: Any
        if not isinstance(element.tag, str):
            made = ElementTree.Comment(element.text)
        else:
            made = ElementTree.Element(element.tag, dict(element.attrib))
            made.text = element.text
            made.extend(copy(child) for child in element)
        made.tail = element.tail
        return made

    root = copy(lxml.html.document_fromstring(html))
    root.text = root.tail = None
    if len(root):
        root[-1].tail = None  # the line break after </body>: HTML5 moves it into the body
    return root


@contextmanager
def _source_date(day: date) -> Iterator[None]:
    """fontTools stamps subset fonts with "now" unless SOURCE_DATE_EPOCH says otherwise."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    epoch = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    os.environ["SOURCE_DATE_EPOCH"] = previous or str(epoch)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
