"""Echoes: released text that repeats a run of words of withheld text in the same document.

Released text can give withheld text away: a (U) paragraph restating the (C) summary, a SECRET
sentence quoted again in an unclassified one. An echo is a run of at least ``words`` words
(case and punctuation aside) of a released portion that a withheld portion of the same
document also holds. Policies choose what an echo does (``echoes: {action: flag|withhold}``):
reported (explain, the audit record by portion numbers and run count, never the words), or
withheld as spans under the withheld portion's label.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .shapes import WORD, has_other_script_words, lower_words, runs_within


@dataclass(frozen=True)
class Echo:
    """Runs of a released portion's text that repeat a withheld portion's words."""

    released: int  # the index of the portion that repeats
    withheld: int  # the index of the portion it repeats
    runs: tuple[tuple[int, int], ...]  # (start, end) in the released portion's text


def _windows(words: list[str], size: int) -> list[tuple[str, ...]]:
    """Every run of ``size`` consecutive words (built by zip, in C: most texts have no echo)."""
    return list(zip(*(words[offset:] for offset in range(size)), strict=False))


def find_echoes(released: Sequence[tuple[int, str]], withheld: Sequence[tuple[int, str]],
                size: int) -> list[Echo]:
    """Every echo of a withheld text (index, text) in a released one, runs of ``size`` words or more."""
    looked_up = [(index, text, lower_words(text)) for index, text in released]
    # Only runs of released words can be found: the withheld texts' other runs are not built.
    vocabulary = {word for _, _, words in looked_up for word in words}
    for _, text, _ in looked_up:
        if has_other_script_words(text):  # its words as looked up below if lower case splits them otherwise
            vocabulary.update(match.group(0).lower() for match in WORD.finditer(text))
    sources: dict[tuple[str, ...], int] = {}
    for index, text in reversed(withheld):  # the first withheld text that holds a run names it
        sources.update(dict.fromkeys(runs_within(lower_words(text), vocabulary, size), index))
    if not sources:
        return []
    echoes = []
    for index, text, words in looked_up:
        windows = _windows(words, size)
        if sources.keys().isdisjoint(windows):
            continue
        matches = list(WORD.finditer(text))
        if len(matches) != len(windows) + size - 1:  # lower case changed the words (rare letters)
            windows = _windows([m.group(0).lower() for m in matches], size)
        runs: dict[int, list[tuple[int, int]]] = {}
        at = 0
        while at < len(windows):
            source = sources.get(windows[at])
            if source is None:
                at += 1
                continue
            last = at  # the run goes on while the next window repeats the same withheld text
            while last + 1 < len(windows) and sources.get(windows[last + 1]) == source:
                last += 1
            runs.setdefault(source, []).append((matches[at].start(), matches[last + size - 1].end()))
            at = last + size
        echoes += [Echo(index, source, tuple(spans)) for source, spans in runs.items()]
    return echoes
