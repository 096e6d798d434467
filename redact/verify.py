"""Verify: prove that a release copy contains no withheld text, in any channel.

Channels: the PDF text layer, document info, XMP metadata, outline, annotations
and embedded files; the HTML text, attribute values, comments, <title> and
<style>, and the HTML source as written (a reading no parser can narrow). A
withheld item leaks when one of its word 5-grams (or, for items shorter than
five words, the whole item) is found in a channel, unless that
same run of words is also in the released text (a released paragraph may
share a phrase with a withheld one). Findings name the item and the channel,
never the text.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import unescape
from html.parser import HTMLParser
from typing import Any

from lxml import etree

from .decide import Decisions
from .marking_check import Finding, released_markings, text_with_labels
from .model import FIELD_PREFIX, Document, Level
from .shapes import lower_words, runs_within

NGRAM = 5
# A word broken at a line end ("ex-\n  ample"). It opens with the hyphen so that the engine can skip
# ahead to each "-"; the lookbehind then checks the letter before it.
_HYPHEN_BREAK = re.compile(r"-(?<=\w-)\s*\n\s*(?=\w)")
_CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?")


def words(text: str) -> list[str]:
    """Normalised words: letters and digits of every script (a withheld paragraph in Cyrillic is
    words too), case and compatibility forms folded (NFKC: "ﬁ" is "fi"), whitespace, punctuation
    and line-end hyphenation left out."""
    text = _HYPHEN_BREAK.sub("", text)
    return lower_words(text if text.isascii() else unicodedata.normalize("NFKC", text).casefold())


def _grams(tokens: list[str], n: int) -> Iterator[tuple[str, ...]]:
    return zip(*(tokens[i:] for i in range(n)), strict=False)


def ngrams(tokens: list[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    return set(_grams(tokens, n))


@dataclass(frozen=True)
class Withheld:
    """One withheld item: a portion, a header field or a span, named for messages."""

    name: str
    text: str


@dataclass(frozen=True)
class Leak:
    item: str
    channel: str

    def __str__(self) -> str:
        return f"withheld {self.item} found in the {self.channel}"


@dataclass(frozen=True)
class Report:
    leaks: tuple[Leak, ...]
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        return not self.leaks and not self.findings

    def summary(self) -> str:
        return "; ".join(str(x) for x in (*self.leaks, *self.findings)) or "clean"


# ---------------------------------------------------------------------------
# what must not appear, and what may


def withheld_items(document: Document, decisions: Decisions) -> list[Withheld]:
    items: list[Withheld] = []
    for portion, decision in zip(document.portions, decisions.portions, strict=True):
        name = f"{portion.kind.value} {portion.number}" if portion.number else \
            f"{portion.kind.value} #{portion.index}"
        if decision.withheld:
            items.append(Withheld(name, portion.text))
        for span in decision.spans:
            items.append(Withheld(f"span ({span.label}) in {name}", portion.text[span.start:span.end]))
    for fld, decision in zip(document.header.fields, decisions.fields, strict=True):
        if decision.withheld:
            items.append(Withheld(f"header field {fld.name}", fld.text))
        for span in decision.spans:
            items.append(Withheld(f"span ({span.label}) in header field {fld.name}",
                                  fld.text[span.start:span.end]))
    return items


def released_text(document: Document, decisions: Decisions, banners: bool = False) -> str:
    """What a copy may show, in the order it shows it: released text (spans cut out)
    and, in place of each withheld item, only its name and label. Phrases that run
    across a released line and the label beside it are therefore allowed too. The banner
    lines as printed only with ``banners``: a copy that keeps the original pages shows them."""
    parts: list[str] = []
    for fld, decision in zip(document.header.fields, decisions.fields, strict=True):
        if fld.name == "banner" and not banners:
            continue  # not copied: a retyped or HTML copy prints the banner recomputed from what it releases
        if decision.withheld:
            parts.append(f"{FIELD_PREFIX.get(fld.name, '')} withheld {decision.label or ''}")
        else:
            parts.append(text_with_labels(fld.text, ((s.start, s.end, s.label) for s in decision.spans)))
    for portion, decision in zip(document.portions, decisions.portions, strict=True):
        if decision.withheld:
            name = f"Paragraph {portion.number}" if portion.number else portion.kind.value
            parts.append(f"{name} withheld {decision.label or ''}")
        else:
            parts.append(text_with_labels(portion.text, ((s.start, s.end, s.label) for s in decision.spans)))
    return "\n".join(parts)


class Checker:
    """Checks channels of one copy against one document's withheld items.

    A long item leaks when one of its word 5-grams is in the channel and not in the released text.
    The channel's 5-grams that the released text does not explain are few (labels, the stamp), so
    each is looked up in the items' word strings, rather than every 5-gram of the withheld text
    being built (most of a document is withheld); past a limit, the items' 5-gram sets are built
    once and intersected. Both ways find the same leaks.
    """

    def __init__(self, withheld: list[Withheld], allowed: Allowed) -> None:
        # Allowed text may come in parts (a document's released text, and the template words and
        # stylesheet every copy prints, prepared once a process): a gram is explained by a part
        # that holds it whole (stricter than one text joining them, never looser).
        self._allowed = [part if isinstance(part, Prepared) else Prepared.of(part)
                         for part in ((allowed,) if isinstance(allowed, str | Prepared) else allowed)]
        self._long: list[tuple[str, str]] = []  # (name, " word word ... ")
        self._long_grams: list[tuple[str, set[tuple[str, ...]]]] | None = None
        self._short: list[tuple[str, str]] = []
        for item in withheld:
            tokens = words(item.text)
            if len(tokens) >= NGRAM:
                self._long.append((item.name, " " + " ".join(tokens) + " "))
            elif sum(len(t) for t in tokens) >= 3:  # "(D)" or "1." alone names nothing and is everywhere
                phrase = " " + " ".join(tokens) + " "
                if not any(phrase in part.joined for part in self._allowed):
                    self._short.append((item.name, phrase))
        self._all_long = "".join(joined for _, joined in self._long)
        self._long_words = set(self._all_long.split())

    def check(self, channel: str, text: str) -> list[Leak]:
        return self.check_prepared(channel, Prepared.of(text))

    def check_prepared(self, channel: str, prepared: Prepared) -> list[Leak]:
        candidates = list(self._unexplained(prepared))
        if len(candidates) <= _LOOKUP_LIMIT:
            # " a b c d e " is in " ... a b c d e ... " exactly when (a, b, c, d, e) is one of its
            # 5-grams; items are joined with two spaces between them, which no needle spans.
            found = [needle for needle in (" " + " ".join(gram) + " " for gram in candidates)
                     if needle in self._all_long]
            leaks = [Leak(name, channel) for name, joined in self._long
                     if found and any(needle in joined for needle in found)]
        else:
            leaks = [Leak(name, channel) for name, grams in self._gram_sets() if not grams.isdisjoint(candidates)]
        leaks += [Leak(name, channel) for name, phrase in self._short if phrase in prepared.joined]
        return leaks

    def _unexplained(self, prepared: Prepared) -> set[tuple[str, ...]]:
        """The channel's grams that could be in an item (every word is an item's word: most grams
        are not, so few are built) and that no allowed part holds."""
        grams = set(runs_within(prepared.tokens, self._long_words, NGRAM))
        for part in self._allowed:
            if not grams:
                break
            if part.has_grams() or len(grams) * len(part.joined) > _SCAN_LIMIT:
                grams.difference_update(part.grams)
            else:  # a few grams: looked for in the part's words (as in check_prepared) rather
                # than every gram of the part built
                grams = {gram for gram in grams if " " + " ".join(gram) + " " not in part.joined}
        return grams

    def _gram_sets(self) -> list[tuple[str, set[tuple[str, ...]]]]:
        if self._long_grams is None:
            self._long_grams = [(name, ngrams(joined.split())) for name, joined in self._long]
        return self._long_grams


_LOOKUP_LIMIT = 256


class Prepared:
    """A channel's words, ready to be checked against many documents' withheld items. Its word
    5-grams are built when first needed (a channel is checked through the grams that could be an
    item's, see Checker._unexplained)."""

    __slots__ = ("_grams", "joined", "tokens")

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.joined = " " + " ".join(tokens) + " "
        self._grams: frozenset[tuple[str, ...]] | None = None

    @classmethod
    def of(cls, text: str) -> Prepared:
        return cls(words(text))

    @property
    def grams(self) -> frozenset[tuple[str, ...]]:
        if self._grams is None:
            self._grams = frozenset(_grams(self.tokens, NGRAM))
        return self._grams

    def has_grams(self) -> bool:
        return self._grams is not None


# Past this many characters scanned (grams times a part's length), an allowed part's grams are
# built and subtracted instead of each gram being looked for in its words.
_SCAN_LIMIT = 1 << 18


# Allowed text: one text, or its parts (see Checker).
Allowed = str | Prepared | Sequence[str | Prepared]


# The longest channel text kept prepared (see _prepared_channel).
_KEPT_CHANNEL = 1 << 14


def _prepared_channel(text: str) -> Prepared:
    """A channel's text, prepared; the same short text again (a copy's stylesheet, printed in
    every copy of a batch) is not prepared again. A long one is not kept: a few of a large
    document's channels would hold hundreds of megabytes of grams."""
    return _prepared_short(text) if len(text) <= _KEPT_CHANNEL else Prepared.of(text)


@lru_cache(maxsize=8)
def _prepared_short(text: str) -> Prepared:
    return Prepared.of(text)


# ---------------------------------------------------------------------------
# channels of each format


_HTML = etree.HTMLParser(recover=True, remove_comments=False, remove_pis=False, remove_blank_text=False,
                         no_network=True, huge_tree=True, encoding="utf-8")  # huge_tree: no depth cut-off
_OWN_CHANNEL = {"title": "HTML title", "style": "HTML style", "script": "HTML style"}


def _html_nodes(root: Any) -> Iterator[Any]:
    """Every node of the parsed page, comments before and after the root element included."""
    yield from reversed(list(root.itersiblings(preceding=True)))
    yield from root.iter()
    yield from root.itersiblings()


def _css_character(escape: re.Match[str]) -> str:
    code = int(escape.group(1), 16)
    return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"  # as CSS reads an escape out of range


def html_channels(html: bytes) -> dict[str, str]:
    """The page's text, attribute values, comments (and processing instructions), <title> and
    <style>/<script> (CSS escapes decoded), as libxml2's HTML parser reads them."""
    channels: dict[str, list[str]] = {name: [] for name in
                                      ("HTML text", "HTML attributes", "HTML comments", "HTML title", "HTML style")}
    # Bytes that are not UTF-8 are replaced first: libxml2 could stop reading at them.
    text = html.decode("utf-8", "replace")
    root = etree.fromstring(text.encode("utf-8"), _HTML) if text.strip() else None
    if any(error.level_name == "FATAL" for error in _HTML.error_log):
        return _html_channels_in_python(text)  # libxml2 stopped reading: never check less than the page
    if root is None:
        return {name: "" for name in channels}
    for node in _html_nodes(root):
        if not isinstance(node.tag, str):  # a comment or a processing instruction
            channels["HTML comments"].append(node.text or "")
        else:
            channels["HTML attributes"].extend(value for value in node.attrib.values() if value)
            if node.text:
                channels[_OWN_CHANNEL.get(node.tag, "HTML text")].append(node.text)
        if node.tail:
            parent = node.getparent()
            tag = parent.tag if parent is not None else ""
            channels[_OWN_CHANNEL.get(tag, "HTML text")].append(node.tail)
    channels["HTML style"] = [_CSS_ESCAPE.sub(_css_character, data) for data in channels["HTML style"]]
    return {name: "\n".join(parts) for name, parts in channels.items()}


class _HTMLChannels(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.attributes: list[str] = []
        self.comments: list[str] = []
        self.title: list[str] = []
        self.style: list[str] = []
        self._in: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in.append(tag)
        self.attributes.extend(v for _, v in attrs if v)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attributes.extend(v for _, v in attrs if v)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._in:
            while self._in and self._in.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        current = self._in[-1] if self._in else ""
        if current == "title":
            self.title.append(data)
        elif current in ("style", "script"):
            self.style.append(_CSS_ESCAPE.sub(_css_character, data))
        else:
            self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def _html_channels_in_python(html: str) -> dict[str, str]:
    """The standard library's reader: used where libxml2 gives up (nesting past its depth limit)."""
    parser = _HTMLChannels()
    parser.feed(html)
    parser.close()
    return {
        "HTML text": "\n".join(parser.text),
        "HTML attributes": "\n".join(parser.attributes),
        "HTML comments": "\n".join(parser.comments),
        "HTML title": "\n".join(parser.title),
        "HTML style": "\n".join(parser.style),
    }


def pdf_text_layer(data: bytes) -> str:
    """Every page's text as PDFium (the engine of Chromium's viewer) extracts it."""
    import pypdfium2 as pdfium  # here, not at the top: an HTML-only run never loads a PDF library

    document = pdfium.PdfDocument(data)
    try:
        pages = []
        for index in range(len(document)):
            page = document[index]
            textpage = page.get_textpage()
            pages.append(textpage.get_text_range())
            textpage.close()
            page.close()
        return "\n".join(pages)
    finally:
        document.close()


def pdf_channels(data: bytes) -> tuple[dict[str, str], list[Finding]]:
    """The PDF text layer (PDFium) and every other channel, read by qpdf (pikepdf), a second
    reader of the file: info, XMP metadata, outline, annotations, embedded files."""
    import pikepdf
    from pypdfium2 import PdfiumError

    try:
        text = pdf_text_layer(data)
        with pikepdf.open(io.BytesIO(data)) as pdf:
            info = pdf.trailer.get("/Info")
            metadata = pdf.Root.get("/Metadata")
            annotations = [_pdf_string(annotation.get("/Contents")) + " " + _pdf_string(annotation.get("/T"))
                           for page in pdf.pages for annotation in (page.obj.get("/Annots") or [])]
            files = {name: attached.get_file().read_bytes() for name, attached in pdf.attachments.items()}
            channels = {
                "PDF text layer": text,
                "PDF document info": "\n".join(map(_pdf_string, info.values())) if info is not None else "",
                "PDF XMP metadata": metadata.read_bytes().decode("utf-8", "replace") if metadata is not None else "",
                "PDF outline": "\n".join(_outline_titles(pdf.Root.get("/Outlines"))),
                "PDF annotations": "\n".join(annotations),
            }
    except (pikepdf.PdfError, ValueError, KeyError, TypeError, AttributeError, PdfiumError) as error:
        return {}, [Finding("PDF", f"cannot be read ({type(error).__name__})")]
    findings: list[Finding] = []
    if annotations:
        findings.append(Finding("PDF annotations", f"{len(annotations)} annotation(s); a release copy has none"))
    if files:
        findings.append(Finding("PDF embedded files", f"{len(files)} embedded file(s); a release copy has none"))
        channels["PDF embedded files"] = "\n".join(name + "\n" + contents.decode("utf-8", "replace")
                                                   for name, contents in files.items())
    return channels, findings


def _pdf_string(value: Any, depth: int = 0) -> str:
    """A PDF value as text: strings decoded (PDFDocEncoding or UTF-16), those inside arrays and
    dictionaries too, a stream's bytes, names and numbers as written."""
    import pikepdf

    if depth > _DEEPEST_VALUE:
        raise ValueError("a PDF value nested deeper than a release copy's")
    if value is None:
        return ""
    if isinstance(value, pikepdf.String):
        return str(value)
    if isinstance(value, pikepdf.Stream):
        return value.read_bytes().decode("utf-8", "replace")
    if isinstance(value, pikepdf.Array):
        return "\n".join(_pdf_string(item, depth + 1) for item in value)
    if isinstance(value, pikepdf.Dictionary):
        return "\n".join(_pdf_string(item, depth + 1) for item in value.values())
    return str(value)


# A value of a copy's metadata nested deeper than this is refused (fail closed): no loop is followed.
_DEEPEST_VALUE = 16


def _outline_titles(outlines: Any) -> list[str]:
    """Every outline item's title, at every depth; an item reached twice (a loop) is read once."""
    import pikepdf

    titles: list[str] = []
    seen: set[tuple[int, int]] = set()
    stack = [outlines.get("/First")] if isinstance(outlines, pikepdf.Dictionary) else []
    while stack:
        item = stack.pop()
        if not isinstance(item, pikepdf.Dictionary) or (item.is_indirect and item.objgen in seen):
            continue
        seen.add(item.objgen)
        titles.append(_pdf_string(item.get("/Title")))
        stack.extend([item.get("/Next"), item.get("/First")])
    return titles


# Element and attribute names ("<div", "</p", " class="): markup's own words, which a withheld
# header line such as "CLASS" must not be taken for. An attribute name is a whole run of name
# characters before "=": found from its "=" in the reversed text, where the pattern opens with a
# character the engine skips ahead to (a pattern that opens with the name scanned every position,
# a tenth of verify's time); the run then ends where the name began, so no look-behind is needed.
_TAG_NAME = re.compile(r"</?[A-Za-z][\w:.-]*")
_ATTRIBUTE_NAME_REVERSED = re.compile(r"=[ \t\n]*[\w:.-]+")


def html_source(data: bytes) -> str:
    """The HTML as written, without element and attribute names, references decoded: what is in
    the bytes whatever a parser makes of them (attribute values, text, comments, a doctype)."""
    text = data.decode("utf-8", "replace")
    if "=" in text:  # each name and its "=" become a space, as the tags' names do below
        text = _ATTRIBUTE_NAME_REVERSED.sub(" ", text[::-1])[::-1]
    return unescape(_TAG_NAME.sub(" ", text))


def verify_bytes(data: bytes, fmt: str, withheld: list[Withheld], allowed: Allowed) -> Report:
    """Check one release copy (html, pdf or text) against what was withheld."""
    findings: list[Finding] = []
    if fmt == "pdf":
        channels, findings = pdf_channels(data)
    elif fmt == "html":
        channels = html_channels(data)
    else:
        channels = {"text": data.decode("utf-8", "replace")}
    checker = Checker(withheld, allowed)
    leaks = [leak for name, text in channels.items() for leak in checker.check_prepared(name, _prepared_channel(text))]
    if fmt == "html":
        # A second reading that needs no HTML parser: the markup as written, references decoded.
        # What a parser drops (an attribute left unclosed, CDATA, a doctype) is still in the bytes;
        # it reports what the parsed channels did not.
        found = {leak.item for leak in leaks}
        leaks += [leak for leak in checker.check("HTML source", html_source(data)) if leak.item not in found]
    return Report(tuple(leaks), tuple(findings))


def verify_release(data: bytes, fmt: str, document: Document, decisions: Decisions,
                   ceiling: Level | None = None, controls: frozenset[str] | None = None) -> Report:
    """Check one release copy; with the policy's ``ceiling`` (and ``released_controls``), also
    its released text's markings."""
    report = verify_bytes(data, fmt, withheld_items(document, decisions), released_text(document, decisions))
    if ceiling is None:
        return report
    return Report(report.leaks, (*report.findings, *released_markings(document, decisions, ceiling, controls)))
