"""The grammar's own LALR tables and contextual lexer, driven without building a tree.

``Lark.parse`` lexes a token, builds a Token object (line and column counted character by
character), feeds it to the parser, which keeps a value stack and calls a tree-building callback
on every reduction. Our grammars' trees are one flat list of line-shape tokens, and redact.parse
reads only each token's type, position and line: this driver runs the same lexer patterns (one
compiled pattern per parser state, built by Lark) and the same parse table (shift, reduce, goto),
keeps only the state stack and returns those four values. It accepts exactly the inputs Lark
accepts and yields the same tokens (a test compares the two on every corpus document and every
hostile case); it rejects what Lark rejects, with Lark's own exceptions, at the same line.
When a Lark version lays its internals out differently, ``Driver.of`` returns None (or a
lexer raises Unfit when first built) and redact.parse falls back to ``Lark.parse``.

A state's lexer tries its line shapes in priority order and takes the first that matches. A
line of plain text was tried against every other shape first (about half the driver's time
went on shapes that fail). Where the first character past blank space rules shapes out
(redact.first_chars: a line that opens with "T" is no numbered paragraph), only the others are
tried, each alone, in the same order: the same token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import partial
from typing import Any, NamedTuple

from lark import Lark
from lark import Token as LarkToken
from lark.exceptions import UnexpectedCharacters, UnexpectedToken
from lark.parsers.lalr_analysis import Shift

from .first_chars import BLANK, BLANK_RUN, First


class Token(NamedTuple):
    """One line-shape token: its terminal, where it starts and ends in the text, its first line."""

    type: str
    start: int
    end: int
    line: int


class Unfit(Exception):
    """A lexer this driver cannot run (it has callbacks): the caller parses with Lark itself."""


class Driver:
    def __init__(self, lexers: dict[int, Any], states: dict[int, dict[str, tuple[Any, Any]]],
                 start: int, end: int) -> None:
        self.lexers = lexers
        self.scanners: dict[int, tuple[re.Pattern[str], ...]] = {}
        self.matchers: dict[int, Callable[[str, int], re.Match[str] | None]] = {}
        self.states = states
        self.start = start
        self.end = end
        self.after: dict[tuple[tuple[int, ...], str], tuple[int, ...]] = {}
        # the matcher of a parser state for a line whose first character past blank space is the
        # key's (redact.first_chars), and each terminal's own pattern and first characters
        self.choices: dict[int, dict[str, Callable[[str, int], re.Match[str] | None]]] = {}
        self.singles: dict[tuple[str, int], tuple[re.Pattern[str], First]] = {}

    @classmethod
    def of(cls, lark: Lark, start: str = "start") -> Driver | None:
        """The driver of ``lark``'s ``start`` rule, or None when Lark's internals are not the
        ones this driver knows (a contextual lexer without ignored terminals, and an LALR parse
        table). A lexer's scanner is built when a text first needs it (a grammar has a dozen
        lexers and a corpus meets a few; each is one large regular expression to compile)."""
        try:
            frontend: Any = lark.parser
            table = frontend.parser.parser.parse_table
            lexers = dict(frontend.lexer.lexers)
            if any(lexer.ignore_types for lexer in lexers.values()):
                return None
            driver = cls(lexers, table.states, table.start_states[start], table.end_states[start])
        except (AttributeError, KeyError, TypeError):
            return None
        return driver if set(lexers) >= set(driver.states) else None

    def scanner(self, state: int) -> tuple[re.Pattern[str], ...]:
        """The compiled patterns of the lexer of parser state ``state``. Building a scanner builds
        its lexer's callbacks too (Lark's "unless" callbacks retype a token, which this driver does
        not do): a lexer with any raises Unfit."""
        scanner = self.scanners.get(state)
        if scanner is None:
            lexer = self.lexers[state]
            try:
                scanner = tuple(lexer.scanner._mres)
            except AttributeError as error:
                raise Unfit("a Lark lexer laid out otherwise") from error
            if lexer.callback:
                raise Unfit("a lexer with callbacks")
            self.scanners[state] = scanner
        return scanner

    def tokens(self, text: str) -> list[Token]:
        stack: tuple[int, ...] = (self.start,)
        after, choices, blanks = self.after, self.choices, BLANK_RUN.match
        found: list[Token] = []
        position, line, size = 0, 1, len(text)
        while position < size:
            state = stack[-1]
            character = text[position]
            if character in BLANK:  # (a line shape opens with the blank lines before it)
                first = blanks(text, position).end()  # type: ignore[union-attr]
                character = text[first] if first < size else ""
            if character > "\x7f":
                character = _NOT_ASCII  # (first_chars tells characters outside ASCII no apart)
            matcher = choices[state].get(character) if state in choices else None
            match = (matcher or self._choice(state, character))(text, position)
            if match is None or match.end() == position:
                raise UnexpectedCharacters(text, position, line, _column(text, position))  # type: ignore[no-untyped-call]
            kind = match.lastgroup or ""
            shifted = after.get((stack, kind))
            if shifted is None:
                shifted = self._shifted(stack, kind, text, position, line)
                if len(after) < _KEPT_STACKS:
                    after[stack, kind] = shifted
            stack = shifted
            end = match.end()
            found.append(tuple.__new__(Token, (kind, position, end, line)))  # (Token(...) is a Python call)
            line += text.count("\n", position, end)
            position = end
        self._accept(list(stack), text, found)
        return found

    def _choice(self, state: int, character: str) -> Callable[[str, int], re.Match[str] | None]:
        """What matches a token where parser state ``state`` is on top and the line's first
        character past blank space is ``character`` ("": none): the terminals that may begin so,
        each alone in priority order, where that rules any out; else the lexer's whole pattern."""
        matcher = self.matchers.get(state) or self._matcher(state)
        terminals = getattr(self.lexers[state].scanner, "terminals", None)
        if character and terminals is not None:
            flags = int(getattr(self.lexers[state].scanner, "g_regex_flags", 0))
            singles = [self._single(terminal, flags) for terminal in terminals]
            kept = tuple(pattern for pattern, first in singles if first.allows(character))
            if len(kept) < len(singles):
                matcher = partial(_first_match, kept)
        self.choices.setdefault(state, {})[character] = matcher
        return matcher

    def _single(self, terminal: Any, flags: int) -> tuple[re.Pattern[str], First]:
        """A terminal's own pattern (named as in the lexer's, so that a match says its terminal)
        and the characters its match may begin with."""
        single = self.singles.get((terminal.name, flags))
        if single is None:
            regexp = terminal.pattern.to_regexp()
            single = (re.compile(f"(?P<{terminal.name}>{regexp})", flags), First.of(regexp, flags))
            self.singles[terminal.name, flags] = single
        return single

    def _matcher(self, state: int) -> Callable[[str, int], re.Match[str] | None]:
        """What matches a token where parser state ``state`` is on top: its lexer's one pattern (as
        Lark builds them for a Python whose expressions have no group limit), or each in turn."""
        scanner = self.scanner(state)
        matcher = scanner[0].match if len(scanner) == 1 else partial(_first_match, scanner)
        self.matchers[state] = matcher
        return matcher

    def _shifted(self, stack: tuple[int, ...], kind: str, text: str, position: int, line: int) -> tuple[int, ...]:
        """The stack after ``kind`` is shifted onto ``stack``. The grammars' stacks are a few
        states deep and take few shapes, so each (stack, token) pair is worked out once, by the
        table, and then looked up (a third of the driver's time went on the table's steps)."""
        states = list(stack)
        self._shift(states, kind, text, position, line)
        return tuple(states)

    def _shift(self, stack: list[int], kind: str, text: str, position: int, line: int) -> None:
        """Reduce as the table says, then shift ``kind``."""
        states = self.states
        while True:
            action = states[stack[-1]].get(kind)
            if action is None:
                raise _unexpected(kind, text, position, line)
            what, argument = action
            if what is Shift:
                stack.append(argument)
                return
            self._reduce(stack, argument)

    def _reduce(self, stack: list[int], rule: Any) -> int:
        if rule.expansion:
            del stack[-len(rule.expansion):]
        state: int = self.states[stack[-1]][rule.origin.name][1]
        stack.append(state)
        return state

    def _accept(self, stack: list[int], text: str, found: list[Token]) -> None:
        """The end of the text: reduce until the start rule is complete, as Lark does."""
        last = found[-1] if found else Token("$END", 0, 0, 1)
        while True:
            action = self.states[stack[-1]].get("$END")
            if action is None or action[0] is Shift:
                raise _unexpected("$END", text, last.start, last.line)
            if self._reduce(stack, action[1]) == self.end:
                return


# The key of every character outside ASCII (a line may open with any of thousands: one entry).
_NOT_ASCII = "\x80"

# The (stack, token) pairs a driver keeps: a flat grammar has a few hundred; a bound keeps a
# grammar whose stack grows with the text from growing the table without end.
_KEPT_STACKS = 4096


def _first_match(scanner: tuple[re.Pattern[str], ...], text: str, position: int) -> re.Match[str] | None:
    for pattern in scanner:
        match = pattern.match(text, position)
        if match is not None:
            return match
    return None


def _column(text: str, position: int) -> int:
    return position - (text.rfind("\n", 0, position) + 1) + 1


def _unexpected(kind: str, text: str, position: int, line: int) -> UnexpectedToken:
    """A token the table has no action for (``$END``: the text ended too soon), as Lark says it."""
    token = LarkToken(kind, "", position, line, _column(text, position))
    return UnexpectedToken(token, set())  # type: ignore[no-untyped-call]
