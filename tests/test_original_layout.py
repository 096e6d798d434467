"""Release copies that keep the original pages (--layout original): page images with the withheld
text painted over, an invisible text layer of released text only, verified and reproducible."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner

from redact import Context, decide, load_policy, parse
from redact.cli import main
from redact.read import read_source
from redact.render.original import DPI, Redaction, check_copy, plan, render_original
from redact.verify import pdf_channels, released_text, words

from .conftest import AS_OF, FIXTURES
from .test_bundled_policies import POLICIES

PDFS = FIXTURES / "pdf"


def _copy(tmp_path: Path, layout: str = "printout", policy: str = "public-release",
          name: str = "06MADRID3104") -> tuple[Path, Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / f"{name}.pdf"
    shutil.copy(PDFS / f"{name}.{layout}.pdf", source)
    out = tmp_path / f"out-{policy}"
    result = CliRunner().invoke(main, ["run", str(source), "--layout", "original", "--format", "pdf",
                                       "--policy", policy, "--audience", "GBR", "--out", str(out),
                                       "--as-of", "2026-11-26"])
    assert result.exit_code == 0, result.output
    return source, out / f"{name}.release.pdf"


def _decided(source: Path, policy: str = "public-release"):  # type: ignore[no-untyped-def]
    text = read_source(source)
    document = parse(text.text, source=str(source))
    return text, document, decide(document, load_policy(policy), Context(as_of=AS_OF, audience="GBR"))


@pytest.mark.parametrize("layout", ["printout", "webpage", "partial"])
@pytest.mark.parametrize("policy", POLICIES)
def test_the_copy_keeps_the_pages_and_loses_every_withheld_word(tmp_path: Path, layout: str, policy: str) -> None:
    source, copy = _copy(tmp_path, layout, policy)
    _, document, decisions = _decided(source, policy)
    pages = pdfium.PdfDocument(copy)
    assert len(pages) == len(pdfium.PdfDocument(source))
    channels, findings = pdf_channels(copy.read_bytes())
    layer = " ".join(words(" ".join(channels.values())))
    for portion, decision in zip(document.portions, decisions.portions, strict=True):
        tokens = words(portion.text)
        if decision.withheld and len(tokens) >= 6:
            for i in range(len(tokens) - 5):
                assert " ".join(tokens[i:i + 6]) not in layer, (portion.number, policy)
    released = words(released_text(document, decisions))
    if len(released) > 10:  # searchable: the released words are in the text layer
        assert " ".join(released[:6]) in layer or " ".join(released[-6:]) in layer
    read = read_source(source)
    status = decisions.status
    _, the_plan = render_original(read.pdf.data, read.pdf, document, decisions, title="t",  # type: ignore[union-attr]
                                  status=status, authority=policy, as_of=AS_OF)
    assert check_copy(copy.read_bytes(), the_plan) == []  # its boxes, the stamp, what it painted
    assert not findings


def test_the_page_image_is_at_150_dpi(tmp_path: Path) -> None:
    _, copy = _copy(tmp_path)
    document = pdfium.PdfDocument(copy)
    page = document[0]
    (image,) = [o for o in page.get_objects() if isinstance(o, pdfium.PdfImage)]
    width = image.get_bitmap().to_pil().size[0]
    assert width / float(page.get_width()) * 72 == pytest.approx(DPI, rel=0.01)


def test_an_a4_pdf_keeps_its_pages(tmp_path: Path) -> None:
    """An A4 page is 595.28 points wide: at 150 dpi its image is 1240 pixels, a fraction of a pixel
    short of the width times the scale. The verifier took that for another resolution and removed
    every copy of an A4 PDF (all of them; the fixtures are Letter, a whole number of pixels)."""
    import weasyprint

    text = (PDFS.parent / "review" / "06MADRID3104.txt").read_text(encoding="utf-8")
    html = f"<html><head><style>@page {{ size: A4 }}</style></head><body><pre>{text}</pre></body></html>"
    source = tmp_path / "06MADRID3104.pdf"
    source.write_bytes(weasyprint.HTML(string=html).write_pdf())
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(source), "--layout", "original", "--format", "pdf",
                                       "--out", str(out), "--as-of", "2026-11-26"])
    assert result.exit_code == 0, result.output
    copy = pdfium.PdfDocument(out / "06MADRID3104.release.pdf")  # verified on disk by the run
    assert round(copy[0].get_width(), 2) == 595.28 and len(copy) == len(pdfium.PdfDocument(source))


def _shown_otherwise(source: Path, target: Path, turn: int, crop: bool, shift: bool) -> Path:
    """The printout shown turned (/Rotate), cropped (a CropBox inside the MediaBox) or drawn in a
    MediaBox away from the origin (its content moved with it): the same page to a reader."""
    import pikepdf

    with pikepdf.open(source) as pdf:
        for page in pdf.pages:
            left, bottom, right, top = (float(x) for x in page.MediaBox)
            if shift:
                page.MediaBox = [left - 100, bottom - 50, right - 100, top - 50]
                page.contents_add(pikepdf.Stream(pdf, b"q 1 0 0 1 -100 -50 cm"), prepend=True)
                page.contents_add(pikepdf.Stream(pdf, b"Q"))
                left, bottom, right, top = left - 100, bottom - 50, right - 100, top - 50
            if crop:
                page.CropBox = [left + 20, bottom + 30, right - 10, top - 15]
            if turn:
                page.Rotate = turn
        pdf.save(target)
    return target


@pytest.mark.parametrize("turn, crop, shift", [(90, False, False), (180, False, False), (270, False, False),
                                               (0, True, False), (90, True, False), (0, False, True),
                                               (270, True, True)])
def test_a_page_shown_turned_cropped_or_away_from_the_origin_keeps_its_pages(tmp_path: Path, turn: int, crop: bool,
                                                                             shift: bool) -> None:
    """Characters' boxes are in the page's own space; the copy draws the page as it is shown. A
    turned or cropped page failed with an internal error (a box off the image), a page away from
    the origin had all its text painted over as unread ink. Now each box is moved into the space
    the page is shown in: the same decisions as the plain printout, every withheld word gone."""
    printout = PDFS / "06MADRID3104.printout.pdf"
    source = _shown_otherwise(printout, tmp_path / "06MADRID3104.pdf", turn, crop, shift)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(source), "--layout", "original", "--format", "pdf",
                                       "--out", str(out), "--as-of", "2026-11-26"])
    assert result.exit_code == 0, result.output
    assert "ink that no text line holds" not in result.output
    _, _, plain_decisions = _decided(printout)
    _, document, decisions = _decided(source)
    assert [d.action for d in decisions.portions] == [d.action for d in plain_decisions.portions]
    copy = out / "06MADRID3104.release.pdf"
    shown = pdfium.PdfDocument(source)[0]
    assert (pdfium.PdfDocument(copy)[0].get_width(), pdfium.PdfDocument(copy)[0].get_height()) == \
        pytest.approx((shown.get_width(), shown.get_height()), abs=0.01)
    layer = " ".join(words(" ".join(pdf_channels(copy.read_bytes())[0].values())))
    for portion, decision in zip(document.portions, decisions.portions, strict=True):
        tokens = words(portion.text)
        if decision.withheld and len(tokens) >= 6:
            assert " ".join(tokens[:6]) not in layer and " ".join(tokens[-6:]) not in layer


def test_the_stamp_covers_no_released_line(tmp_path: Path) -> None:
    """The stamp is opaque: drawn in the bottom right corner over a printed line it hid released
    text (and failed the copy over a box). A page turned upside down has its first lines there:
    the stamp goes to the first corner where it covers nothing shown, and the copy verifies."""
    from redact.render.original import pixel_box, shown_boxes

    source = _shown_otherwise(PDFS / "06MADRID3104.printout.pdf", tmp_path / "06MADRID3104.pdf", 180, False, False)
    text, document, decisions = _decided(source)
    assert text.pdf is not None
    data, the_plan = render_original(text.pdf.data, text.pdf, document, decisions, title="t", status="s",
                                     authority="a", as_of=AS_OF)
    assert check_copy(data, the_plan) == []
    height = pdfium.PdfDocument(source)[0].get_height()
    stamp = the_plan.stamp
    assert stamp is not None and stamp[1] < 200  # not at the foot, where the turned page's header is
    others = [box for box in shown_boxes(the_plan, 1, height, DPI / 72) if box != stamp]
    runs = [pixel_box(box, height, DPI / 72) for page, _, boxes in the_plan.runs if page == 1
            for box in boxes if box is not None]
    assert others and runs
    for box in others + runs:
        assert not (box[0] < stamp[2] and stamp[0] < box[2] and box[1] < stamp[3] and stamp[1] < box[3])


def test_the_verifier_finds_pixels_under_a_box_and_text_under_a_box(tmp_path: Path) -> None:
    source, _ = _copy(tmp_path)
    text, document, decisions = _decided(source)
    data, the_plan = render_original(text.pdf.data, text.pdf, document, decisions, title="t",  # type: ignore[union-attr]
                                     status="RELEASE IN PART", authority="public-release", as_of=AS_OF)
    assert check_copy(data, the_plan) == []
    # A box the copy does not have (over released text on page 1): its pixels are the page's,
    # and the invisible text under it is found.
    run_page, _, boxes = next(r for r in the_plan.runs if r[0] == 1 and len(r[1]) > 20)
    real = [b for b in boxes if b is not None]
    fake = Redaction(run_page, (real[0][0] - 1, real[0][1] - 1, real[5][2] + 1, real[0][3] + 1), "B6")
    the_plan.redactions.append(fake)
    problems = check_copy(data, the_plan)
    assert any("does not hold only its box" in p for p in problems)
    assert any("text under a box" in p for p in problems)


def test_the_copy_is_byte_reproducible(tmp_path: Path) -> None:
    _, first = _copy(tmp_path / "a")
    script = ("import sys; from click.testing import CliRunner; from redact.cli import main; "
              "r = CliRunner().invoke(main, ['run', sys.argv[1], '--layout', 'original', '--format', 'pdf', "
              "'--audience', 'GBR', '--out', sys.argv[2], '--as-of', '2026-11-26']); sys.exit(r.exit_code)")
    source = tmp_path / "b" / "06MADRID3104.pdf"
    source.parent.mkdir()
    shutil.copy(PDFS / "06MADRID3104.printout.pdf", source)
    subprocess.run([sys.executable, "-c", script, str(source), str(tmp_path / "b" / "out")], check=True)
    assert (tmp_path / "b" / "out" / "06MADRID3104.release.pdf").read_bytes() == first.read_bytes()


def test_metadata_says_nothing_withheld_and_the_audit_names_the_layout(tmp_path: Path) -> None:
    _, copy = _copy(tmp_path)
    metadata = pdfium.PdfDocument(copy).get_metadata_dict()
    assert metadata["Title"] == "06MADRID3104 release copy" and metadata["Creator"] == "redact"
    assert "SPAIN/CIA" not in json.dumps(metadata)  # the subject line is withheld
    log = (copy.parent / "audit.jsonl").read_text()
    record = next(json.loads(line) for line in log.splitlines() if json.loads(line)["type"] == "document")
    assert record["origin"] == "pdf" and record["verified"] is True


def test_a_text_input_cannot_keep_original_pages(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["run", str(FIXTURES / "review" / "06MADRID3104.txt"), "--layout", "original",
                                       "--format", "pdf", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "not a PDF" in result.output


def test_a_withheld_paragraph_that_repeats_a_printed_banner_does_not_fail_the_copy(tmp_path: Path) -> None:
    """The original pages show the banner line as printed (a retyped copy prints it recomputed), so
    its words are released text there: mirror/00HARARE5461 prints section 2's banner and SIPDIS
    line again inside withheld paragraph 5, and its copy failed verification ("withheld paragraph
    5 found in the PDF text layer"): the reviewer got no copy. Withheld text is still gone."""
    from . import pdfprint
    from .conftest import shared_corpus

    cable = shared_corpus("mirror") / "00HARARE5461.txt"
    source = tmp_path / "00HARARE5461.pdf"
    source.write_bytes(pdfprint.webpage(cable.read_text(encoding="utf-8"), cable.stem))
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(source), "--layout", "original", "--format", "pdf",
                                       "--out", str(out), "--as-of", "2026-11-26"])
    assert result.exit_code == 0, result.output
    channels, _ = pdf_channels((out / "00HARARE5461.release.pdf").read_bytes())
    layer = " ".join(words(channels["PDF text layer"]))
    assert "c o n f i d e n t i a l section 01 of 02" in layer  # the banner, as printed
    _, document, decisions = _decided(source)
    (paragraph,) = [p for p, d in zip(document.portions, decisions.portions, strict=True)
                    if p.number == "5" and d.withheld]
    tokens = words(paragraph.text)
    assert " ".join(tokens[:8]) not in layer and " ".join(tokens[-8:]) not in layer


