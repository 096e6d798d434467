"""The cable grammar's tokens: whole line shapes, read back into their parts.

A numbered, marked paragraph with the blank lines before it and the plain lines
after it is one token; the reader splits it with the grammar's own part
definitions. These tests pin that shape, which keeps the parser's work small.
"""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from lark.exceptions import UnexpectedInput

from redact.lalr import Driver, Unfit
from redact.parse import _items, _reader, normalise_newlines, parse, split_run_on_lines

from .conftest import SHARED, TESTS, seed_path

HEADER = "S E C R E T SECTION 01 OF 02 AMMAN 001288\n\nE.O. 12958: DECL: 02/19/2014\nTAGS: PREL\nSUBJECT: X\n"


def _token_types(text: str) -> list[str]:
    tree = _reader("cable").lark.parse(text, start="start")
    return [token.type for token in tree.children]  # type: ignore[union-attr]


def test_a_marked_paragraph_with_its_blank_lines_and_wrapped_lines_is_one_token() -> None:
    text = HEADER + "\n\n**¶1.** (S) First line of the paragraph\nand its second line.\n"
    assert _token_types(text)[-1] == "MARKED_PARAGRAPH"
    assert _token_types(text).count("MARKED_PARAGRAPH") == 1
    item = _items(text)[-1]
    assert (item.kind, item.lead, item.marking) == ("para", "**¶1.** ", "(S)")
    assert item.text == " First line of the paragraph\nand its second line.\n"
    assert _items(text)[-2].kind == "blank"  # the blank lines are still seen by the assembler


def test_a_block_marking_needs_a_blank_line_before_it() -> None:
    after_blank = HEADER + "\n1. (C) One.\n\n(S) A block of its own.\n"
    inside_block = HEADER + "\n1. (C) One.\n(B) STATE 1234 is a reference.\n"
    assert _token_types(after_blank)[-1] == "BLOCK_MARKING"
    assert "BLOCK_MARKING" not in _token_types(inside_block)


def test_a_divider_ends_a_block_as_a_blank_line_does() -> None:
    """A title under a line of dashes ("-----\n(U) Opening remarks\n-----") is a portion with its
    marking, not unmarked text; a reference "(B) STATE 1234" there, or a list label, stays text."""
    text = HEADER + "\n1. (C) One.\n\n--------------------\n(U) Opening remarks\n--------------------\n\n2. (S) Two.\n"
    document = parse(text)
    assert [(p.kind.value, p.marking.text if p.marking else None) for p in document.portions] == [
        ("paragraph", "(C)"), ("paragraph", "(U)"), ("paragraph", "(S)")]
    assert not document.problems
    for line in ("(B) STATE 1234 is a reference.", "(a) a list item", "(in millions of dollars)"):
        other = parse(HEADER + f"\n1. (C) One.\n\n-----------\n{line}\n")
        assert all(p.marking is None or p.marking.text != line.split(" ")[0] for p in other.portions[1:])


def test_a_heading_with_its_rule_that_wraps_is_one_heading() -> None:
    """A reflowed heading with its rules on its line ("----- TITLE -----"), wrapped by a printed
    page onto a second line that ends with the rule (mirror/06SAOPAULO251 printed): a heading,
    which takes the markings of what it heads; a block that does not end with a rule, or a third
    line, stays an unmarked portion."""
    def portions(block: str) -> list[tuple[str, str | None]]:
        document = parse(HEADER + f"\n1. (U) One.\n\n{block}\n\n2. (U) Two.\n")
        return [(p.kind.value, p.effective.canonical if p.effective else None) for p in document.portions]

    wrapped = '-' * 45 + ' ----- BRAZILIAN SPACE FLIGHT IS A\nMERE "PUBLICITY STUNT" -------'
    assert portions(wrapped) == [("paragraph", "U"), ("heading", "U"), ("paragraph", "U")]
    assert portions("=======================CABLE\nENDS============================")[1] == ("heading", "U")
    for block in ("----- BRAZILIAN SPACE FLIGHT IS A\nMERE PUBLICITY STUNT", wrapped + "\nAND A THIRD LINE ----"):
        assert portions(block)[1] == ("text", None)


