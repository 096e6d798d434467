"""The release view: everything a release copy may show, and nothing else.

Renderers receive only this view. Withheld text never enters it: a withheld
portion becomes its number and label, a withheld span its label. This is the
structural guarantee behind "nothing leaks"; verify.py checks it afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..decide import Decision, Decisions
from ..model import FIELD_PREFIX, LEVEL_NAMES, Document, Level, Marking
from ..shown import without_debris


@dataclass(frozen=True)
class Segment:
    """Released text, or (text None) a redacted span with its label."""

    text: str | None
    label: str | None = None


@dataclass(frozen=True)
class Block:
    """One header field or body portion as the release copy shows it."""

    kind: str
    number: str | None
    withheld: bool
    label: str | None
    margin: str | None
    segments: tuple[Segment, ...]
    prefix: str = ""

    @property
    def name(self) -> str:
        """What a copy calls the block: "SUBJECT:", "Header line", "Paragraph 2", "Subparagraph A",
        "Heading" (its kind, for one with no number)."""
        if self.kind.startswith("field-"):
            return self.prefix or "Header line"
        if self.number:
            return f"{'Subparagraph' if self.kind == 'subparagraph' else 'Paragraph'} {self.number}"
        return self.kind.capitalize()

    @property
    def spoken(self) -> str:
        """What a screen reader says for a withheld box."""
        return f"withheld under {self.label}" if self.label else "withheld"


@dataclass(frozen=True)
class Stamp:
    status: str
    authority: str
    policy_sha256: str
    as_of: str
    reviewer: str
    case: str | None
    doc_id: str | None
    source: str = ""  # how the text was taken when not typed: "PDF text layer", "OCR of a scan"


@dataclass(frozen=True)
class ReleaseView:
    title: str
    banner: str
    header: tuple[Block, ...]
    body: tuple[Block, ...]
    stamp: Stamp
    exemptions: tuple[str, ...]
    # Who released it, in the page header: a cable is the State Department's; a memo or an
    # article names no agency the tool could know.
    agency: str = ""


SOURCE_NOTES = {"pdf": "PDF text layer", "ocr": "OCR of a scanned PDF (Tesseract)"}


def margin_code(label: str | None) -> str | None:
    """``(b)(1) 1.4(b),(d)`` -> ``B1 1.4(B),(D)``: the code FOIA offices print in the margin."""
    if not label:
        return None
    code = re.sub(r"\(b\)\((\d)\)(\([A-Z]\))?", lambda m: "B" + m.group(1) + (m.group(2) or ""),
                  label, flags=re.I)
    return code.upper()


def _segments(text: str, decision: Decision) -> tuple[Segment, ...]:
    if not decision.spans:
        return (Segment(without_debris(text)),)
    parts: list[Segment] = []
    position = 0
    for span in decision.spans:
        if span.start > position:
            parts.append(Segment(without_debris(text[position:span.start])))
        parts.append(Segment(None, span.label))
        position = span.end
    if position < len(text):
        parts.append(Segment(without_debris(text[position:])))
    return tuple(parts)


def _block(kind: str, number: str | None, text: str, decision: Decision, prefix: str = "") -> Block:
    if decision.withheld:
        return Block(kind, number, True, decision.label, margin_code(decision.label), (), prefix)
    margins = sorted({margin_code(s.label) or "" for s in decision.spans} - {""})
    return Block(kind, number, False, None, " ".join(margins) or None, _segments(text, decision), prefix)


def recomputed_banner(document: Document, decisions: Decisions) -> str:
    """The classification of what remains: the highest released marking."""
    released: list[Marking] = []
    for portion, decision in zip(document.portions, decisions.portions, strict=True):
        if not decision.withheld and not decision.declassified and portion.effective is not None:
            released.append(portion.effective)
    for fld, decision in zip(document.header.fields, decisions.fields, strict=True):
        if not decision.withheld and not decision.declassified and fld.marking is not None:
            released.append(fld.marking)
    level = max((m.level for m in released), default=Level.U)
    controls: list[str] = []
    for marking in released:
        for control in marking.controls:
            if control in ("NOFORN", "FOUO", "SBU", "ORCON") and control not in controls:
                controls.append(control)
    names = {"FOUO": "FOR OFFICIAL USE ONLY", "SBU": "SENSITIVE BUT UNCLASSIFIED"}
    return "//".join([LEVEL_NAMES[level], *(names.get(c, c) for c in controls)])


def build_view(document: Document, decisions: Decisions, *, policy_name: str, policy_sha256: str,
               as_of: date, reviewer: str, case: str | None = None,
               doc_id: str | None = None, origin: str = "text") -> ReleaseView:
    fields = [(fld.start_line, _block(f"field-{fld.name}", None, fld.text, decision, FIELD_PREFIX.get(fld.name, "")))
              for fld, decision in zip(document.header.fields, decisions.fields, strict=True)
              if fld.name != "banner"]  # the banner is recomputed, never copied
    portions = [(portion.start_line, _block(portion.kind.value, portion.number, portion.text, decision))
                for portion, decision in zip(document.portions, decisions.portions, strict=True)]
    # A cable prints its header, then its body. A memo or an article may print fields among its
    # portions (the FROM block under the title, the closing block): they stand where printed.
    first = portions[0][0] if portions and document.doc_type == "memo" else None
    header = tuple(block for line, block in fields if first is None or line < first)
    body = tuple(block for _, block in sorted(
        [*portions, *((line, block) for line, block in fields if first is not None and line >= first)],
        key=lambda pair: pair[0]))
    labels = [d.label for d in (*decisions.portions, *decisions.fields) if d.withheld and d.label]
    labels += [s.label for d in (*decisions.portions, *decisions.fields) for s in d.spans]
    exemptions = tuple(sorted(set(labels)))
    identifier = doc_id or document.doc_id or "document"
    stamp = Stamp(decisions.status, policy_name, policy_sha256, as_of.isoformat(), reviewer,
                  case, doc_id or document.doc_id, SOURCE_NOTES.get(origin, ""))
    return ReleaseView(f"{identifier} release copy", recomputed_banner(document, decisions),
                       header, body, stamp, exemptions,
                       agency="U.S. Department of State" if document.doc_type == "cable" else "")
