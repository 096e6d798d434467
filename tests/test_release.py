"""Release copies: real PDF and HTML outputs of the seeds leak nothing, show what is released,
are byte-reproducible, reveal nothing about withheld lengths, and fetch nothing."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest
from pypdf import PdfReader

from redact import parse
from redact.audit import AuditLog
from redact.pipeline import Options, process_document, render_outputs
from redact.render import html as html_module
from redact.render import pdf as pdf_module
from redact.verify import verify_bytes, verify_release, withheld_items, words

from .conftest import AS_OF, SEEDS, decided

SENTENCE = re.compile(r"[^.!?]{30,}[.!?]")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.findall(" ".join(text.split()))]


def normalised(text: str) -> str:
    return " ".join(words(text))


@pytest.fixture(scope="module")
def released(tmp_path_factory, public_release):
    out = tmp_path_factory.mktemp("out")
    options = Options(out_dir=out, formats=("html", "pdf", "text"), as_of=AS_OF, reviewer="Test Reviewer",
                      case="F-2026-00001")
    log = AuditLog(out / "audit.jsonl")
    results = {}
    with log.session():
        for name in ("08ASTANA2450", "09ASTANA1444"):
            results[name] = process_document(SEEDS / f"{name}.txt", public_release, options, log)
    return out, results


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.mark.parametrize("name", ["08ASTANA2450", "09ASTANA1444"])
@pytest.mark.parametrize("fmt", ["pdf", "html", "text"])
def test_no_withheld_sentence_in_the_copy(released, seeds, public_release, name: str, fmt: str) -> None:
    _out, results = released
    path = results[name].outputs[fmt]
    raw = pdf_text(path) if fmt == "pdf" else path.read_text(encoding="utf-8")
    shown = normalised(raw)
    document = seeds[name]
    decisions = decided(document, public_release)
    withheld = [p for p, d in zip(document.portions, decisions.portions, strict=True) if d.withheld]
    assert withheld
    for portion in withheld:
        for sentence in sentences(portion.text):
            assert normalised(sentence) not in shown, (name, portion.number)
    # What is released is there, and so are the labels.
    assert normalised("Classified By: Ambassador Richard") in shown
    assert normalised("(b)(1) 1.4(b),(d)") in shown
    assert normalised("RELEASE IN PART") in shown
    assert normalised("Test Reviewer") in shown


def test_released_text_and_labels_in_the_pdf(released) -> None:
    _out, results = released
    text = normalised(pdf_text(results["08ASTANA2450"].outputs["pdf"]))
    assert normalised("TAGS: PREL PGOV PHUM KCRM KDEM KIRF KNNP KZ") in text
    assert normalised("REF: ASTANA 2445") in text
    assert normalised("Paragraph 8 withheld (b)(5)") in text
    assert normalised("Page 1 of 2") in text
    assert normalised("UNCLASSIFIED U.S. Department of State Case No. F-2026-00001") in text


def test_pdf_metadata_is_set_on_purpose(released) -> None:
    _out, results = released
    reader = PdfReader(results["08ASTANA2450"].outputs["pdf"])
    assert dict(reader.metadata or {}) == {
        "/Title": "08ASTANA2450 release copy", "/Producer": "redact 0.1.0", "/Creator": "redact 0.1.0",
        "/CreationDate": "D:20261123000000Z", "/ModDate": "D:20261123000000Z"}
    assert reader.xmp_metadata is None
    assert reader.outline == []
    assert reader.attachments == {}


def test_renders_are_byte_identical(seeds, public_release) -> None:
    document = seeds["09ASTANA1444"]
    decisions = decided(document, public_release)
    options = Options(out_dir=Path("unused"), formats=("html", "pdf", "text"), as_of=AS_OF)
    _, first = render_outputs(document, decisions, public_release, options)
    _, second = render_outputs(document, decisions, public_release, options)
    assert first == second


def _variant(secret: str) -> str:
    return ("SUBJECT: (U) Test\n\n1. (U) The meeting opened on time.\n\n"
            f"2. (S) {secret}\n\n3. (U) The meeting closed on time.\n")


def test_non_interference_withheld_length_changes_nothing(public_release) -> None:
    short = parse(_variant("Hi"), doc_id="X")
    long_text = " ".join(["The minister described a covert programme in detail."] * 100)
    many_lines = "\n".join(["a line of secret detail about sources and methods"] * 40)
    outputs = []
    for document in (short, parse(_variant(long_text), doc_id="X"), parse(_variant(many_lines), doc_id="X")):
        decisions = decided(document, public_release)
        assert [d.action for d in decisions.portions] == ["release", "withhold", "release"]
        options = Options(out_dir=Path("unused"), formats=("html", "pdf"), as_of=AS_OF)
        outputs.append(render_outputs(document, decisions, public_release, options)[1])
    assert outputs[0] == outputs[1] == outputs[2]
    assert len(PdfReader(__import__("io").BytesIO(outputs[0]["pdf"])).pages) == 1


def test_a_withheld_header_line_is_named_in_the_text_copy(public_release) -> None:
    """A withheld banner or routing line has no field name of its own: the text copy's box still
    says what it replaced, as the HTML copy's does."""
    document = parse("S E C R E T STATE 001288 THE MINISTER WILL DEFECT\n\nSUBJECT: (U) Test\n\n"
                     "1. (U) The meeting opened on time.\n", doc_id="X")
    decisions = decided(document, public_release)
    options = Options(out_dir=Path("unused"), formats=("text", "html"), as_of=AS_OF)
    rendered = render_outputs(document, decisions, public_release, options)[1]
    text = rendered["text"].decode()
    assert "Header line withheld -- (b)(1)" in text
    assert "  withheld" not in text
    assert "Header line" in rendered["html"].decode()