def test_a_title_case_heading_that_wraps_is_one_heading() -> None:
    """"Energy Commission Fears Problems Unless GOS Increases" / "Electricity Charges" (mirror/
    08MADRID1003; a web page prints it on one line): a heading, and the heading before it heads
    only what lies between them. Two lines that list, address, date or tabulate ("Embassy
    Reykjavik" / "Cdr. Patrick Geraghty", "From: ..." / "Friday, April 4, 2003"), capitals alone
    ("END TEXT" / "RICE"), or prose stay an unmarked portion."""
    def portions(block: str) -> list[tuple[str, str | None]]:
        document = parse(HEADER + f"\nReturn Incentive Approved\n\n1. (U) One.\n\n{block}\n\n2. (C) Two.\n")
        return [(p.kind.value, p.effective.canonical if p.effective else None) for p in document.portions]

    title = "Energy Commission Fears Problems Unless GOS Increases\nElectricity Charges"
    # (the first heading also takes the banner, SECRET, as what comes before it)
    assert portions(title) == [("heading", "S"), ("paragraph", "U"), ("heading", "C"), ("paragraph", "C")]
    for block in ("Embassy Reykjavik\nCdr. Patrick Geraghty", "From: SIGINT Communications\nFriday, April 4, 2003",
                  "END TEXT\nRICE", "Index\nRanking       Year", "The Commission Fears Problems\nand said so."):
        assert portions(block) == [("heading", "S"), ("paragraph", "U"), ("text", None), ("paragraph", "C")], block


def test_a_date_wrapped_to_the_start_of_a_line_is_no_paragraph() -> None:
    """"... met the minister on June\n¶11. He said ..." (a mirror prints the day as a paragraph
    number): the rest of paragraph 3, not an unmarked paragraph 11. The next number, a blank line,
    a marking or a finished sentence before it keep a paragraph."""
    def shapes(body: str) -> list[tuple[str | None, str | None, int, int]]:
        return [(p.number, p.marking.text if p.marking else None, p.start_line, p.end_line)
                for p in parse(HEADER + "\n" + body).portions]

    assert shapes("¶3. (U) The Ambassador met the minister on June\n¶11. He said the talks went well.\n") == [
        ("3", "(U)", 7, 8)]
    assert [s[:2] for s in shapes("¶3. (U) He met the minister on June\n¶4. The talks went well.\n")] == [
        ("3", "(U)"), ("4", None)]
    assert [s[:2] for s in shapes("¶3. (U) He met the minister.\n¶11. The talks went well.\n")] == [
        ("3", "(U)"), ("11", None)]
    assert [s[:2] for s in shapes("¶3. (U) He met the minister on June\n\n¶11. The talks went well.\n")] == [
        ("3", "(U)"), ("11", None)]
    assert [s[:2] for s in shapes("¶3. (U) He met the minister on June\n¶11. (C) The talks went well.\n")] == [
        ("3", "(U)"), ("11", "(C)")]


def test_a_heading_with_its_underline_on_its_line_is_a_heading() -> None:
    """A reflowed copy prints a heading's underline on the heading's line ("ELECTION POLL: LULA
    LEADS AGAIN -----"): a heading, which takes the markings of what it heads, not unmarked text."""
    text = HEADER + ("\n1. (U) One.\n\nELECTION POLL: LULA LEADS AGAIN AFTER FIVE MONTHS "
                     "----------------------------------------\n\n2. (U) Two.\n")
    heading = parse(text).portions[1]
    assert heading.kind.value == "heading" and heading.effective is not None and heading.effective.text == "(U)"


@pytest.mark.parametrize(("line", "kind"), [
    ("NOTE BY OC/T: THE MINISTER SAID HE WILL DEFECT.", "text"),  # a sentence: two function words, a stop
    ("THE MINISTER SAID THAT HE WOULD DEFECT TO THE WEST", "text"),  # four function words
    ("WHAT WILL THE U.S. DO ABOUT IRAN?", "heading"),  # real headings and titles ask
    ("QADHAFI SAYS THE LIBYAN PEOPLE WILL DECIDE", "heading"),
])
def test_a_line_in_capitals_that_reads_as_a_sentence_is_no_heading(line: str, kind: str) -> None:
    """A heading takes the markings around it; a sentence in capitals after (U) paragraphs took
    their (U) and was released. It is unmarked text (withheld) instead."""
    portions = parse(HEADER + f"\n1. (U) One.\n\n2. (U) Two.\n\n{line}\n").portions
    assert portions[-1].kind.value == kind


