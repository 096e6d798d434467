"""Property-based tests over generated cables and policies (hypothesis, fixed seed)."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redact import Context, decide, parse
from redact.model import Level
from redact.pipeline import Options, render_outputs
from redact.policy import Condition, Default, Policy, ResolvedRule, Rule, Source
from redact.verify import Checker, Prepared, Withheld, html_source, verify_bytes, verify_release, words

SETTINGS = settings(max_examples=150, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow])
MARKINGS = ["(U)", "(C)", "(S)", "(TS)", "(SBU)", "(S//NF)", "(C/REL NATO)", "(U//FOUO)", "( c )",
            "(Iran)", "(S-NF)", "(X)", "(TS//SI//NF)"]
WORDS = st.sampled_from([
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
    "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
    "uniform", "victor", "whiskey",
])
FEW_WORDS = st.sampled_from(["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel"])
LEADS = ["¶{n}. ", "{n}. ", "**¶{n}.** ", "[1](#){n}. ", "", "-- ", "A. "]


@st.composite
def cables(draw: st.DrawFn) -> str:
    parts = ["SUBJECT: " + " ".join(draw(st.lists(WORDS, min_size=1, max_size=5))).upper(), ""]
    for n in range(1, draw(st.integers(1, 7)) + 1):
        lead = draw(st.sampled_from(LEADS)).format(n=n)
        marking = draw(st.one_of(st.none(), st.sampled_from(MARKINGS)))
        text = " ".join(draw(st.lists(WORDS, min_size=1, max_size=30)))
        parts.append(f"{lead}{marking + ' ' if marking else ''}{text}.")
        if draw(st.booleans()):
            parts.append("")
    return "\n".join(parts) + "\n"


CONDITIONS = st.sampled_from([
    {}, {"level": "U"}, {"level": "S"}, {"level_at_most": "C"}, {"level_at_least": "S"},
    {"controls_any": ["NOFORN"]}, {"controls_none": ["SBU"]}, {"kind": "heading"}, {"kind": "subparagraph"},
    {"unmarked": True}, {"unrecognised": True}, {"text_matches": "alpha"}, {"inherited": True},
    {"releasable_to": "NATO"},
])


@st.composite
def policies(draw: st.DrawFn) -> Policy:
    rules = []
    for i in range(draw(st.integers(0, 6))):
        action = draw(st.sampled_from(["release", "withhold"]))
        rule = Rule(id=f"r{i}", when=Condition(**draw(CONDITIONS)), action=action,
                    label="(b)(1)" if action == "withhold" else None)
        rules.append(ResolvedRule(rule, Source("generated", i + 1)))
    default_action = draw(st.sampled_from(["release", "withhold"]))
    default = Default(action=default_action, label="(b)(1)" if default_action == "withhold" else None)
    return Policy(name="generated", description="", ceiling=draw(st.sampled_from(list(Level))),
                  default=default, default_source=Source("generated", 0), rules=tuple(rules), fields=(),
                  spans=(), files=("generated",))


@SETTINGS
@given(st.text(max_size=400))
def test_parsing_never_raises_on_any_text(text: str) -> None:
    parse(text)


@SETTINGS
@given(cables(), policies())
def test_nothing_above_the_ceiling_nor_unmarked_nor_unrecognised_is_released(text: str, policy: Policy) -> None:
    document = parse(text)
    decisions = decide(document, policy, Context(as_of=date(2026, 11, 23)))
    rules = {r.rule.id: r.rule for r in policy.rules}
    for portion, decision in zip(document.portions, decisions.portions, strict=True):
        if decision.withheld:
            continue
        rule = rules.get(decision.rule_id)
        if portion.marking is None:
            assert rule is not None and rule.when.unmarked
        elif not portion.marking.recognised:
            assert rule is not None and rule.when.unrecognised
        else:
            assert portion.marking.level <= policy.ceiling


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(cables(), policies())
def test_every_output_format_passes_verification_and_holds_no_withheld_portion(text: str, policy: Policy) -> None:
    document = parse(text, doc_id="GEN")
    decisions = decide(document, policy, Context(as_of=date(2026, 11, 23)))
    options = Options(out_dir=Path("unused"), formats=("html", "text"), as_of=date(2026, 11, 23))
    _, rendered = render_outputs(document, decisions, policy, options)
    for fmt, data in rendered.items():
        assert verify_release(data, fmt, document, decisions).ok


@SETTINGS
@given(st.lists(WORDS, min_size=1, max_size=40), st.text(max_size=200), st.integers(0, 200))
def test_verification_never_passes_text_that_contains_the_withheld_words(secret_words, noise, cut) -> None:
    secret = " ".join(secret_words)
    copy = (noise[:cut] + " " + secret.upper() + " " + noise[cut:]).encode()
    assert not verify_bytes(copy, "text", [Withheld("portion", secret)], "").ok


# Element and attribute names as one left-to-right pattern cuts them (the plain way, which scanned
# every position for an attribute name; redact.verify finds names from their "=" instead).
_MARKUP_NAMES = re.compile(r"</?[A-Za-z][\w:.-]*|[\w:.-]+[ \t\n]*=")


@given(st.text(alphabet="ab9é:.-=_ \t\n<>/\"'&;#", max_size=60))
@settings(max_examples=3000, deadline=None, derandomize=True)
def test_markup_names_are_cut_as_the_plain_pattern_cuts_them(markup: str) -> None:
    """The verifier's HTML-source reading drops element and attribute names and keeps every other
    word, exactly as the plain pattern does."""
    expected = unescape(_MARKUP_NAMES.sub(" ", markup))
    assert words(html_source(markup.encode())) == words(expected)


_INSTRUCTION_PIECES = ["E", "O", "e", "o", ".", " ", ":", "\n", "12958", "//", "20401231", "X1", "DECL", "EXECUTIVE",
                       "Executive", "ORDER", "Order", "DECLASSIFY", "Declassify", "declassify", "ON", "On", "on",
                       "SECRET"]


def test_no_declassification_instruction_is_skipped_by_its_hints() -> None:
    """The header reader tries the instruction pattern only at the start of a line that holds one
    of its hints (for speed): every line the pattern matches holds one. Every text of up to four
    pieces of the instruction shapes is tried."""
    from itertools import product

    from redact.header import INSTRUCTION_HINTS, INSTRUCTION_LINE

    def missed(text: str) -> bool:
        for match in INSTRUCTION_LINE.finditer(text):
            end = text.find("\n", match.start())
            line = text[match.start():end if end >= 0 else len(text)]
            if not any(hint in line for hint in INSTRUCTION_HINTS):
                return True
        return False

    assert [text for size in range(1, 5) for text in map("".join, product(_INSTRUCTION_PIECES, repeat=size))
            if missed(text)] == []


@pytest.mark.parametrize("line", [
    "E.O. 12958: DECL: 1/1/2040", "EO12958 DECL", "E O 12958 DECL: X", "E. O. 13526 Decl: 2040",
    "EXECUTIVE ORDER 12958: DECL", "Executive Order 13526, decl. 2040", "Declassify On: 20401231",
    "DECLASSIFY ON: 25X1", "declassify on 20401231", "SECRET//NOFORN//20401231"])
def test_every_instruction_shape_has_a_hint(line: str) -> None:
    from redact.header import INSTRUCTION_HINTS, INSTRUCTION_LINE

    assert INSTRUCTION_LINE.search(line) is not None and any(hint in line for hint in INSTRUCTION_HINTS)



@SETTINGS
@given(st.text(alphabet=st.characters(codec="ascii"), max_size=200) | st.text(max_size=200))
def test_lower_words_are_the_word_expression_s_finds(text: str) -> None:
    """The byte-table cut of ASCII text finds what the expression finds (and other text goes to it)."""
    from redact.shapes import WORD, lower_words

    assert lower_words(text) == WORD.findall(text.lower())


# Text where spaces of every kind, sentence ends, debris and rules meet.
_PIECES = st.sampled_from([" ", "\t", "\n", "\u00a0", "\u2003", "\u3000", "\x1c", "\u200b", ".", ":", ")", "]",
                           "'", '"', "?", "-", "---", "**", "[1](#)", "[a b](#)", "&amp;", "word", "WORD", "(S)"])


@SETTINGS
@given(st.lists(_PIECES, max_size=30).map("".join) | st.text(max_size=120))
def test_the_fast_readings_of_a_line_are_the_expressions_they_replace(text: str) -> None:
    """Field text folded by str.split is the whitespace expression's folding; a sentence end read
    from the last character that is not a space is the end-of-sentence expression's finding."""
    import html

    from redact.shapes import DEBRIS, WHITESPACE, clean_field_text, ends_sentence

    without_debris = DEBRIS.sub(lambda m: m.group(2) or "", text)
    decoded = html.unescape(without_debris) if "&" in without_debris else without_debris
    assert clean_field_text(text) == WHITESPACE.sub(" ", decoded).strip()
    assert ends_sentence(text) == (re.search(r"[.!?:;\"')\]]\s*$", text) is not None)