def test_withheld_boxes_have_a_fixed_size_in_css() -> None:
    css = html_module.stylesheet()
    rule = re.search(r"^\.withheld \{([^}]*)\}", css, re.M)
    assert rule and re.search(r"\bheight: [\d.]+em", rule.group(1)) and "overflow: hidden" in rule.group(1)
    span = re.search(r"^\.redacted-span \{([^}]*)\}", css, re.M)
    assert span and re.search(r"\bwidth: [\d.]+em", span.group(1))


def test_template_context_never_holds_withheld_text(seeds, public_release, monkeypatch) -> None:
    seen: list[str] = []
    original = html_module.render_context

    def spy(view, *args):
        context = original(view, *args)
        seen.append(repr(context["view"]) + repr(context["page_header"]))
        return context

    monkeypatch.setattr(html_module, "render_context", spy)
    for document in seeds.values():
        decisions = decided(document, public_release)
        options = Options(out_dir=Path("unused"), formats=("html",), as_of=AS_OF)
        render_outputs(document, decisions, public_release, options)
        shown = normalised(seen[-1])
        for item in withheld_items(document, decisions):
            for sentence in sentences(item.text):
                assert normalised(sentence) not in shown
    assert len(seen) == 2


def test_verification_catches_withheld_text_planted_in_every_channel(seeds, public_release) -> None:
    document = seeds["08ASTANA2450"]
    decisions = decided(document, public_release)
    options = Options(out_dir=Path("unused"), formats=("html", "pdf"), as_of=AS_OF)
    view, clean = render_outputs(document, decisions, public_release, options)
    assert verify_release(clean["html"], "html", document, decisions).ok
    assert verify_release(clean["pdf"], "pdf", document, decisions).ok
    secret = next(p for p in document.portions if p.number == "15").text  # a (C) paragraph
    phrase = " ".join(secret.split()[3:12])
    html = clean["html"].decode()
    planted = {
        "HTML text": html.replace("</main>", f"<p>{phrase}</p></main>"),
        "HTML attributes": html.replace('<main class="cable">', f'<main class="cable" data-x="{phrase}">'),
        "HTML comments": html.replace("</main>", f"<!-- {phrase} --></main>"),
        "HTML title": html.replace("</title>", f" {phrase}</title>"),
    }
    for channel, planted_html in planted.items():
        report = verify_release(planted_html.encode(), "html", document, decisions)
        assert [(leak.item, leak.channel) for leak in report.leaks] == [("paragraph 15", channel)]
        assert phrase not in report.summary()
    from redact.render.pdf import render_pdf
    text_layer = render_pdf(planted["HTML text"], title=view.title, as_of=AS_OF)
    assert "PDF text layer" in {leak.channel for leak in verify_release(text_layer, "pdf", document,
                                                                         decisions).leaks}
    in_metadata = render_pdf(html, title=phrase, as_of=AS_OF)
    channels = {leak.channel for leak in verify_release(in_metadata, "pdf", document, decisions).leaks}
    assert channels == {"PDF document info"}


