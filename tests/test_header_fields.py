"""Header fields as a reader (and the peer's header parser) reads them: TAGS as a list of tags,
SUBJECT as one title. One case per pattern, taken from the shared corpora where they print it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from redact import parse
from redact.fields import continuation_fits, overflow_at
from redact.model import Header, Level
from redact.tags import parse_tags

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"


def _header(lines: str) -> Header:
    return parse(f"C O N F I D E N T I A L\n\nE.O. 12958: DECL: 01/01/2019\n{lines}\n\n1. (C) Text.\n",
                 doc_type="cable").header


@pytest.mark.parametrize(("body", "tags"), [
    # codes glued by a printing fault (mirror/09CAIRO1054), split where one split is best
    ("KFRDCVISCMGTCASCKOCIASECPHUMSMIGEG",
     ("KFRD", "CVIS", "CMGT", "CASC", "KOCI", "ASEC", "PHUM", "SMIG", "EG")),
    # a glued code repeated, and a written-out tag in a comma list (mirror/02ROME1196)
    ("PHUM, OPRC, OPRC, OPRC, OPRC, IT, ITPHUM, ITPHUM, ITPHUM, HUMAN RIGHTS",
     ("PHUM", "OPRC", "IT", "HUMAN RIGHTS")),
    # multi-word tags side by side with codes (mirror/04ROME902)
    ("EG IT PREL XE ITALIAN POLITICS", ("EG", "IT", "PREL", "XE", "ITALIAN POLITICS")),
    # the visitor after OVIP (cablegate/09STATE11937), and in parentheses
    ("OVIP CLINTON HILLARY PREL KPAL FR IR RS", ("OVIP", "CLINTON, HILLARY", "PREL", "KPAL", "FR", "IR", "RS")),
    ("ovip (clinton, hillary), pgov, prel", ("OVIP", "CLINTON, HILLARY", "PGOV", "PREL")),
    # an acronym that is not codes glued together, and SIPDIS (a caption) left out
    ("PREL SCUL UNESCO SIPDIS", ("PREL", "SCUL", "UNESCO")),
])
def test_tags(body: str, tags: tuple[str, ...]) -> None:
    assert parse_tags(body) == tags


@pytest.mark.parametrize(("lines", "tags"), [
    ("tAgs prel pgov", ("PREL", "PGOV")),  # any case, no colon
    ("TAGS: PREL PGOV\nNATO, UK", ("PREL", "PGOV", "NATO", "UK")),  # codes wrap in capitals
    ("Tags: prel, pgov,\netra, mnuc", ("PREL", "PGOV", "ETRA", "MNUC")),  # or after a comma
])
def test_tags_field(lines: str, tags: tuple[str, ...]) -> None:
    assert _header(f"{lines}\nSUBJECT: X").tags == tags


def test_a_lower_case_line_under_tags_is_not_a_tag_and_is_withheld_as_body() -> None:
    document = parse("C O N F I D E N T I A L\n\nTAGS: PREL\nhere it is\nSUBJECT: X\n\n1. (C) Text.\n",
                     doc_type="cable")
    assert document.header.tags == ("PREL",)
    assert any("here it is" in p.text and p.effective is None for p in document.portions)


def test_a_title_under_tags_is_not_a_tag() -> None:
    """A title printed under TAGS without its SUBJECT: name (mirror/08TRIPOLI642), or with its rule
    (mirror/08USNATO279): capitals, but a title's colon or rule; withheld as body text."""
    for title in ("HANNIBAL GOES TO SEA: INSIGHTS INTO ANOTHER AL-QADHAFI FAMILY BUSINESS",
                  "FRENCH EDGY ABOUT NATO INVOLVEMENT ----------------------------------"):
        document = parse(f"C O N F I D E N T I A L\n\nTAGS: ECON EPET LY\n{title}\n\n1. (C) Text.\n", doc_type="cable")
        assert document.header.tags == ("ECON", "EPET", "LY")
        assert any(title in p.text for p in document.portions)


@pytest.mark.parametrize("field", ["TAGS: PREL PGOV", "REF: A. STATE 1234 B. 09 LONDON 55"])
@pytest.mark.parametrize("prose", [
    "CANARY THE MINISTER WILL DEFECT TO THE WEST IN MAY",   # a line of its own under the field
    " HE SAID THE MINISTER WILL DEFECT TO THE WEST IN MAY",  # on the field's line, reflowed
])
def test_prose_in_capitals_is_not_a_tag_or_a_reference(field: str, prose: str) -> None:
    """Older cables print everything in capitals: a sentence under TAGS or REF has no lower-case
    word, but words a sentence needs and no tag or reference does ("THE", "WILL"). It is body
    text (withheld as unmarked), and none of its words stay in the field."""
    lines = field + ("\n" if not prose.startswith(" ") else "") + prose
    document = parse(f"C O N F I D E N T I A L\n\nE.O. 12958: DECL: 01/01/2040\n{lines}\nSUBJECT: X\n\n1. (U) Text.\n",
                     doc_type="cable")
    text = " ".join(f.text for f in document.header.fields)
    assert "MINISTER" not in text and "CANARY" not in text and "SAID" not in text
    assert field.split()[-1] in text
    held = next(p for p in document.portions if "MINISTER WILL DEFECT" in p.text)
    # unmarked text, or a heading, which takes the banner's level here: never (U)
    assert held.effective is None or held.effective.level >= Level.C


