"""Cross-checks of a batch, over its consistency index (redact.consistency): text one document
withholds and another releases, and decisions that differ from an earlier release (--prior).

The report (``OUT/consistency.json``) names documents, portion numbers and labels, never words,
so it can sit beside the release copies; the audit log records its sha256.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .audit import iter_records
from .consistency import INDEX_DIR, Index, Other, View, conflicts, describe
from .errors import InputError, RedactError
from .pipeline import PORTION_COLUMNS, Options, withheld_portions
from .policy import Policy

REPORT = "consistency.json"
_DECISION = PORTION_COLUMNS.index("decision")
_LABEL = PORTION_COLUMNS.index("label")


@dataclass
class Prior:
    """An earlier release as it stood before this run: its index and its documents' decisions."""

    name: str
    view: View
    decisions: dict[str, dict[str, Any]]  # source -> input sha256, doc id, [(decision, label)] per portion


@dataclass
class Findings:
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    withheld_again: int = 0  # documents redone to withhold what others withhold (--consistent)
    failed_again: list[str] = field(default_factory=list)
    prior: list[dict[str, Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.conflicts or self.withheld_again or self.failed_again or self.prior)

    def summary(self) -> dict[str, Any]:
        return {"conflicts": len(self.conflicts),
                "documents": len({row["released"]["source"] for row in self.conflicts}),
                "withheld_again": self.withheld_again,
                "prior": [{"prior": p["prior"], "changed_decisions": len(p["changed_decisions"]),
                           "withheld_before_released_now": len(p["withheld_before_released_now"]),
                           "released_before_withheld_now": len(p["released_before_withheld_now"])}
                          for p in self.prior]}


def audit_log_for(path: Path) -> Path:
    """An earlier run named by its output directory or its audit log."""
    log = path / "audit.jsonl" if path.is_dir() else path
    if not log.is_file():
        raise InputError("no audit log here: give an earlier run's output directory or its audit.jsonl",
                         path=str(path))
    return log


def open_prior(path: Path, current: Path) -> Prior:
    """An earlier run, read before this one writes anything (it may be this very directory)."""
    log = audit_log_for(path)
    folder = log.parent / INDEX_DIR
    if not (folder / "key").is_file():
        raise InputError("the earlier run has no consistency index beside its audit log (consistency-index/)",
                         path=str(path))
    index = Index(folder)
    before = index.count if folder.resolve() == current.resolve() else None
    return Prior(str(path), View(index, before), latest_decisions(log))


def latest_decisions(log: Path) -> dict[str, dict[str, Any]]:
    """Every document's last decisions in an audit log (format 2 or 3 rows), by source."""
    found: dict[str, dict[str, Any]] = {}
    for record in iter_records(log):
        if record.get("type") != "document" or not isinstance(record.get("portions"), list):
            continue
        labels = record.get("labels") or []
        rows = [(row[_DECISION], labels[row[_LABEL]] if isinstance(row[_LABEL], int) else None)
                for row in record["portions"]]
        found[str(record["source"])] = {"sha256": record.get("input_sha256"), "doc_id": record.get("doc_id"),
                                        "portions": rows}
    return found


def decision_changes(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Portions of the same document (same input) decided otherwise now; documents that changed."""
    rows: list[dict[str, Any]] = []
    for source, now in sorted(after.items()):
        then = before.get(source)
        if then is None:
            continue
        if then["sha256"] != now["sha256"] or len(then["portions"]) != len(now["portions"]):
            rows.append({"source": source, "doc_id": now["doc_id"], "portion": None,
                         "change": "the document differs from the one released before"})
            continue
        for number, (old, new) in enumerate(zip(then["portions"], now["portions"], strict=True)):
            if old != new:
                rows.append({"source": source, "doc_id": now["doc_id"], "portion": number,
                             "before": _said(old), "after": _said(new)})
    return rows


def _said(decision: tuple[str, str | None] | list[Any]) -> str:
    action, label = decision
    return f"{action} {label}" if label else str(action)


def compare_with_prior(prior: Prior, current: View, log: Path) -> dict[str, Any]:
    now = latest_decisions(log)
    moved_out = describe(conflicts(current, prior.view), current, prior.view)
    moved_in = describe(conflicts(prior.view, current), prior.view, current)
    return {
        "prior": prior.name,
        "changed_decisions": decision_changes(prior.decisions, now),
        "withheld_before_released_now": [r for r in moved_out if not _kept(r["released"], "release", prior, now)],
        "released_before_withheld_now": [r for r in moved_in if not _kept(r["withheld"], "withhold", prior, now)],
    }


def _kept(item: dict[str, Any], action: str, prior: Prior, now: dict[str, dict[str, Any]]) -> bool:
    """Whether a portion was decided ``action`` before as well, in the same document: its words were
    released (or withheld) there before too, so their repeat elsewhere is no change of decision."""
    then, current = prior.decisions.get(item["source"]), now.get(item["source"])
    if then is None or current is None or then["sha256"] != current["sha256"]:
        return False
    portions = then["portions"]
    return bool(item["portion"] < len(portions) and portions[item["portion"]][0] == action)


def repeat_tasks(rows: list[dict[str, Any]], policy: Policy,
                 options: Options) -> Iterator[tuple[str, tuple[Other, ...] | RedactError]]:
    """For each document that releases what another withholds: the other documents' withheld text
    (decided again here), or the error that stopped it being read."""
    wanted: dict[str, dict[str, set[int]]] = {}
    for row in rows:
        sources = wanted.setdefault(row["released"]["source"], {})
        sources.setdefault(row["withheld"]["source"], set()).add(int(row["withheld"]["portion"]))
    for released, sources in wanted.items():
        others: list[Other] = []
        try:
            for source, portions in sorted(sources.items()):
                others += withheld_portions(source, policy, options, portions)
        except RedactError as error:
            yield released, error
            continue
        except OSError as error:
            yield released, InputError(f"cannot read a document it repeats: {error.strerror}", path=released)
            continue
        yield released, tuple(others)


def write_report(out_dir: Path, findings: Findings) -> str:
    """``OUT/consistency.json``, atomically; its sha256 for the audit log."""
    body = {"format": 1, "summary": findings.summary(), "conflicts": findings.conflicts,
            "failed_again": findings.failed_again, "prior": findings.prior}
    data = (json.dumps(body, indent=1, sort_keys=True) + "\n").encode()
    handle, temporary = tempfile.mkstemp(prefix=f".{REPORT}.", suffix=".tmp", dir=out_dir)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, out_dir / REPORT)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return hashlib.sha256(data).hexdigest()
