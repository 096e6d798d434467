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
