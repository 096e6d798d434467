"""Documents that arrive as PDFs: text layer or scan (OCR), page furniture, page and line in
every message, and the same portions as the text version, on fixtures and corpus samples."""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from redact import Context, decide, load_policy, parse
from redact.cli import main
from redact.ocr import available as tesseract_available
from redact.pdftext import read_pdf
from redact.read import read_source
from redact.verify import released_text, words

from . import pdfprint
from .conftest import AS_OF, FIXTURES, shared_corpus
from .leakscan import leaked_segments
from .test_bundled_policies import POLICIES

PDFS = FIXTURES / "pdf"
TEXTS = {"06MADRID3104": FIXTURES / "review" / "06MADRID3104.txt",
         "08ASTANA2450": FIXTURES / "cables" / "08ASTANA2450.txt"}


def signature(text: str) -> list[tuple[str, str | None]]:
    """A document's portions as kinds and levels: what must not change when it is printed."""
    document = parse(text, source="x")
    return [(p.kind.value, p.effective.level.name if p.effective is not None and p.effective.recognised else None)
            for p in document.portions]


def agreement(expected: list[tuple[str, str | None]], found: list[tuple[str, str | None]]) -> int:
    """How many of the expected portions are found, in order."""
    matcher = difflib.SequenceMatcher(a=expected, b=found, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks())


def _need_tesseract() -> None:
    if not tesseract_available():
        if os.environ.get("CI"):
            pytest.fail("tesseract-ocr is needed for the OCR tests (README set-up b)")
        pytest.skip("tesseract is not installed")


@pytest.mark.parametrize("name", sorted(TEXTS))
@pytest.mark.parametrize("layout", ["printout", "webpage", "partial"])
def test_a_printed_cable_reads_as_its_text(name: str, layout: str) -> None:
    source = read_source(PDFS / f"{name}.{layout}.pdf")
    assert source.origin == "pdf" and source.pdf is not None
    text = TEXTS[name].read_text(encoding="utf-8")
    # Running heads and feet, page numbers, browser heads, release headers and stamps are gone ...
    for furniture in ("PAGE 01", "PAGE 02", "4:39 PM", "cables.example.org", "Case No.", "RELEASED IN PART"):
        assert furniture not in source.text, (layout, furniture)
    assert not re.search(r"^\s*B1\s*$|\sB1$", source.text, re.M)  # margin codes
    assert source.pdf.furniture > 0
    if layout == "partial":
        # ... and an earlier partial release gives its released lines and nothing of the boxes.
        withheld = pdfprint.withheld_lines(text, name)
        lines = text.splitlines()
        hidden = " ".join(words(" ".join(lines[n - 1] for n in sorted(withheld))))
        shown = " ".join(words(" ".join(line for n, line in enumerate(lines, 1) if n not in withheld)))
        assert " ".join(words(source.text)) == shown and hidden
        return
    expected = signature(text)
    # A printout keeps the typed lines; a browser's reflow may start a line with "--" inside a
    # paragraph, read as a subparagraph of the same level: one portion more, none lower.
    assert agreement(expected, signature(source.text)) >= len(expected) - (layout == "webpage")
    assert _lower_levels(text, source.text) == 0
    # ... and every line knows its page: a paragraph running over a page break is one portion.
    assert len(source.pdf.page_starts()) == source.pdf.pages > 1
    assert source.where(source.pdf.page_starts()[1]) == "page 2, line 1"