def _planted_pdf(clean: bytes, channel: str, phrase: str) -> bytes:
    """The clean PDF with ``phrase`` written into one channel other than the text layer (by pypdf:
    a writer that is not the reader verification uses)."""
    import codecs
    import io

    from pypdf import PdfWriter
    from pypdf.annotations import Text
    from pypdf.generic import ArrayObject, ByteStringObject, DecodedStreamObject, NameObject, NumberObject

    writer = PdfWriter(clone_from=io.BytesIO(clean))
    if channel == "PDF document info":
        writer.add_metadata({"/Reviewer": phrase})  # a key of its own, not only the usual ones
    elif channel == "PDF document info, in an array":
        utf16 = ByteStringObject(codecs.BOM_UTF16_BE + phrase.encode("utf-16-be"))  # written as <FEFF...>
        writer.add_metadata({"/Title": "Release copy"})
        writer._info.get_object()[NameObject("/Notes")] = ArrayObject([NumberObject(1), utf16])
    elif channel == "PDF XMP metadata":
        stream = DecodedStreamObject()
        stream.set_data(f'<x:xmpmeta xmlns:x="adobe:ns:meta/"><note>{phrase}</note></x:xmpmeta>'.encode())
        stream[NameObject("/Type")] = NameObject("/Metadata")
        stream[NameObject("/Subtype")] = NameObject("/XML")
        writer.root_object[NameObject("/Metadata")] = writer._add_object(stream)
    elif channel == "PDF outline":
        parent = writer.add_outline_item(title="Release copy", page_number=0)
        writer.add_outline_item(title=phrase, page_number=0, parent=parent)  # a nested item, not only the first level
    elif channel == "PDF annotations":
        writer.add_annotation(page_number=0, annotation=Text(rect=(50, 550, 200, 650), text=phrase))
    elif channel == "PDF embedded files":
        writer.add_attachment("notes.txt", phrase.encode())
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.mark.parametrize("channel", ["PDF document info", "PDF document info, in an array", "PDF XMP metadata",
                                     "PDF outline", "PDF annotations", "PDF embedded files"])
def test_verification_reads_every_channel_of_a_pdf(channel: str, seeds, public_release) -> None:
    document = seeds["08ASTANA2450"]
    decisions = decided(document, public_release)
    options = Options(out_dir=Path("unused"), formats=("pdf",), as_of=AS_OF)
    _, clean = render_outputs(document, decisions, public_release, options)
    phrase = " ".join(next(p for p in document.portions if p.number == "15").text.split()[3:12])
    report = verify_release(_planted_pdf(clean["pdf"], channel, phrase), "pdf", document, decisions)
    assert [(leak.item, leak.channel) for leak in report.leaks] == [("paragraph 15", channel.split(",")[0])]
    assert phrase not in report.summary()
    if channel in ("PDF annotations", "PDF embedded files"):
        assert [finding.channel for finding in report.findings] == [channel]  # a release copy has none


@pytest.mark.parametrize("said", ["Министр обороны встретится с источником в посольстве во вторник",
                                  "Ο υπουργός θα συναντήσει την πηγή στην πρεσβεία την Τρίτη",
                                  "Le ministre rencontrera la source à l'ambassade mardi prochain"])
def test_withheld_text_in_any_script_is_found_in_a_copy(said: str, public_release) -> None:
    """Words are letters of every script, not only a-z: a withheld paragraph in Cyrillic or Greek
    had no words at all for the verifier, and an accented one only broken pieces."""
    text = ("CONFIDENTIAL\n\nE.O. 12958: DECL: 01/01/2030\nTAGS: PREL\nSUBJECT: A MEETING\n\n"
            f"1. (U) The embassy reports a meeting.\n\n2. (C) {said}.\n")
    document = parse(text, doc_id="X")
    decisions = decided(document, public_release)
    options = Options(out_dir=Path("unused"), formats=("html",), as_of=AS_OF)
    _, clean = render_outputs(document, decisions, public_release, options)
    assert verify_release(clean["html"], "html", document, decisions).ok
    leaked = clean["html"].decode().replace("</main>", f"<p>{said}</p></main>")
    report = verify_release(leaked.encode(), "html", document, decisions)
    assert ("paragraph 2", "HTML text") in [(leak.item, leak.channel) for leak in report.leaks]