@pytest.mark.parametrize("ref", [
    # reference items that name reports (cablegate/05PARIS7682, 06LISBON2365, mirror/09KUALALUMPUR1016)
    "REF: A. PARIS 7599 B. EMBASSY PARIS SIPRNET DAILY REPORT FOR NOV 9 AND PREVIOUS",
    "REF: A. 2005 LISBON 1609 B. OCTOBER 12 DVC (WITH DOS DOD AND EMBASSY LISBON)",
    "REF: A. E-MAIL WITH TPS FROM DAN BISCHOF 24 DECEMBER 09 B. KUALA LUMPUR 1013",
    "REF: A. THE HAGUE 393 B. 5/25 \"POLITICS IN THE NETHERLANDS\" E-MAIL REPORT AND PREVIOUS",
])
def test_reference_items_that_name_reports_stay_references(ref: str) -> None:
    assert [f.text.strip() for f in _header(ref).fields if f.name == "ref"] == [ref]


# A printed page (mirror/08BEIJING3107 as a browser prints it): the header repeated on one line
# after the routing block, wrapped by the page inside its TAGS, then the wrapped Classified By.
_WRAPPED_AFTER_BODY_TEXT = """C O N F I D E N T I A L BEIJING 003107

SIPDIS

E.O. 12958: DECL: 08/13/2028 TAGS: PREL PGOV MARR MOPS RS CH GG SUBJECT: CHINA
WILLING TO ENGAGE IN UNSC DISCUSSIONS

C O N F I D E N T I A L BEIJING 003107 SIPDIS E.O. 12958: DECL: 08/13/2028 TAGS: PREL
PGOV MARR MOPS RS CH GG
Classified By: Political Minister Counselor Josiah Rosenblatt for reaso
ns 1.4 (b) and (d).

1. (C) Text.
"""


def test_lines_under_a_field_are_the_fields_after_a_block_that_went_to_the_body() -> None:
    """A line of the header that is no field (here the banner with SIPDIS on it) goes to the body;
    a field printed under it ends that block: the lines under the field are the field's when they
    fit its shape (before, they were added to the block: withheld, the TAGS and reasons lost)."""
    document = parse(_WRAPPED_AFTER_BODY_TEXT, doc_type="cable")
    fields = [(f.name, " ".join(f.text.split())) for f in document.header.fields]
    assert ("tags", "TAGS: PREL PGOV MARR MOPS RS CH GG") in fields
    assert ("classified_by", "Classified By: Political Minister Counselor Josiah Rosenblatt for reaso "
            "ns 1.4 (b) and (d).") in fields
    assert not any("PGOV MARR" in p.text or "ns 1.4" in p.text for p in document.portions)


@pytest.mark.parametrize(("lines", "subject"), [
    # the title ends where a reference list begins on its line
    ("SUBJECT: AMBASSADOR MEETS ENERGY ENTITIES Ref(s): A) 08 RIO 138; B) 08 RIO 44",
     "AMBASSADOR MEETS ENERGY ENTITIES"),
    ("SUBJECT: CA/FPP IDENTIFY TWO PRIESTS REFS: (A) 08 CAIRO 2483 (B) 08 CAIRO 2562",
     "CA/FPP IDENTIFY TWO PRIESTS"),
    # a title in capitals does not wrap into a sentence
    ("SUBJECT: DEPUTY PM URGES SENIOR USG VISITS DURING\nEU PRESIDENCY\nThis is an action request. Please see para 2.",
     "DEPUTY PM URGES SENIOR USG VISITS DURING EU PRESIDENCY"),
    # ... nor, in Title Case, into a sentence that ends, goes on, or runs in lower case
    ("Subject: (U) Meeting with the minister on Iran\nThe minister said the plan would go ahead in March.",
     "Meeting with the minister on Iran"),
    ("Subject: Meeting with the Minister\nHe said so. Then he left the room", "Meeting with the Minister"),
    ("SUBJECT: Lame Duck Governor Kicked Upstairs\nthe minister said the plan would go ahead",
     "Lame Duck Governor Kicked Upstairs"),
    # real wrapped titles (cablegate/09SANSALVADOR1105, 08BERLIN643, mirror/07REYKJAVIK125)
    ("SUBJECT: FMLN Affirms Socialist Course; Leadership Acknowledges Need\nfor Strong Relations with U.S.",
     "FMLN Affirms Socialist Course; Leadership Acknowledges Need for Strong Relations with U.S."),
    ("Subject: (s) germany requests information concerning\niranian procurement of xxxxxxxxxxxx test chamber",
     "germany requests information concerning iranian procurement of xxxxxxxxxxxx test chamber"),
    ("SUBJECT:  Iceland: Local vote to stop smelter expansion may have \nsilver lining for U.S. firms ",
     "Iceland: Local vote to stop smelter expansion may have silver lining for U.S. firms"),
])
def test_subject_ends_where_the_next_part_begins(lines: str, subject: str) -> None:
    assert _header(f"TAGS: PREL\n{lines}").subject == subject


