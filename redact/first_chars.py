"""Which characters a regular expression's match may begin with, past leading blank space.

The grammars' lexers try every line shape of a parser state in one alternation, in priority
order, and the first that matches is the token. A line of plain text is tried against every
other shape first, and most of them could be ruled out by its first character alone: a line
that opens with "T" is no paragraph number, marking or divider. ``First.of`` reads a terminal's
pattern (its parsed form, from Python's own ``re`` parser) and says which characters its match
may hold first once blank space is skipped, and whether its match may be blank space alone.

Every answer is an over-approximation: a look-ahead is taken as allowing anything, a character
outside ASCII as possible wherever a class, a category or a case-insensitive letter could hold
one, and a construct this module does not know as allowing every character. So a shape ruled
out here cannot match; one kept may still fail, and is tried. redact.lalr uses it to try only
the shapes a line can open with, in the same order: the same token, found sooner.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

try:  # Python's own parser of regular expressions (re._parser since 3.11)
    from re import _parser as parser
except ImportError:  # pragma: no cover - another Python lays it out otherwise: nothing is ruled out
    parser = None

# The blank space a line shape may open with (blank lines, indentation), skipped before the
# character that tells shapes apart. (The grammars' BLANK, and the line break.)
BLANK = " \t\r\f\v\n\u00a0\u200b"
BLANK_RUN = re.compile(f"[{re.escape(BLANK)}]*")

_ASCII = frozenset(chr(code) for code in range(128))
_BLANK_ASCII = frozenset(c for c in BLANK if c.isascii())
_CATEGORIES = {"CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_SPACE": r"\s",
               "CATEGORY_NOT_SPACE": r"\S", "CATEGORY_WORD": r"\w", "CATEGORY_NOT_WORD": r"\W"}


@dataclass(frozen=True)
class First:
    """The characters a match may hold first past blank space: ``ascii`` exactly among ASCII
    characters, ``other``: any character outside ASCII may be one; ``blank``: the match may
    be blank space alone (or empty)."""

    ascii: frozenset[str]
    other: bool
    blank: bool

    def allows(self, character: str) -> bool:
        """May a match whose first character past blank space is ``character`` exist?"""
        return self.blank or (character in self.ascii if character.isascii() else self.other)

    @staticmethod
    def of(pattern: str, flags: int = 0) -> First:
        """The first characters of ``pattern``; everything, where it cannot be read."""
        if parser is None:
            return _EVERYTHING
        try:
            parsed = parser.parse(pattern, flags)
            return _sequence(list(parsed), parsed.state.flags)
        except (re.error, TypeError, ValueError, AttributeError, KeyError):
            return _EVERYTHING


_EVERYTHING = First(_ASCII - _BLANK_ASCII, True, True)
_NOTHING_BLANK = First(frozenset(), False, True)  # matches no character: an anchor, a look-around


def _union(parts: list[First]) -> First:
    return First(frozenset().union(*(p.ascii for p in parts)), any(p.other for p in parts),
                 any(p.blank for p in parts))


def _sequence(items: list[tuple[Any, Any]], flags: int) -> First:
    """One item after another: the first's characters, and the next's while all before it may be
    blank space."""
    found: list[First] = []
    for op, argument in items:
        first = _item(op, argument, flags)
        found.append(first)
        if not first.blank:
            union = _union(found)
            return First(union.ascii, union.other, False)
    return _union(found) if found else _NOTHING_BLANK


def _item(op: Any, argument: Any, flags: int) -> First:
    name = str(op)
    if name in ("LITERAL", "NOT_LITERAL", "ANY", "IN"):
        return _characters(name, argument, flags)
    if name == "BRANCH":
        return _union([_sequence(list(branch), flags) for branch in argument[1]])
    if name == "SUBPATTERN":
        _group, add, remove, inner = argument
        return _sequence(list(inner), (flags | add) & ~remove)
    if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
        low, high, inner = argument
        if high == 0:
            return _NOTHING_BLANK
        first = _sequence(list(inner), flags)
        return First(first.ascii, first.other, first.blank or low == 0)
    if name == "ATOMIC_GROUP":
        return _sequence(list(argument), flags)
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return _NOTHING_BLANK
    if name == "GROUPREF_EXISTS":
        _group, yes, no = argument
        return _union([_sequence(list(yes), flags), _sequence(list(no) if no else [], flags)])
    return _EVERYTHING  # a back-reference, or a construct this module does not know


def _characters(name: str, argument: Any, flags: int) -> First:
    """One character of a literal, a class, a negated literal or any character."""
    if name == "ANY":
        return First((_ASCII if flags & re.DOTALL else _ASCII - {"\n"}) - _BLANK_ASCII, True, True)
    if name in ("LITERAL", "NOT_LITERAL"):
        character = chr(argument)
        chars = _with_case(frozenset({character}), flags)
        if name == "NOT_LITERAL":
            return First(_ASCII - chars - _BLANK_ASCII, True, True)
        other = not character.isascii() or bool(flags & re.IGNORECASE and character.isalpha())
        return First(chars & _ASCII - _BLANK_ASCII, other, character in BLANK)
    chars, other, blank, negated = frozenset[str](), False, False, False
    for op, value in argument:
        kind = str(op)
        if kind == "NEGATE":
            negated = True
        elif kind == "LITERAL":
            chars |= {chr(value)}
            other, blank = other or value >= 128, blank or chr(value) in BLANK
        elif kind == "RANGE":
            low, high = value
            chars |= {chr(code) for code in range(low, min(high, 127) + 1)}
            other, blank = other or high >= 128, blank or any(low <= ord(c) <= high for c in BLANK)
        elif kind == "CATEGORY" and str(value) in _CATEGORIES:
            test = re.compile(f"[{_CATEGORIES[str(value)]}]")
            chars |= {c for c in _ASCII if test.match(c)}
            other, blank = True, blank or any(test.match(c) for c in BLANK)
        else:
            return _EVERYTHING
    if negated:
        return First(_ASCII - _with_case(chars, flags) - _BLANK_ASCII, True, True)
    chars = _with_case(chars, flags) & _ASCII
    other = other or bool(flags & re.IGNORECASE and any(c.isalpha() for c in chars))
    return First(chars - _BLANK_ASCII, other, blank)


def _with_case(chars: frozenset[str], flags: int) -> frozenset[str]:
    """``chars`` and what each matches when case is ignored ("ſ" upper case is "S", and so "s")."""
    if not flags & re.IGNORECASE:
        return chars
    return chars.union(*({c.lower(), c.upper(), c.upper().lower(), c.lower().upper()} for c in chars))