def test_run_on_a_pdf_cites_pages_and_says_where_the_text_came_from(tmp_path: Path) -> None:
    pdf = tmp_path / "06MADRID3104.pdf"
    shutil.copy(PDFS / "06MADRID3104.printout.pdf", pdf)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(pdf), "--out", str(out), "--format", "html,pdf,text",
                                       "--as-of", "2026-11-26"])
    assert result.exit_code == 0, result.output
    copy = (out / "06MADRID3104.release.txt").read_text(encoding="utf-8")
    assert "TEXT FROM: PDF text layer" in copy
    assert "It is possible that this case" not in copy  # paragraph 4 (C), withheld
    assert "Press reports indicate" in copy
    record = next(json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()
                  if json.loads(line)["type"] == "document")
    assert record["origin"] == "pdf" and len(record["pages"]) == 3 and record["pages"][0] == 1
    explained = CliRunner().invoke(main, ["explain", str(pdf), "--format", "json"])
    items = json.loads(explained.output)["items"]
    assert any(item["where"].startswith("page 3, line") for item in items)
    table = CliRunner().invoke(main, ["explain", str(pdf)]).output
    assert "(page 1, line" in table


def test_a_scan_is_refused_without_ocr(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(PDFS / "06MADRID3104.scan.pdf"), "--out", str(out)])
    assert result.exit_code == 2
    assert "page 1 has no text layer (a scan?); give --ocr" in result.output
    assert not list(out.glob("*.release.*"))
    parsed = CliRunner().invoke(main, ["parse", str(PDFS / "06MADRID3104.scan.pdf")])
    assert parsed.exit_code == 2 and "--ocr" in parsed.output


def test_ocr_reads_the_markings_of_the_scanned_fixtures(tmp_path: Path) -> None:
    """Every printed marking read at its printed level, and the copy says it came from OCR."""
    _need_tesseract()
    printed = found = 0
    for name, path in TEXTS.items():
        source = read_source(PDFS / f"{name}.scan.pdf", ocr=True)  # about 5 s a page
        assert source.origin == "ocr"
        expected = [p.marking.text for p in parse(path.read_text(encoding="utf-8")).portions
                    if p.marking is not None and not p.inherited]
        read = [p.marking.text for p in parse(source.text).portions if p.marking is not None and not p.inherited]
        printed += len(expected)
        found += sum(b.size for b in difflib.SequenceMatcher(a=expected, b=read, autojunk=False).get_matching_blocks())
    assert found / printed >= 0.99, (found, printed)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(PDFS / "06MADRID3104.scan.pdf"), "--ocr", "--out", str(out),
                                       "--format", "text"])
    assert result.exit_code == 0, result.output
    copy = (out / "06MADRID3104.scan.release.txt").read_text(encoding="utf-8")
    assert "TEXT FROM: OCR of a scanned PDF" in copy and "Press reports indicate" in copy
    assert "It is possible that this case" not in copy
    assert "read by OCR: what the pages show besides printed text" in result.output  # (handwriting, stamps)
    record = json.loads((out / "audit.jsonl").read_text().splitlines()[-2])
    assert record["origin"] == "ocr"


def test_a_releasing_marking_is_kept_only_when_a_second_read_agrees(monkeypatch: pytest.MonkeyPatch) -> None:
    """The misread no grammar can catch is a valid lower marking ("(C)" read as "(U)"): a marking
    that lets a portion be released is read again from its own cut of the page; when the two
    reads differ it becomes "(U?)", which is withheld."""
    _need_tesseract()
    import pypdfium2 as pdfium

    from redact import ocr

    assert ocr.releasing("(U)") and ocr.releasing("(SBU).") and ocr.releasing("{U)") and ocr.releasing("(U//FOUO)")
    assert not ocr.releasing("(C)") and not ocr.releasing("(S//NF)") and not ocr.releasing("(TS)")
    assert ocr.confirmed("(U)", "(U)") == "(U)" and ocr.confirmed("(SBU).", "(SBU)") == "(SBU)."
    assert ocr.confirmed("(U)", "(C)") == "(U?)" and ocr.confirmed("(SBU)", "(S8U)") == "(SBU?)"

    pdf = pdfium.PdfDocument(str(PDFS / "06MADRID3104.scan.pdf"))
    try:
        page = pdf[0]
        agreed = "".join(c for c, _ in ocr.ocr_page_chars(page))
        seen: list[str] = []
        monkeypatch.setattr(ocr, "second_read", lambda image, pixels: seen.append("x") or "(C)")
        disagreed = "".join(c for c, _ in ocr.ocr_page_chars(page))
    finally:
        pdf.close()
    assert "(U)" in agreed and "(U?)" not in agreed  # the real second reads agree on this page
    assert seen and "(U)" not in disagreed and disagreed.count("(U?)") == len(seen)
    document = parse(disagreed, source="x")
    decisions = decide(document, load_policy("public-release"), Context(as_of=AS_OF))
    for portion, decision in zip(document.portions, decisions.portions, strict=True):
        if portion.marking is not None and "?" in portion.marking.text:
            assert decision.withheld


