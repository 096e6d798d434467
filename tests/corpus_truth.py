"""Compare the parser with the corpus truth (shared by the test and `redact stats`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from redact.markings import parse_portion_marking
from redact.model import Document


@dataclass
class Agreement:
    checked: int = 0
    agreed: int = 0
    disagreements: list[tuple[str, int, str, str]] = field(default_factory=list)
    lowered: list[tuple[str, int, str, str]] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return self.agreed / self.checked if self.checked else 1.0


def truth_records(corpus: Path) -> dict[str, dict]:
    records = {}
    for line in (corpus / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        records[record["id"]] = record
    return records


def compare(document: Document, record: dict, agreement: Agreement) -> None:
    """Every truth paragraph with a marking must appear, in order, with the same marking."""
    numbered = [p for p in document.portions if p.number is not None and p.kind.value == "paragraph"]
    position = 0
    for para in record["paragraphs"]:
        if para["marking"] is None:
            continue
        agreement.checked += 1
        printed = str(para["printed"])
        expected = parse_portion_marking(para["marking"])
        found = None
        for i in range(position, len(numbered)):
            if numbered[i].number == printed:
                found, position = numbered[i], i + 1
                break
        got = found.marking if found is not None else None
        got_text = got.text if got is not None else "-"
        if got is not None and not found.inherited and got.text.strip() == para["marking"].strip() \
                and got.canonical == expected.canonical:
            agreement.agreed += 1
            continue
        row = (record["id"], para["printed"], para["marking"], got_text if found else "missing")
        agreement.disagreements.append(row)
        if expected.recognised and expected.level.value > 0 and (
                got is None or got.level < expected.level) and got is not None:
            agreement.lowered.append(row)


@dataclass
class LevelAgreement:
    """Marked paragraphs of a truth file read at their printed level, per layout."""

    checked: dict[str, int] = field(default_factory=dict)
    agreed: dict[str, int] = field(default_factory=dict)
    lowered: list[tuple[str, str, str, str]] = field(default_factory=list)
    missed: list[tuple[str, str, str, str]] = field(default_factory=list)

    def ratio(self, layout: str) -> float:
        return self.agreed.get(layout, 0) / self.checked[layout] if self.checked.get(layout) else 1.0


def compare_levels(document: Document, record: dict, agreement: LevelAgreement, layout: str) -> None:
    """Every readable marking of the truth must be read, at its level, on a portion with its
    number, in order (a numbered portion with the marking is preferred over an unmarked one of
    the same number, such as a lettered list item "3.I)" printed before it)."""
    numbered = [p for p in document.portions if p.number is not None]
    position = 0
    for para in record["paragraphs"]:
        printed = (para.get("marking") or "").strip()
        if not printed:
            continue
        expected = parse_portion_marking(printed if printed.startswith("(") else "(" + printed)
        if not expected.recognised:
            continue
        number = str(para.get("number", para.get("printed")))
        agreement.checked[layout] = agreement.checked.get(layout, 0) + 1
        same = [i for i in range(position, len(numbered)) if numbered[i].number == number][:3]
        own = [i for i in same if numbered[i].marking is not None and not numbered[i].inherited]
        pick = (own or same)[:1]
        found = numbered[pick[0]] if pick else None
        if pick:
            position = pick[0] + 1
        got = found.marking if found is not None else None
        row = (record["id"], number, printed, got.text if got is not None else "missing")
        if got is not None and got.recognised and got.level == expected.level and not found.inherited:
            agreement.agreed[layout] = agreement.agreed.get(layout, 0) + 1
        elif got is not None and got.recognised and got.level < expected.level:
            agreement.lowered.append(row)
        else:
            agreement.missed.append(row)