@pytest.mark.parametrize("text", ["plain ASCII, with 3 numbers: 10, 20 and 30!", "ex-\n  ample", "naïve café",
                                  "ﬁle ǅ Straße İstanbul \u212a x\u0307", "\ud800 lone", "ΣΊΣΥΦΟΣ", "０１ ²"])
def test_words_of_ascii_text_are_its_a_z_runs_and_other_text_is_folded(text: str) -> None:
    import unicodedata

    found = words(text)
    if text.isascii():
        assert found == re.findall("[0-9a-z]+", re.sub(r"-(?<=\w-)\s*\n\s*(?=\w)", "", text).lower())
    else:
        assert found == words(unicodedata.normalize("NFKC", text).casefold())
        assert all(word == unicodedata.normalize("NFKC", word).casefold() for word in found)


def test_what_an_html_parser_drops_is_still_checked_in_the_source(seeds, public_release) -> None:
    """A doctype, an attribute left unclosed: no parsed channel holds them, the bytes do."""
    document = seeds["08ASTANA2450"]
    decisions = decided(document, public_release)
    options = Options(out_dir=Path("unused"), formats=("html",), as_of=AS_OF)
    _, clean = render_outputs(document, decisions, public_release, options)
    phrase = " ".join(next(p for p in document.portions if p.number == "15").text.split()[3:12])
    html = clean["html"].decode()
    for planted in (html.replace("<!DOCTYPE html>", f"<!DOCTYPE html {phrase.replace('>', '')}>"),
                    html + f"<p title='{phrase}>"):  # never closed: the parser drops it
        report = verify_release(planted.encode(), "html", document, decisions)
        assert [(leak.item, leak.channel) for leak in report.leaks] == [("paragraph 15", "HTML source")]


def test_short_withheld_text_is_checked_whole() -> None:
    from redact.verify import Withheld
    items = [Withheld("span", "Jane Roe")]
    assert verify_bytes(b"nothing here", "text", items, "").ok
    assert not verify_bytes(b"Contact JANE  ROE today", "text", items, "").ok
    # the same words in released text are not a leak
    assert verify_bytes(b"Contact JANE ROE today", "text", items, "Jane Roe spoke").ok


def test_rendering_fetches_nothing_but_its_own_fonts(public_release, monkeypatch, caplog) -> None:
    requested: list[str] = []
    fetcher_class = type(pdf_module.asset_fetcher())
    original = fetcher_class.fetch

    def spy(self, url: str, headers=None):
        requested.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(fetcher_class, "fetch", spy)
    pdf_module._fonts.cache_clear()
    hostile = ('<img src="file:///etc/passwd"> <style>body{background:url(http://example.invalid/x)}</style> '
               '<script>alert(1)</script> <link rel=attachment href="file:///etc/hostname">')
    document = parse(f"SUBJECT: (U) X\n\n1. (U) {hostile}\n", doc_id="H")
    decisions = decided(document, public_release)
    options = Options(out_dir=Path("unused"), formats=("html", "pdf"), as_of=AS_OF)
    with caplog.at_level("WARNING", logger="weasyprint"):
        _, rendered = render_outputs(document, decisions, public_release, options)
    html = rendered["html"].decode()
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html and "<script>" not in html
    assert verify_release(rendered["pdf"], "pdf", document, decisions).ok
    assert sorted(requested) == ["redact-asset:DejaVuSansMono-Bold.ttf", "redact-asset:DejaVuSansMono.ttf"]
    assert not [r for r in caplog.records if "cannot be loaded" in r.getMessage()]
    with pytest.raises(ValueError):
        pdf_module.read_asset("file:///etc/passwd")
    with pytest.raises(ValueError):
        pdf_module.read_asset("redact-asset:../../../etc/passwd")
    pdf_module._fonts.cache_clear()