def test_an_unreadable_ocr_marking_is_withheld() -> None:
    """What OCR garbles in a marking, the grammar does not recognise: withheld (fail closed)."""
    text = TEXTS["06MADRID3104"].read_text(encoding="utf-8").replace("¶2. (U)", "¶2. (Ul)")
    document = parse(text, source="x")
    portion = next(p for p in document.portions if p.number == "2")
    decision = decide(document, load_policy("public-release"), Context(as_of=AS_OF)).portions[portion.index]
    assert decision.withheld


@pytest.mark.parametrize("layout", ["printout", "webpage"])
@pytest.mark.parametrize("corpus, step", [("cablegate", 41), ("mirror", 121)])
def test_corpus_samples_printed_to_pdf_read_as_their_text_and_leak_nothing(layout: str, corpus: str,
                                                                          step: int) -> None:
    """A sample spread over each corpus (the whole corpus: benchmarks/pdf_input.py): portions and
    levels as in the text version, and no classified paragraph released under any policy."""
    files = sorted(shared_corpus(corpus).glob("*.txt"))[::step]
    expected_total = agreed = lower = 0
    printer = getattr(pdfprint, layout)
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        extracted = read_pdf(printer(text, path.stem), str(path)).text
        expected, found = signature(text), signature(extracted)
        expected_total += len(expected)
        agreed += agreement(expected, found)
        lower += _lower_levels(text, extracted)
        document = parse(extracted, source=str(path))
        for name in POLICIES:
            context = Context(as_of=AS_OF, audience="GBR")
            leaks = leaked_segments(text, document, load_policy(name), context)
            assert not leaks, (path.name, layout, name, [s.marking for s in leaks])
    assert lower == 0
    # A line longer than the page (a reflowed cable) or a browser's reflow starts lines where the
    # typist did not ("-- i.e.", "23. In"): the parser reads extra portions of the same level, or
    # unmarked (withheld) ones. The whole corpus: benchmarks/pdf_input.py.
    assert agreed / expected_total >= 0.975, (agreed, expected_total)


def _lower_levels(text: str, extracted: str) -> int:
    """Runs of 6 words that the PDF's parse puts under a lower level than the text's parse does
    anywhere (a run printed twice, in a (C) summary and an (S) paragraph, counts at its lowest)."""
    def levels(source: str) -> dict[tuple[str, ...], int]:
        found: dict[tuple[str, ...], int] = {}
        for portion in parse(source, source="x").portions:
            tokens = words(portion.text)
            level = portion.effective.level if portion.effective is not None and portion.effective.recognised else 99
            for i in range(max(1, len(tokens) - 5)):  # every run, wherever the PDF's lines broke it
                gram = tuple(tokens[i:i + 6])
                found[gram] = min(found.get(gram, 99), int(level))
        return found

    before, after = levels(text), levels(extracted)
    return sum(1 for gram, level in before.items() if gram in after and after[gram] < level and level != 99)


def test_released_text_of_a_pdf_is_the_released_text_of_its_text() -> None:
    """The same decisions on the printout as on the typed text: the released words are the same."""
    text = TEXTS["06MADRID3104"].read_text(encoding="utf-8")
    source = read_source(PDFS / "06MADRID3104.printout.pdf")
    policy = load_policy("public-release")
    released = []
    for body in (text, source.text):
        document = parse(body, source="x")
        released.append(words(released_text(document, decide(document, policy, Context(as_of=AS_OF)))))
    assert released[0] == released[1]


