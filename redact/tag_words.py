"""The words of a TAGS line: codes, a country's two letters, a name, or a title's words.

A TAGS field holds subject codes ("PREL", "KNNP", code-shaped ones), two-letter country codes,
and at most a name or two among them ("OVIP RICE CONDOLEEZZA", "HUMAN RIGHTS"). A subject title
whose SUBJECT name a scan or a mirror lost runs on into the tags; its words tell it apart: a
title's small words ("AND", "OF", "AGAINST"), a possessive, an ellipsis, a word before a colon, or
three words in a row that are no tags.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from itertools import islice

from .field_names import QUOTES
from .resources import grammar_path

# A word of a header field's text: what lies between spaces, commas and semicolons.
WORD = re.compile(r"[^\s,;]+")


@cache
def codes() -> frozenset[str]:
    """The known TAGS codes (``grammar/tag_codes.txt``, built from the shared corpora by
    ``scripts/tag_vocabulary.py``)."""
    lines = grammar_path("tag_codes.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.split()[0] for line in lines if line.strip() and not line.startswith("#"))


# A subject code's shape: a four-letter code opens with its family's letter (Administration,
# Consular, Economic, K general, Military, Operations, Political, Social, Technology).
_CODE_SHAPE = re.compile(r"[ACEKMOPST][A-Z]{3}")


def is_code_shaped(token: str) -> bool:
    return _CODE_SHAPE.fullmatch(token) is not None


def is_code(token: str) -> bool:
    """A known TAGS code, or a word of a code's shape (upper case, its punctuation taken off)."""
    return token in codes() or is_code_shaped(token)


def _tag_token(word: str) -> str:
    """A word among tags without its punctuation, or a viewer's link around it ("[PREL](#)")."""
    return word.replace("](#)", "").strip("[]().,;:").upper()


def is_tag_word(word: str) -> bool:
    token = _tag_token(word)
    return is_code(token) or word.startswith("(")


# Words a title holds and a list of tags does not (IN, IS, TO, BY and AS are country codes there);
# none is printed among the tags of the corpora, nor is an ellipsis (a title cut short: "NETHER...").
_TITLE_WORDS = frozenset({"AND", "WITH", "FOR", "AGAINST", "THE", "FROM", "OVER", "AFTER", "ABOUT", "INTO",
                          "UNDER", "BETWEEN", "WHILE", "WHEN", "WILL", "WAS", "WERE", "ARE", "HAS", "HAVE",
                          "HAD", "NOT", "BUT", "THAN", "ITS", "THEIR", "THIS", "THAT", "THESE", "THOSE",
                          "OF", "ON", "AT", "A", "AN"})
_POSSESSIVE = re.compile(r"\w['’]S\b", re.I)


def _is_title_word(word: str) -> bool:
    return (word.strip("().,;:\"'").upper() in _TITLE_WORDS or _POSSESSIVE.search(word) is not None
            or "..." in word or "…" in word)


def _non_tag(word: str) -> bool:
    """A word no list of tags is made of: not a code, a code's shape or a country's two letters."""
    return not is_tag_word(word) and len(_tag_token(word)) > 2


def _neutral(word: str) -> bool:
    """Two letters: a country code among tags, "ON", "OF", "TO" in a title."""
    return len(_tag_token(word)) <= 2


# What a word among tags is (flags): no tag, two letters (a country code, or a title's "ON"), a
# title's word or a word before a colon.
_NON_TAG, _NEUTRAL, _TITLE = 1, 2, 4


@lru_cache(maxsize=4096)
def _tag_kind(word: str) -> int:
    """The kind of a word among tags (the same words recur in every cable: worked out once)."""
    return ((_NON_TAG if _non_tag(word) else 0) | (_NEUTRAL if _neutral(word) else 0)
            | (_TITLE if _is_title_word(word) or word.rstrip(QUOTES).endswith(":") else 0))


# Words in a row that are no tags (two-letter words between them), where a title begins: a name
# among tags has two ("RICE CONDOLEEZZA", "HUMAN RIGHTS"); a title, more. (Fail closed: a few
# cables of the corpora print three or more such words as tags, "ISRAELI PALESTINIAN AFFAIRS";
# they are withheld with the title they could be.)
_TITLE_RUN = 3


def title_among_tags(line: str, start: int) -> int | None:
    """Where a title stands among tags ("TAGS: PREL MARR BR UNSC US DISCUSS HAITI AND OTHER ISSUES",
    a SUBJECT whose name was lost): a word of a title ("AND", "AGAINST", "EMBASSY'S"), a word before
    a colon (a title's "KAZAKHSTAN:", or a field's name: tags have none), or _TITLE_RUN words in a
    row that are not tags; from the first of the words before it that are not tags."""
    kinds = list(map(_tag_kind, WORD.findall(line, start)))
    run = 0
    for index, kind in enumerate(kinds):
        if kind & _NON_TAG:
            run += 1
        elif not kind & _NEUTRAL:
            run = 0
        if kind & _TITLE or run >= _TITLE_RUN:
            first = index
            while first > 0 and kinds[first - 1] & (_NON_TAG | _NEUTRAL):
                first -= 1
            while first < index and kinds[first] & _NEUTRAL:
                first += 1  # from a word that is no tag, not from a country code before it
            return next(islice(WORD.finditer(line, start), first, None)).start()
    return None


def first_non_tag(text: str, start: int) -> int | None:
    """Where the first word of a TAGS field's text (from ``start``, past its name) that is no tag
    stands (a name in parentheses after OVIP counts as tags: "OVIP (CLINTON, HILLARY)")."""
    depth = 0
    for word in WORD.finditer(text, start):
        inside = depth > 0 or word.group(0).startswith("(")
        depth += word.group(0).count("(") - word.group(0).count(")")
        if not inside and _non_tag(word.group(0)):
            return word.start()
    return None


def non_tag_words(line: str) -> int:
    """How many words of ``line`` no list of tags is made of."""
    return sum(_non_tag(word.group(0)) for word in WORD.finditer(line))
