"""The document model every stage shares: plain, frozen data."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Final


class Level(enum.IntEnum):
    """Classification levels, ordered so that max() is the most restrictive."""

    U = 0
    C = 1
    S = 2
    TS = 3


LEVEL_NAMES = {
    Level.U: "UNCLASSIFIED",
    Level.C: "CONFIDENTIAL",
    Level.S: "SECRET",
    Level.TS: "TOP SECRET",
}


@dataclass(frozen=True)
class Marking:
    """A portion or banner marking: the printed text and what it means.

    An unrecognised marking keeps its text and counts as TOP SECRET, so that
    nothing the grammar cannot read is ever released by accident.
    """

    text: str
    level: Level
    controls: tuple[str, ...] = ()
    rel_to: tuple[str, ...] = ()
    recognised: bool = True

    @property
    def canonical(self) -> str:
        """One spelling for every way of printing the same marking: ``S//NOFORN``."""
        if not self.recognised:
            return "UNRECOGNISED"
        parts = [self.level.name, *self.controls]
        if self.rel_to:
            parts.append("REL TO " + ", ".join(self.rel_to))
        return "//".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "level": self.level.name,
            "controls": list(self.controls),
            "rel_to": list(self.rel_to),
            "recognised": self.recognised,
            "canonical": self.canonical,
        }


def combine(markings: tuple[Marking, ...] | list[Marking]) -> Marking:
    """The marking of text that carries all of these markings (a lattice join): the highest
    level, the union of the controls, NOFORN over any REL TO, and only the countries every
    classified marking releases to (one without REL TO releases to none). Unreadable wins."""
    first = markings[0]
    if len(markings) == 1:
        return first
    unreadable = [m for m in markings if not m.recognised]
    if unreadable:
        return unreadable[0]
    level = max(m.level for m in markings)
    controls = tuple(dict.fromkeys(c for m in markings for c in m.controls))
    classified = [m for m in markings if m.level > Level.U]
    countries: tuple[str, ...] = ()
    if classified and "NOFORN" not in controls:
        shared = set(classified[0].rel_to)
        for marking in classified[1:]:
            shared &= set(marking.rel_to)
        countries = tuple(c for c in classified[0].rel_to if c in shared)
    text = " ".join(dict.fromkeys(m.text for m in markings))
    return Marking(text=text, level=level, controls=controls, rel_to=countries)


def restricts(own: Marking, other: Marking) -> bool:
    """Is text marked ``own`` more restricted for also carrying ``other`` (a higher level, another
    control, fewer countries it is releasable to, or a marking that cannot be read)?"""
    joined = combine((own, other))
    return (not joined.recognised or joined.level > own.level or bool(set(joined.controls) - set(own.controls))
            or bool(set(own.rel_to) - set(joined.rel_to)))


class Kind(enum.StrEnum):
    PARAGRAPH = "paragraph"
    SUBPARAGRAPH = "subparagraph"
    HEADING = "heading"
    TEXT = "text"
    SIGNATURE = "signature"


# Kind's members as plain names, for the parser's hot paths: in Python 3.11 every attribute look-up
# on an Enum class ("Kind.TEXT") passes through EnumType.__getattr__'s hook (about 0.1 us, five
# times a plain one), and assembling a corpus asks a few hundred thousand times.
PARAGRAPH: Final = Kind.PARAGRAPH
SUBPARAGRAPH: Final = Kind.SUBPARAGRAPH
HEADING: Final = Kind.HEADING
TEXT: Final = Kind.TEXT
SIGNATURE: Final = Kind.SIGNATURE