def test_a_paragraphs_last_line_alone_on_a_page_stays_with_its_paragraph() -> None:
    """A printout has no widow control: "THE MEETING ENDED." alone at the top of a page, after a page
    that ended a sentence, is the (C) paragraph's last line. Split off it would read as a heading
    and take the (U) of the paragraph under it; a heading there ("NATIONAL SERVICE") is a block."""
    from redact.pdftext import Line, _block_on_top

    last = Line("1. (C) THE MINISTER SAID THE TALKS WOULD RESUME. HE LEFT.", 1, 60)
    widow = [Line("THE MEETING ENDED.", 2, 1), Line("", 2, 2), Line("2. (U) THE WEATHER WAS FINE.", 2, 3)]
    heading = [Line("NATIONAL SERVICE", 2, 1), Line("", 2, 2), Line("2. (U) THE WEATHER WAS FINE.", 2, 3)]
    assert not _block_on_top(last, widow)
    assert _block_on_top(last, heading)


def test_a_printed_hyphen_at_a_line_end_stays_in_the_text() -> None:
    """PDFium marks a hyphen that ends a line (U+FFFE); it is printed, so the text keeps it, with
    its box (a copy in the original layout shows it, rather than painting it over as unread ink)."""
    text = (FIXTURES / "review" / "06MADRID3104.txt").read_text(encoding="utf-8")
    text = text.replace("group of Mallorcan professionals", "group of Mallorcan anti-\nterror professionals", 1)
    read = read_pdf(pdfprint.printout(text, "06MADRID3104"), "x.pdf")
    assert "anti-\nterror" in read.text
    line = next(line for line in read.lines if line.text.endswith("anti-"))
    assert line.boxes[-1] is not None and line.boxes[-1][2] > line.boxes[-1][0]


def _with_picture_and_note(target: Path) -> Path:
    """The seed cable printed with a picture under its text (on its second page), then a reviewer's
    sticky note (a /Text annotation) and a link added to its first page: none in the text layer."""
    import base64
    import io

    import pikepdf
    import weasyprint
    from PIL import Image

    png = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(png, "PNG")
    picture = base64.b64encode(png.getvalue()).decode()
    text = TEXTS["06MADRID3104"].read_text(encoding="utf-8")
    html = (f"<html><body><pre style='font: 9pt monospace'>{text}</pre>"
            f"<img src='data:image/png;base64,{picture}'></body></html>")
    printed = io.BytesIO(weasyprint.HTML(string=html).write_pdf())
    with pikepdf.open(printed) as pdf:
        page = pdf.pages[0]
        note = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text,
                                                    Rect=[50, 50, 70, 70], Contents=pikepdf.String("margin note")))
        link = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
                                                    Rect=[80, 50, 120, 70]))
        page.obj["/Annots"] = pdf.make_indirect(pikepdf.Array([note, link]))
        pdf.save(target)
    return target


def test_what_a_retyped_copy_leaves_out_of_a_pdf_is_said_and_audited(tmp_path: Path) -> None:
    """A copy typed anew from a PDF's text has none of its pictures and annotations: the run says
    so page by page and the audit records it (a link is no content and is not counted). A copy
    that keeps the original pages has them, and says nothing of the kind."""
    source = _with_picture_and_note(tmp_path / "06MADRID3104.pdf")
    pdf = read_pdf(source.read_bytes(), str(source))
    assert pdf.not_text == {1: (0, 1), 2: (1, 0)}
    runner = CliRunner()
    result = runner.invoke(main, ["run", str(source), "--format", "html", "--out", str(tmp_path / "out"),
                                  "--as-of", AS_OF.isoformat()])
    assert result.exit_code == 0, result.output
    assert "page 1: 1 annotation not in the release copy" in result.output
    assert "page 2: 1 picture not in the release copy" in result.output
    records = [json.loads(line) for line in (tmp_path / "out" / "audit.jsonl").read_text().splitlines()]
    document = next(r for r in records if r["type"] == "document")
    assert document["left_out"] == {"1": {"pictures": 0, "annotations": 1}, "2": {"pictures": 1, "annotations": 0}}
    kept = runner.invoke(main, ["run", str(source), "--format", "pdf", "--layout", "original",
                                "--out", str(tmp_path / "kept"), "--as-of", AS_OF.isoformat()])
    assert kept.exit_code == 0, kept.output
    assert "not in the release copy" not in kept.output
    plain = read_pdf((PDFS / "06MADRID3104.printout.pdf").read_bytes(), "printout")
    assert plain.not_text == {}  # a printout of text alone: nothing to say