def test_a_leaking_copy_is_removed_and_the_run_fails(tmp_path: Path, public_release, monkeypatch) -> None:
    from redact import pipeline
    from redact.errors import LeakError

    original = pipeline.render_outputs

    def leaky(document, decisions, policy, options, *more):
        view, rendered = original(document, decisions, policy, options, *more)
        secret = next(p for p in document.portions if p.number == "15").text
        return view, {fmt: data + b"<!-- " + secret.encode() + b" -->" if fmt == "html" else data
                      for fmt, data in rendered.items()}

    monkeypatch.setattr(pipeline, "render_outputs", leaky)
    options = Options(out_dir=tmp_path, formats=("pdf", "html"), as_of=AS_OF)
    log = AuditLog(tmp_path / "audit.jsonl")
    with log.session(), pytest.raises(LeakError) as caught:
        process_document(SEEDS / "08ASTANA2450.txt", public_release, options, log)
    assert "paragraph 15" in str(caught.value) and "Later in the day" not in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_symlinked_output_is_refused(tmp_path: Path, public_release) -> None:
    from redact.errors import RenderError
    elsewhere = tmp_path / "elsewhere.html"
    elsewhere.write_text("keep me")
    out = tmp_path / "out"
    out.mkdir()
    (out / "08ASTANA2450.release.html").symlink_to(elsewhere)
    options = replace(Options(out_dir=out, formats=("html",), as_of=AS_OF))
    log = AuditLog(out / "audit.jsonl")
    with log.session(), pytest.raises(RenderError, match="symbolic link"):
        process_document(SEEDS / "08ASTANA2450.txt", public_release, options, log)
    assert elsewhere.read_text() == "keep me"


def test_the_verifier_finds_a_sentence_released_as_addressing() -> None:
    """A second line of defence behind the parser's field shapes: a caption (addressing, which
    policies release) that holds a sentence means prose rode out in it, whatever the parser
    decided. Forged here as if the parser had missed it; the real parse passes."""
    from redact import Context, decide, load_policy
    from redact.marking_check import released_markings

    document = parse("C O N F I D E N T I A L\n\nSIPDIS\nSTATE FOR NEA/ELA\n\nTAGS: PREL\nSUBJECT: (U) X\n\n"
                     "1. (U) Text.\n")
    forged = replace(document, header=replace(document.header, fields=tuple(
        replace(f, text=f.text + "\nCANARY THE MINISTER SAID HE WILL DEFECT") if "NEA/ELA" in f.text else f
        for f in document.header.fields)))
    policy = load_policy("public-release")
    context = Context(as_of=AS_OF)
    assert released_markings(document, decide(document, policy, context), policy.ceiling) == []
    findings = released_markings(forged, decide(forged, policy, context), policy.ceiling)
    assert [f.channel for f in findings] == ["released text"] and "sentence" in findings[0].message


@pytest.mark.parametrize("sentence", ["\nCANARY THE MINISTER SAID THE PLAN WOULD GO AHEAD.",
                                      ". The minister said the plan would go ahead in March"])
def test_the_verifier_finds_a_sentence_released_in_the_subject(sentence: str) -> None:
    """The same behind the subject's shape: a released subject that holds a sentence in
    capitals on a line of its own, or a sentence after its title's full stop, fails the copy."""
    from redact import Context, decide, load_policy
    from redact.marking_check import released_markings

    document = parse("C O N F I D E N T I A L\n\nTAGS: PREL\nSUBJECT: (U) MEETING WITH THE MINISTER\n\n"
                     "1. (U) Text.\n")
    forged = replace(document, header=replace(document.header, fields=tuple(
        replace(f, text=f.text + sentence) if f.name == "subject" else f for f in document.header.fields)))
    policy = load_policy("public-release")
    context = Context(as_of=AS_OF)
    assert released_markings(document, decide(document, policy, context), policy.ceiling) == []
    findings = released_markings(forged, decide(forged, policy, context), policy.ceiling)
    assert [f.channel for f in findings] == ["released text"] and "subject" in findings[0].message


@pytest.mark.parametrize("printed", [" 2. S) The minister will defect.", "\n\n2. C//NF) The source is a minister.",
                                     "\n(5//SI) The intercepts show it.", " 2. (T$//SI) The partner helps."])
