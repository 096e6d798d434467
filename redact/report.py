"""The withholding index (a "Vaughn index") from an audit log: one row per withheld item.

A FOIA office files it to justify each withholding: document, paragraph,
exemption and the policy's stated reason, with totals per exemption. It is
built from the audit log alone, which holds no document text.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, StrictUndefined

from .audit import read_records


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


def withholding_index(log: Path) -> tuple[list[Row], Counter[str]]:
    """Rows for every withheld portion, header field and span in the log."""
    rows: list[Row] = []
    for record in read_records(log):
        if record.get("type") not in ("portion", "field"):
            continue
        name = _item_name(record)
        marking = record.get("marking") or "unmarked"
        if record.get("decision") == "withhold":
            rows.append(Row(record.get("doc_id") or "", name, marking, record.get("label") or "",
                            record.get("reason") or "", record.get("rule") or ""))
        for label in record.get("spans") or []:
            rows.append(Row(record.get("doc_id") or "", f"span in {name}", marking, label,
                            "Redacted inside released text by a span rule.", record.get("rule") or ""))
    totals = Counter(row.exemption for row in rows)
    return rows, totals


def render_markdown(rows: list[Row], totals: Counter[str]) -> str:
    lines = ["# Withholding index", "", "| Document | Item | Marking | Exemption | Justification |",
             "|---|---|---|---|---|"]
    for row in rows:
        cells = [row.document, row.item, row.marking, row.exemption, row.justification]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    lines += ["", "## Totals by exemption", "", "| Exemption | Items |", "|---|---|"]
    lines += [f"| {label} | {count} |" for label, count in sorted(totals.items())]
    lines += ["", f"{len(rows)} withheld items."]
    return "\n".join(lines) + "\n"


def render_csv(rows: list[Row], totals: Counter[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["document", "item", "marking", "exemption", "justification", "rule"])
    for row in rows:
        writer.writerow([row.document, row.item, row.marking, row.exemption, row.justification, row.rule])
    return buffer.getvalue()


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
{% for label, count in totals %}<tr><td>{{ label }}</td><td>{{ count }}</td></tr>{% endfor %}
</tbody></table><p>{{ rows | length }} withheld items.</p></body></html>
""")


def render_html(rows: list[Row], totals: Counter[str]) -> str:
    return _HTML.render(rows=rows, totals=sorted(totals.items()))


RENDERERS = {"md": render_markdown, "csv": render_csv, "html": render_html}