def test_titled_entire_and_subparagraph_parts() -> None:
    text = HEADER + "\n1. CONFIDENTIAL - ENTIRE TEXT.\n\n2. Summary (C)\nA. (S) Part.\n"
    kinds = [(i.kind, i.lead.strip(), i.marking) for i in _items(text) if i.kind in ("entire", "titled", "sub")]
    assert kinds == [("entire", "1.", None), ("titled", "2.", None), ("sub", "A.", "(S)")]


def test_line_numbers_count_the_blank_lines_a_token_carries() -> None:
    text = HEADER + "\n\n\n3. (C) Third.\n"
    document = parse(text)
    assert document.portions[-1].start_line == text.count("\n")


def test_a_seed_cable_has_far_fewer_tokens_than_lines() -> None:
    text = normalise_newlines(seed_path("08ASTANA2450").read_text(encoding="utf-8"))
    assert len(_token_types(text)) < text.count("\n") / 2


def test_a_token_whose_parts_cannot_be_read_fails_closed(monkeypatch) -> None:
    import re

    reader = _reader("cable")
    kind, _, marked = reader.parts["MARKED_PARAGRAPH"]
    monkeypatch.setitem(reader.parts, "MARKED_PARAGRAPH", (kind, re.compile(r"(?!)"), marked))
    document = parse(HEADER + "\n1. (U) Released text.\n")
    assert [p.code for p in document.problems] == ["parse-error"]
    assert len(document.portions) == 1 and document.portions[0].marking is None


# Inputs on which a regular expression once backtracked for seconds to years: long runs of
# spaces before a line's first word (quadratic), and a long capitalised word before a
# lower-case letter, which the heading pattern could split in astronomically many ways.
PATHOLOGICAL = """
from redact import parse
spaces = " " * 8000
for text in (spaces + "x", "TAGS: X\\n" + spaces + "x", "1. (C) a\\n" + spaces + "x",
             "1. (C) a\\n\\n" + spaces + "x", "MEMORANDUM FOR X\\n" + spaces + "x",
             "VZCZC\\n" + spaces + "(S) x", "SECRET\\nTAGS: X\\nREF: Y\\n" + spaces + "(S) a b c",
             " CLASSIFIED BY" * 2000, "1. (C) a.\\n\\n" + "A" * 80 + "a!",
             "1. (C) a.\\n\\n" + ("B" * 60 + "c! ") * 50):
    parse(text)
print("done")
"""


