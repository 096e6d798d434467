"""The PDF render reads our release HTML with libxml2 instead of weasyprint's pure-Python HTML5
parser (redact.render.pdf._html_document): the same element tree, so the same PDF, byte for byte."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest
import tinyhtml5

from redact import Context, decide, load_policy, parse
from redact.errors import RedactError
from redact.render import pdf
from redact.render.html import render_html
from redact.render.view import build_view

from .conftest import AS_OF

HERE = Path(__file__).parent
SHARED = HERE.parent.parent / "shared" / "corpus"


def _html(text: str, policy: str = "public-release") -> str:
    document = parse(text, doc_id="X")
    loaded = load_policy(policy)
    decisions = decide(document, loaded, Context(as_of=AS_OF, audience="GBR"))
    view = build_view(document, decisions, policy_name=loaded.name, policy_sha256=loaded.sha256, as_of=AS_OF,
                      reviewer="test")
    return render_html(view, inline_stylesheet=False)


def _texts() -> list[tuple[str, str]]:
    found = []
    for path in sorted((HERE / "hostile").glob("*.txt")) + sorted((HERE / "fixtures" / "cables").glob("*.txt")):
        try:
            found.append((path.name, path.read_text(encoding="utf-8")))
        except UnicodeDecodeError:
            continue
    for corpus in ("cablegate", "mirror", "sidtoday"):
        found += [(p.name, p.read_text(encoding="utf-8")) for p in sorted((SHARED / corpus).glob("*.txt"))[::97]]
    return found


def _without_final_newlines(root: ElementTree.Element) -> bytes:
    """The tree as bytes; newlines after the body's last element are where the two parsers put
    the page's last line breaks (whitespace after the last block renders nothing)."""
    body = root[-1]
    if len(body):
        body[-1].tail = (body[-1].tail or "").rstrip("\n")
    return ElementTree.tostring(root)


def test_libxml2_reads_our_html_into_weasyprints_tree() -> None:
    texts = _texts()
    assert len(texts) > 80
    checked = 0
    for name, text in texts:
        try:
            html = _html(text)
        except RedactError:  # a hostile text the parser refuses has no copy
            continue
        if pdf._READ_OTHERWISE.search(html):
            continue
        ours = pdf.html_tree(html)
        theirs = tinyhtml5.parse(html, namespace_html_elements=False)
        assert _without_final_newlines(ours) == _without_final_newlines(theirs), name
        checked += 1
    assert checked > 80


@pytest.mark.parametrize("name", ["08ASTANA2450.txt", "06MADRID3104.txt"])
def test_the_pdf_is_the_one_weasyprints_own_reading_makes(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from weasyprint import HTML

    text = next(path for path in (HERE / "fixtures").rglob(name)).read_text(encoding="utf-8")
    html = _html(text)
    ours = pdf.render_pdf(html, title="t", as_of=AS_OF)
    monkeypatch.setattr(pdf, "_html_document",
                        lambda html: HTML(string=html, base_url=pdf.ASSET_SCHEME, url_fetcher=pdf.asset_fetcher()))
    assert pdf.render_pdf(html, title="t", as_of=AS_OF) == ours


def test_html_with_a_control_character_is_read_weasyprints_way(monkeypatch: pytest.MonkeyPatch) -> None:
    read_by_libxml2: list[str] = []
    original = pdf.html_tree
    monkeypatch.setattr(pdf, "html_tree", lambda html: read_by_libxml2.append(html) or original(html))
    text = next((HERE / "fixtures").rglob("06MADRID3104.txt")).read_text(encoding="utf-8")
    pdf.render_pdf(_html(text), title="t", as_of=AS_OF)
    assert len(read_by_libxml2) == 1
    odd = _html(text).replace("Mallorcan", "Mallorcan\x0b", 1)
    pdf.render_pdf(odd, title="t", as_of=AS_OF)
    assert len(read_by_libxml2) == 1


def test_a_weasyprint_whose_html_object_holds_more_reads_our_html_its_own_way(monkeypatch: pytest.MonkeyPatch) -> None:
    text = next((HERE / "fixtures").rglob("06MADRID3104.txt")).read_text(encoding="utf-8")
    html = _html(text)
    ours = pdf.render_pdf(html, title="t", as_of=AS_OF)
    read_by_libxml2: list[str] = []
    original = pdf.html_tree
    monkeypatch.setattr(pdf, "html_tree", lambda html: read_by_libxml2.append(html) or original(html))
    monkeypatch.setattr(pdf, "_html_attributes", lambda: pdf._MADE_HERE | {"something_new"})
    assert pdf.render_pdf(html, title="t", as_of=AS_OF) == ours
    assert read_by_libxml2 == []


def test_the_lean_user_agent_sheet_makes_the_same_pdf(monkeypatch: pytest.MonkeyPatch) -> None:
    from weasyprint import HTML

    texts = _texts()[::2]
    htmls = []
    for _name, text in texts:
        try:
            htmls.append(_html(text))
        except RedactError:
            continue
    assert len(htmls) > 40
    assert all(pdf._html_class(html) is not HTML for html in htmls)
    lean = [pdf.render_pdf(html, title="t", as_of=AS_OF) for html in htmls]
    monkeypatch.setattr(pdf, "_html_class", lambda html: HTML)
    assert [pdf.render_pdf(html, title="t", as_of=AS_OF) for html in htmls] == lean


def test_the_lean_sheet_leaves_out_only_idle_pseudo_element_rules() -> None:
    from weasyprint.html import UA

    left_out = [match.group(0) for match in pdf._IDLE_PSEUDO_RULES.finditer(UA)]
    assert left_out
    assert all(rule.startswith(("::marker ", "::footnote-", "::note-")) for rule in left_out)


@pytest.mark.parametrize("extra", ["<ul><li>one</li></ul>", "<details><summary>more</summary></details>",
                                   '<p style="display: list-item">x</p>', '<p style="float: footnote">x</p>'])
def test_html_that_can_make_a_marker_or_a_note_gets_the_whole_sheet(extra: str) -> None:
    from weasyprint import HTML

    text = next((HERE / "fixtures").rglob("06MADRID3104.txt")).read_text(encoding="utf-8")
    html = _html(text)
    assert pdf._html_class(html) is not HTML
    assert pdf._html_class(html.replace("</body>", extra + "</body>")) is HTML