def test_furniture_that_could_hold_content_is_painted_over_in_the_page_image(tmp_path: Path) -> None:
    """A line in the top band that a furniture pattern takes out of the text ("Page 2 of ...") is
    never released as text; in the page image it is painted over too. A bare classification or
    page number stays visible."""
    import weasyprint

    text = (PDFS.parent / "review" / "06MADRID3104.txt").read_text(encoding="utf-8")
    style = ('@page { size: letter; margin: 0.9in 0.8in; @top-left { content: "Page 2 of the plan names CANARYHEAD" } '
             '@bottom-center { content: "CONFIDENTIAL" } } pre { font: 10pt monospace }')
    html = f"<html><head><style>{style}</style></head><body><pre>{text}</pre></body></html>"
    source = tmp_path / "odd.pdf"
    source.write_bytes(weasyprint.HTML(string=html).write_pdf())
    read = read_source(source)
    assert "CANARYHEAD" not in read.text
    document = parse(read.text, source=str(source))
    decisions = decide(document, load_policy("public-release"), Context(as_of=AS_OF))
    the_plan = plan(read.pdf, document, decisions)  # type: ignore[arg-type]
    head = next(line for line in read.pdf.dropped if "CANARYHEAD" in line.text)  # type: ignore[union-attr]
    foot = next(line for line in read.pdf.dropped if line.text == "CONFIDENTIAL")  # type: ignore[union-attr]

    def covered(line) -> bool:  # type: ignore[no-untyped-def]
        boxes = [b for b in line.boxes if b is not None]
        return any(r.page == line.page and r.box[0] <= boxes[0][0] and r.box[2] >= boxes[-1][2]
                   and r.box[1] <= boxes[0][1] and r.box[3] >= boxes[0][3] for r in the_plan.redactions)

    assert covered(head) and not covered(foot)
    _, copy = _copy(tmp_path / "run", name="06MADRID3104")  # the ordinary fixture still verifies
    assert copy.exists()


