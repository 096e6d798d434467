"""Both seed cables parse with every paragraph number and marking right."""

from __future__ import annotations

from datetime import date

import pytest

from redact import parse
from redact.model import Kind, Level

EXPECTED = {
    "08ASTANA2450": [("1", "(S)"), ("2", "(S)"), ("13", "(S)"), ("14", "(S)"), ("15", "(C)"),
                     ("16", "(S)"), ("7", "(C)"), ("8", "(SBU)")],
    "09ASTANA1444": [("1", "(C)"), ("2", "(C)"), ("13", "(C)"), ("14", "(C)"), ("15", "(C)"),
                     ("6", "(C)")],
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_paragraph_number_and_marking(seeds, name: str) -> None:
    paragraphs = [p for p in seeds[name].portions if p.kind is Kind.PARAGRAPH]
    assert [(p.number, p.marking.text if p.marking else None) for p in paragraphs] == EXPECTED[name]
    assert all(not p.inherited for p in paragraphs)


def test_markings_are_data_not_strings(seeds) -> None:
    first = seeds["08ASTANA2450"].portions[0]
    assert first.marking is not None
    assert first.marking.level is Level.S and first.marking.controls == ()
    sbu = next(p for p in seeds["08ASTANA2450"].portions if p.number == "8")
    assert sbu.marking is not None and sbu.marking.level is Level.U and sbu.marking.controls == ("SBU",)


def test_number_as_printed_and_position_kept(seeds) -> None:
    thirteen = next(p for p in seeds["08ASTANA2450"].portions if p.number == "13")
    paragraphs = [p for p in seeds["08ASTANA2450"].portions if p.kind is Kind.PARAGRAPH]
    assert paragraphs.index(thirteen) + 1 == 3
    assert thirteen.start_line == 50


def test_paragraph_split_by_blank_line_is_one_portion(seeds) -> None:
    two = next(p for p in seeds["08ASTANA2450"].portions if p.number == "2")
    assert "Piling an inch-thick file he'd brought" in two.text
    assert "into the meeting, Musin asked" in two.text
    assert (two.start_line, two.end_line) == (46, 48)


def test_paragraph_split_by_page_break_is_one_portion_without_the_break(seeds) -> None:
    fourteen = next(p for p in seeds["08ASTANA2450"].portions if p.number == "14")
    assert '"some of' in fourteen.text and "them just ordinary citizens" in fourteen.text
    assert "00002450 002 OF 003" not in fourteen.text
    assert not any(p.marking is None and "them just ordinary" in p.text for p in seeds["08ASTANA2450"].portions)


def test_headings_take_the_join_of_the_markings_around_them(seeds) -> None:
    """A heading takes the marking of the portion before it and of those it heads: it never
    borrows a lower marking from what follows alone (issue: "OPERATION CANARY STORM")."""
    headings = [p for p in seeds["08ASTANA2450"].portions if p.kind is Kind.HEADING]
    assert [h.text for h in headings] == [
        "ALIYEV: CONCERNS ABOUT U.S. CITIZENSHIP/ASLYUM CLAIMS",
        'RELIGION LAW: "OPTIMAL COURSE OF ACTION" PROMISED',
        "CTR AGREEMENT: SUBMISSION TO PARLIAMENT WITHIN DAYS",
    ]
    assert [h.marking.canonical for h in headings if h.marking] == ["S", "S", "C//SBU"]
    assert all(h.inherited for h in headings)


def test_unmarked_subparagraphs_inherit_and_are_flagged(seeds) -> None:
    subs = [p for p in seeds["09ASTANA1444"].portions if p.kind is Kind.SUBPARAGRAPH]
    assert len(subs) == 3
    assert all(s.marking is not None and s.marking.canonical == "C" and s.inherited for s in subs)
    assert all(s.parent == 0 for s in subs)


def test_unmarked_block_is_left_unmarked_and_reported(seeds) -> None:
    document = seeds["09ASTANA1444"]
    unmarked = [p for p in document.portions if p.marking is None and p.kind is Kind.TEXT]
    assert [p.start_line for p in unmarked] == [102]
    assert any(pr.code == "unmarked-portion" and pr.line == 102 for pr in document.problems)


def test_signature(seeds) -> None:
    assert seeds["09ASTANA1444"].portions[-1].kind is Kind.SIGNATURE
    assert seeds["09ASTANA1444"].portions[-1].text == "HOAGLAND"


CABLE = ("C O N F I D E N T I A L AMMAN 001288\n\nE.O. 12958: DECL: 01/01/2040\nTAGS: PREL\nSUBJECT: (U) X\n\n"
         "Classified By: Ambassador Jane Doe for Reasons 1.4 (b) and (d).\n\n1. (U) Open.\n\n")


def last_portion(body: str):
    return parse(CABLE + body).portions[-1]


@pytest.mark.parametrize("body, kind, marking, text", [
    # under a classified paragraph with no blank line: the paragraph's own last line, unless named
    ("2. (C) The source is named below.\nHe asked us to protect him.\nKHAN\n", Kind.SIGNATURE, "(C)", "KHAN"),
    ("2. (C) The source is named below.\nHe asked us to protect him.\nDOE\n", Kind.SIGNATURE, None, "DOE"),
    ("2. (C) Closed.\nWe asked.\nJANE DOE\n", Kind.SIGNATURE, None, "JANE DOE"),
    # under an unmarked paragraph, an unnamed line stays in its text (withheld with it)
    ("Closed text.\nWe asked.\nKHAN\n", Kind.TEXT, None, "Closed text.\nWe asked.\nKHAN"),
    # alone: one name (with a particle, a suffix, printed twice, in Title Case) is a signature
    ("2. (C) Closed.\n\nVAN VOORST\n", Kind.SIGNATURE, None, "VAN VOORST"),
    ("2. (C) Closed.\n\nTIMKEN JR\n", Kind.SIGNATURE, None, "TIMKEN JR"),
    ("2. (C) Closed.\n\nKUBISKE KUBISKE\n", Kind.SIGNATURE, None, "KUBISKE KUBISKE"),
    ("2. (C) Closed.\n\nBeyrle\n", Kind.SIGNATURE, None, "Beyrle"),
    # alone, two words that are not one name: a heading that heads nothing, withheld
    ("2. (U) Open.\n\nMINISTER DEFECTS\n", Kind.HEADING, "(unmarked)", "MINISTER DEFECTS"),
])
def test_signature_is_a_name_and_fails_closed(body: str, kind: Kind, marking: str | None, text: str) -> None:
    last = last_portion(body)
    assert (last.kind, last.text) == (kind, text)
    assert (last.marking.text if last.marking else None) == marking
    if marking == "(unmarked)":
        assert not last.marking.recognised


def test_headings_in_a_row_head_what_follows_the_last() -> None:
    document = parse(CABLE + "PART ONE\n\nKEY POINTS OF THE VISIT\n\n2. (S) Closed.\n")
    headings = [p for p in document.portions if p.kind is Kind.HEADING]
    assert len(headings) == 2 and all(p.marking is not None and p.marking.level is Level.S for p in headings)


def test_header_fields_of_08astana2450(seeds) -> None:
    header = seeds["08ASTANA2450"].header
    assert header.banner is not None and header.banner.level is Level.S
    assert header.decl is not None and header.decl.date == date(2033, 12, 11) and header.decl.kind == "date"
    assert header.reasons == ("b", "d")
    assert header.tags == ("PREL", "PGOV", "PHUM", "KCRM", "KDEM", "KIRF", "KNNP", "KZ")
    assert header.subject == ("KAZAKHSTAN: PRESIDENTIAL ADMINISTRATION HEAD RAISES CONCERNS ABOUT "
                              "RAKHAT ALIYEV")
    assert header.refs == ("ASTANA 2445",)
    assert header.classified_by == "Classified By: Ambassador Richard Hoagland, Reasons 1.4 (b) and (d)"
    assert header.date == date(2008, 12, 11)
    assert header.origin == "AMEMBASSY ASTANA"
    names = [f.name for f in header.fields]
    assert names == ["routing", "banner", "caption", "caption", "eo", "tags", "subject", "ref", "classified_by"]


def test_header_fields_of_09astana1444(seeds) -> None:
    header = seeds["09ASTANA1444"].header
    assert header.banner is not None and header.banner.level is Level.C
    assert header.decl is not None and header.decl.date == date(2019, 8, 28)
    assert header.reasons == ("b", "d")
    assert header.tags[-3:] == ("OSCE", "AU", "KZ")
    assert header.refs == ("ASTANA 1328", "ASTANA 1439")


@pytest.mark.parametrize(("text", "number", "marking"), [
    ("¶1. (C) Text.\n", "1", "(C)"),
    ("1. (C) Text.\n", "1", "(C)"),
    ("¶ 1. (C) Text.\n", "1", "(C)"),
    ("\ufffd1. (S) Text.\n", "1", "(S)"),
    ("**¶1.** (S) Text.\n", "1", "(S)"),
    ("[1](#)2. (C) Text.\n", "2", "(C)"),
    ("1.(C) Text.\n", "1", "(C)"),
    ("(13) (C) Text.\n", "13", "(C)"),
])
def test_paragraph_lead_forms(text: str, number: str, marking: str) -> None:
    document = parse("SUBJECT: X\n\n" + text)
    first = document.portions[0]
    assert (first.kind, first.number, first.marking.text if first.marking else None) == \
        (Kind.PARAGRAPH, number, marking)


def test_number_then_heading_then_marking() -> None:
    document = parse("SUBJECT: X\n\n1. Summary (C)\n\nText of the summary.\n")
    assert document.portions[0].number == "1"
    assert document.portions[0].marking is not None and document.portions[0].marking.canonical == "C"


def test_marking_without_number_after_blank_line() -> None:
    document = parse("SUBJECT: X\n\n(C) First portion.\n\n(U) Second portion.\n")
    assert [p.marking.canonical for p in document.portions if p.marking] == ["C", "U"]


def test_lettered_and_dashed_subparagraphs() -> None:
    text = "SUBJECT: X\n\n1. (S) Parent.\nA. (C) Lettered.\n-- (U) Dashed.\nB. Unmarked lettered.\n"
    portions = parse(text).portions
    assert [(p.kind.value, p.number, p.marking.canonical if p.marking else None, p.inherited)
            for p in portions] == [
        ("paragraph", "1", "S", False), ("subparagraph", "A", "C", False),
        ("subparagraph", None, "U", False), ("subparagraph", "B", "S", True)]


def test_entire_text_declaration_marks_every_portion() -> None:
    text = "SUBJECT: X\n\n1. CONFIDENTIAL - ENTIRE TEXT.\n\n2. FIRST POINT.\n\n3. SECOND POINT.\n"
    portions = parse(text).portions
    assert [(p.number, p.marking.canonical if p.marking else None, p.inherited) for p in portions] == [
        ("1", "C", False), ("2", "C", True), ("3", "C", True)]


def test_reasons_in_the_list_are_never_read_as_markings() -> None:
    text = ("SUBJECT: X\nClassified By: Pol Chief, Reasons 1.4 (b) and\n(d)\n\n1. (U) Text\n")
    document = parse(text)
    assert document.header.reasons == ("b", "d")
    assert [p.marking.canonical for p in document.portions if p.marking] == ["U"]


def test_unrecognised_marking_is_kept_and_reported() -> None:
    document = parse("SUBJECT: X\n\n¶3. (Iran) New protests\n")
    portion = document.portions[0]
    assert portion.marking is not None and not portion.marking.recognised
    assert portion.marking.text == "(Iran)" and portion.marking.level is Level.TS
    assert [p.code for p in document.problems] == ["unrecognised-marking"]


def test_parse_never_raises_on_odd_text() -> None:
    for text in ["", "\n\n", "(", "¶", "1.", "\u3000\n", "SUBJECT:\n", "\x00\x01", "((((((S))))))"]:
        parse(text)


@pytest.mark.parametrize(("value", "kind", "when"), [
    ("DECL: 11/22/2012", "date", date(2012, 11, 22)),
    ("DECL: 6/3/08", "date", date(2008, 6, 3)),
    ("DECL: 2020/02/23", "date", date(2020, 2, 23)),
    ("DECL: 1.6X1", "exemption", None),
    ("DECL: X1, X5", "exemption", None),
    ("DECL: 25X1-HUMAN", "exemption", None),
    ("DECL: OADR", "oadr", None),
    ("N/A", "na", None),
    ("DECL: RDS-4 6/5/99", "rds", date(1999, 6, 5)),
    ("DECL: AFTER KOREAN UNIFICATION", "event", None),
    ("DECL: DECLASSIFIED BY NARA 09/02/2009", "declassified", date(2009, 9, 2)),
    ("GDS", "gds", None),
    ("DECL: SOMETIME", "unknown", None),
    ("DECL: 50X1-HUM", "exemption", None),
    ("DECL: 10 YEARS AFTER 12/11/2008", "event", None),
    ("DECL: DECLASSIFIED 25X1", "exemption", None),
])
def test_decl_values(value: str, kind: str, when) -> None:
    from redact.parse import parse_decl
    decl = parse_decl(value)
    assert (decl.kind, decl.date) == (kind, when)


@pytest.mark.parametrize(("line", "reasons"), [
    ("Classified By: Ambassador Richard Hoagland, Reasons 1.4 (b) and (d)", ("b", "d")),
    ("CLASSIFIED BY: DCM JOHN SMITH. REASON: 1.4(B), (D)", ("b", "d")),
    ("Classified by Pol Chief for reasons 1.4 b and d", ("b", "d")),
    ("Classified By: Charge, reasons: 1.5 (b,d)", ("b", "d")),
    ("CLASSIFIED BY AMBASSADOR PER 1.5 (B) AND (D).", ("b", "d")),
    ("Classified By: Ambassador, reasons 1.4(a), (c) and (g)", ("a", "c", "g")),
    ("Classified By: Ambassador", ()),
])
def test_reasons(line: str, reasons: tuple[str, ...]) -> None:
    from redact.parse import parse_reasons
    assert parse_reasons(line) == reasons


def test_eo_line_forms() -> None:
    for line in ("E.O. 12958: DECL: 12/11/2033", "EO 12958 DECL: 12/11/2033", "e.o. 13526: decl: 12/11/2033",
                 "E.O.12958: DECL: 12/11/2033", "E.O. 12356: DECL: 12/11/2033"):
        document = parse(f"{line}\nSUBJECT: X\n\n1. (C) Text.\n")
        assert document.header.decl is not None and document.header.decl.date == date(2033, 12, 11), line


def test_tags_wrapped_after_a_trailing_comma_and_subject_wrapped() -> None:
    document = parse("TAGS: PREL, PGOV,\nKZ, RU\nSUBJ: A LONG\n   SUBJECT LINE\n\n1. (C) Text.\n")
    assert document.header.tags == ("PREL", "PGOV", "KZ", "RU")
    assert document.header.subject == "A LONG SUBJECT LINE"


def test_classified_by_inside_the_first_paragraph() -> None:
    document = parse("SUBJECT: X\n\n1. (U) CLASSIFIED BY POLCOUNS J. DOE. REASON 1.5 (D).\n\n2. (C) Text.\n")
    assert document.header.reasons == ("d",)


@pytest.mark.parametrize(("header", "tags", "subject"), [
    ("tAgs: prel, pgov, prel\nSUBJECT: X", ("PREL", "PGOV"), "X"),
    ("TAG PTER, PGOV, ASEC\nSubj: Bern&#8217;s view", ("PTER", "PGOV", "ASEC"), "Bern’s view"),
    ("TAGS PHUM, OPRC, OPRC, IT\nSUBJECT: AS PREDICTED", ("PHUM", "OPRC", "IT"), "AS PREDICTED"),
    ("Tags: prel, pgov, pins, tu\nSubject: turkish p.m. goes to washington", ("PREL", "PGOV", "PINS", "TU"),
     "turkish p.m. goes to washington"),
])
def test_header_field_names_in_any_case_tags_once_entities_decoded(header: str, tags, subject: str) -> None:
    document = parse(f"S E C R E T\n\nE.O. 12958: N/A\n{header}\n\n1. (U) Text.\n")
    assert (document.header.tags, document.header.subject) == (tags, subject)