def test_pathological_lines_parse_in_bounded_time() -> None:
    import subprocess
    import sys

    # A hang guard, not a speed test: fixed, these take well under a second each; broken, the
    # heading case alone runs for years. The limit leaves room for any slow machine.
    result = subprocess.run([sys.executable, "-c", PATHOLOGICAL], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "done"


# Every line shape at 100 KB, in the header and in the body. Each once took from 17 s to over a
# minute (the banner split, and the search for paragraphs printed mid-line, were quadratic).
HUNDRED_KB_LINES = """
from redact import parse
shapes = ["SECRET//" + "A " * 50000, "S E C R E T " + "SECTION 01 OF 02 " * 6000,
          "E.O. 12958: DECL: " + "1/1/2020 " * 11000, "TAGS: " + "PREL " * 20000,
          "SUBJECT: " + "(S) A " * 17000, "REF: " + "A. STATE 1234 " * 7000,
          "Classified By: " + "Amb X reasons 1.4 (b) and (d) " * 3300, "1. (C) " + "word " * 20000,
          "1) (C) " + "(S//NF " * 14000, "(" * 100000, "1. " * 33000, "*" * 100000, " " * 100000 + "x",
          "-" * 100000, "1. C) " + "C) " * 33000, "A" * 100000 + "a!", "Classified By: X. " + "1.4 (b) (C) " * 9000,
          "ASTANA 00002450 002 OF 003 " * 4000, "1. (U) x " + "(S/ " * 25000, "TAGS: " + "a" * 100000,
          "SUBJECT: " + "a" * 100000, "Classified By: " + "a" * 100000, "REF: " + "a" * 100000,
          "TAGS: " + "ab " * 33000, "REF: A. " + "(C) " * 25000]
for line in shapes:
    parse(line + "\\n\\nSUBJECT: X\\n\\n1. (U) y.\\n")
    parse("SUBJECT: X\\n\\n1. (U) y.\\n\\n" + line + "\\n")
# 100 KB of short lines under each header field (each line was checked against the whole field)
for head, line in [("REF: A. STATE 1", "B. STATE 2"), ("TAGS: PREL", "PGOV PREL"), ("SUBJECT: X", "MORE TITLE"),
                   ("Classified By: X", "for the reasons")]:
    parse("SECRET\\n\\nE.O. 12958: DECL: 01/01/2030\\n" + head + "\\n" + (line + "\\n") * 12000 + "\\n1. (U) y.\\n")
print("done")
"""


def test_hundred_kilobyte_lines_of_every_shape_parse_in_bounded_time() -> None:
    import subprocess
    import sys

    # A hang guard: 38 parses take a few seconds in all; one quadratic pattern takes minutes.
    result = subprocess.run([sys.executable, "-c", HUNDRED_KB_LINES], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "done"


def _lark_tokens(text: str, doc_type: str) -> list[tuple[str, int, int, int]] | tuple[str, int]:
    try:
        tree = _reader(doc_type).lark.parse(text, start="start")
    except UnexpectedInput as error:
        return ("error", error.line)
    return [(str(t.type), t.start_pos, t.end_pos, t.line) for t in tree.children]  # type: ignore[union-attr]


def _driven_tokens(text: str, doc_type: str) -> list[tuple[str, int, int, int]] | tuple[str, int]:
    driver = _reader(doc_type).driver
    assert driver is not None, "the LALR driver no longer fits this Lark version's internals"
    try:
        return [tuple(token) for token in driver.tokens(text)]  # type: ignore[misc]
    except UnexpectedInput as error:
        return ("error", error.line)


def _corpus_texts() -> list[str]:
    corpus = SHARED / "corpus"
    paths = [*sorted((corpus / "cablegate").rglob("*.txt")), *sorted((corpus / "mirror").rglob("*.txt")),
             *sorted((corpus / "sidtoday").rglob("*.txt")), *sorted((TESTS / "hostile").glob("*.txt"))]
    return [p.read_text(encoding="utf-8", errors="replace") for p in paths if p.name != "README.txt"]


def test_the_driver_reads_exactly_the_tokens_lark_reads() -> None:
    """redact.lalr runs Lark's own tables without a tree: the same tokens (type, span, line) on
    every document of the three corpora and the hostile catalogue, under both grammars."""
    texts = _corpus_texts()
    assert len(texts) > 4000
    differ = []
    for text in texts:
        lines = split_run_on_lines(normalise_newlines(text)).text
        for doc_type in ("cable", "memo"):
            if _driven_tokens(lines, doc_type) != _lark_tokens(lines, doc_type):
                differ.append((doc_type, lines[:80]))
    assert differ == []


def test_the_driver_rejects_what_lark_rejects_at_the_same_line() -> None:
    """Random lines of markings, numbers, header words and stray characters, with and without a
    final newline: where Lark fails the driver fails at the same line, else the same tokens."""
    pieces = ["1. (S) text\n", "(C) x\n", "\n", "   \n", "TAGS: PREL\n", "SUBJECT: X\n", "-----\n",
              "E.O. 12958: DECL: 1/1/2020\n", "A. (U) sub\n", "plain words\n", "(S)", "\r", "\x0c",
              "ASTANA 00002450 002 OF 003\n", "S E C R E T\n", "\u2028", "¶", "x"]
    generator = random.Random(7)
    failures = 0
    for _ in range(3000):
        text = "".join(generator.choice(pieces) for _ in range(generator.randint(0, 12)))
        for doc_type in ("cable", "memo"):
            expected = _lark_tokens(text, doc_type)
            failures += isinstance(expected, tuple)
            assert _driven_tokens(text, doc_type) == expected, repr(text)
    assert failures > 100  # the comparison saw rejections, not only readings


def test_without_the_driver_lark_parse_reads_the_same_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """A Lark whose internals the driver does not know: the reader falls back to Lark.parse."""
    text = seed_path("08ASTANA2450").read_text(encoding="utf-8")
    driven = parse(text)
    monkeypatch.setattr(_reader("cable"), "driver", None)
    assert parse(text) == driven


def test_no_lexer_of_either_grammar_has_callbacks() -> None:
    """The driver builds a lexer's scanner when a text first needs it, and runs no callbacks (Lark
    retypes a token with one where a string terminal collides with a pattern): every lexer of
    both grammars, built here, has none, so the driver reads every state as Lark does."""
    for doc_type in ("cable", "memo"):
        driver = Driver.of(_reader(doc_type).lark)
        assert driver is not None
        for state in driver.lexers:
            driver.scanner(state)
        assert driver.scanners.keys() == driver.lexers.keys()


def test_a_lexer_with_callbacks_sends_the_text_to_lark(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where a lexer has callbacks after all (another Lark, another grammar), the driver says so
    when it first builds that lexer, and the reader parses with Lark itself: the same document."""
    text = seed_path("08ASTANA2450").read_text(encoding="utf-8")
    expected = parse(text)
    reader = _reader("cable")
    driver = Driver.of(reader.lark)
    assert driver is not None
    lexer = next(iter(driver.lexers.values()))

    with_callbacks = SimpleNamespace(scanner=lexer.scanner, callback={"TEXT": lambda token: token})
    driver.lexers = dict.fromkeys(driver.lexers, with_callbacks)
    monkeypatch.setattr(reader, "driver", driver)
    with pytest.raises(Unfit):
        driver.tokens(text)
    assert parse(text) == expected
    assert reader.driver is None  # Lark parses from now on in this process (the test undoes it)


def test_a_lexer_split_into_several_patterns_reads_the_same_tokens() -> None:
    """Lark splits a lexer's terminals over several patterns where Python's expressions limit their
    groups (as they once did): the driver then tries each in turn, as Lark does, and reads the same
    tokens. Here each lexer is split three terminals a pattern."""
    reader = _reader("cable")
    whole = Driver.of(reader.lark)
    split = Driver.of(reader.lark)
    assert whole is not None and split is not None
    split.lexers = {state: SimpleNamespace(scanner=SimpleNamespace(_mres=lexer.scanner._build_mres(
        lexer.scanner.terminals, 3)), callback={}) for state, lexer in split.lexers.items()}
    texts = [split_run_on_lines(normalise_newlines(seed_path(name).read_text(encoding="utf-8"))).text
             for name in ("08ASTANA2450", "09ASTANA1444")]
    for text in texts:
        assert split.tokens(text) == whole.tokens(text)
    assert any(len(scanner) > 1 for scanner in split.scanners.values())


def test_a_marking_printed_inside_a_paragraph_and_cut_by_a_line_break_is_read_whole() -> None:
    """"(CONFIDENTIAL//REL AUSTRALIA" / "GROUP)" (mirror/09STATE67207 as a printout wraps it): the
    marking of one line, not an unreadable one (TOP SECRET) over the paragraph and its items.
    What one line could not print whole stays unreadable: wrapping does not make a marking
    readable; neither does a rest that is no marking."""
    def levels(paragraph: str) -> list[str | None]:
        document = parse(HEADER + f"\n5. (C) {paragraph}\n-- An item.\n")
        return [p.effective.canonical if p.effective else None for p in document.portions]

    # (a release to a group restricts nothing more than the paragraph's (C) already does)
    assert levels("Begin talking points: (CONFIDENTIAL//REL AUSTRALIA\nGROUP) We look forward.") == ["C", "C"]
    assert levels("It said: (SECRET//\nNOFORN) the plan.") == ["S//NOFORN"] * 2
    too_long = "Points: a. (S//REL AS, CA, FR, GM, IS, IT,\nJP, ROK, and UK) FOR ALL:"
    for paragraph in (too_long, "It said: (SECRET//\nXYZZY 123) the plan."):
        assert levels(paragraph) == ["UNRECOGNISED"] * 2
    assert levels(too_long.replace(",\nJP", ", JP")) == ["UNRECOGNISED"] * 2  # the same on one line


def test_a_page_break_line_wrapped_after_its_post_name_is_a_page_break() -> None:
    """A page narrower than a reflowed line wraps its page-break line: "... REF: 08 STATE 74840
    TRIPOLI" / "00000772 001.2 OF 003 1.The following ..." (a webpage print of mirror/09TRIPOLI772),
    or after the document number, "... TRIPOLI 00000269" / "001.2 OF 003 1.The ..." (a printout; a
    mirror copy, 09TRIPOLI268, prints it so in its text). The rest of the page-break line is a page
    break, and paragraph 1 and its items are read as printed, not one unmarked block; lines cite
    the lines the reviewer sees."""
    head = "UNCLAS TRIPOLI 000772\n\nTAGS: KFRD CVIS\n\nSUBJECT: FRAUD SUMMARY REF: 08 STATE 74840 TRIPOLI"
    items = "a. COUNTRY CONDITIONS: Fraud Level: Low.\n\nb. NIV FRAUD: Little fraud.\n"
    for rest in ("\n00000772 001.2 OF 003 1.The following responses are keyed to reftel.\n\n",
                 " 00000772\n001.2 OF 003 1.The following responses are keyed to reftel.\n\n"):
        document = parse(head + rest + items)
        assert [(p.kind.value, p.number, p.start_line) for p in document.portions] == [
            ("paragraph", "1", 6), ("subparagraph", "a", 8), ("subparagraph", "b", 10)], rest
        assert "OF 003" not in "".join(p.text for p in document.portions)
    real = (SHARED / "corpus" / "mirror" / "09TRIPOLI268.txt").read_text(encoding="utf-8")
    assert "\n001.2 OF 003 1.\n" in real
    labels = [p.number for p in parse(real).portions if p.kind.value == "subparagraph"]
    assert labels[:3] == ["a", "b", "c"] and len(labels) == 13
    # A page number alone is zero-padded; "12 OF 20 delegates" opens no page break.
    document = parse(HEADER + "\n1. (U) The vote:\n12 OF 20 delegates agreed.\n")
    assert [p.text for p in document.portions] == ["1. (U) The vote:\n12 OF 20 delegates agreed."]


def test_a_lettered_list_label_inside_a_paragraph_is_no_marking() -> None:
    """"(U) ... post cannot ensure (a) their safe conduct ...; (b) their future safety ...; or (c)
    their entry ..." (cablegate/09STATE119085 paragraph 42): "(c)" goes on the list, so the
    paragraph stays (U). A "(c)" or "(C)" that follows no "(b)", or repeats its letter, still
    raises the paragraph (fail closed), as the release verifier reads it too."""
    def level(paragraph: str) -> str | None:
        portion = parse(HEADER + f"\n42. (U) {paragraph}\n").portions[0]
        return portion.effective.canonical if portion.effective else None

    assert level("Post cannot ensure (a)\ntheir safe conduct; (b)\ntheir safety; or (c)\ntheir entry.") == "U"
    assert level("It (A) will be used; (B) will be sold; or (C) Will be stored.") == "U"
    assert level("As defined in paragraph (c) of this section.") == "C"
    assert level("Items (a) and (b) follow. (C) The talks failed.") == "C"  # a list in lower case
    assert level("(a) one; (b) two; (c) three; (c) the plan.") == "C"
    assert level("(R) one; (S) the plan.") == "U"
    assert level("(Q) one; (S) the plan.") == "S"


def test_a_heading_before_paragraph_one_takes_the_banner_as_what_comes_before() -> None:
    """An unmarked line never takes its marking from what follows alone: at the top of the body,
    what comes before it is the header, whose banner gives the document's level (it took (U) from
    a (U) paragraph 1 in a CONFIDENTIAL cable, and was released). In an unclassified cable the
    heading is (U); with no banner, nothing before it can be read: it is withheld (fail closed)."""
    def first(banner: str) -> str | None:
        portion = parse(f"{banner}\n\nTAGS: PREL\nSUBJECT: X\n\nSUMMARY\n\n1. (U) One.\n").portions[0]
        assert portion.kind.value == "heading"
        return portion.effective.canonical if portion.effective else None

    assert first("C O N F I D E N T I A L") == "C"
    assert first("UNCLAS") == "U"
    assert first("S E C R E T//NOFORN") == "S//NOFORN"
    assert first("") == "UNRECOGNISED"


def test_an_entire_text_marking_below_the_banner_takes_the_banner() -> None:
    """"UNCLASSIFIED - ENTIRE TEXT" under a SECRET banner contradicts it: the higher governs, and
    the parser says so. An entire-text marking that agrees with the banner stays as printed."""
    body = "\n1. {} - ENTIRE TEXT.\n\n2. The minister said so.\n"
    raised = parse("S E C R E T\n\nTAGS: PREL\nSUBJECT: X\n" + body.format("UNCLASSIFIED"))
    assert [p.effective.canonical for p in raised.portions if p.effective] == ["S", "S"]
    assert [p.code for p in raised.problems] == ["entire-text-below-banner"]
    agreed = parse("C O N F I D E N T I A L\n\nTAGS: PREL\nSUBJECT: X\n" + body.format("CONFIDENTIAL"))
    assert [p.effective.canonical for p in agreed.portions if p.effective] == ["C", "C"] and not agreed.problems
