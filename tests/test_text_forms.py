"""The same cable in the forms text arrives in: escaped as a JSON string or a database field
("\\n" for a line break), with line breaks escaped here and there, copied from a page's HTML
source (character references) or with no-break spaces. Each reads as the cable it is: the same
header fields, the same portions with the same markings; lines cite the lines of the copy."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from redact import parse
from redact.lines import decode_escaped_breaks, normalise_characters
from redact.model import Document

from .conftest import SEEDS

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def _reading(document: Document) -> tuple[object, ...]:
    """What a reviewer reads in a parse: fields and portions, their words and markings."""
    fields = tuple((f.name, " ".join(f.text.split())) for f in document.header.fields)
    portions = tuple((p.kind, p.number, p.marking.canonical if p.marking else None, " ".join(p.text.split()))
                     for p in document.portions)
    return fields, portions


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)[1:-1]  # what a JSON export holds between its quotes


def _json_ascii(text: str) -> str:
    return json.dumps(text)[1:-1]  # "\u00b6" for the pilcrow


def _entities(text: str) -> str:
    return text.replace("&", "&amp;").replace("¶", "&#182;").replace("'", "&#39;").replace('"', "&quot;")


def _no_break_spaces(text: str) -> str:
    return text.replace(" ", "\u00a0")


FORMS: dict[str, Callable[[str], str]] = {
    "json-string": _json_string, "json-ascii": _json_ascii, "html-source": _entities,
    "no-break-spaces": _no_break_spaces,
}


def _cables() -> list[Path]:
    found = sorted(SEEDS.glob("*.txt"))
    if (CORPUS / "cablegate").is_dir():
        found += sorted((CORPUS / "cablegate").glob("*.txt"))[::40]
        found += sorted((CORPUS / "mirror").glob("*.txt"))[::120]
    return found


@pytest.mark.parametrize("form", sorted(FORMS))
def test_a_cable_reads_the_same_in_every_form(form: str) -> None:
    cables = _cables()
    different = []
    for path in cables:
        text = path.read_text(encoding="utf-8", errors="replace")
        if "\\" in text or "&" in text:
            continue  # the form's own escape characters printed in the cable: not a round trip
        if _reading(parse(FORMS[form](text))) != _reading(parse(text)):
            different.append(path.name)
    assert len(cables) > 2
    assert different == []


def test_an_escaped_string_cites_its_one_line() -> None:
    text = (SEEDS / "08ASTANA2450.txt").read_text(encoding="utf-8")
    document = parse(_json_string(text))
    assert {p.start_line for p in document.portions} == {1}
    assert len(document.portions) == len(parse(text).portions)


@pytest.mark.parametrize(("copy", "field", "expected"), [
    # a field name after an escaped break at the start of the copy
    ("\\nClassified By: Ambassador Richard E. Hoagland for reasons 1.4 (b) and (d)\n\n1. (C) Text.\n",
     "classified_by", "Classified By: Ambassador Richard E. Hoagland for reasons 1.4 (b) and (d)"),
    # one escaped break among real ones
    ("E.O. 12958: DECL: 01/01/2019\nTAGS: PREL, PGOV\\nSUBJECT: ELECTIONS IN THE NORTH\n\n1. (C) Text.\n",
     "subject", "SUBJECT: ELECTIONS IN THE NORTH"),
])
def test_a_field_after_an_escaped_break(copy: str, field: str, expected: str) -> None:
    fields = {f.name: " ".join(f.text.split()) for f in parse(copy).header.fields}
    assert fields[field] == expected


def test_escapes_that_are_no_line_break_stay_as_printed() -> None:
    # an escaped backslash before an "n", and a JSON escape of half a character or a line separator
    assert decode_escaped_breaks("C:\\\\new folder\n2. (U) Text.\n") == ("C:\\\\new folder\n2. (U) Text.\n", ())
    assert decode_escaped_breaks("\\ud83d \\u2028 x\\n\n")[0] == "\\ud83d \\u2028 x\n\n"


def test_references_that_would_make_a_line_or_no_word_stay_as_printed() -> None:
    assert normalise_characters("a&#10;b &#13; &notes AT&T; &#8217;") == "a&#10;b &#13; &notes AT&T; \u2019"
    assert normalise_characters("x&nbsp;y\u2009z\u00a0w") == "x y z w"


HEADER = "CONFIDENTIAL\n\nSUBJECT: (U) TALKS\n"


@pytest.mark.parametrize(("printed", "marking", "lines"), [
    # a page (a browser printing a reflowed copy) wrapped the first paragraph's number and marking
    ("Classified By: Counselor R. Albright for reasons 1.4 (b) and (d) 1.\n(C/NF) Summary. The party plans it.\n",
     "C//NOFORN", [4, 7]),
    ("\n1.\n(C) The minister will resign.\n", "C", [5, 8]),  # the number alone on its line
    ("\n**¶1.**\n(S//NF) The minister will resign.\n", "S//NOFORN", [5, 8]),
])
def test_a_paragraph_number_wrapped_before_its_marking_reads_with_it(printed: str, marking: str,
                                                                     lines: list[int]) -> None:
    """The marking is read as the paragraph's; the paragraphs still start on the lines printed."""
    document = parse(HEADER + printed + "\n2. (U) Plain text.\n")
    first = document.portions[0]
    assert (first.number, first.marking.canonical if first.marking else None) == ("1", marking)
    assert [p.start_line for p in document.portions] == lines


def test_a_number_that_ends_a_sentence_keeps_the_marking_below_it_on_its_own_line() -> None:
    """After running text (not a header field), "11." ends a sentence: the line below opens a
    portion of its own in an article, and the number stays the sentence's."""
    document = parse("# (U) Title\n\nFROM: Jane Doe\nRun Date: 07/17/2003\n(S) The victims of September 11.\n"
                     "(U) Plain text.\n")
    assert [(p.number, p.marking.canonical if p.marking else None, p.text) for p in document.portions][-2:] == \
        [(None, "S", "(S) The victims of September 11."), (None, "U", "(U) Plain text.")]