def _pdf_with_a_picture_of_text(tmp_path: Path) -> Path:
    """The seed cable as printed, with a picture of a sentence above it: ink no text layer holds."""
    import base64
    import io

    import weasyprint
    from PIL import Image, ImageDraw, ImageFont

    picture = Image.new("L", (1400, 60), 255)
    font = ImageFont.truetype("DejaVuSans.ttf", 28) if _has_dejavu() else ImageFont.load_default()
    ImageDraw.Draw(picture).text((5, 10), "CANARYINK the source in the ministry is Ivanov", fill=0, font=font)
    encoded = io.BytesIO()
    picture.save(encoded, "PNG")
    data = base64.b64encode(encoded.getvalue()).decode()
    text = (PDFS.parent / "review" / "06MADRID3104.txt").read_text(encoding="utf-8")
    html = (f"<html><head><style>@page {{ size: letter; margin: 0.9in 0.8in }} pre {{ font: 10pt monospace }}"
            f"</style></head><body><img src='data:image/png;base64,{data}' style='width: 5in'><pre>{text}</pre>"
            "</body></html>")
    source = tmp_path / "pictured.pdf"
    source.write_bytes(weasyprint.HTML(string=html).write_pdf())
    return source


def _has_dejavu() -> bool:
    from redact.render.original import _font_path

    return _font_path() is not None


