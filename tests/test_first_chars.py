"""What a line shape may open with (redact.first_chars), and the driver that tries only those.

The driver (redact.lalr) tries, for a line whose first character past blank space rules most
shapes out, only the shapes that may open so. That is right only if no shape ruled out could
have matched: every lexer state of both grammars is checked here against its whole pattern on
random lines of every kind of first character, where the two must find the same token.
"""

from __future__ import annotations

import random
import re

import pytest

from redact.first_chars import First
from redact.lalr import Driver
from redact.parse import _reader

from .test_grammar_tokens import _driven_tokens, _lark_tokens


@pytest.mark.parametrize(("pattern", "opens", "cannot_open"), [
    (r"[ \t]*TAGS", "T", "tS("),
    (r"(?i:tags)", "tT", "sx"),
    (r"(?:\n)*[ \t]*\d{1,3}\.", "0123456789", "a(."),
    (r"(?:[ \t]*\n)*[ \t]*(?:[-=_*\u2014\u2013][ \t]*){3,}\n", "-=_*\u2013\u2014", "a1("),
    (r"(?=x)abc", "a", "x"),  # a look-ahead consumes nothing: the first character is "a"'s
    (r"(?i:\u017f)", "sS\u017f", "t"),  # the long s matches "s" and "S" when case is ignored
    (r"(?i:k)", "kK\u212a", "x"),  # the Kelvin sign matches "k"
    (r"[^a-z]x", "A1(x", "a"),
])
def test_what_a_pattern_may_open_with(pattern: str, opens: str, cannot_open: str) -> None:
    first = First.of(pattern)
    for character in opens:
        assert first.allows(character), character
    for character in cannot_open:
        assert not first.allows(character), character


def test_blank_space_alone_and_unknown_constructs_rule_nothing_out() -> None:
    assert First.of(r"[ \t]*\n").allows("Z")  # a match of blank space alone: any line may follow it
    assert First.of(r"(a?)\1Z").allows("q")  # a back-reference: not read, so nothing is ruled out
    assert First.of("(unclosed").allows("Z")  # a pattern Python cannot read: nothing is ruled out


_PIECES = ["1. (S) text", "(C) x", "", "   ", "TAGS: PREL", "tAgs prel", "SUBJECT: X", "subj: y", "-----",
           "E.O. 12958: DECL: 1/1/2020", "e.o. 13526", "A. (U) sub", "a) sub", "iv. sub", "plain words",
           "ASTANA 00002450 002 OF 003", "S E C R E T", "SECRET SECTION 01 OF 02 AMMAN 1", "¶2. (C) x",
           "**3.** (S) x", "[1](#)4. (C) x", '"5. (S) x', "CLASSIFIED BY: X", "(U) Classified by y", "REF: A",
           "SIPDIS", "\u017fecret", "\u212a", "\u00a0\u200b(S) x", "– dash", "• bullet", "&para;6. (C) x",
           "C - ENTIRE TEXT", "Derived From: X", "FROM: the editor", "> quoted", "# heading", "\ufffd7. (S) x",
           "\t\tindented", "10) (C) x", "(b) and (d)", "Summary (C)", "LIMITED OFFICIAL USE", "x"]
_ALPHABET = [chr(code) for code in range(32, 127)] + list("\u00a0\u200b\u017f\u212a\u0130¶–—•\ufffdé")


def _random_texts(count: int, seed: int) -> list[str]:
    """Lines of markings, numbers, field names in any case, look-alike letters, blank lines and
    debris, and lines of random characters."""
    generator = random.Random(seed)
    texts = []
    for _ in range(count):
        lines = [generator.choice(_PIECES) if generator.random() < 0.7
                 else "".join(generator.choice(_ALPHABET) for _ in range(generator.randint(1, 12)))
                 for _ in range(generator.randint(1, 8))]
        texts.append("\n".join(lines) + "\n")
    return texts


def test_a_shape_ruled_out_never_matches_where_the_whole_pattern_finds_it() -> None:
    """Every parser state's lexer, both grammars: at every line start of random texts, the shapes
    the driver tries find the token the lexer's whole pattern finds, or none where it finds none."""
    texts = _random_texts(400, seed=11)
    compared = ruled_out = 0
    for doc_type in ("cable", "memo"):
        driver = Driver.of(_reader(doc_type).lark)
        assert driver is not None
        for state in driver.lexers:
            whole = driver._matcher(state)
            for text in texts:
                starts = [0, *(m.end() for m in re.finditer("\n", text) if m.end() < len(text))]
                for position in starts:
                    rest = text[position:].lstrip(" \t\r\f\v\n\u00a0\u200b")
                    chosen = driver._choice(state, rest[:1])
                    expected, got = whole(text, position), chosen(text, position)
                    assert (got and (got.lastgroup, got.span())) == (expected and (expected.lastgroup,
                                                                                    expected.span())), \
                        (doc_type, state, text[position:position + 40])
                    compared += 1
                    ruled_out += chosen is not whole
    assert compared > 10_000
    assert ruled_out > compared // 4  # the shapes were narrowed down often, not only compared whole


def test_the_driver_reads_random_texts_as_lark_does() -> None:
    """The same random texts read whole, as redact.parse reads a document: the driver's tokens
    are Lark's, or both reject the text at the same line."""
    for text in _random_texts(300, seed=12):
        for doc_type in ("cable", "memo"):
            assert _driven_tokens(text, doc_type) == _lark_tokens(text, doc_type), repr(text)
