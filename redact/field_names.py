"""Header field names as scans, typists and later mirrors misprint them.

A field name printed right ends the field before it (redact.lines cuts the line there). A name a
scan or a typist misprinted ("UBJECT:", "SUBJFCT:", "SUB JECT:", "AGS:", "LASSIFIED BY:") was read
as the text of the field above it, and the next field's text with it: a classified subject title
released as tags or as a reference. These functions find such names, one or two letters off (lost,
added or changed), split by a stray space, or (SUBJECT) printed without their colon.
"""

from __future__ import annotations

import re
from functools import lru_cache

# A word and a colon: what names a field ("SUBJECT:", "UBJECT:" when a scan lost its first letter)
# or opens a title ("KAZAKHSTAN: ...").
NAMED = re.compile(r"(?<![^\s,;])[^\s,;:]+(?:[ \t]+BY)?[ \t]*:(?!\S)", re.I)
# What may stand around a word that is no part of it.
QUOTES = "\"'“”‘’()[]*"
# The field names a misprint may mangle: how many letters it may lose, add or change in each, and
# the word that follows the name ("CLASSIFIED BY:").
_MISPRINTABLE = (("SUBJECT", 2, ""), ("TAGS", 1, ""), ("CLASSIFIED", 2, "BY"))
_KINDS = {"SUBJECT": "subject", "TAGS": "tags", "CLASSIFIED": "classified_by"}
# A SUBJECT name printed without its colon, in capitals, before the title ("... 2445 SUBJECT - RUSSIA").
_BARE_SUBJECT = re.compile(r"(?<![\w(/])SUBJ(?:ECT)?(?=[ \t]*[-\u2013\u2014.]?[ \t]+[^\s\d])")
# A line's first one or two words and a colon: a field's name, printed right or not.
_OPENING_NAME = re.compile(r"[ \t*#>]*([^\s,;:]+(?:[ \t]+[^\s,;:]+)?)[ \t]*:(?!\S)")


def edits_apart(word: str, name: str, limit: int) -> int:
    """How many letters ``word`` loses, adds or changes from ``name`` (Levenshtein), or ``limit`` + 1
    when more than ``limit``."""
    if abs(len(word) - len(name)) > limit:
        return limit + 1
    previous = list(range(len(name) + 1))
    for i, letter in enumerate(word, start=1):
        current = [i]
        for j, other in enumerate(name, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (letter != other)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return min(previous[-1], limit + 1)


@lru_cache(maxsize=4096)
def _misprint_of(word: str, joined: bool) -> str | None:
    """The field name ``word`` (upper case, its colon and quotes taken off) is a misprint of, if
    any. A name printed right is one only when a space split it (``joined``): redact.lines cuts
    before the others."""
    for name, limit, after in _MISPRINTABLE:
        if not word.endswith(after):
            continue
        letters = word[:len(word) - len(after)].replace(" ", "")
        if letters.isalnum():  # (a length more than ``limit`` from the name's is too far)
            distance = edits_apart(letters, name, limit)
            if distance <= limit and (distance > 0 or joined):
                return name
    return None


def _word_before(line: str, start: int, end: int) -> tuple[int, str] | None:
    """The word (letters and digits) right before the spaces that end ``line[start:end]``, and where
    it starts: a stray space may have split one word in two ("SUB JECT:")."""
    stop = end
    while stop > start and line[stop - 1] in " \t":
        stop -= 1
    if stop in (end, start) or not line[stop - 1].isalnum():
        return None
    begin = stop - 1
    while begin > start and line[begin - 1].isalnum():
        begin -= 1
    if begin > start and not line[begin - 1].isspace():
        return None
    return begin, line[begin:stop]


def misprinted_opening(line: str) -> tuple[str, int] | None:
    """The kind of header field a line opens with its name misprinted ("UBJECT: ...", "SUB JECT:
    ...", "AGS: PGOV", "LASSIFIED BY: ..."), and where its text begins."""
    found = _OPENING_NAME.match(line) if line.find(":", 0, 24) >= 0 else None
    if found is None:
        return None
    words = found.group(1).strip(QUOTES).upper()
    pieces = words.split()
    split = len(pieces) == 2 and pieces[1] != "BY"
    if split and min(map(len, pieces)) > 3:
        return None  # two words, neither short enough to be a piece of a split name
    name = _misprint_of(words, joined=split)
    return (_KINDS[name], found.end()) if name is not None else None


def misprinted_field_name(line: str, start: int) -> int | None:
    """Where another header field's name, misprinted, stands in a field's text ("TAGS: PREL PGOV
    UBJECT: ...", "REF: STATE 1234 SUB JECT: ...", "E.O. 12958: DECL: 12/11/2033 SUBJECT RUSSIA"):
    the field that text is in ends there."""
    bare = _BARE_SUBJECT.search(line, start) if "SUBJ" in line else None
    found = bare.start() if bare is not None else None
    if line.find(":", start) < 0:
        return found
    for named in NAMED.finditer(line, start):
        if found is not None and named.start() >= found:
            break
        word = named.group(0).rstrip(" \t:").strip(QUOTES).upper()
        before = _word_before(line, start, named.start())
        if before is not None and min(len(before[1]), len(word)) <= 3 \
                and _misprint_of(f"{before[1].upper()} {word}", joined=True):
            return before[0]  # "S UBJECT:", "SUB JECT:"
        if _misprint_of(word, joined=False):
            return named.start()
    return found