def test_the_verifier_finds_a_marking_that_lost_its_parenthesis(printed: str) -> None:
    """Behind the parser's reading of "2. S)" (a marking whose "(" was lost) and "(5//SI)" (a level
    OCR read as a digit): released text that prints one above the ceiling (or unreadable) where a
    portion starts fails the copy, mid-line or at a line start. Forged as if the parser had left
    it inside the (U) paragraph; the real parse passes."""
    from redact import Context, decide, load_policy
    from redact.marking_check import released_markings

    document = parse("UNCLASSIFIED\n\nSUBJECT: (U) X\n\n1. (U) Plain text. 2. U) Plain again. 3. (b) and (c) items.\n")
    assert len(document.portions) == 2  # "2. U)" is read as a paragraph of its own
    forged = replace(document, portions=tuple(replace(p, text=p.text + printed) if p.index == 0 else p
                                              for p in document.portions))
    policy = load_policy("public-release")
    context = Context(as_of=AS_OF)
    assert released_markings(document, decide(document, policy, context), policy.ceiling) == []
    findings = released_markings(forged, decide(forged, policy, context), policy.ceiling)
    assert {f.channel for f in findings} == {"released text"}
    assert any("portion marking above" in f.message for f in findings)


@pytest.mark.parametrize("before", ["\n", " "])
@pytest.mark.parametrize(("item", "found"), [("(C) EMBASSY PARIS DAILY REPORT FOR FEBRUARY 6", True),
                                             ("¶D. (S) THE MINISTER SAID THE PLAN IS READY", True),
                                             ("(C) CANARY0653X55", True),  # digits, but no number cited
                                             ("(C) 09 STATE 030541", False), ("(C) BUENOS AIRES 1115", False),
                                             # the number after "C)" is the next item's
                                             ("(C) CANARY0653X55 C) BRASILIA 786", True),
                                             ("(C) BRASILIA 786 D) STATE 12", False)])
def test_the_verifier_finds_a_one_letter_marking_before_words_in_a_released_reference(item: str, found: bool,
                                                                                       before: str) -> None:
    """Behind the parser's REF rule: under a released REF, "(C)" opening a line, or an item of a
    line that holds several (a reflowed copy), is a reference letter only before a cited number,
    even after "(B) ..." (cablegate/06PARIS1031 letters its references twice; a lettered list let
    it past the marking check). Forged as if the parser had kept it."""
    assert _found_in_a_forged_field("REF: A. (A) STATE 1\nB. (B) EMBASSY PARIS DAILY REPORT FOR FEBRUARY 10", "ref",
                                    f"{before}{item}") is found


def _found_in_a_forged_field(lines: str, name: str, added: str) -> bool:
    """Does the verifier's marking check fail a cable whose header ``lines`` are parsed and whose
    field ``name`` is then forged to end with ``added`` (as if the parser had kept it)? The real
    parse must pass."""
    from redact import Context, decide, load_policy
    from redact.marking_check import released_markings

    document = parse(f"C O N F I D E N T I A L\n\nTAGS: PREL\nSUBJECT: (U) X\n{lines}\n\n1. (U) Text.\n")
    forged = replace(document, header=replace(document.header, fields=tuple(
        replace(f, text=f.text.rstrip() + added) if f.name == name else f for f in document.header.fields)))
    policy = load_policy("public-release")
    context = Context(as_of=AS_OF)
    assert released_markings(document, decide(document, policy, context), policy.ceiling) == []
    return bool(released_markings(forged, decide(forged, policy, context), policy.ceiling))


@pytest.mark.parametrize(("references", "withheld"), [
    # reflowed: the references on one line, the second lettering's "(C)" before words alone
    ("REF: A. (A) EMBASSY PARIS DAILY REPORT FOR FEBRUARY 17 B. (B) EMBASSY PARIS DAILY REPORT FOR "
     "FEBRUARY 10 (C) EMBASSY PARIS DAILY REPORT FOR FEBRUARY 6", "EMBASSY PARIS DAILY REPORT FOR FEBRUARY 6"),
    # the same line with cited messages: references, released
    ("REF: A. (A) STATE 1234 B. (B) STATE 5678 (C) 09 STATE 030541", None),
])
def test_a_reflowed_reference_line_keeps_a_one_letter_marking_before_words_out(references: str,
                                                                               withheld: str | None) -> None:
    """The REF field's shape (redact.fields) takes "(C)" after "(B)" as the next reference letter only
    when a message's number is cited among its first words, as the line rule does (a whole cable
    printed on one line put 06PARIS1031's "(C) EMBASSY PARIS DAILY REPORT ..." into the field)."""
    from redact import Context, decide, load_policy
    from redact.verify import released_text

    document = parse(f"C O N F I D E N T I A L\n\nTAGS: PREL\nSUBJECT: (U) X\n{references}\n\n1. (U) Text.\n")
    released = released_text(document, decide(document, load_policy("public-release"), Context(as_of=AS_OF)))
    ref = next(f.text for f in document.header.fields if f.name == "ref")
    if withheld is None:
        assert "030541" in ref and "030541" in released
    else:
        assert withheld not in ref and withheld not in released