@pytest.mark.skipif(not CORPUS.is_dir(), reason="needs ../shared/corpus")
def test_the_tag_vocabulary_is_what_the_script_builds_from_the_corpora() -> None:
    built = subprocess.run([sys.executable, str(ROOT / "scripts" / "tag_vocabulary.py"), str(CORPUS)],
                           capture_output=True, text=True, check=True).stdout
    assert built == (ROOT / "grammar" / "tag_codes.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("routing", ["AMEMBASSY ANKARA", "AMEMBASSY İSTANBUL İZMİR"])
def test_run_on_fields_are_cut_whatever_the_letters_before_them(routing: str) -> None:
    """The header is scanned in lower case for speed; a letter whose lower case is longer ("İ")
    must not shift where the cuts fall."""
    document = parse(f"FM {routing}\nC O N F I D E N T I A L\nSUBJECT: A TITLE Classified By: Ambassador X, "
                     "Reasons 1.4 (b) and (d). REF: A. STATE 1 (C) Secret text follows here.\n", doc_type="cable")
    assert document.header.subject == "A TITLE"
    secret = [p for p in document.portions if "Secret text" in p.text]
    assert secret and all(p.effective is not None and p.effective.level.name == "C" for p in secret)


@pytest.mark.parametrize("marking", ["(//GBR S)", "(//JOINT S USA GBR)"])
def test_foreign_and_joint_markings_are_markings_wherever_printed(marking: str, public_release) -> None:
    """A marking that opens with its owner's "//" is seen as one in a header line, after a sentence,
    and as a paragraph's own: each place is withheld (a found leak: such lines were released)."""
    from redact import Context, decide

    from .conftest import AS_OF
    text = (f"C O N F I D E N T I A L\n\nDEPARTMENT FOR NEA/ELA {marking} CANARY ONE\n\n"
            f"E.O. 12958: DECL: 01/01/2019\nTAGS: PREL\nSUBJECT: X\n\n"
            f"1. (U) Open text. {marking} CANARY TWO follows.\n\n2. {marking} CANARY THREE.\n")
    document = parse(text, doc_type="cable")
    decisions = decide(document, public_release, Context(as_of=AS_OF))
    released = [p.text for p, d in zip(document.portions, decisions.portions, strict=True) if not d.withheld]
    released += [f.text for f, d in zip(document.header.fields, decisions.fields, strict=True) if not d.withheld]
    assert not any("CANARY" in text for text in released), released


@pytest.mark.parametrize("header", [
    "SUBJECT: PLANS\n¶C. (C) PARIS 7527 and the daily report.\n",
    "Classified By: Ambassador X, Reasons 1.4 (b) and (d). (//GBR S) The plan.\n",
    "I. (U) Demonstrations\n",
])
def test_cutting_header_lines_adds_and_drops_nothing_but_spaces(header: str) -> None:
    """Lines are only ever cut at spaces: the words, in order, stay exactly the words printed
    (a cut made with re.split once put a pattern's group, "None", into the text)."""
    from redact.lines import split_run_on_lines

    text = f"C O N F I D E N T I A L\n\n{header}\n1. (U) Text.\n"
    assert split_run_on_lines(text).text.split() == text.split()


def test_a_routing_line_wrapped_after_a_number_does_not_open_the_body() -> None:
    """A web page's print of mirror/08LONDON2008 wraps its routing block after "WSC6491", so a line
    opens "508) O 011538Z AUG 08": not paragraph 508. Read as one, it ended the header's field
    splitting there, and paragraph 1, printed on the REF line, rode out in REF."""
    text = ("DE RUEHLO #2008 2141538 ZNR UUUUU ZZH (CCY ADDED CLASS AD0BFDC82 WSC6491\n"
            "508) O 011538Z AUG 08 ZDS CITE RUEHSD 0005\nFM AMEMBASSY LONDON\n\nUNCLAS LONDON 002008\n\n"
            "E.O. 12958: N/A TAGS: PREL UNGA UK\n\nREF: SECSTATE 72078 (U) Embassy London has received the "
            "following information.\n")
    document = parse(text, doc_type="cable")
    assert [f.text.strip() for f in document.header.fields if f.name == "ref"] == ["REF: SECSTATE 72078"]
    assert document.portions[0].text.startswith("(U) Embassy London")


@pytest.mark.parametrize("printed", [
    # cablegate/09BELGRADE841 as a web page prints it: the viewer's date line joined to the banner
    "Thursday, 03 September 2009, 13:41 S E C R E T BELGRADE 000841",
    # cablegate/08ISLAMABAD405 so printed: and the post's number wrapped to the next line
    "Monday, 28 January 2008, 09:30 S E C R E T SECTION 01 OF 04 ISLAMABAD\n000405",
    # cablegate/09ASMARA429 so printed: and the E.O. line (without its dots) after it
    "Tuesday, 15 December 2009, 11:19 S E C R E T ASMARA 000429 EO 12958 DECL: 12/10/2019",
    # mirror/09ASUNCION189 so printed: after the export's divider, on a line with no colon
    "----------------- header ends ---------------- S E C R E T ASUNCION 000189",
])
def test_a_banner_printed_after_the_date_line_is_the_banner(printed: str) -> None:
    """The banner gives the document's level to what has no marking of its own (the first
    heading, the subject of an unclassified cable): a web page's reflow must not lose it."""
    document = parse(f"FM AMEMBASSY X\n\n{printed}\nSIPDIS\nTAGS: PREL\nSUBJECT: X\n\nSummary\n\n1. (C) Text.\n",
                     doc_type="cable")
    assert document.header.banner is not None and document.header.banner.canonical == "S"
    assert document.portions[0].effective is not None and document.portions[0].effective.canonical == "S"


def test_the_subject_is_the_title_alone_and_its_marking_the_fields() -> None:
    """``header.subject`` is the title as a reader cites it ("GERMANY TAKING ACTION ..."); the
    marking printed before it is the subject field's own, and decides it."""
    document = parse("S E C R E T\n\nTAGS: PREL\nSUBJECT: (S) GERMANY TAKING ACTION ON SHIPMENT\n\n1. (U) Text.\n")
    subject = next(f for f in document.header.fields if f.name == "subject")
    assert document.header.subject == "GERMANY TAKING ACTION ON SHIPMENT"
    assert subject.marking is not None and subject.marking.canonical == "S"
    assert subject.text.startswith("SUBJECT: (S)")


@pytest.mark.parametrize("first", ["Classified By:", "Classified By: Ambassador...", "CLASSIFIED BY LINE ADDED"])
def test_a_classified_by_line_without_reasons_gives_way_to_a_later_one_with_them(first: str) -> None:
    """Mirror prints cut the header's Classified By short ("Classified By: Ambassador...", or the
    label alone) and print the whole line later; a corrected copy notes "CLASSIFIED BY LINE
    ADDED". The authority and reasons are the later line's (66 corpus cables)."""
    document = parse(f"C O N F I D E N T I A L\n\nTAGS: PREL\nSUBJECT: X\n{first}\n\n"
                     "Classified by Ambassador Jane Roe for reasons 1.4 (b) and (d).\n\n1. (C) Text.\n")
    assert "Jane Roe" in (document.header.classified_by or "")
    assert document.header.reasons == ("b", "d")


def test_the_first_classified_by_line_with_reasons_stays() -> None:
    document = parse("C O N F I D E N T I A L\n\nTAGS: PREL\nSUBJECT: X\n"
                     "Classified By: DCM A. B. Roe, reasons 1.4 (d)\n\n"
                     "1. (C) Text. Classified by Ambassador Jane Roe for reasons 1.4 (b) and (d).\n")
    assert document.header.reasons == ("d",)


def test_the_label_alone_gives_way_to_the_line_typed_after_it_even_without_reasons() -> None:
    """"Classified By: Classified by Deputy Chief of Mission David S. Sedney." (cablegate/06BEIJING23571,
    whose reasons follow on the next line; here they are left out): the form's label, then the
    line as typed. The authority is the typed line's, not the empty label."""
    document = parse("C O N F I D E N T I A L\n\nTAGS: PREL\nSUBJECT: X\n"
                     "Classified By: Classified by Deputy Chief of Mission David S. Sedney.\n\n1. (C) Text.\n")
    assert "David S. Sedney" in (document.header.classified_by or "")


@pytest.mark.parametrize(("lines", "reasons"), [
    # cablegate/09KABUL2246: the letters wrapped onto a line of their own, in capitals
    ("Classified By: DEPUTY AMBASSADOR FRANCIS J. RICCIARDONE FOR REASONS 1.4\n(B) AND (D)", ("b", "d")),
    # cablegate/07LONDON4472: after a blank line
    ("Classified By: AMBASSADOR ROBERT H. TUTTLE FOR REASONS \n\n1.4 B, D", ("b", "d")),
    # mirror/08LONDON2441: after a blank line, in a line of their own
    ("Classified By: Political Counselor Richard M. Mills, Jr. for reasons\n\n1.4 (b) and (d).", ("b", "d")),
])
def test_reasons_on_a_line_of_their_own_are_the_classified_by_lines(lines: str, reasons: tuple[str, ...]) -> None:
    """A Classified By line that announces reasons and gives none takes the line that holds them
    (eight corpus cables): "(B) AND (D)" was a portion with an unreadable marking, "1.4 B, D" a
    heading or an unmarked portion, and the exemption labels named no reason."""
    document = parse(f"C O N F I D E N T I A L\n\nTAGS: PREL\nSUBJECT: X\n{lines}\n\n1. (C) Text.\n")
    assert document.header.reasons == reasons
    assert [p.text for p in document.portions] == ["1. (C) Text."]
    assert not [p for p in document.problems if p.code in ("unmarked-portion", "unrecognised-marking")]


@pytest.mark.parametrize("line", ["(C) THE MINISTER SAID THE PLAN IS READY.", "(C) AND THE PLAN IS READY."])
def test_a_marked_line_under_reasons_announced_stays_a_portion(line: str) -> None:
    """Only letters and connectors complete the reasons: words after a marking open a portion."""
    document = parse("C O N F I D E N T I A L\n\nTAGS: PREL\nSUBJECT: X\n"
                     f"Classified By: Ambassador Jane Roe for reasons 1.4\n{line}\n\n1. (C) Text.\n")
    assert "PLAN" not in (document.header.classified_by or "")
    assert document.portions[0].text == line and document.portions[0].marking is not None
    assert document.portions[0].marking.canonical == "C"


@pytest.mark.parametrize(("lines", "reasons"), [
    # cablegate/08RABAT194: a list with a comma before its last "and", on one line
    ("Classified By: Ambassador Thomas T. Riley for reason 1.4 (b, c, and d).", ("b", "c", "d")),
    # cablegate/09STATE4134: wrapped after "REASONS"
    ("Classified By: ISN/MTR DIRECTOR PAM DURHAM FOR REASONS\n1.4 (b), (c), and (d).", ("b", "c", "d")),
    # mirror/09STATE97244: no spaces
    ("Classified By: T U/S Ellen O. Tauscher for Reasons 1.4 a,b,and d.", ("a", "b", "d")),
    # cablegate/07LAPAZ2385: the last letter before the line's full stop (49 corpus cables lost it)
    ("Classified By: A/DCM Mike Hammer, reasons 1.4 b and d.", ("b", "d")),
])
def test_reasons_are_read_to_the_last_letter(lines: str, reasons: tuple[str, ...]) -> None:
    """The reasons run to their last letter: ", and d)." was cut off the field (the last reason lost
    from the exemption labels) and made an unmarked portion of its own (17 corpus cables), and a
    letter before the line's full stop was taken for an initial."""
    document = parse(f"C O N F I D E N T I A L\n\nTAGS: PREL\nSUBJECT: X\n{lines}\n\n1. (C) Text.\n")
    assert document.header.reasons == reasons
    assert [p.text for p in document.portions] == ["1. (C) Text."]
    assert not [p for p in document.problems if p.code in ("unmarked-portion", "field-overflow")]


@pytest.mark.parametrize(("decl", "kind"), [("2/19/2010", "unknown"), ("2/19/1010", "unknown"),
                                             ("2/19/2020", "date"), ("2/26/2010", "date")])
def test_a_decl_date_before_the_cable_is_no_date(decl: str, kind: str) -> None:
    """A declassification date before the cable's own (26 February 2010 here) was mistyped; read as
    a date it would declassify the cable by date. It is unknown, and reported."""
    document = parse(f"P 261443Z FEB 10\nFM AMEMBASSY MOSCOW\n\nS E C R E T\n\nE.O. 12958: DECL: {decl}\n"
                     "TAGS: PREL\nSUBJECT: X\n\n1. (S) Text.\n")
    assert document.header.date is not None and document.header.date.isoformat() == "2010-02-26"
    assert document.header.decl is not None and document.header.decl.kind == kind
    assert ("impossible-decl-date" in [p.code for p in document.problems]) == (kind == "unknown")


@pytest.mark.parametrize(("other", "governing"), [
    ("2. (S//25X1) Text.", "exemption"),            # a paragraph's own field
    ("2. (S//20401231) Text.", "2040-12-31"),
    ("Declassify On: 20401231\n\n2. (S) Text.", "2040-12-31"),  # a classification block in the body
    ("2. (S) Text.\n\nE.O. 12958: DECL: 01/01/2040", "2040-01-01"),  # the E.O. line printed again
    ("2. (S) Text.", "2000-01-01"),                  # one instruction: it governs
])
def test_the_most_restrictive_declassification_instruction_governs(other: str, governing: str) -> None:
    """A document that prints several declassification instructions that disagree is declassified
    by the most restrictive (an exemption, then no date, then the latest date), and says so."""
    document = parse("SECRET//NOFORN\n\nE.O. 12958: DECL: 01/01/2000\nTAGS: PREL\nSUBJECT: X\n\n"
                     f"1. (U) Text.\n\n{other}\n")
    decl = document.header.decl
    assert decl is not None
    assert (decl.kind if decl.date is None else decl.date.isoformat()) == governing
    assert ("conflicting-decl" in [p.code for p in document.problems]) == (governing != "2000-01-01")


def test_a_banner_with_its_own_declassification_field() -> None:
    document = parse("SECRET//20401231\n\nE.O. 12958: DECL: 01/01/2000\nTAGS: PREL\nSUBJECT: X\n\n1. (S) Text.\n")
    assert document.header.decl is not None and document.header.decl.date is not None
    assert document.header.decl.date.isoformat() == "2040-12-31"


@pytest.mark.parametrize(("line", "banner"), [
    ("S e c r e t berlin 000643", "S"), ("C o n f i d e n t i a l section 01 of 04 ankara 000348", "C"),
    ("CONFIDENTIAL SECTION 01 of 03 KUWAIT 000128", "C"), ("SECRET NOFORN", "S//NOFORN"),
    ("S E C R E T BOGOTA 000243 SIPDIS NOFORN", "S//NOFORN"), ("SECRET//20401231", "S"),
    ("C O N F I D E N T I A L BERN 001593 \\", "C"), ("SECRET THE MINISTER WILL DEFECT", "S"),
    ("UNCLAS BEIRUT 01725 \\", "U"), ("UNCLASSIFIED THE MINISTER WILL DEFECT TO THE WEST", None),
    ("Secretary Rice met the minister", None),
])
def test_a_banner_line_the_grammar_does_not_take_still_gives_the_level(line: str, banner: str | None) -> None:
    """Real prints the banner shape misses (lower case, "of" for "OF", controls after a space, a
    declassification field, a mirror's trailing backslash): the first line before the core fields
    that opens with a level is the banner; UNCLASSIFIED only where no prose follows."""
    document = parse(f"{line}\n\nE.O. 12958: DECL: 01/01/2040\nTAGS: PREL\nSUBJECT: X\n\n1. (C) Text.\n")
    assert (document.header.banner.canonical if document.header.banner else None) == banner


def test_a_spreadsheet_exports_line_continuations_are_taken_off() -> None:
    """mirror/06BERN1686 (and 33 other mirror cables) is a spreadsheet export: most lines end with a
    backslash, " \\" for a blank line. Without them blank lines are blank, the page-break line is one,
    the reasons after a blank line are the Classified By line's, and no text keeps a backslash."""
    lines = ["C O N F I D E N T I A L SECTION 01 OF 02 BERN 001686 ", " ", "E.O. 12958: DECL: 09/14/2016 ",
             "TAGS: PREL KNNP CASC SZ", "SUBJECT: SWISS DFA DEPUTY POLDIR ON IRAN ", " ",
             "REF: A. BERN 1593 ", " ", "     ¶B. BERN 1553 ", " ", "BERN 00001686  001.2 OF 002 ", " ", " ",
             "Classified By: Charge d'Affaires, a.i., Carol Urban, reasons ", "1.4 b/d ", " ",
             "1. (C) Summary:  Charge d'Affaires has asked Swiss DFA ", "Deputy Poldir Thalmann to help. "]
    document = parse("\\\n".join(lines) + "\n")
    assert "BERN 1553" in " ".join(document.header.refs)
    assert document.header.reasons == ("b", "d")
    assert [p.marking.canonical if p.marking else None for p in document.portions] == ["C"]
    assert "\\" not in document.portions[0].text
    assert not [f for f in document.header.fields if "\\" in f.text or "001.2 OF 002" in f.text]


def test_a_backslash_ending_a_line_here_and_there_stays() -> None:
    text = "C O N F I D E N T I A L\n\nTAGS: PREL\nSUBJECT: X\n\n1. (C) A path, C:\\TEMP\\\nis cited.\n"
    assert "C:\\TEMP\\" in parse(text).portions[0].text


@pytest.mark.parametrize(("ref", "joined"), [
    ("REF: A. BERN 1593\n\n     ¶B. BERN 1553", True),  # mirror/06BERN1686: the viewer's pilcrow
    ("Ref: a. 05 state 201650\n\n¶B. 05 berlin 3726", True),  # cablegate/08STATE15220
    ("REF:\n\n(A) BUENOS AIRES 1115 (B) BUENOS AIRES 1038", True),  # mirror/08BUENOSAIRES1215
    ("REF: Taipei 405\n\n¶I. BROAD ITEMS OF INTEREST TO ADVISORS AND AGENCY MANAGERS:", False),  # 09AITTAIPEI975
    ("REF: A. STATE 1234\n\nC. THE MINISTER SAID THAT THE PLAN WAS READY", False),
])
def test_after_a_blank_line_a_reference_field_takes_only_its_next_lettered_item(ref: str, joined: bool) -> None:
    """"¶B. BERN 1553" under "REF: A. BERN 1593" and a blank line was a heading withheld under the
    marking of the paragraph below it (about a hundred corpus cables); "I. BROAD ITEMS ..." under a
    reference with no letter, or a letter out of turn, is no reference item."""
    document = parse(f"C O N F I D E N T I A L\n\nTAGS: PREL\nSUBJECT: X\n{ref}\n\n1. (C) Text.\n")
    last = ref.splitlines()[-1].strip()
    in_ref = any(last in f.text for f in document.header.fields if f.name == "ref")
    assert in_ref is joined
    assert any(last in p.text for p in document.portions) is not joined


def test_under_ref_a_one_letter_marking_before_words_is_withheld_as_a_portion() -> None:
    """cablegate/06PARIS1031 letters its references twice ("¶D. (C) EMBASSY PARIS DAILY REPORT FOR
    FEBRUARY 6"). "(C)" under REF is a letter when a message's number is cited right after it
    ("(C) 09 STATE 030541"); before six words and a date it may as well be CONFIDENTIAL, and is
    withheld as a portion (fail closed). The leak scan found its words released in REF."""
    document = parse("C O N F I D E N T I A L\n\nTAGS: PREL\nSUBJECT: X\n"
                     "REF: A. (A) EMBASSY PARIS DAILY REPORT FOR FEBRUARY 17\n\n¶B. 2006\n"
                     "¶C. (B) EMBASSY PARIS DAILY REPORT FOR FEBRUARY 10\n"
                     "¶D. (C) EMBASSY PARIS DAILY REPORT FOR FEBRUARY 6\n\n1. (C) Text.\n")
    cited = "EMBASSY PARIS DAILY REPORT FOR FEBRUARY 6"
    assert not any(cited in f.text for f in document.header.fields)
    held = next(p for p in document.portions if cited in p.text)
    assert held.marking is not None and held.marking.canonical == "C"


@pytest.mark.parametrize("letter", ["B.", "(B)"])
def test_a_reference_letter_before_prose_in_capitals_stays_with_the_references(letter: str) -> None:
    """REF's shape keeps its letters and numbers ("B.", "(B)"): prose in capitals after one is cut
    where the prose starts, not at the letter. (A second pattern of the same name shadowed the
    letters' own from 35dd7a7 on, and the letter went with the prose.)"""
    line = f"REF: A. STATE 1234 {letter} THE MINISTER SAID THAT THE PARTY WILL LEAVE THE COALITION"
    cut = overflow_at(line)
    assert cut is not None and line[cut:].startswith("THE MINISTER")


@pytest.mark.parametrize(("line", "kept"), [
    # a reflowed article: the first paragraph printed after the Run Date's date is no addressing
    ("FROM: NSA Representative to NIPF Working Group Run Date: 04/23/2003 (U) The National Intelligence",
     "FROM: NSA Representative to NIPF Working Group Run Date: 04/23/2003"),
    ('FROM: Wayne Murphy SID CFC Keyworker Run Date: 11/16/2005 "Hey, you there, drop and give me 5!!!" Today',
     "FROM: Wayne Murphy SID CFC Keyworker Run Date: 11/16/2005"),
    ("Run Date: $04 / 23 / 2003$ The article", "Run Date: $04 / 23 / 2003$"),
    # what the block holds: offices and names, each entry with its own marking, and the date
    ("FROM: (C) MENA, S2E21 and (U//FOUO) Anita H. Kulman, Human Language Technology (S23) Run Date: 10/05/2006",
     None),
    ("Run Dates: 02/10/2005 , 02/11/2005 ", None),
    ("FROM: Chief, Collection Strategies (S2)", None),
])
def test_an_articles_addressing_ends_with_its_date(line: str, kept: str | None) -> None:
    cut = overflow_at(line)
    assert (line[:cut].rstrip() if cut is not None else None) == kept


def test_a_line_under_from_is_the_senders_office_only_when_it_reads_as_one() -> None:
    assert continuation_fits("memo_header", "FROM:", "Deputy Director for Analysis and Production")
    assert not continuation_fits("memo_header", "FROM: Jane Doe Run Date: 03/31/2003",
                                 '"Hey, you there, drop and give me 5!!!" Today across the Directorate')
    assert not continuation_fits("memo_header", "FROM:", "(U) The editors said that the program will expand.")


# Another field's name misprinted (a scan lost a letter, a typist slipped, a space split it) after a
# field's text on its line: the field ends before it. Named right, redact.lines cuts before it.
@pytest.mark.parametrize(("line", "kept"), [
    ("TAGS: PREL PGOV UBJECT: KAZAKHSTAN: PRESIDENTIAL ADMINISTRATION HEAD", "TAGS: PREL PGOV"),
    ("REF: ASTANA 2445 UBJECT: PRESIDENTIAL ADMINISTRATION HEAD", "REF: ASTANA 2445"),
    ("REF: ASTANA 2445 BJECT: PRESIDENTIAL ADMINISTRATION HEAD", "REF: ASTANA 2445"),
    ("REF: ASTANA 2445 SUBJFCT: PRESIDENTIAL ADMINISTRATION HEAD", "REF: ASTANA 2445"),
    ("REF: ASTANA 2445 SUB JECT: PRESIDENTIAL ADMINISTRATION HEAD", "REF: ASTANA 2445"),
    ("REF: ASTANA 2445 S UBJECT: PRESIDENTIAL ADMINISTRATION HEAD", "REF: ASTANA 2445"),
    ("REF: ASTANA 2445 SUBJECT - PRESIDENTIAL ADMINISTRATION HEAD", "REF: ASTANA 2445"),
    # the peer's case (mirror/07BUENOSAIRES1673): TAGS with its T lost, after the DECL date
    ("E.O. 12958: DECL: 08/22/2017 AGS: PGOV, PREL, ECON, SOCI, AR", "E.O. 12958: DECL: 08/22/2017"),
    ("REF: STATE 1234 LASSIFIED BY: AMBASSADOR X", "REF: STATE 1234"),
])
def test_a_misprinted_field_name_ends_the_field_before_it(line: str, kept: str) -> None:
    cut = overflow_at(line)
    assert cut is not None and line[:cut].rstrip() == kept


@pytest.mark.parametrize("line", [
    # a field's own name printed right, in quotes (mirror/07ASUNCION396): read as before
    'E.O. 12958: DECL: 04/20/2027 "TAGS: PGOV PREL KDEM ECON AR BO BR CH PA UY VE',
    # a typo in the E.O. line's own word (cablegate/08ISLAMABAD3418)
    "E.O. 12958: DECLl: 10/29/2018",
    # a downgrading instruction, an event in place of a date, tags after the date (the corpora)
    "E.O. 12958: DNG: CO 04/08/2026",
    "E.O. 12958: DECL: TEN YEARS AFTER KOREAN UNIFICATION",
    "E.O. 12958: DECL: 09/21/10 TAGS: PGOV PINS ZI MDC ZANU PF",
    # a subject title holds any words ("TAG?" is no misprinted name there)
    "SUBJECT: CAN SHE DUCK THE LAME TAG?:  BACHELET AT MIDPOINT",
    # country codes that are words elsewhere, and names among tags
    "TAGS: PREL PGOV IN IS TO AS BY",
    "TAGS: OVIP RICE CONDOLEEZZA KISL PGOV PHUM LE SY, IS",
    "TAGS: PHUM, OPRC, IT, HUMAN RIGHTS",
])
def test_what_the_corpora_print_in_these_fields_stays_in_them(line: str) -> None:
    assert overflow_at(line) is None


@pytest.mark.parametrize(("line", "kept"), [
    # a title after the DECL date, with its colon or without (its SUBJECT name lost)
    ("E.O. 12958: DECL: 12/11/2033 KAZAKHSTAN: PRESIDENTIAL ADMINISTRATION HEAD", "E.O. 12958: DECL: 12/11/2033"),
    ("E.O. 12958: DECL: 12/11/2033 PRESIDENTIAL ADMINISTRATION HEAD RAISES CONCERNS",
     "E.O. 12958: DECL: 12/11/2033"),
    # a title's words among tags (mirror/05BRASILIA2231, 06LIMA1452, 04BUENOSAIRES3067)
    ("TAGS: PREL MARR BR UNSC US DISCUSS HAITI AND OTHER ISSUES, 19 AUGUST 2005", "TAGS: PREL MARR BR UNSC US"),
    ("TAGS: PGOV PINR PE RUN-OFF, SEEKS EMBASSY'S ASSISTANCE", "TAGS: PGOV PINR PE"),
    ("TAGS: PHUM PREL AR UNSC MEETINGS WITH AMBASSADOR", "TAGS: PHUM PREL AR UNSC"),
    ("TAGS: PREL PGOV KAZAKHSTAN: PRESIDENTIAL ADMINISTRATION HEAD", "TAGS: PREL PGOV"),
    ("TAGS: PGOV PTER FR VIOLENCE IN SUBURBS: COMMENTS OF TERRORISM", "TAGS: PGOV PTER FR"),
    ("TAGS: PGOV PTER PREL MASS VE RS MORE RUSSIAN RESISTANCE TO DEMARCHE", "TAGS: PGOV PTER PREL MASS VE RS MORE"),
    # three words in a row that are no tags: a title (fail closed: a few cables print tags so,
    # cablegate/05ROME3585 "ITALY NATIONAL ELECTIONS ...", and those are withheld with them)
    ("TAGS: PREL PGOV KZ PRESIDENTIAL ADMINISTRATION HEAD RAISES CONCERNS", "TAGS: PREL PGOV KZ"),
    ("TAGS: PREL PGOV CVIS IT ITALY NATIONAL ELECTIONS ITALIAN POLITICS", "TAGS: PREL PGOV CVIS IT"),
    # a title's short words and an ellipsis (none is printed among the corpora's tags)
    ("TAGS: PGOV PREL ECON SNAR PINR PHUM EAID BL MINISTER OF PRESIDENCY ON COCA,",
     "TAGS: PGOV PREL ECON SNAR PINR PHUM EAID BL"),
    ("TAGS PGOV, ECON, PINR, RS  A CAUCASUS WEDDING", "TAGS PGOV, ECON, PINR, RS"),
    ("TAGS: EAGR ETRD TBIO KSCA TSPL EAID IT EUN ITALY/BIOTEC...", "TAGS: EAGR ETRD TBIO KSCA TSPL EAID IT EUN"),
])
def test_a_title_ends_the_tags_and_the_eo_line(line: str, kept: str) -> None:
    cut = overflow_at(line)
    assert cut is not None and line[:cut].rstrip(" ,") == kept


def test_a_title_under_tags_is_no_tags_even_where_its_first_line_fitted() -> None:
    """mirror/06LIMA1452: "RUN-OFF," alone fits the tags; the line under it shows it opened a title."""
    assert not continuation_fits("tags", "TAGS: PREL MARR BR UNSC US", "DISCUSS HAITI AND OTHER ISSUES, 19 AUGUST 2005")
    assert continuation_fits("tags", "TAGS: PREL PGOV,", "UNMIK")
    header = _header("TAGS: PGOV PINR PE\nRUN-OFF,\nSEEKS EMBASSY'S ASSISTANCE IN CEMENTING DEMOCRATIC COALITION")
    tags = [f for f in header.fields if f.name == "tags"]
    assert [" ".join(f.text.split()) for f in tags] == ["TAGS: PGOV PINR PE"]


@pytest.mark.skipif(not (CORPUS / "mirror").is_dir(), reason="needs ../shared/corpus")
@pytest.mark.parametrize(("name", "title"), [
    ("05BRASILIA2231", "DISCUSS HAITI"), ("06LIMA1452", "RUN-OFF"), ("06LIMA1452", "HUMALA"),
    ("04BUENOSAIRES3067", "MEETINGS WITH AMBASSADOR"),
])
def test_a_lost_subject_names_title_is_not_released_as_tags(tmp_path: Path, name: str, title: str) -> None:
    """Three mirror cables print their subject title under TAGS with its SUBJECT name lost; the
    release copy carried it as tags."""
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "redact", "run", str(CORPUS / "mirror" / f"{name}.txt"), "--out",
                           str(out), "--format", "text", "--as-of", "2026-11-28"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    released = (out / f"{name}.release.txt").read_text(encoding="utf-8")
    assert "TAGS:" in released and title not in released


def test_a_field_after_a_misprinted_name_has_its_own_shape() -> None:
    """mirror/08REYKJAVIK46 with its SUBJECT line joined to TAGS and misprinted: the subject's
    trailing "(U)" is cut off the title as it is from a subject named right (the title alone is
    unmarked: withheld)."""
    header = _header("TAGS: PREL NATO PGOV MK GR IC UBJECT:  Demarche on Use of FYROM for NATO Candidature (U)")
    subject = [f for f in header.fields if "Demarche" in f.text]
    assert [f.name for f in subject] == ["subject"] and "(U)" not in subject[0].text


def test_a_misprinted_subject_line_is_no_address() -> None:
    """mirror/08TRIPOLI642 prints an e-mail's headers above the cable; its "Subject:" misprinted
    ("ubject:") was read as routing and released."""
    document = parse("Sent: Tuesday, August 12, 2008 5:30 PM\nTo: EACTTripoli\nubject: TRIPOLI 642 HANNIBAL GOES "
                     "TO SEA\n\nCONFIDENTIAL\n\nE.O. 12958: DECL: 01/01/2019\nTAGS: PREL\n\n1. (C) Text.\n",
                     doc_type="cable")
    holding = [f.name for f in document.header.fields if "HANNIBAL" in f.text]
    assert holding and "routing" not in holding and "caption" not in holding


def test_without_a_subject_line_the_tags_end_at_their_first_word_that_is_no_tag() -> None:
    """cablegate/05ANKARA1730 with its SUBJECT name lost and its title joined to TAGS: "TURKEY
    ADRIFT" reads as a name among tags; a cable with no SUBJECT line has no such name there."""
    tags = "TAGS: PREL PGOV PINS MARR TU TURKEY ADRIFT"
    lost = [f for f in _header(tags).fields if "ADRIFT" in f.text]
    assert [f.name for f in lost] == ["header_text"]
    kept = [f for f in _header(f"{tags}\nSUBJECT: (U) THE TITLE").fields if "ADRIFT" in f.text]
    assert [f.name for f in kept] == ["tags"]
    # a name in parentheses after OVIP is the tags'
    named = _header("TAGS: OVIP (CLINTON, HILLARY) PREL").fields
    assert [f.name for f in named if "HILLARY" in f.text] == ["tags"]
