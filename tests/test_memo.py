"""The second document type: CAPCO-style memoranda (fixtures written for this project)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner

from redact import parse
from redact.cli import main
from redact.model import Kind, Level
from redact.parse import detect_type

from .conftest import FIXTURES, SEEDS, decided

MEMOS = FIXTURES / "memos"


def memo(name: str):
    path = MEMOS / f"{name}.txt"
    return parse(path.read_text(encoding="utf-8"), source=str(path), doc_id=name)


def test_type_is_chosen_by_content() -> None:
    assert detect_type((MEMOS / "memo-secret.txt").read_text()) == "memo"
    assert detect_type((SEEDS / "08ASTANA2450.txt").read_text()) == "cable"
    assert memo("memo-secret").doc_type == "memo"


def test_unnumbered_marked_paragraphs() -> None:
    document = memo("memo-secret")
    assert [(p.kind, p.number, p.marking.canonical if p.marking else None) for p in document.portions] == [
        (Kind.PARAGRAPH, None, "S//NOFORN"), (Kind.PARAGRAPH, None, "C"), (Kind.PARAGRAPH, None, "U"),
        (Kind.PARAGRAPH, None, "U"), (Kind.PARAGRAPH, None, "S//REL TO USA, GBR")]
    assert document.portions[0].start_line == 14 and document.portions[0].end_line == 16


def test_banner_subject_and_classification_block() -> None:
    document = memo("memo-secret")
    header = document.header
    assert header.banner is not None and header.banner.canonical == "S//NOFORN"
    assert header.subject == "Assessment of Regional Water Negotiations"
    subject = next(f for f in header.fields if f.name == "subject")
    assert subject.marking is not None and subject.marking.level is Level.U
    assert header.classified_by == "Classified By: Randall M. Fort, Assistant Secretary, INR"
    assert header.decl is not None and header.decl.date == date(2034, 3, 4)
    assert [f.name for f in header.fields][-3:] == ["classified_by", "derived_from", "declassify_on"]


def test_subject_marked_after_the_keyword_and_reason_line() -> None:
    fouo = memo("memo-fouo")
    subject = next(f for f in fouo.header.fields if f.name == "subject")
    assert subject.marking is not None and subject.marking.canonical == "U//FOUO"
    unmarked = memo("memo-unmarked")
    assert unmarked.header.reasons == ("b", "d")
    assert unmarked.header.decl is not None and unmarked.header.decl.date == date(2035, 1, 15)


def test_unmarked_memo_paragraph_fails_closed(public_release) -> None:
    document = memo("memo-unmarked")
    assert [(p.kind, p.marking) for p in document.portions][1] == (Kind.TEXT, None)
    decisions = decided(document, public_release)
    assert [d.action for d in decisions.portions] == ["withhold", "withhold"]


def test_public_release_of_a_memo(public_release) -> None:
    document = memo("memo-secret")
    decisions = decided(document, public_release)
    assert [d.action for d in decisions.portions] == ["withhold", "withhold", "release", "release", "withhold"]
    subject = [d for f, d in zip(document.header.fields, decisions.fields, strict=True) if f.name == "subject"]
    assert subject[0].action == "release"  # marked (U)


def test_type_option_on_the_command_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["parse", str(MEMOS / "memo-secret.txt"), "--type", "memo"])
    assert result.exit_code == 0 and ": memo, banner S//NOFORN, 5 portions" in result.stdout
    out = tmp_path / "out"
    run = CliRunner().invoke(main, ["run", str(MEMOS / "memo-secret.txt"), "--out", str(out), "--format",
                                    "html,pdf", "--as-of", "2026-11-23"])
    assert run.exit_code == 0, run.output
    assert "RELEASE IN PART (2 released, 3 withheld)" in run.stdout


ARTICLE = """![img-0.jpeg](img-0.jpeg)
(U) Be With You in a Sec
FROM: the editor
Chief, Communications (S02C)
Run Date: 11/04/2005
(U//FOUO) Here at the office we keep an eye on the statistics.
(U) These were the most widely read articles:

1. (S) How Collection Helped
2. (S//SI) What the Reporting Revealed
3. (U) Hiring Season

(S//SI) The target's position was
Derived from intercepts.
"""


def test_an_article_with_a_numbered_list_is_a_memo_with_its_from_block_released(public_release) -> None:
    document = parse(ARTICLE)
    assert document.doc_type == "memo"  # a FROM: / Run Date: line and a line opening with a marking
    header = [(f.name, f.text) for f in document.header.fields]
    assert header == [("memo_header", "FROM: the editor\nChief, Communications (S02C)"),
                      ("memo_header", "Run Date: 11/04/2005")]  # the image reference is no text
    decisions = decided(document, public_release)
    assert [d.action for d in decisions.fields] == ["release", "release"]
    def decision(start: str):
        return next(d for p, d in zip(document.portions, decisions.portions, strict=True) if p.text.startswith(start))

    assert decision("(U) Be With You").action == "release"
    assert decision("(U//FOUO) Here").label == "(b)(3)"  # an intelligence document's FOUO
    assert decision("2. (S//SI)").label == "(b)(1) (b)(3)"  # SCI: classified, and by statute


def test_derived_from_running_on_in_a_paragraph_is_the_paragraphs_text(public_release) -> None:
    """Only a closing block's "Derived From:" (with its colon) ends a paragraph: "Derived from
    intercepts." is the (S//SI) paragraph's second line, never a released field."""
    document = parse(ARTICLE)
    last = document.portions[-1]
    assert "Derived from intercepts." in last.text and last.effective is not None
    assert decided(document, public_release).portions[-1].action == "withhold"
    assert all("intercepts" not in f.text for f in document.header.fields)


def test_closing_block_after_the_last_paragraph_and_the_web_page_classification_block() -> None:
    text = ("(U) Title\nFROM: the editor\nRun Date: 11/04/2005\n(S//SI) Text of the article.\n"
            "DYNAMIC PAGE -- HIGHEST POSSIBLE CLASSIFICATION IS TOP SECRET // SI / TK // REL TO USA AUS CAN GBR NZL "
            "DERIVED FROM: NSA/CSSM 1-52, DATED 08 JAN 2007 DECLASSIFY ON: 20320108\n")
    document = parse(text)
    assert document.portions[-1].text == "(S//SI) Text of the article."
    assert [f.name for f in document.header.fields][-1] == "derived_from"


def test_a_memos_page_header_names_no_agency(public_release) -> None:
    from redact.render import build_view
    from redact.render.html import page_header

    document = memo("memo-secret")
    view = build_view(document, decided(document, public_release), policy_name="public-release",
                      policy_sha256="0" * 64, as_of=date(2026, 11, 23), reviewer="R")
    assert "Department of State" not in page_header(view)
    assert page_header(view).startswith(view.banner)


def test_an_articles_release_copy_keeps_the_printed_order(public_release) -> None:
    """The FROM block printed under the title stands under it in the copy (a cable's header, by
    contrast, comes first as printed)."""
    from redact.render import build_view, render_text

    document = parse(ARTICLE)
    view = build_view(document, decided(document, public_release), policy_name="public-release",
                      policy_sha256="0" * 64, as_of=date(2026, 11, 23), reviewer="R")
    copy = render_text(view)
    assert copy.index("(U) Be With You") < copy.index("FROM: the editor") < copy.index("Run Date: 11/04/2005")


NEWSLETTER = ("(U) An Article\n\nFROM:\nDeputy Chief, Strategic Intelligence Issues\nRun Date: 08/02/2003\n"
           "(U) A first paragraph long enough to set how long a full line of this article is, as newsletters "
           "print a paragraph on one line, however long it runs, and this one runs on and on for a while.\n")


def lines_read(text: str) -> list[tuple[Kind, str | None, str]]:
    document = parse(NEWSLETTER + text, doc_type="memo")
    return [(p.kind, p.marking.text if p.marking else None, p.text) for p in document.portions[2:]]


def test_a_line_under_a_finished_sentence_is_a_paragraph_of_its_own() -> None:
    assert lines_read("(U) Open.\nThe minister will defect in May.\n") == [
        (Kind.PARAGRAPH, "(U)", "(U) Open."), (Kind.TEXT, None, "The minister will defect in May.")]
    problems = parse(NEWSLETTER + "(U) Open.\nThe minister will defect.\n", doc_type="memo").problems
    assert any(p.code == "unmarked-portion" and p.line == 8 for p in problems)


def test_what_continues_a_paragraph_stays_in_it() -> None:
    listed = lines_read("(U) Send the following:\n- NAME\n- ORG.\n- SSN.\n")  # a list under a colon
    assert [marking for _, marking, _ in listed] == ["(U)"] * 4 and Kind.TEXT not in [kind for kind, _, _ in listed]
    broken = "(U) A sentence the page broke\nin two, and its end.\n"
    assert lines_read(broken) == [(Kind.PARAGRAPH, "(U)", broken.rstrip("\n"))]
    lower = "(U) One sentence.\nand a line that goes on in lower case.\n"
    assert lines_read(lower) == [(Kind.PARAGRAPH, "(U)", lower.rstrip("\n"))]


def test_a_starred_marking_opens_a_paragraph() -> None:
    assert [(kind, marking) for kind, marking, _ in lines_read("(U) Open.\n*(S) A note.\n**(U//FOUO) Another.\n")] == [
        (Kind.PARAGRAPH, "(U)"), (Kind.PARAGRAPH, "(S)"), (Kind.PARAGRAPH, "(U//FOUO)")]


HEADED = "# (U) Title\n\nFROM: Jane Doe\nRun Date: 05/31/2005\n"
A_LINE = ("(S//SI) As a follow-up to the recent and widely read article on the budget, the editors asked them "
            "about the sites and the partners that run them, and about the plans for next year and the year after it")


def test_a_marking_a_wrap_put_at_a_line_start_mid_sentence_stays_in_its_paragraph() -> None:
    """Lines wrapped at a width: a line that opens with a marking under a filled line that ends no
    sentence goes on with that sentence (a cited title's marking); under a line with room left for
    it, or printed a line a paragraph (the width of no wrap), it opens a paragraph."""
    import textwrap

    wrapped = "\n".join(textwrap.wrap(A_LINE, 60))
    cited = parse(HEADED + wrapped + "\n(U) Changes in the Service, the editors asked\nthe partner.\n"
                  + "\n".join(textwrap.wrap("(U) Plain text " * 12, 60)) + "\n")
    assert [p.marking.canonical for p in cited.portions if p.marking][1:] == ["S//SI", "U"]
    assert cited.portions[1].text.endswith("the editors asked\nthe partner.")
    short = parse(HEADED + wrapped + ".\n(U) Changes in the Service.\n")  # the sentence ended
    assert [p.marking.canonical for p in short.portions if p.marking][1:] == ["S//SI", "U"]
    one_line = parse(HEADED + A_LINE + "\n(U) Plain text.\n" * 8)  # a line a paragraph: no wrap
    assert [p.marking.canonical for p in one_line.portions if p.marking][1:3] == ["S//SI", "U"]
