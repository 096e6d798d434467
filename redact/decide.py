"""Decide: Document x Policy -> one Decision per portion and header field.

Three safety nets run after the rules, whatever the rules said:
- the ceiling: nothing above the policy's ceiling is released;
- unmarked and unrecognised portions are released only by a rule that names
  that case explicitly (``unmarked: true`` / ``unrecognised: true``);
- a header field with a marking above the ceiling is withheld.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from functools import lru_cache

import regex

from .echoes import Echo, find_echoes
from .markings import control_names, controls_within, releasable_to
from .model import Document, HeaderField, Level, Marking, Portion
from .policy import REGEX_TIMEOUT, Condition, Default, Policy, ResolvedRule, Source
from .shown import shown_with_offsets


@dataclass(frozen=True)
class Span:
    """A stretch of released text redacted under its own label."""

    start: int
    end: int
    label: str
    rule_id: str


@dataclass(frozen=True)
class Decision:
    target: str  # "portion" or "field"
    index: int
    action: str  # "release" or "withhold"
    label: str | None
    reason: str
    rule_id: str
    source: str
    spans: tuple[Span, ...] = ()
    # Released by a reviewer's declassification (redact.review), above the policy's ceiling:
    # its marking no longer counts for the copy's banner or the ceiling check.
    declassified: bool = False

    @property
    def withheld(self) -> bool:
        return self.action == "withhold"


@dataclass(frozen=True)
class Decisions:
    """Everything decided for one document."""

    portions: tuple[Decision, ...]
    fields: tuple[Decision, ...]
    echoes: tuple[Echo, ...] = ()  # released portions that repeat withheld ones (redact.echoes)

    @property
    def status(self) -> str:
        """RELEASE IN FULL, RELEASE IN PART or DENIED IN FULL, as real releases stamp."""
        body = self.portions
        everything = (*body, *self.fields)
        if not body or all(d.withheld for d in everything):
            return "DENIED IN FULL"
        if any(d.withheld or d.spans for d in (*body, *self.fields)):
            return "RELEASE IN PART"
        return "RELEASE IN FULL"


@dataclass(frozen=True)
class Context:
    """What a decision may depend on besides the portion: options of the run."""

    as_of: date
    audience: str | None = None


def format_label(template: str, document: Document, level: Level | None,
                 audience: str | None = None) -> str:
    reasons = document.header.reasons
    values = {
        "audience": (audience or "").upper(),
        "reasons": "),(".join(reasons),
        "level": level.name if level is not None else "",
        "doc_id": document.doc_id or "",
        "origin": document.header.origin or "",
    }
    label = template.format_map(values)
    if not reasons:
        label = label.replace(" 1.4()", "").replace("1.4()", "").strip()
    return label


def _listed(value: str | Sequence[str] | None) -> list[str] | None:
    if value is None:
        return None
    return [value] if isinstance(value, str) else list(value)


def _age_years(document: Document, as_of: date) -> float | None:
    if document.header.date is None:
        return None
    return (as_of - document.header.date).days / 365.25


class Undecidable(Exception):
    """A condition could not be evaluated (a pattern ran out of time): the item is withheld."""


# A policy's patterns, compiled once per process: the regex module's own cache costs about as
# much as the match on a short field, and every field and portion of every document is searched.
@lru_cache(maxsize=1024)
def _compiled(pattern: str) -> regex.Pattern[str]:
    return regex.compile(pattern)


@lru_cache(maxsize=4096)
def _term_pattern(term: str) -> regex.Pattern[str]:
    return regex.compile(r"(?<!\w)" + regex.escape(term) + r"(?!\w)", flags=regex.IGNORECASE)


def _search(pattern: str, text: str) -> bool:
    try:
        return _compiled(pattern).search(text, timeout=REGEX_TIMEOUT) is not None
    except TimeoutError:
        # Neither "holds" nor "does not hold" is safe: a withhold rule that silently failed
        # would let a later rule release. The caller withholds.
        raise Undecidable(pattern) from None


def _marking_holds(when: Condition, marking: Marking | None, audience: str | None) -> bool:
    if when.unmarked is not None and when.unmarked != (marking is None):
        return False
    recognised = marking is not None and marking.recognised
    if when.unrecognised is not None and when.unrecognised != (marking is not None and not recognised):
        return False
    needs_marking = any(v is not None for v in (
        when.level, when.level_at_most, when.level_at_least, when.controls_any, when.controls_only,
        when.releasable_to))
    if needs_marking and (marking is None or not recognised):
        return False
    if marking is None:
        return True
    levels = _listed(when.level)
    if levels is not None and marking.level.name not in levels:
        return False
    if when.level_at_most is not None and marking.level > Level[when.level_at_most]:
        return False
    if when.level_at_least is not None and marking.level < Level[when.level_at_least]:
        return False
    # "FGI" matches "FGI DEU" and "SI" matches "SI-G": a control is named by its head word too.
    controls = control_names(marking)
    if when.controls_any is not None and not controls & {c.upper() for c in when.controls_any}:
        return False
    if when.controls_none is not None and controls & {c.upper() for c in when.controls_none}:
        return False
    if when.controls_only is not None and not controls_within(marking, {c.upper() for c in when.controls_only}):
        return False
    if when.releasable_to is not None:
        country = (audience if when.releasable_to == "{audience}" else when.releasable_to) or ""
        if not releasable_to(marking, country):
            return False
    return True


def _document_holds(when: Condition, document: Document, context: Context) -> bool:
    header = document.header
    doc_types = _listed(when.doc_type)
    if doc_types is not None and document.doc_type not in doc_types:
        return False
    if when.tags_any is not None and not set(header.tags) & {t.upper() for t in when.tags_any}:
        return False
    if when.origin_matches is not None and not _search(when.origin_matches, header.origin or ""):
        return False
    if when.banner_level is not None:
        banner_levels = _listed(when.banner_level) or []
        if header.banner is None or not header.banner.recognised \
                or header.banner.level.name not in banner_levels:
            return False
    if when.decl_passed is not None:
        decl = header.decl
        passed = decl is not None and decl.kind in ("date", "rds", "declassified") \
            and decl.date is not None and decl.date <= context.as_of
        if when.decl_passed != passed:
            return False
    if when.decl_kind is not None:
        kinds = _listed(when.decl_kind) or []
        if header.decl is None or header.decl.kind not in kinds:
            return False
    if when.dated_before is not None and (header.date is None or header.date >= when.dated_before):
        return False
    if when.dated_after is not None and (header.date is None or header.date <= when.dated_after):
        return False
    if when.older_than_years is not None:
        age = _age_years(document, context.as_of)
        if age is None or age < when.older_than_years:
            return False
    return True


def portion_matches(when: Condition, portion: Portion, document: Document, context: Context) -> bool:
    if when.field is not None:
        return False
    kinds = _listed(when.kind)
    if kinds is not None and portion.kind.value not in kinds:
        return False
    if when.inherited is not None and when.inherited != (portion.inherited and portion.marking is not None):
        return False
    if not _marking_holds(when, portion.effective, context.audience):
        return False
    if when.text_matches is not None and not _search(when.text_matches, portion.text):
        return False
    return _document_holds(when, document, context)


def field_matches(when: Condition, field: HeaderField, document: Document, context: Context) -> bool:
    names = _listed(when.field)
    if names is None or field.name not in names:
        return False
    marking_tests = any(v is not None for v in (
        when.level, when.level_at_most, when.level_at_least, when.controls_any, when.controls_none,
        when.controls_only, when.releasable_to, when.unrecognised))
    if marking_tests and not _marking_holds(when, field.marking, context.audience):
        return False
    if when.text_matches is not None and not _search(when.text_matches, field.text):
        return False
    return _document_holds(when, document, context)


def _from_rule(target: str, index: int, rule: ResolvedRule, document: Document,
               level: Level | None, context: Context) -> Decision:
    label = format_label(rule.rule.label, document, level, context.audience) if rule.rule.label else None
    return Decision(target, index, rule.rule.action, label, rule.rule.reason or "",
                    rule.rule.id, str(rule.source))


def _from_default(target: str, index: int, default: Default, source: Source,
                  document: Document, level: Level | None, context: Context) -> Decision:
    label = format_label(default.label, document, level, context.audience) if default.label else None
    return Decision(target, index, default.action, label, default.reason or "", "default",
                    str(source))


def _fail_closed(decision: Decision, why: str, rule_id: str, policy: Policy, document: Document,
                 level: Level | None) -> Decision:
    template = policy.default.label or "(b)(1)"
    return Decision(decision.target, decision.index, "withhold",
                    format_label(template, document, level), why, rule_id, decision.source)


def _undecidable(target: str, index: int, rule: ResolvedRule, policy: Policy, document: Document,
                 level: Level | None) -> Decision:
    template = policy.default.label or "(b)(1)"
    return Decision(target, index, "withhold", format_label(template, document, level),
                    f"Rule {rule.rule.id} could not be evaluated in time (a pattern ran too long); withheld "
                    "(fail closed).", "fail-closed-undecidable", str(rule.source))


def decide_portion(portion: Portion, document: Document, policy: Policy, context: Context) -> Decision:
    marking = portion.effective
    level = marking.level if marking else None
    decision: Decision | None = None
    explicit: Condition | None = None
    for rule in policy.rules:
        try:
            matched = portion_matches(rule.rule.when, portion, document, context)
        except Undecidable:
            return _undecidable("portion", portion.index, rule, policy, document, level)
        if matched:
            decision = _from_rule("portion", portion.index, rule, document, level, context)
            explicit = rule.rule.when
            break
    if decision is None:
        decision = _from_default("portion", portion.index, policy.default, policy.default_source,
                                 document, level, context)
    if decision.withheld:
        return decision
    if marking is None and not (explicit and explicit.unmarked):
        return _fail_closed(decision, "Unmarked portion: released only by a rule for unmarked "
                            "portions (fail closed).", "fail-closed-unmarked", policy, document, level)
    if marking is not None and not marking.recognised and not (explicit and explicit.unrecognised):
        return _fail_closed(decision, "Unrecognised marking: released only by a rule for "
                            "unrecognised markings (fail closed).", "fail-closed-unrecognised",
                            policy, document, level)
    if marking is not None and marking.recognised and marking.level > policy.ceiling:
        return _fail_closed(decision, f"Above the policy's ceiling ({policy.ceiling.name}).",
                            "ceiling", policy, document, level)
    if marking is not None and not _controls_released(marking, policy):
        return _fail_closed(decision, _CONTROLS_NOT_RELEASED, "released-controls", policy, document, level)
    spans = find_spans(portion.text, policy, document)
    if spans:
        decision = Decision(decision.target, decision.index, decision.action, decision.label,
                            decision.reason, decision.rule_id, decision.source, spans)
    return decision


def decide_field(index: int, field: HeaderField, document: Document, policy: Policy,
                 context: Context) -> Decision:
    level = field.marking.level if field.marking else None
    for rule in policy.fields:
        try:
            matched = field_matches(rule.rule.when, field, document, context)
        except Undecidable:
            return _undecidable("field", index, rule, policy, document, level)
        if matched:
            decision = _from_rule("field", index, rule, document, level, context)
            break
    else:
        decision = _from_default("field", index, policy.default, policy.default_source, document, level,
                                 context)
    if decision.withheld:
        return decision
    if field.marking is not None and (not field.marking.recognised or field.marking.level > policy.ceiling):
        return _fail_closed(decision, f"The field's marking is above the policy's ceiling "
                            f"({policy.ceiling.name}).", "ceiling", policy, document, level)
    if field.marking is not None and not _controls_released(field.marking, policy):
        return _fail_closed(decision, _CONTROLS_NOT_RELEASED, "released-controls", policy, document, level)
    spans = find_spans(field.text, policy, document)
    if spans:
        decision = Decision(decision.target, decision.index, decision.action, decision.label,
                            decision.reason, decision.rule_id, decision.source, spans)
    return decision


_CONTROLS_NOT_RELEASED = "A control the policy never releases (released_controls): withheld whatever a rule said."


def _controls_released(marking: Marking, policy: Policy) -> bool:
    """The policy's second line for controls, as the ceiling is for levels."""
    return policy.released_controls is None or controls_within(marking, policy.released_controls)


