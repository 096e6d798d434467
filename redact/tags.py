"""A cable's TAGS field as a list of tags.

TAGS holds four-letter subject codes (PREL, PHUM), two-letter country codes (BR), names of
organisations (NATO), multi-word tags written out ("HUMAN RIGHTS", "GOI EXTERNAL") and, after
OVIP, the visitor's name ("OVIP BIDEN JOSEPH", "ovip (steinberg, james b.)"). Printing faults
glue codes together ("PHUMBA", "KFRDKIRFCVIS..."). The vocabulary of codes is
``grammar/tag_codes.txt``, built from the shared corpora by ``scripts/tag_vocabulary.py``.

- A token that is not a code but splits into codes is split, when one split uses the fewest
  codes, holds a four-letter one and rests on known codes (at most one of the shape only):
  "UNESCO" is not UN ES CO, nor UN ESCO.
- Words that are not codes, side by side, are one tag; in a comma-separated list an item that
  holds a word is one tag as printed.
- A name after OVIP is "SURNAME, GIVEN".
- Each tag once, in the order printed; SIPDIS (a caption, not a tag) is left out.
"""

from __future__ import annotations

import re

from .tag_words import codes, is_code

_PERSON = re.compile(r"\(([^()]{3,60})\)")
_ITEM_SEPARATOR = re.compile(r"[,;]")
_NOT_TAGS = {"SIPDIS"}
_SPLIT_LIMIT = 40  # the longest glued run worth splitting (nine codes)


def _splits(token: str) -> list[tuple[int, int, list[str]]]:
    """Ways ``token`` is a run of codes, best first: (codes used, codes not in the
    vocabulary, the codes)."""
    ways: list[list[tuple[int, int, list[str]]]] = [[] for _ in range(len(token) + 1)]
    ways[0] = [(0, 0, [])]
    for end in range(2, len(token) + 1):
        for size in (2, 3, 4):
            start, part = end - size, token[end - size:end]
            if start < 0 or not ways[start] or not is_code(part):
                continue
            unknown = part not in codes()
            ways[end] += [(n + 1, u + unknown, [*way, part]) for n, u, way in ways[start]]
        ways[end] = sorted(ways[end], key=lambda w: (w[0], w[1]))[:4]
    return ways[len(token)]


def _unglued(token: str) -> list[str]:
    """A token that is no code, split into the codes it was glued from when that is certain."""
    if is_code(token) or not token.isalpha() or not 5 <= len(token) <= _SPLIT_LIMIT:
        return [token]
    ways = _splits(token)
    if not ways or (len(ways) > 1 and ways[1][:2] == ways[0][:2]):
        return [token]
    used, unknown, best = ways[0]
    if unknown > 1 or used - unknown < 2 or not any(len(code) == 4 for code in best):
        return [token]  # "UNESCO" is not UN + ESCO: a split rests on codes the vocabulary holds
    return best


def _grouped(tokens: list[str], names: list[str]) -> list[str]:
    """Codes one by one; words side by side as one tag; a name after OVIP as "SURNAME, GIVEN".
    ``names`` holds the names printed in parentheses, which stand in ``tokens`` as "\0<index>"."""
    tags: list[str] = []
    words: list[str] = []
    position = 0
    while position < len(tokens):
        token = tokens[position]
        after = tokens[position + 1:position + 3]
        if token == "OVIP" and len(after) == 2 and not any(is_code(t) or t[0] == "\0" for t in after):
            tags += [token, f"{after[0]}, {after[1]}"]
            position += 3
            continue
        if token[0] == "\0" or is_code(token):
            if words:
                tags.append(" ".join(words))
                words = []
            tags.append(names[int(token[1:])] if token[0] == "\0" else token)
        else:
            words.append(token)
        position += 1
    if words:
        tags.append(" ".join(words))
    return tags


def _printed_whole(tokens: list[str]) -> bool:
    """An item of a comma-separated list that is one multi-word tag: a few tokens, mostly words
    ("GOI EXTERNAL", "HUMAN RIGHTS"), not a run of codes a line break left without commas."""
    words = sum(not is_code(t) for t in tokens)
    return 1 < len(tokens) <= 4 and 2 * words >= len(tokens) and "OVIP" not in tokens \
        and not any(t[0] == "\0" for t in tokens)


def _tokens(text: str) -> list[str]:
    return [part for token in text.upper().split() for part in _unglued(token.strip(".:"))
            if part and part not in _NOT_TAGS]


def parse_tags(body: str) -> tuple[str, ...]:
    """The tags of a TAGS field's text (the field name already taken off)."""
    names: list[str] = []

    def stand_in(match: re.Match[str]) -> str:
        names.append(" ".join(match.group(1).upper().split()))
        return f" \0{len(names) - 1} "

    text = _PERSON.sub(stand_in, body.replace("\0", ""))
    items = _ITEM_SEPARATOR.split(text) if _ITEM_SEPARATOR.search(text) else [text]
    tags: list[str] = []
    for item in items:
        tokens = _tokens(item)
        if len(items) > 1 and _printed_whole(tokens):
            tags.append(" ".join(tokens))  # "GOI EXTERNAL" in a comma-separated list: as printed
        else:
            tags += _grouped(tokens, names)
    return tuple(dict.fromkeys(tag for tag in tags if tag))