def _page_one(data: bytes):  # type: ignore[no-untyped-def]
    page = pdfium.PdfDocument(data)[0]
    (image,) = [o for o in page.get_objects() if isinstance(o, pdfium.PdfImage)]
    return image.get_bitmap().to_pil().convert("L")


def test_ink_that_no_text_line_holds_is_painted_over_and_reported(tmp_path: Path) -> None:
    """A picture of a sentence on the page was never read, so never decided: the copy paints it
    over, says so, and the audit record counts it."""
    source = _pdf_with_a_picture_of_text(tmp_path)
    read = read_source(source)
    assert "CANARYINK" not in read.text  # the text layer does not hold it
    original = pdfium.PdfDocument(read.pdf.data)[0]  # type: ignore[union-attr]
    scale = DPI / 72
    page = original.render(scale=scale, grayscale=True).to_pil().convert("L")
    first_line_top = (float(original.get_height()) - max(b[3] for b in read.pdf.lines[0].boxes if b)) * scale  # type: ignore[union-attr]
    picture = page.crop((0, 0, page.size[0], int(first_line_top) - 4))
    assert picture.getextrema()[0] < 64  # the picture is there, dark, above the first text line
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(source), "--layout", "original", "--format", "pdf", "--out",
                                       str(out), "--as-of", "2026-11-26"])
    assert result.exit_code == 0, result.output
    assert "painted over" in result.output
    copy = _page_one((out / "pictured.release.pdf").read_bytes())
    inked = [(x, y) for y in range(picture.size[1]) for x in range(picture.size[0])
             if picture.getpixel((x, y)) < 160]  # type: ignore[operator]
    assert inked and all(copy.getpixel(point) == 0 for point in inked)  # every stroke under black
    record = next(json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()
                  if json.loads(line)["type"] == "document")
    assert record["unread_ink"]["1"] >= 1


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="needs tesseract-ocr")
def test_the_painted_picture_cannot_be_read_back(tmp_path: Path) -> None:
    import pytesseract

    source = _pdf_with_a_picture_of_text(tmp_path)
    out = tmp_path / "out"
    CliRunner().invoke(main, ["run", str(source), "--layout", "original", "--format", "pdf", "--out", str(out),
                              "--as-of", "2026-11-26"])
    copy = _page_one((out / "pictured.release.pdf").read_bytes())
    page = pdfium.PdfDocument(source)[0].render(scale=DPI / 72, grayscale=True).to_pil()
    assert "CANARYINK" in pytesseract.image_to_string(page)  # the check can see it where it is
    read_back = pytesseract.image_to_string(copy)
    assert "CANARYINK" not in read_back and "Ivanov" not in read_back
    assert "Mallorcan" in read_back  # released text still shows


def test_the_verifier_finds_ink_the_renderer_left(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Second line: a copy drawn without painting unread ink fails verification, from its bytes."""
    from redact.render import ink as module

    source = _pdf_with_a_picture_of_text(tmp_path)
    text = read_source(source)
    document = parse(text.text, source=str(source))
    decisions = decide(document, load_policy("public-release"), Context(as_of=AS_OF))
    monkeypatch.setattr(module, "unread_ink", lambda image, shown: [])
    data, the_plan = render_original(text.pdf.data, text.pdf, document, decisions, title="t",  # type: ignore[union-attr]
                                     status="RELEASE IN PART", authority="public-release", as_of=AS_OF)
    monkeypatch.undo()
    problems = check_copy(data, the_plan)
    assert any("ink outside the released text" in p for p in problems), problems
    data, the_plan = render_original(text.pdf.data, text.pdf, document, decisions, title="t",  # type: ignore[union-attr]
                                     status="RELEASE IN PART", authority="public-release", as_of=AS_OF)
    assert check_copy(data, the_plan) == []