def find_spans(text: str, policy: Policy, document: Document) -> tuple[Span, ...]:
    """Spans of released text that span rules redact; overlapping spans are merged. Patterns
    match the text as the copy prints it (debris such as "**" removed), mapped back."""
    shown, offsets = shown_with_offsets(text)
    return tuple(Span(offsets[s.start], offsets[s.end - 1] + 1, s.label, s.rule_id)
                 for s in _find_spans(shown, policy, document))


def _find_spans(text: str, policy: Policy, document: Document) -> tuple[Span, ...]:
    found: list[Span] = []
    for span_rule in policy.spans:
        label = format_label(span_rule.rule.label, document, None)
        for pattern in span_rule.rule.patterns:
            try:
                matches = list(_compiled(pattern).finditer(text, timeout=REGEX_TIMEOUT))
            except TimeoutError:
                # A pattern that cannot finish cannot prove the text clean: redact it all.
                matches = []
                found.append(Span(0, len(text), label, span_rule.rule.id))
            found.extend(Span(m.start(), m.end(), label, span_rule.rule.id) for m in matches
                         if m.end() > m.start())
        for term in span_rule.terms:
            found.extend(Span(m.start(), m.end(), label, span_rule.rule.id)
                         for m in _term_pattern(term).finditer(text))
    return merged(found)