@settings(SETTINGS, max_examples=500)
@given(items=st.lists(st.lists(FEW_WORDS, min_size=3, max_size=20), max_size=4),
       allowed=st.lists(st.lists(st.one_of(FEW_WORDS, FEW_WORDS, FEW_WORDS, st.sampled_from(["golfer", "xalpha"])),
                                 max_size=40),
                        min_size=1, max_size=3),
       built=st.booleans(), data=st.data())
def test_a_channel_is_checked_through_the_grams_of_item_words_only(items: list[list[str]], allowed: list[list[str]],
                                                                  built: bool, data: st.DataObject) -> None:
    """The checker builds only the channel's grams whose words are all withheld words, and looks
    them up in the allowed parts' words: the same grams as every channel gram less every allowed
    gram, less those with a word no item has. The channel is pieces of the items, of the allowed
    parts ("golfer" holds "golf": a gram is a part's only word for word) and other words, so that
    grams of each kind meet at its pieces' ends."""
    channel: list[str] = []
    for source in data.draw(st.lists(st.sampled_from(["item", "allowed", "other"]), max_size=8)):
        words = data.draw(st.sampled_from(items or [[]]) if source == "item" else
                          st.sampled_from(allowed) if source == "allowed" else st.lists(WORDS, max_size=3))
        start = data.draw(st.integers(0, len(words)))
        channel += words[start:start + data.draw(st.integers(0, 9))]
    parts = [Prepared(part) for part in allowed]
    if built:  # a part whose grams were built is subtracted as a set
        parts[0].grams  # noqa: B018
    checker = Checker([Withheld(f"item {n}", " ".join(item)) for n, item in enumerate(items)], parts)
    item_words = {word for item in items if len(item) >= 5 for word in item}
    every = set(zip(*(channel[i:] for i in range(5)), strict=False))
    expected = {gram for gram in every.difference(*(part.grams for part in parts)) if item_words.issuperset(gram)}
    assert checker._unexplained(Prepared(channel)) == expected


ITEM = "alpha bravo charlie delta golf"


@pytest.mark.parametrize(("channel", "parts", "unexplained"), [
    (f"zulu {ITEM} zulu", ["zulu"], {ITEM}),  # five item words between others: one gram
    (f"zulu {ITEM} zulu", ["zulu", f"{ITEM} hotel"], set()),  # held by the second part
    (ITEM, [f"xalpha {ITEM[6:]}er"], {ITEM}),  # "xalpha ... golfer" holds the letters, not the words
    (f"{ITEM} hotel", [ITEM], {ITEM[6:] + " hotel"}),  # the first gram is held, the second not
    ("alpha bravo zulu charlie delta golf", [""], set()),  # a word no item has ends the run
])
def test_the_grams_a_channel_is_checked_by(channel: str, parts: list[str], unexplained: set[str]) -> None:
    for built in (False, True):
        prepared = [Prepared.of(part) for part in parts]
        if built:
            for part in prepared:
                part.grams  # noqa: B018
        checker = Checker([Withheld("item", ITEM + " hotel")], prepared)
        assert checker._unexplained(Prepared.of(channel)) == {tuple(gram.split()) for gram in unexplained}
