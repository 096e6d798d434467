"""The withholding index (a "Vaughn index") from an audit log: one row per withheld item.

A FOIA office files it to justify each withholding: document, paragraph,
exemption and the policy's stated reason, with totals per exemption. It is
built from the audit log alone, which holds no document text.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

from .audit import iter_records


@dataclass(frozen=True)
class Row:
    document: str
    item: str
    marking: str
    exemption: str
    justification: str
    rule: str


def _item_name(record: dict[str, Any]) -> str:
    if record["type"] == "field":
        return f"header: {record['field']}"
    number = record.get("number")
    kind = record.get("kind", "portion")
    return f"{kind} {number}" if number else f"{kind} #{record['index']}"


def _indexed(values: list[Any], index: Any) -> Any:
    """The value a row's index names; a value written in place (an older format) as it is."""
    return values[index] if isinstance(index, int) and 0 <= index < len(values) else index


def _items(document: dict[str, Any], table: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """A format-2 or -3 document record's rows as the item records of the old format, the reason taken
    from the run's policy table unless the row carries its own."""
    rules = table.get("rules") or {}
    labels = document.get("labels") or []
    rule_ids = document.get("rule_ids") or []
    for target, key in (("portion", "portion_columns"), ("field", "field_columns")):
        columns = table.get(key) or []
        for index, row in enumerate(document.get(f"{target}s") or []):
            item = dict(zip(columns, row, strict=False))
            item.update(type=target, doc_id=document.get("doc_id"), index=index,
                        label=_indexed(labels, item.get("label")),
                        rule=_indexed(rule_ids, item.get("rule")),  # format 3: an index; format 2: the id
                        spans=[_indexed(labels, i) for i in item.get("spans") or []])
            item["reason"] = row[len(columns)] if len(row) > len(columns) else \
                (rules.get(item.get("rule")) or {}).get("reason", "")
            if item.get("rule") == "review" and isinstance(document.get("review"), dict):
                item["reason"] = _reviewed(item["reason"], document["review"])
            yield item


def _reviewed(justification: str, review: dict[str, Any]) -> str:
    """A reviewer's justification as the index prints it: with who decided and who approved."""
    approvers = ", ".join(str(a) for a in review.get("approvers") or [])
    who = f"reviewer {review.get('reviewer')}" + (f", approved by {approvers}" if approvers else "")
    return f"{justification} ({who})"


def item_records(log: Path) -> Iterator[dict[str, Any]]:
    """Every portion and header field decision in the log, in either format, one at a time: the
    policy tables of the runs (one per policy, small) are all that is kept."""
    tables: dict[str, dict[str, Any]] = {}
    for record in iter_records(log):
        kind = record.get("type")
        if kind == "run-start" and isinstance(record.get("policy_table"), dict):
            tables[str(record.get("fingerprint"))] = record["policy_table"]
        elif kind in ("portion", "field"):
            yield record  # format 1: one record per item
        elif kind == "document" and isinstance(record.get("portions"), list):
            yield from _items(record, tables.get(str(record.get("fingerprint")), {}))


def withholding_rows(log: Path, totals: Counter[str]) -> Iterator[Row]:
    """Rows for every withheld portion, header field and span in the log, as they are read;
    ``totals`` counts them per exemption."""
    for record in item_records(log):
        name = _item_name(record)
        marking = record.get("marking") or "unmarked"
        if record.get("decision") == "withhold":
            totals[record.get("label") or ""] += 1
            yield Row(record.get("doc_id") or "", name, marking, record.get("label") or "",
                      record.get("reason") or "", record.get("rule") or "")
        for label in record.get("spans") or []:
            totals[label] += 1
            reason = record.get("reason") if record.get("rule") == "review" else None
            yield Row(record.get("doc_id") or "", f"span in {name}", marking, label,
                      reason or "Redacted inside released text by a span rule.", record.get("rule") or "")


def withholding_index(log: Path) -> tuple[list[Row], Counter[str]]:
    """Every row at once (for small logs and tests); write_report streams."""
    totals: Counter[str] = Counter()
    rows = list(withholding_rows(log, totals))
    return rows, totals


def _markdown(rows: Iterator[Row], totals: Counter[str]) -> Iterator[str]:
    yield "# Withholding index\n\n| Document | Item | Marking | Exemption | Justification |\n|---|---|---|---|---|\n"
    count = 0
    for row in rows:
        cells = [row.document, row.item, row.marking, row.exemption, row.justification]
        yield "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |\n"
        count += 1
    yield "\n## Totals by exemption\n\n| Exemption | Items |\n|---|---|\n"
    yield "".join(f"| {label} | {n} |\n" for label, n in sorted(totals.items()))
    yield f"\n{count} withheld items.\n"


def _csv(rows: Iterator[Row], totals: Counter[str]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["document", "item", "marking", "exemption", "justification", "rule"])
    for row in rows:
        writer.writerow([row.document, row.item, row.marking, row.exemption, row.justification, row.rule])
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


_HTML = Environment(autoescape=True, undefined=StrictUndefined).from_string("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Withholding index</title>
<style>body{font:10pt/1.4 "DejaVu Sans Mono",monospace} table{border-collapse:collapse}
td,th{border:1px solid #000;padding:2px 6px;text-align:left;vertical-align:top}</style></head>
<body><h1>Withholding index</h1>
<table><thead><tr><th>Document</th><th>Item</th><th>Marking</th><th>Exemption</th><th>Justification</th></tr></thead>
<tbody>{% for row in rows %}<tr><td>{{ row.document }}</td><td>{{ row.item }}</td><td>{{ row.marking }}</td>
<td>{{ row.exemption }}</td><td>{{ row.justification }}</td></tr>
{% endfor %}</tbody></table>
<h2>Totals by exemption</h2><table><thead><tr><th>Exemption</th><th>Items</th></tr></thead><tbody>
{% for label, count in totals() %}<tr><td>{{ label }}</td><td>{{ count }}</td></tr>{% endfor %}
</tbody></table><p>{{ count() }} withheld items.</p></body></html>
""")


def _html(rows: Iterator[Row], totals: Counter[str]) -> Iterator[str]:
    # The totals are read after the rows, when every row has been counted.
    yield from _HTML.generate(rows=rows, totals=lambda: sorted(totals.items()),
                              count=lambda: sum(totals.values()))


RENDERERS: dict[str, Callable[[Iterator[Row], Counter[str]], Iterator[str]]] = {
    "md": _markdown, "csv": _csv, "html": _html}


def write_report(log: Path, fmt: str, write: Callable[[str], object]) -> int:
    """Write the withholding index of ``log`` in ``fmt`` piece by piece; the number of rows."""
    totals: Counter[str] = Counter()
    for piece in RENDERERS[fmt](withholding_rows(log, totals), totals):
        write(piece)
    return sum(totals.values())


def render(rows: list[Row], totals: Counter[str], fmt: str) -> str:
    """The whole index as one string (for small logs and tests)."""
    return "".join(RENDERERS[fmt](iter(rows), totals))
