"""One reviewer's session on one document: the policy's proposal, the draft review, the preview.

Everything the workbench page shows or changes goes through here, so that the web layer
(redact.workbench.server) only translates requests. The draft is a ReviewFile; every change is
validated by the same model and rules as a review file on disk, and is refused with a message
(never half applied). Save writes the review file atomically; Export runs the real pipeline.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..decide import Context, Decision, Decisions, decide
from ..model import LEVEL_NAMES, Document
from ..parse import parse
from ..pipeline import Options, render_outputs, reviews_digest, safe_stem
from ..policy import Policy
from ..read import Source, read_source
from ..review import (
    Override,
    Review,
    ReviewError,
    ReviewSpan,
    anchor_of,
    apply_review,
    declassifies,
    load_review,
    new_review,
    write_review,
)
from ..review import items as review_items

# What the label picker offers besides the policy's own labels: the FOIA exemptions.
FOIA_EXEMPTIONS = ("(b)(1)", "(b)(2)", "(b)(3)", "(b)(4)", "(b)(5)", "(b)(6)", "(b)(7)(C)", "(b)(7)(E)",
                   "(b)(8)", "(b)(9)")


class Refused(Exception):
    """A change the rules do not allow; the message says why (shown to the reviewer)."""


@dataclass
class Settings:
    document: Path
    policy: Policy
    review_path: Path
    reviewer: str
    out_dir: Path
    as_of: date
    ocr: bool = False


def _validation_message(error: ValidationError) -> str:
    first = error.errors()[0]
    where = ".".join(str(p) for p in first["loc"])
    return (f"{where}: " if where else "") + str(first["msg"]).removeprefix("Value error, ")


class Session:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.source: Source = read_source(settings.document, ocr=settings.ocr)
        self.document: Document = parse(self.source.text, source=self.source.path,
                                        doc_id=safe_stem(self.source.path))
        self.proposed: Decisions = decide(self.document, settings.policy, Context(as_of=settings.as_of))
        self.items = review_items(self.document)
        self.draft = new_review(self.source.path, self.source.sha256, settings.policy, settings.reviewer)
        self.loaded_sha256: str | None = None
        self.dirty = False
        self.refresh()

    def refresh(self) -> None:
        """Read the review file again when it changed on disk and nothing here is unsaved: a
        second person's approval (`redact review approve`) shows at once."""
        path = self.settings.review_path
        if self.dirty or not path.is_file():
            return
        loaded = load_review(path)
        if loaded.file_sha256 == self.loaded_sha256:
            return
        # Refused here (broken anchors) rather than at export: the reviewer must know at once.
        apply_review(self.document, self.proposed, self.settings.policy, loaded, self.source.sha256, "skip")
        self.draft, self.loaded_sha256 = loaded.data, loaded.file_sha256

    # --- the draft as a review -------------------------------------------------------------

    def _review(self) -> Review:
        lines = tuple(range(1, len(self.draft.overrides) + 1))
        return Review(self.draft, str(self.settings.review_path), lines, "")

    def current(self) -> tuple[Decisions, list[str]]:
        """The decisions with the draft applied (what the preview shows) and why any override
        cannot apply yet (an unapproved declassification)."""
        applied = apply_review(self.document, self.proposed, self.settings.policy, self._review(),
                               self.source.sha256, "skip")
        return applied.decisions, list(applied.warnings)

    def _override_for(self, target: str, index: int) -> Override | None:
        return next((o for o in self.draft.overrides if (o.target, o.index) == (target, index)), None)

    def _replace(self, target: str, index: int, override: Override | None) -> None:
        kept = tuple(o for o in self.draft.overrides if (o.target, o.index) != (target, index))
        overrides = (*kept, override) if override is not None else kept
        ordered = tuple(sorted(overrides, key=lambda o: (o.target != "field", o.index)))
        candidate = self.draft.model_copy(update={"overrides": ordered, "reviewer": self.settings.reviewer})
        previous = self.draft
        self.draft = candidate
        try:
            # The same rules as `redact run --review`, except approval (given later, by someone else).
            self.current()
        except ReviewError as error:
            self.draft = previous
            raise Refused(error.message) from None
        self.dirty = True

    def _item_key(self, payload: dict[str, Any]) -> tuple[str, int]:
        target, index = payload.get("target"), payload.get("index")
        if target not in ("portion", "field") or not isinstance(index, int) or (target, index) not in self.items:
            raise Refused("no such item")
        return str(target), index

    # --- changes ---------------------------------------------------------------------------

    def set_decision(self, payload: dict[str, Any]) -> None:
        """Release or withhold an item, with a label and a justification."""
        target, index = self._item_key(payload)
        existing = self._override_for(target, index)
        action, justification = payload.get("action"), str(payload.get("justification") or "")
        declassify = bool(payload.get("declassify"))
        fields: dict[str, Any] = {
            "target": target, "index": index, "anchor": anchor_of(self.items[(target, index)].text),
            "action": action, "label": payload.get("label") or None, "justification": justification,
            "declassify": declassify, "authority": payload.get("authority") or None}
        if action == "release" and existing is not None and existing.action == "release":
            fields["spans"] = existing.spans
        if not justification.strip():
            raise Refused("a justification is required for every change")
        if action == "release" and not declassify and self._declassifies(target, index):
            raise Refused("releasing this item goes past the policy's ceiling or the controls it releases: that is a "
                          "declassification (tick 'declassify' and name the authority; a second person must approve)")
        try:
            override = Override.model_validate(fields)
        except ValidationError as error:
            raise Refused(_validation_message(error)) from None
        self._replace(target, index, override)

    def _declassifies(self, target: str, index: int) -> bool:
        before = (self.proposed.portions if target == "portion" else self.proposed.fields)[index]
        return declassifies(self.items[(target, index)], before, self.settings.policy)

    def add_span(self, payload: dict[str, Any]) -> None:
        """Withhold words inside a released item."""
        target, index = self._item_key(payload)
        justification = str(payload.get("justification") or "").strip()
        if not justification:
            raise Refused("a justification is required for every change")
        existing = self._override_for(target, index)
        if existing is not None and existing.action == "withhold":
            raise Refused("the item is withheld whole; release it first to withhold words inside it")
        before = (self.proposed.portions if target == "portion" else self.proposed.fields)[index]
        if existing is None and before.withheld:
            raise Refused("the policy withholds this item whole; release it first")
        try:
            span = ReviewSpan.model_validate({"start": payload.get("start"), "end": payload.get("end"),
                                              "label": payload.get("label") or ""})
        except ValidationError as error:
            raise Refused(_validation_message(error)) from None
        spans = (*(existing.spans if existing else ()), span)
        if existing is not None and justification not in existing.justification:
            justification = f"{existing.justification}; {justification}"
        elif existing is not None:
            justification = existing.justification
        override = Override(target=target, index=index, anchor=anchor_of(self.items[(target, index)].text),  # type: ignore[arg-type]
                            action="release", justification=justification,
                            declassify=existing.declassify if existing else False,
                            authority=existing.authority if existing else None, spans=spans)
        self._replace(target, index, override)

    def clear(self, payload: dict[str, Any]) -> None:
        target, index = self._item_key(payload)
        if self._override_for(target, index) is None:
            raise Refused("the item has no change to undo")
        self._replace(target, index, None)

    # --- save, export, preview ------------------------------------------------------------------

    def save(self) -> Path:
        """Write the review file atomically (a temporary file renamed into place)."""
        target = self.settings.review_path
        write_review(target, self.draft)
        loaded = load_review(target)  # what was written reads back as what is shown
        self.draft, self.loaded_sha256 = loaded.data, loaded.file_sha256
        self.dirty = False
        return target

    def export(self) -> dict[str, Any]:
        """Save, then the real pipeline (render, verify, audit) into the output directory."""
        self.save()
        review = self.settings.review_path
        options = Options(out_dir=self.settings.out_dir, formats=("html", "pdf"), reviewer=self.settings.reviewer,
                          as_of=self.settings.as_of, review=review, reviews_sha256=reviews_digest(review, None),
                          ocr=self.settings.ocr)
        from ..batch import run  # with the index and numpy: only an export imports them

        result = run([self.settings.document], self.settings.policy, options,
                     command={"policy": self.settings.policy.name, "workbench": True, "inputs": 1})
        if result.failed_count:
            raise Refused(result.failed[0].error or "the export failed")
        document = result.documents[0] if result.documents else None
        return {"status": document.status if document else "already exported",
                "outputs": [str(p) for p in (document.outputs.values() if document else ())],
                "audit": str(result.audit_path), "head": result.head}

    def preview(self) -> str:
        decisions, _ = self.current()
        options = Options(out_dir=self.settings.out_dir, formats=("html",), reviewer=self.settings.reviewer,
                          as_of=self.settings.as_of)
        _, rendered = render_outputs(self.document, decisions, self.settings.policy, options)
        return rendered["html"].decode("utf-8")

    # --- what the page shows ----------------------------------------------------------------------

    def state(self) -> dict[str, Any]:
        decisions, pending = self.current()
        review = self._review()
        entries = [self._entry("field", i, fld.name, fld.start_line, d)
                   for i, (fld, d) in enumerate(zip(self.document.header.fields, decisions.fields, strict=True))]
        entries += [self._entry("portion", p.index, f"{p.kind.value} {p.number or '#' + str(p.index)}",
                                p.start_line, d)
                    for p, d in zip(self.document.portions, decisions.portions, strict=True)]
        # A released portion that repeats runs of a withheld one (redact.echoes): the reviewer sees it.
        names = {p.index: f"{p.kind.value} {p.number or '#' + str(p.index)}" for p in self.document.portions}
        for entry in entries:
            entry["echoes"] = [{"repeats": names[e.withheld], "runs": len(e.runs)} for e in decisions.echoes
                               if entry["target"] == "portion" and e.released == entry["index"]]
        entries.sort(key=lambda e: (e["line"], e["target"] != "field"))
        counts = Counter(d.label for d in (*decisions.portions, *decisions.fields) if d.withheld and d.label)
        counts.update(s.label for d in (*decisions.portions, *decisions.fields) for s in d.spans)
        policy_labels = sorted({d.label for d in (*self.proposed.portions, *self.proposed.fields) if d.label})
        return {
            "document": {"file": Path(self.source.path).name, "type": self.document.doc_type,
                         "sha256": self.source.sha256},
            "policy": {"name": self.settings.policy.name, "ceiling": self.settings.policy.ceiling.name},
            "reviewer": self.settings.reviewer, "review_file": self.settings.review_path.name,
            "status": decisions.status, "counts": dict(sorted(counts.items())), "dirty": self.dirty,
            "labels": [*policy_labels, *(e for e in FOIA_EXEMPTIONS if e not in policy_labels)],
            "pending": pending, "approvers": review.approvers(),
            "approvals": [{"by": a.by, "current": a.covers == review.content_sha256} for a in self.draft.approvals],
            "items": entries,
        }

    def _entry(self, target: str, index: int, name: str, line: int, decision: Decision) -> dict[str, Any]:
        item = self.items[(target, index)]
        proposed = (self.proposed.portions if target == "portion" else self.proposed.fields)[index]
        marking = item.marking
        level = marking.level.name if marking is not None and marking.recognised else None
        override = self._override_for(target, index)
        return {
            "key": f"{target}:{index}", "target": target, "index": index, "name": name, "line": line,
            "marking": marking.text if marking is not None else None, "level": level,
            "level_name": LEVEL_NAMES[marking.level] if marking is not None and marking.recognised else "unmarked",
            "text": item.text,
            "proposed": _decision_json(proposed),
            "decision": _decision_json(decision),
            "override": override.model_dump(mode="json") if override is not None else None,
            "declassifies": self._declassifies(target, index),
        }


def _decision_json(decision: Decision) -> dict[str, Any]:
    return {"action": decision.action, "label": decision.label, "rule": decision.rule_id,
            "source": decision.source, "reason": decision.reason, "declassified": decision.declassified,
            "spans": [{"start": s.start, "end": s.end, "label": s.label} for s in decision.spans]}