@pytest.mark.parametrize(("printed", "found"), [
    (" -- (TOP\nSECRET//NOFORN) Our source met the minister.", True),
    (" the partner (S//REL TO USA,\nAUS) reports it.", True),
    (" the regulator (SECRET) reports it.", True),
    (" the report (C/NF) says so.", True),
    # list labels, reasons and a (U) note are not markings above the ceiling
    (" items (a), (b) and (c) and reasons 1.4 (b) and (d), (U) noted.", False),
])
def test_the_verifier_finds_a_spelled_out_marking_anywhere_in_released_text(printed: str, found: bool) -> None:
    """Behind the parser's inline markings: released text that prints a marking no list label looks
    like (a level of more than one letter, or one with a control) above the ceiling, anywhere, even
    wrapped by a line break inside it, fails the copy. Forged as if the parser had missed it."""
    from redact import Context, decide, load_policy
    from redact.marking_check import released_markings

    document = parse("UNCLASSIFIED\n\nSUBJECT: (U) X\n\n1. (U) Plain text on the tariff.\n")
    forged = replace(document, portions=tuple(replace(p, text=p.text + printed) for p in document.portions))
    policy = load_policy("public-release")
    context = Context(as_of=AS_OF)
    assert released_markings(document, decide(document, policy, context), policy.ceiling) == []
    findings = released_markings(forged, decide(forged, policy, context), policy.ceiling)
    assert bool(findings) is found


@pytest.mark.parametrize(("line", "found"), [("-- (S) CANARY PLAN", True), ("* (c) CANARY0653", True),
                                             ("Wood (c) CANARY PLAN", True),
                                             ("(C) THE MINISTER", True), ("(B) AND (D).", False),
                                             ("(C) AND (D).", False), ("(S) AND (D) CANARY", True),
                                             ("(c) and (d).", False), ("(U) Ambassador", False)])
def test_the_verifier_finds_a_marking_opening_a_line_of_a_released_classified_by(line: str, found: bool) -> None:
    """Behind the parser's list-lead and authority rules: a released Classified By field that prints
    a one-letter marking above the ceiling before a word, opening a line (after "--", "*", "a.") or
    after a space, fails the copy; its reasons ("(B) AND (D)", "(c) and (d).") do not. Forged."""
    assert _found_in_a_forged_field("Classified By: Robert A. Pollard, Minister-Counselor, for Reasons 1.4",
                                    "classified_by", f"\n{line}") is found


@pytest.mark.parametrize(("printed", "found"), [
    (" relations with Cuba (Ref B) progressed; (C) CANARY SITES ARE NEAR THE BORDER.", True),
    (" the options: (A) wait, (B) talk; (C) Act now, the minister said.", False),  # a list's next label
])
def test_the_verifier_reads_a_lettered_list_on_its_own(printed: str, found: bool) -> None:
    """Behind the parser's lettered-list rule (shapes.continues_lettered_list): the verifier reads a
    list with its own, stricter rule ("(B)" printed before "(C)", in one style), so "(Ref B)" does
    not make a "(C)" after it a list's label in released text. Forged as if the parser had kept it."""
    from redact import Context, decide, load_policy
    from redact.marking_check import released_markings

    document = parse("UNCLASSIFIED\n\nSUBJECT: (U) X\n\n1. (U) Plain text on the tariff.\n")
    forged = replace(document, portions=tuple(replace(p, text=p.text + printed) for p in document.portions))
    policy = load_policy("public-release")
    findings = released_markings(forged, decide(forged, policy, Context(as_of=AS_OF)), policy.ceiling)
    assert bool(findings) is found