@dataclass(frozen=True)
class Portion:
    """One decidable unit of the body: a paragraph, subparagraph or heading."""

    index: int
    kind: Kind
    number: str | None
    marking: Marking | None
    inherited: bool
    text: str
    start_line: int
    end_line: int
    parent: int | None = None
    inline: tuple[Marking, ...] = ()

    @property
    def effective(self) -> Marking | None:
        """The marking that governs the portion: its own joined with every one printed inside it.

        "(U) ... -- (S//NF) ..." is SECRET//NOFORN; "(S//REL TO USA, GBR) ... (S//NF)" is NOFORN.
        An unmarked portion stays unmarked (it is withheld anyway).
        """
        if self.marking is None or not self.inline:
            return self.marking
        return combine((self.marking, *self.inline))

    def to_json(self) -> dict[str, Any]:
        marking = None
        if self.marking is not None:
            marking = {**self.marking.to_json(), "inherited": self.inherited}
        return {
            "index": self.index,
            "kind": self.kind.value,
            "number": self.number,
            "marking": marking,
            "parent": self.parent,
            "inline_markings": [m.text for m in self.inline],
            "effective": self.effective.canonical if self.effective else None,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "text": self.text,
        }


@dataclass(frozen=True)
class Decl:
    """The declassification instruction that governs, e.g. the E.O. line's ``DECL: 12/11/2033``
    (of several printed, the most restrictive)."""

    text: str
    date: date | None
    kind: str  # date | event | exemption | oadr | na | declassified | gds | unknown

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "date": self.date.isoformat() if self.date else None,
            "kind": self.kind,
        }


# How a header field is introduced in a release copy when its text is withheld.
FIELD_PREFIX = {
    "routing": "",
    "banner": "",
    "caption": "",
    "eo": "E.O.",
    "tags": "TAGS:",
    "subject": "SUBJECT:",
    "ref": "REF:",
    "classified_by": "Classified By:",
    "memo_header": "",
    "derived_from": "Derived From:",
    "declassify_on": "Declassify On:",
    "header_text": "",
}


@dataclass(frozen=True)
class HeaderField:
    """A header line (or lines) as printed: routing, banner, TAGS, SUBJECT ..."""

    name: str
    text: str
    start_line: int
    end_line: int
    marking: Marking | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "text": self.text,
            "start_line": self.start_line,
            "end_line": self.end_line,
            "marking": self.marking.to_json() if self.marking else None,
        }


@dataclass(frozen=True)
class Header:
    banner: Marking | None = None
    banner_text: str | None = None
    decl: Decl | None = None
    classified_by: str | None = None
    reasons: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    subject: str | None = None
    refs: tuple[str, ...] = ()
    origin: str | None = None
    date: date | None = None
    fields: tuple[HeaderField, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "banner": (
                {**self.banner.to_json(), "printed": self.banner_text}
                if self.banner else None
            ),
            "decl": self.decl.to_json() if self.decl else None,
            "classified_by": self.classified_by,
            "reasons": list(self.reasons),
            "tags": list(self.tags),
            "subject": self.subject,
            "refs": list(self.refs),
            "origin": self.origin,
            "date": self.date.isoformat() if self.date else None,
            "fields": [f.to_json() for f in self.fields],
        }


@dataclass(frozen=True)
class Problem:
    """Something the parser could not read with certainty, by line."""

    line: int
    code: str
    message: str

    def to_json(self) -> dict[str, Any]:
        return {"line": self.line, "code": self.code, "message": self.message}


@dataclass(frozen=True)
class Document:
    source: str
    doc_type: str
    header: Header
    portions: tuple[Portion, ...]
    problems: tuple[Problem, ...] = field(default=())
    doc_id: str | None = None
    layout: str = "wrapped"  # "wrapped" (hard-wrapped lines) or "reflowed" (one line per paragraph)

    @property
    def highest_level(self) -> Level | None:
        levels = [p.effective.level for p in self.portions if p.effective]
        return max(levels) if levels else None

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "type": self.doc_type,
            "layout": self.layout,
            "doc_id": self.doc_id,
            "header": self.header.to_json(),
            "portions": [p.to_json() for p in self.portions],
            "problems": [p.to_json() for p in self.problems],
        }
