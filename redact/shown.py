"""Shown text: what a release copy prints of a document's text, and where each printed
character came from.

A copy drops the viewer's markdown debris ("**¶1.**", "[PREL](#)", "[1](#)"). Rules that look
at released text (span patterns for personal data) must see it as the copy will print it:
"john.doe**@example.com" is printed "john.doe@example.com". ``shown_with_offsets`` gives the
printed text and, for each of its characters, the offset in the original, so a match in the
printed text becomes a span of the original.
"""

from __future__ import annotations

import re

DEBRIS = re.compile(r"\*\*|\[([^\]\n]{0,40})\]\(#\)")


def _kept(match: re.Match[str]) -> str:
    inner = match.group(1)
    return "" if inner is None or inner.isdigit() else inner


def without_debris(text: str) -> str:
    """The text as a copy prints it."""
    return DEBRIS.sub(_kept, text)


def shown_with_offsets(text: str) -> tuple[str, list[int]]:
    """The printed text and the original offset of each printed character (one more entry at
    the end: the original length)."""
    parts: list[str] = []
    offsets: list[int] = []
    position = 0
    for match in DEBRIS.finditer(text):
        parts.append(text[position:match.start()])
        offsets.extend(range(position, match.start()))
        kept = _kept(match)
        parts.append(kept)
        inner = match.start(1)
        offsets.extend(range(inner, inner + len(kept)))
        position = match.end()
    parts.append(text[position:])
    offsets.extend(range(position, len(text)))
    offsets.append(len(text))
    return "".join(parts), offsets