def merged(spans: Sequence[Span]) -> tuple[Span, ...]:
    """Spans in order, overlapping ones joined (under the first one's label)."""
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, -s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end), last.label, last.rule_id)
        else:
            merged.append(span)
    return tuple(merged)


def decide(document: Document, policy: Policy, context: Context) -> Decisions:
    portions = tuple(decide_portion(p, document, policy, context) for p in document.portions)
    fields = tuple(decide_field(i, f, document, policy, context)
                   for i, f in enumerate(document.header.fields))
    return finish(document, portions, fields, policy)


def finish(document: Document, portions: tuple[Decision, ...], fields: tuple[Decision, ...],
           policy: Policy) -> Decisions:
    """The document's decisions with released repeats of withheld portions found (and withheld
    where the policy says so): run again after a reviewer's overrides (redact.review)."""
    echoes = _echoes(document, portions, policy)
    if echoes and policy.echoes.action == "withhold":
        portions = _echoes_withheld(portions, echoes)
    return Decisions(portions, fields, tuple(echoes))


def _echoes(document: Document, decisions: tuple[Decision, ...], policy: Policy) -> list[Echo]:
    pairs = list(zip(document.portions, decisions, strict=True))
    withheld = [(p.index, p.text) for p, d in pairs if d.withheld]
    released = [(p.index, p.text) for p, d in pairs if not d.withheld]
    return find_echoes(released, withheld, policy.echoes.words) if withheld and released else []


def _echoes_withheld(decisions: tuple[Decision, ...], echoes: list[Echo]) -> tuple[Decision, ...]:
    """Each echo's runs withheld inside the released portion, under the repeated portion's label."""
    return runs_withheld(decisions, echoes, lambda echo: decisions[echo.withheld].label or "(b)(1)", "echo")


def runs_withheld(decisions: tuple[Decision, ...], echoes: Sequence[Echo], label_of: Callable[[Echo], str],
                  rule_id: str) -> tuple[Decision, ...]:
    """Each echo's runs withheld as spans inside its released portion, under ``label_of(echo)``."""
    result = list(decisions)
    for echo in echoes:
        released = result[echo.released]
        added = tuple(Span(start, end, label_of(echo), rule_id) for start, end in echo.runs)
        result[echo.released] = replace(released, spans=merged((*released.spans, *added)))
    return tuple(result)
