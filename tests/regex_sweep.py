"""Run every regular expression redact compiles, and every terminal of its grammars, over long runs
of the characters real and hostile documents repeat ("####", "****", "(((", spaces, capitals ...),
each run ended by a character that breaks the match. A pattern with nested quantifiers
("(?:#+)+") backtracks exponentially on such a run and never returns: the last line this script
printed names it. Run as a script so that the test can kill it: Python's re cannot be interrupted.

    python tests/regex_sweep.py [REPEATS]
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import sys
import time
from collections.abc import Iterator

import redact
from redact.parse import _reader

# What documents repeat: markdown debris, marking punctuation, letters of both cases, digits,
# and the short tokens patterns are built from.
UNITS = ["#", "*", "**", " ", "\t", " \t", "(", ")", "()", "(S)", "(S) ", "( ", "/", "//", "S//", ".", "-",
         "_", "=", ",", ":", ";", "'", '"', "A", "a", "1", "1.", "1 ", "A ", "a ", "AB ", "ab ", "Ab ",
         "A.", "¶", "¶1.", "[1](#)", "\u00a0", "\n", " \n", "E.O. ", "REF ", "1.4 (b) ", "and ", "(b) and "]
ENDINGS = ["\x00", "", "(", "x"]


def _held(name: str, value: object, depth: int = 0) -> Iterator[tuple[str, re.Pattern[str]]]:
    """The patterns a value is or holds: in tuples, lists, dicts and their values."""
    if isinstance(value, re.Pattern) and isinstance(value.pattern, str):
        yield name, value
    elif depth < 4 and isinstance(value, (tuple, list)):
        for index, item in enumerate(value):
            yield from _held(f"{name}[{index}]", item, depth + 1)
    elif depth < 4 and isinstance(value, dict):
        for key, item in value.items():
            yield from _held(f"{name}[{key!r}]", item, depth + 1)


def patterns() -> Iterator[tuple[str, re.Pattern[str]]]:
    """Every compiled pattern held at module level in the package, the grammar reader's own, then
    the grammars' terminals."""
    for info in pkgutil.walk_packages(redact.__path__, "redact."):
        if info.name.endswith("__main__"):
            continue  # importing it runs the command line
        module = importlib.import_module(info.name)
        for name, value in sorted(vars(module).items()):
            yield from _held(f"{info.name}.{name}", value)
    for doc_type in ("cable", "memo"):
        yield from _held(f"reader({doc_type})", vars(_reader(doc_type)))
        for terminal in _reader(doc_type).lark.terminals:
            # to_regexp() carries the terminal's flags inline: "(?i:...)".
            yield f"grammar/{doc_type}.lark:{terminal.name}", re.compile(terminal.pattern.to_regexp())


def main(repeats: int) -> int:
    slowest = 0.0
    for name, pattern in patterns():
        print(name, flush=True)  # the last name printed is the one that hung
        for unit in UNITS:
            for ending in ENDINGS:
                # match: one attempt, at the start (as the lexer does); search tries every start,
                # so it gets a shorter run: a nested quantifier is exponential at either length.
                text = unit * (repeats // len(unit)) + ending
                started = time.perf_counter()
                pattern.match(text)
                pattern.search(text[-(repeats // 10):])
                slowest = max(slowest, time.perf_counter() - started)
    print(f"done; slowest search {slowest:.3f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
