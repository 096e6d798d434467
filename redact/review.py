"""Review: a person's decisions on top of the policy's, from a review file (``DOC.review.yaml``).

A policy proposes; a reviewer decides. The review file binds to the document and the policy by
sha256 and names each item it changes by its index in ``redact parse --json`` and an anchor (a
hash of the item's text, never the text). Every change carries a justification. Rules that keep
people honest, enforced here whatever the workbench or an editor did:

- releasing anything the policy may not release (above its ceiling or under a control outside its
  released_controls, unmarked, unreadable) is a declassification: the override says so, names
  the authority, and the review carries an approval by a second person over the review's current
  content (a later edit voids it);
- a review made for another version of the document applies only if every anchor still matches;
- a justification or a declassification authority that repeats withheld text (a word 5-gram of
  it) is refused: the audit log would carry that text; a label that holds a word only withheld
  text has is refused: the copy prints it beside the box.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from ruamel.yaml import YAML

from . import canonical, yamldoc
from .decide import Decision, Decisions, Span, finish, merged
from .errors import PolicyError
from .markings import within_limits
from .model import Document, Marking
from .policy import Policy
from .verify import NGRAM, ngrams, words

FORMAT: Literal[1] = 1
SUFFIX = ".review.yaml"
Target = Literal["portion", "field"]
_HEX16 = r"^[0-9a-f]{16}$"
_HEX64 = r"^[0-9a-f]{64}$"


class ReviewError(PolicyError):
    """A review file that does not validate, or that may not be applied (exit 2)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


class ReviewSpan(_Strict):
    """Words withheld inside a released item: offsets into its text as ``parse --json`` prints it."""

    start: int = Field(ge=0)
    end: int = Field(ge=1)
    label: str

    _label = field_validator("label")(_not_blank)

    @model_validator(mode="after")
    def _ordered(self) -> ReviewSpan:
        if self.end <= self.start:
            raise ValueError("a span's end must be after its start")
        return self


class Override(_Strict):
    target: Target = "portion"
    index: int = Field(ge=0)
    anchor: str = Field(pattern=_HEX16, description="anchor_of(the item's text): 16 hex digits of its sha256")
    action: Literal["release", "withhold"]
    label: str | None = None
    justification: str
    declassify: bool = False
    authority: str | None = None
    spans: tuple[ReviewSpan, ...] = ()

    _justification = field_validator("justification")(_not_blank)

    @model_validator(mode="after")
    def _consistent(self) -> Override:
        if self.action == "withhold" and not (self.label or "").strip():
            raise ValueError("a withheld item needs its exemption label")
        if self.declassify and self.action != "release":
            raise ValueError("only a release can be a declassification")
        if self.declassify and not (self.authority or "").strip():
            raise ValueError("a declassification names its authority (authority: ...)")
        if self.spans and self.action != "release":
            raise ValueError("spans withhold words inside a released item; this one is withheld whole")
        return self


class Approval(_Strict):
    by: str
    date: date
    covers: str = Field(pattern=_HEX64, description="content_sha256 of the review when it was approved")

    _by = field_validator("by")(_not_blank)


class DocumentBinding(_Strict):
    file: str
    sha256: str = Field(pattern=_HEX64)


class PolicyBinding(_Strict):
    name: str
    sha256: str = Field(pattern=_HEX64)


class ReviewFile(_Strict):
    review: Literal[1] = FORMAT
    document: DocumentBinding
    policy: PolicyBinding
    reviewer: str
    overrides: tuple[Override, ...] = ()
    approvals: tuple[Approval, ...] = ()

    _reviewer = field_validator("reviewer")(_not_blank)


@dataclass(frozen=True)
class Review:
    """A validated review file, with the line of each override (for messages and the audit)."""

    data: ReviewFile
    path: str
    lines: tuple[int, ...]
    file_sha256: str

    @property
    def content_sha256(self) -> str:
        return content_sha256(self.data)

    @property
    def name(self) -> str:
        return Path(self.path).name

    def approvers(self) -> list[str]:
        """Who approved this very content, other than the reviewer."""
        current = self.content_sha256
        return [a.by for a in self.data.approvals if a.covers == current and not same_person(a.by, self.data.reviewer)]