def test_a_pdf_locked_with_a_password_is_refused_with_what_to_do(tmp_path: Path) -> None:
    """A PDF that needs a password to open is refused (exit 2) saying so and how to decrypt it,
    not in PDFium's words; one with only an owner password (permissions) is read."""
    import pikepdf

    locked, owner_only = tmp_path / "locked.pdf", tmp_path / "owner.pdf"
    with pikepdf.open(PDFS / "06MADRID3104.printout.pdf") as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(user="secret", owner="owner"))
        pdf.save(owner_only, encryption=pikepdf.Encryption(user="", owner="owner",
                                                           allow=pikepdf.Permissions(extract=False)))
    result = CliRunner().invoke(main, ["run", str(locked), "--out", str(tmp_path / "out"), "--format", "html"])
    assert result.exit_code == 2 and "locked with a password: decrypt it first" in result.output
    assert not list((tmp_path / "out").glob("*.release.*"))
    assert read_pdf(owner_only.read_bytes(), str(owner_only)).lines


def _printed(text: str, left: float, bottom: float, width: float = 5.0, height: float = 7.0) -> list:
    """Characters as PDFium gives them: each with its box (left, bottom, right, top)."""
    return [(c, (left + i * width, bottom, left + (i + 1) * width - 0.5, bottom + height)) for i, c in enumerate(text)]


def test_characters_drawn_one_at_a_time_in_no_order_read_left_to_right() -> None:
    """A browser drew its running head a character at a time and PDFium gave each its own line,
    in no order ("11/28/26, 1:08 AM" read "2 8 2 6 1:0 8 1 1 / / A M ,", and was kept as text):
    the characters of one baseline are read left to right, a space only where a gap is."""
    from redact.pdftext import page_lines

    head = _printed("11/28/26, 1:08 AM", 25.0, 770.0)
    shuffled = [head[i] for i in (3, 9, 0, 16, 5, 12, 1, 7, 14, 2, 10, 4, 15, 6, 13, 8, 11)]
    scattered = [item for character in shuffled for item in (character, ("\n", (0.0, 0.0, 0.0, 0.0)))]
    body = _printed("1. (C) The minister said.", 35.0, 700.0)
    kept, dropped = page_lines([*scattered, *body], 1, 792.0)
    assert [line.text for line in dropped] == ["11/28/26, 1:08 AM"]  # a browser's head: furniture
    assert [line.text for line in kept] == ["1. (C) The minister said."]


def test_a_character_on_the_next_line_without_a_break_starts_a_line() -> None:
    """PDFium ran a line holding only a backslash (a spreadsheet export's empty line) into the
    line above it, with no line break: a character back at the left margin and below the line's
    characters starts a new line. A dash and a quote after it, on the same line, do not."""
    from redact.pdftext import page_lines

    first = _printed('- "The budget is public." \\', 35.0, 500.0)
    first[0] = ("-", (35.0, 502.5, 39.5, 503.4))  # a dash: a short box at mid height
    second = _printed("\\", 35.0, 488.0)
    third = _printed("2. (U) Plain text.", 35.0, 476.0)
    kept, _ = page_lines([*first, *second, ("\n", (0.0, 0.0, 0.0, 0.0)), *third], 1, 792.0)
    assert [line.text for line in kept] == ['- "The budget is public." \\', "\\", "2. (U) Plain text."]