def test_the_verifier_finds_a_controlled_marking_in_released_text() -> None:
    """Behind released_controls: released text that prints "(U//NOFORN)" where a portion starts
    fails the copy under a policy that releases no control, as a marking above the ceiling does."""
    from redact import Context, decide, load_policy
    from redact.marking_check import released_markings

    document = parse("UNCLASSIFIED\n\nSUBJECT: (U) X\n\n1. (U) Plain text.\n")
    forged = replace(document, portions=tuple(
        replace(p, text=p.text + "\n\n2. (U//NOFORN) Not for abroad.") for p in document.portions))
    policy = load_policy("public-release")
    context = Context(as_of=AS_OF)
    decisions = decide(forged, policy, context)
    plain = decide(document, policy, context)
    assert released_markings(document, plain, policy.ceiling, policy.released_controls) == []
    # not above the ceiling by level: only more restricted than the (U) paragraph it is printed in
    assert ["more restricted than its own" in f.message for f in released_markings(forged, decisions,
                                                                                   policy.ceiling)] == [True]
    findings = released_markings(forged, decisions, policy.ceiling, policy.released_controls)
    assert {f.channel for f in findings} == {"released text"}
    assert any("U//NOFORN" in f.message and "under a control" in f.message for f in findings)


@pytest.mark.parametrize(("printed", "found"), [
    (" his reform B. (C) The sites near the border are watched.", "C"),  # a label run on mid-line
    (" (A) first point (B) (S) The crossing is used at night.", "S"),
    (" Next. (SBU) The figures follow.", "U//SBU"),  # a control the paragraph does not carry
    ("\n- China Cell, -- ( S\n) Our source met the minister.", "S"),  # wrapped inside its parentheses
    ("\n- Iran Cell, -- (\nS ) The agent crossed.", "S"),
    ("\n- Iran Cell, -- (U) The team.", None),
    (" first (1) the talks (2) (C) The minister will resign.", "C"), (" ii. (S) The agent.", "S"),
    (" (A) first (B) second (C) The third point.", None),  # a lettered list: (C) goes on it
    (" Reasons 1.4 (b) and (d). (U) Plain again.", None),  # not more restricted than (U)
])
def test_the_verifier_finds_a_marking_more_restricted_than_the_portion_it_is_printed_in(printed: str,
                                                                                         found: str | None) -> None:
    """Whatever the policy's ceiling (foreign-release: TOP SECRET, decided by REL TO): a released
    portion that prints, where a portion starts, a marking more restricted than its own fails the
    copy. Forged as if the parser had left it inside the (U) paragraph."""
    from redact import Context, decide, load_policy
    from redact.marking_check import released_markings

    document = parse("UNCLASSIFIED\n\nSUBJECT: (U) X\n\n1. (U) Plain text.\n")
    forged = replace(document, portions=tuple(replace(p, text=p.text.rstrip() + printed) for p in document.portions))
    policy = load_policy("foreign-release")
    context = Context(as_of=AS_OF, audience="GBR")
    assert released_markings(document, decide(document, policy, context), policy.ceiling) == []
    findings = released_markings(forged, decide(forged, policy, context), policy.ceiling, policy.released_controls)
    assert [f.message.split(" portion marking")[0].split("prints a ")[-1] for f in findings] == \
        ([found] if found else [])


def test_the_verifier_finds_a_sentence_released_in_a_memo_addressing_block() -> None:
    """An article's FROM block is addressing too: a sentence in it fails the copy."""
    from redact import Context, decide, load_policy
    from redact.marking_check import released_markings

    document = parse("# (U) A Title\n\nFROM: Jane Doe\nDeputy Director\nRun Date: 03/31/2003\n(U) Text.\n")
    assert any(f.name == "memo_header" for f in document.header.fields)
    forged = replace(document, header=replace(document.header, fields=tuple(
        replace(f, text=f.text + "\nCANARY THE DIRECTOR SAID THE PROGRAM WILL EXPAND") if f.name == "memo_header"
        else f for f in document.header.fields)))
    policy = load_policy("public-release")
    context = Context(as_of=AS_OF)
    assert released_markings(document, decide(document, policy, context), policy.ceiling) == []
    findings = released_markings(forged, decide(forged, policy, context), policy.ceiling)
    assert findings and all(f.channel == "released text" and "sentence" in f.message for f in findings)