def same_person(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def anchor_of(text: str) -> str:
    """An item's anchor: 16 hex digits of the sha256 of its text with whitespace folded."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:16]


def content_sha256(data: ReviewFile) -> str:
    """What an approval covers: everything in the review but the approvals themselves."""
    body = data.model_dump(mode="json", exclude={"approvals"})
    return hashlib.sha256(canonical.dumps(body)).hexdigest()


def review_json_schema() -> dict[str, Any]:
    return ReviewFile.model_json_schema()


def load_review(path: Path) -> Review:
    """Read and validate a review file: every problem at once, ``file:line:col: key: message``."""
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ReviewError(f"cannot read the review file: {error.strerror}", path=str(path)) from None
    return parse_review(raw, str(path))


def parse_review(raw: bytes, shown: str) -> Review:
    data = yamldoc.load_mapping(raw, shown, "review file", ReviewError)
    keys = yamldoc.known_keys(ReviewFile, Override, ReviewSpan, Approval, DocumentBinding, PolicyBinding)
    parsed = yamldoc.validate(ReviewFile, data, shown, keys, ReviewError)
    lines: list[int] = []
    for index in range(len(parsed.overrides)):
        try:
            lines.append(int(data["overrides"].lc.item(index)[0]) + 1)
        except (KeyError, AttributeError, IndexError):
            lines.append(1)
    return Review(parsed, shown, tuple(lines), hashlib.sha256(raw).hexdigest())


def dump_review(data: ReviewFile) -> str:
    """The review file's text: plain YAML, keys in the model's order, diffable."""
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    body = data.model_dump(mode="json", exclude_defaults=False)
    for override in body["overrides"]:
        for key in ("label", "authority"):
            if override[key] is None:
                del override[key]
        if not override["declassify"]:
            del override["declassify"]
        if not override["spans"]:
            del override["spans"]
    stream = io.StringIO()
    stream.write("# A reviewer's decisions for one document (redact review). Validate with\n"
                 "# `redact review validate FILE`; approve a declassification with\n"
                 "# `redact review approve FILE --by NAME`.\n")
    yaml.dump(body, stream)
    return stream.getvalue()


def write_review(path: Path, data: ReviewFile) -> None:
    """Write a review file atomically: a temporary file beside it, synced, renamed into place."""
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(dump_review(data))
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def new_review(document_file: str, document_sha256: str, policy: Policy, reviewer: str) -> ReviewFile:
    return ReviewFile(document=DocumentBinding(file=Path(document_file).name, sha256=document_sha256),
                      policy=PolicyBinding(name=policy.name, sha256=policy.sha256), reviewer=reviewer)


def approve(review: Review, by: str, on: date) -> ReviewFile:
    """The review with an approval by ``by`` over its current content."""
    if same_person(by, review.data.reviewer):
        raise ReviewError("the approver must be a second person, not the reviewer", path=review.path,
                          key="approvals")
    approvals = [a for a in review.data.approvals if not same_person(a.by, by)]
    approvals.append(Approval(by=by, date=on, covers=review.content_sha256))
    return review.data.model_copy(update={"approvals": tuple(approvals)})


# --- applying a review ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    """A portion or header field as a review names it."""

    target: Target
    index: int
    text: str
    marking: Marking | None


def items(document: Document) -> dict[tuple[str, int], Item]:
    found: dict[tuple[str, int], Item] = {}
    for portion in document.portions:
        found[("portion", portion.index)] = Item("portion", portion.index, portion.text, portion.effective)
    for index, fld in enumerate(document.header.fields):
        found[("field", index)] = Item("field", index, fld.text, fld.marking)
    return found


def policy_may_release(item: Item, policy: Policy) -> bool:
    """Whether releasing the item stays within the policy (its ceiling and its released
    controls); if not, releasing it declassifies it."""
    marking = item.marking
    if item.target == "field" and marking is None:
        return True  # a header field without a marking of its own: routing, subject, tags
    return marking is not None and within_limits(marking, policy.ceiling, policy.released_controls)


def declassifies(item: Item, before: Decision, policy: Policy) -> bool:
    """Whether releasing the item, which the policy decided ``before``, is a declassification."""
    return before.withheld and not policy_may_release(item, policy)


def broken_overrides(review: Review, document: Document) -> list[int]:
    """The overrides whose item is gone or whose anchor no longer matches its text."""
    known = items(document)
    return [n for n, o in enumerate(review.data.overrides)
            if (o.target, o.index) not in known or anchor_of(known[(o.target, o.index)].text) != o.anchor]


@dataclass(frozen=True)
class Applied:
    decisions: Decisions
    warnings: tuple[str, ...]
    record: dict[str, Any]  # what the audit log keeps of the review: never the items' text


def _error(review: Review, number: int | None, message: str, key: str | None = None) -> ReviewError:
    line = review.lines[number] if number is not None else None
    where = key if key is not None else (f"overrides[{number}]" if number is not None else None)
    return ReviewError(message, path=review.path, line=line, key=where)


def check_binding(review: Review, document: Document, document_sha256: str) -> list[str]:
    """Warnings for a review made for another version of the document; an error when an anchor
    no longer matches its item (the review cannot be applied to this text)."""
    broken = broken_overrides(review, document)
    stale = review.data.document.sha256 != document_sha256
    if broken:
        first = review.data.overrides[broken[0]]
        why = ("the document differs from the one reviewed (sha256) and " if stale else "")
        raise _error(review, broken[0], f"{why}override {broken[0]} ({first.target} {first.index}) no longer "
                     f"matches its item (anchor); {len(broken)} of {len(review.data.overrides)} overrides "
                     "are broken: review the document again")
    if stale:
        return [f"{review.path}: the review was made for another version of the document (sha256 differs); "
                "every anchor still matches, so it applies"]
    return []


def _decision(override: Override, review: Review, number: int, before: Decision) -> Decision:
    source = f"{review.name}:{review.lines[number]}"
    if override.action == "withhold":
        return Decision(before.target, before.index, "withhold", override.label, override.justification, "review",
                        source)
    added = tuple(Span(s.start, s.end, s.label, "review") for s in override.spans)
    kept = before.spans if not before.withheld else ()
    return Decision(before.target, before.index, "release", None, override.justification, "review", source,
                    merged((*kept, *added)), declassified=override.declassify)


def _check_override(override: Override, number: int, item: Item, before: Decision, review: Review,
                    policy: Policy) -> None:
    for span in override.spans:
        if span.end > len(item.text):
            raise _error(review, number, f"span {span.start}-{span.end} runs past the end of the item's text "
                         f"({len(item.text)} characters)")
    if override.action == "release" and declassifies(item, before, policy):
        level = item.marking.text if item.marking is not None and item.marking.recognised else "unmarked or unreadable"
        if not override.declassify:
            raise _error(review, number, f"releasing this {item.target} ({level}) goes past the policy's ceiling "
                         f"({policy.ceiling.name}) or the controls it releases: that is a declassification; say "
                         "`declassify: true` and name the authority")
        if not review.approvers():
            stale = [a.by for a in review.data.approvals if a.covers != review.content_sha256]
            why = (f" (the approval by {stale[0]} covers an earlier version of the review: it was edited since)"
                   if stale else "")
            raise _error(review, number, "a declassification needs an approval by a second person: "
                         f"redact review approve {review.name} --by NAME{why}")


def _withheld_grams(document: Document, decisions: Decisions) -> set[tuple[str, ...]]:
    known = items(document)
    grams: set[tuple[str, ...]] = set()
    for decision in (*decisions.portions, *decisions.fields):
        text = known[(decision.target, decision.index)].text
        if decision.withheld:
            grams |= ngrams(words(text), NGRAM)
        for span in decision.spans:
            grams |= ngrams(words(text[span.start:span.end]), NGRAM)
    return grams


def apply_review(document: Document, decisions: Decisions, policy: Policy, review: Review,
                 document_sha256: str, unapproved: Literal["refuse", "skip"] = "refuse") -> Applied:
    """The policy's decisions with the review's overrides applied; raises ReviewError when the
    review may not be applied (broken anchors, unapproved declassification, leaking justification).
    ``unapproved="skip"`` (the workbench's preview) leaves an override that may not apply yet at
    the policy's decision and says why in the warnings, instead of refusing the whole review."""
    warnings = check_binding(review, document, document_sha256)
    if review.data.policy.sha256 != policy.sha256:
        warnings.append(f"{review.path}: the review was made under another version of the policy "
                        f"({review.data.policy.name}); its overrides apply on top of this one's decisions")
    known = items(document)
    portions, fields = list(decisions.portions), list(decisions.fields)
    seen: set[tuple[str, int]] = set()
    for number, override in enumerate(review.data.overrides):
        key = (override.target, override.index)
        if key in seen:
            raise _error(review, number, f"{override.target} {override.index} is overridden twice")
        seen.add(key)
        chosen = portions if override.target == "portion" else fields
        before = chosen[override.index]
        try:
            _check_override(override, number, known[key], before, review, policy)
        except ReviewError as error:
            if unapproved == "refuse":
                raise
            warnings.append(error.message)
            continue
        chosen[override.index] = _decision(override, review, number, before)
    result = finish(document, tuple(portions), tuple(fields), policy)
    grams = _withheld_grams(document, result)
    own_words = _withheld_only_words(document, result, policy)
    for number, override in enumerate(review.data.overrides):
        for name, said in (("justification", override.justification), ("authority", override.authority or "")):
            if ngrams(words(said), NGRAM) & grams:
                raise _error(review, number, f"the {name} repeats withheld text (five words or more of a withheld "
                             "item): the audit log would carry it; say why without quoting it",
                             key=f"overrides[{number}].{name}")
        labels = [("label", override.label or ""),
                  *((f"spans[{n}].label", span.label) for n, span in enumerate(override.spans))]
        for name, label in labels:
            quoted = sorted({word for word in words(label) if word in own_words})
            if quoted:
                raise _error(review, number, f"the label names what it withholds ({', '.join(quoted)}: words only "
                             "withheld text has): the copy prints it beside the box; cite the exemption alone",
                             key=f"overrides[{number}].{name}")
    return Applied(result, tuple(warnings), audit_record(review))


def _withheld_only_words(document: Document, decisions: Decisions, policy: Policy) -> set[str]:
    """Words (three letters or more) of the withheld text that neither the released text nor the
    policy's own labels have: a label that holds one says what the box hides."""
    known = items(document)
    withheld: set[str] = set()
    released: set[str] = set()
    for decision in (*decisions.portions, *decisions.fields):
        text = known[(decision.target, decision.index)].text
        if decision.withheld:
            withheld.update(words(text))
            continue
        cut = 0
        for span in sorted(decision.spans, key=lambda s: s.start):
            released.update(words(text[cut:span.start]))
            withheld.update(words(text[span.start:span.end]))
            cut = max(cut, span.end)
        released.update(words(text[cut:]))
    labels = [policy.default.label or "", *(r.rule.label or "" for r in (*policy.rules, *policy.fields)),
              *(s.rule.label for s in policy.spans)]
    return {w for w in withheld - released - set(words(" ".join(labels))) if len(w) >= 3}


def audit_record(review: Review) -> dict[str, Any]:
    """The review as a document's audit record carries it: who, who approved, and each override
    (its justification too: refused above when it repeats withheld text)."""
    data = review.data
    return {
        "file": review.name, "sha256": review.file_sha256, "reviewer": data.reviewer,
        "approvers": review.approvers(),
        "overrides": [{"target": o.target, "index": o.index, "action": o.action, "label": o.label,
                       "justification": o.justification, "declassify": o.declassify, "authority": o.authority,
                       "spans": [s.label for s in o.spans], "line": line}
                      for o, line in zip(data.overrides, review.lines, strict=True)],
    }
