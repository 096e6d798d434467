"""Policy: YAML -> validated, resolved Policy.

ruamel.yaml keeps the line of every key, pydantic (extra="forbid") validates,
and every error is reported as ``file:line:col: key: message``. A policy that
does not validate never runs. ``extends`` composes policies; the resolved
policy (rules of the child first, then of its parents) is what runs and what
is hashed into the audit log.
"""

from __future__ import annotations

import contextlib
import hashlib
import string
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from ruamel.yaml.comments import CommentedMap

from . import canonical, yamldoc
from .errors import PolicyError
from .model import Level
from .resources import data_dir

LevelName = Literal["U", "C", "S", "TS"]
KindName = Literal["paragraph", "subparagraph", "heading", "text", "signature"]
FieldName = Literal["routing", "banner", "caption", "eo", "tags", "subject", "ref", "classified_by",
                    "memo_header", "derived_from", "declassify_on", "header_text"]
Action = Literal["release", "withhold"]
LABEL_FIELDS = ("reasons", "level", "doc_id", "origin", "audience")
DeclKind = Literal["date", "rds", "declassified", "gds", "event", "exemption", "oadr", "na", "unknown"]
DocType = Literal["cable", "memo"]
REGEX_TIMEOUT = 0.5  # seconds: a pattern that needs longer is treated as a failure
MAX_POLICY_BYTES = 1_000_000


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_pattern(value: str) -> str:
    try:
        regex.compile(value)
    except regex.error as error:
        raise ValueError(f"invalid regular expression: {error}") from None
    return value


def _check_label(value: str) -> str:
    for _, name, spec, conversion in string.Formatter().parse(value):
        if name is not None and (name not in LABEL_FIELDS or spec or conversion):
            raise ValueError(f"unknown placeholder {{{name}}} in label (known: "
                             + ", ".join(LABEL_FIELDS) + ")")
    return value


class Condition(_Strict):
    """Every condition given must hold (AND); an empty condition always holds."""

    level: LevelName | list[LevelName] | None = None
    level_at_most: LevelName | None = None
    level_at_least: LevelName | None = None
    controls_any: list[str] | None = None
    controls_none: list[str] | None = None
    controls_only: list[str] | None = Field(
        default=None, description="every control the marking carries is one of these ([]: none at all)")
    releasable_to: str | None = Field(default=None, description="REL TO lists this country")
    unmarked: bool | None = None
    unrecognised: bool | None = None
    inherited: bool | None = None
    kind: KindName | list[KindName] | None = None
    field: FieldName | list[FieldName] | None = None
    tags_any: list[str] | None = None
    doc_type: DocType | list[DocType] | None = Field(
        default=None, description="the document's type: a cable, or a memo (CAPCO-marked memos, reports, articles)")
    origin_matches: str | None = None
    decl_passed: bool | None = Field(default=None, description="the DECL date is on or before --as-of")
    decl_kind: DeclKind | list[DeclKind] | None = Field(
        default=None, description="the kind of the DECL value (date, exemption, oadr ...)")
    older_than_years: int | None = Field(default=None, ge=1, le=200)
    dated_before: date | None = None
    dated_after: date | None = None
    text_matches: str | None = None
    banner_level: LevelName | list[LevelName] | None = None

    _patterns = field_validator("origin_matches", "text_matches")(
        lambda v: v if v is None else _check_pattern(v))

    @model_validator(mode="after")
    def _consistent(self) -> Condition:
        if self.level_at_most and self.level_at_least and \
                Level[self.level_at_most] < Level[self.level_at_least]:
            raise ValueError("level_at_most is lower than level_at_least: no portion can match")
        if self.unmarked and (self.level or self.level_at_least or self.level_at_most
                              or self.controls_any or self.controls_only is not None or self.unrecognised):
            raise ValueError("unmarked portions have no level or controls to test")
        if self.field and (self.kind or self.unmarked is not None or self.inherited is not None):
            raise ValueError("a rule is either for header fields (field) or for portions (kind, unmarked)")
        return self


class Default(_Strict):
    """What to do: the policy's default, and the second half of every rule."""

    action: Action
    label: str | None = None
    reason: str | None = None

    _label = field_validator("label")(lambda v: v if v is None else _check_label(v))

    @model_validator(mode="after")
    def _needs_label(self) -> Default:
        if self.action == "withhold" and not self.label:
            raise ValueError("withhold needs a label (the exemption it withholds under)")
        return self


class Rule(Default):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    description: str | None = None
    when: Condition = Condition()


class Echoes(_Strict):
    """What a released run of words that repeats a withheld portion of the same document does
    (redact.echoes): ``flag`` reports it, ``withhold`` withholds the run under that portion's label."""

    action: Literal["flag", "withhold"] = "flag"
    words: int = Field(default=8, ge=4, le=50, description="the shortest run of words that counts")


class SpanRule(_Strict):
    """Spans redacted inside released text: patterns and term lists."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str
    patterns: list[str] = []
    terms: list[str] = []
    terms_file: str | None = None
    reason: str | None = None

    _patterns = field_validator("patterns")(lambda v: [_check_pattern(p) for p in v])

    @model_validator(mode="after")
    def _something(self) -> SpanRule:
        if not (self.patterns or self.terms or self.terms_file):
            raise ValueError("a span rule needs patterns, terms or terms_file")
        return self


class PolicyFile(_Strict):
    """One policy file, as written (before ``extends`` is resolved)."""

    name: str
    description: str | None = None
    extends: str | list[str] | None = None
    ceiling: LevelName | None = None
    released_controls: list[str] | None = Field(
        default=None, description="the only controls a released portion or field may carry, whatever a rule "
        "says: a second line behind the rules, as the ceiling is for levels (omitted: any; []: none)")
    default: Default | None = None
    rules: list[Rule] = []
    fields: list[Rule] = Field(default=[], description="rules for header fields")
    spans: list[SpanRule] = []
    echoes: Echoes | None = Field(default=None, description="released text that repeats withheld text")


@dataclass(frozen=True)
class Source:
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class ResolvedRule:
    rule: Rule
    source: Source


@dataclass(frozen=True)
class ResolvedSpan:
    rule: SpanRule
    terms: tuple[str, ...]
    source: Source


@dataclass(frozen=True)
class Policy:
    """A policy after ``extends``: what decide() runs."""

    name: str
    description: str
    ceiling: Level
    default: Default
    default_source: Source
    rules: tuple[ResolvedRule, ...]
    fields: tuple[ResolvedRule, ...]
    spans: tuple[ResolvedSpan, ...]
    files: tuple[str, ...]
    echoes: Echoes = dataclass_field(default_factory=Echoes)
    released_controls: frozenset[str] | None = None

    def to_json(self) -> dict[str, Any]:
        def rule_json(r: ResolvedRule) -> dict[str, Any]:
            return {**r.rule.model_dump(exclude_none=True), "source": str(r.source)}

        return {
            "name": self.name,
            "description": self.description,
            "ceiling": self.ceiling.name,
            "default": {**self.default.model_dump(exclude_none=True),
                        "source": str(self.default_source)},
            "rules": [rule_json(r) for r in self.rules],
            "fields": [rule_json(r) for r in self.fields],
            "spans": [{**s.rule.model_dump(exclude_none=True), "terms": list(s.terms),
                       "source": str(s.source)} for s in self.spans],
            "echoes": self.echoes.model_dump(),
            **({"released_controls": sorted(self.released_controls)} if self.released_controls is not None else {}),
        }

    @cached_property
    def sha256(self) -> str:
        """Hash of the resolved rules (not of file paths, so a copy hashes the same); a policy
        never changes once loaded, so it is computed once."""
        body = self.to_json()
        for section in ("rules", "fields", "spans"):
            for entry in body[section]:
                entry.pop("source", None)
        body["default"].pop("source", None)
        return hashlib.sha256(canonical.dumps(body)).hexdigest()


# ---------------------------------------------------------------------------
# loading


def bundled_policies() -> list[str]:
    return sorted(p.stem for p in data_dir("policies").glob("*.yaml"))


def find_policy(name_or_path: str, relative_to: Path | None = None) -> Path:
    """A bundled policy by name (``public-release``) or a file by path."""
    candidate = Path(name_or_path)
    if relative_to is not None and not candidate.is_absolute():
        beside = relative_to.parent / candidate
        if beside.is_file():
            return beside
        if beside.with_suffix(".yaml").is_file():
            return beside.with_suffix(".yaml")
    if candidate.is_file():
        return candidate
    bundled = data_dir("policies") / f"{name_or_path}.yaml"
    if "/" not in name_or_path and bundled.is_file():
        return bundled
    raise PolicyError(f"no policy named {name_or_path!r} (bundled: {', '.join(bundled_policies())})",
                      path=str(relative_to) if relative_to else name_or_path)


def _load_yaml(path: Path) -> CommentedMap:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise PolicyError(f"cannot read the policy: {error.strerror}", path=str(path)) from None
    return yamldoc.load_mapping(raw, str(path), "policy", max_bytes=MAX_POLICY_BYTES)


def load_policy_file(path: Path) -> tuple[PolicyFile, CommentedMap]:
    return _validate(_load_yaml(path), str(path))


def validate_policy_bytes(raw: bytes, shown: str = "<policy>") -> PolicyFile:
    """Validate one policy file's bytes (no extends, no terms files): for fuzzing and editors."""
    return _validate(yamldoc.load_mapping(raw, shown, "policy", max_bytes=MAX_POLICY_BYTES), shown)[0]


def _validate(data: CommentedMap, shown: str) -> tuple[PolicyFile, CommentedMap]:
    """The file as a PolicyFile; or every problem pydantic finds in it, in one PolicyError."""
    keys = yamldoc.known_keys(PolicyFile, Default, Rule, Condition, SpanRule)
    return yamldoc.validate(PolicyFile, data, shown, keys), data


def _line_of(data: CommentedMap, section: str, index: int) -> int:
    try:
        return int(data[section].lc.item(index)[0]) + 1
    except (KeyError, AttributeError, IndexError):
        return int(data.lc.line) + 1


def _key_line(data: CommentedMap, key: str) -> int:
    try:
        return int(data.lc.key(key)[0]) + 1
    except (KeyError, AttributeError):
        return 1


def load_policy(name_or_path: str | Path) -> Policy:
    """Load, validate and resolve a policy (bundled name or file path)."""
    path = find_policy(str(name_or_path))
    return _resolve(path, ())


def _resolve(path: Path, chain: tuple[Path, ...]) -> Policy:
    resolved_path = path.resolve()
    if resolved_path in chain:
        raise PolicyError("the policy extends itself (a cycle: "
                          + " -> ".join(p.name for p in (*chain, resolved_path)) + ")",
                          path=str(path), key="extends")
    parsed, data = load_policy_file(path)
    shown = str(path)
    rules = tuple(ResolvedRule(r, Source(shown, _line_of(data, "rules", i)))
                  for i, r in enumerate(parsed.rules))
    fields = tuple(ResolvedRule(r, Source(shown, _line_of(data, "fields", i)))
                   for i, r in enumerate(parsed.fields))
    spans = tuple(_resolve_span(s, path, Source(shown, _line_of(data, "spans", i)), data, i)
                  for i, s in enumerate(parsed.spans))
    parents: list[Policy] = []
    extends = parsed.extends
    for parent_name in ([extends] if isinstance(extends, str) else extends or []):
        try:
            parent_path = find_policy(parent_name, relative_to=path)
        except PolicyError as error:
            raise PolicyError(error.message, path=shown, line=_key_line(data, "extends"),
                              key="extends") from None
        parents.append(_resolve(parent_path, (*chain, resolved_path)))
    default, default_source = parsed.default, Source(shown, _key_line(data, "default"))
    echoes = parsed.echoes
    ceilings = [Level[parsed.ceiling]] if parsed.ceiling else []
    # Like the ceiling, the most restrictive wins: a control is released only where every file allows it.
    allowed = [frozenset(c.upper() for c in parsed.released_controls)] if parsed.released_controls is not None else []
    for parent in parents:
        rules += parent.rules
        fields += parent.fields
        spans += parent.spans
        ceilings.append(parent.ceiling)
        if parent.released_controls is not None:
            allowed.append(parent.released_controls)
        if default is None:
            default, default_source = parent.default, parent.default_source
        echoes = echoes or parent.echoes
    if default is None:
        raise PolicyError("missing key: every policy needs a default (for what no rule matches)",
                          path=shown, line=1, key="default")
    if not ceilings:
        raise PolicyError("missing key: every policy needs a ceiling (the highest level it may release)",
                          path=shown, line=1, key="ceiling")
    files = (shown, *[f for p in parents for f in p.files])
    return Policy(name=parsed.name, description=(parsed.description or "").strip(),
                  ceiling=min(ceilings), default=default, default_source=default_source,
                  rules=rules, fields=fields, spans=spans, files=files, echoes=echoes or Echoes(),
                  released_controls=frozenset.intersection(*allowed) if allowed else None)


def _resolve_span(span: SpanRule, path: Path, source: Source, data: CommentedMap,
                  index: int) -> ResolvedSpan:
    terms = list(span.terms)
    if span.terms_file:
        terms_path = path.parent / span.terms_file
        try:
            lines = terms_path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            line = source.line
            with contextlib.suppress(KeyError, AttributeError):
                line = int(data["spans"][index].lc.key("terms_file")[0]) + 1
            raise PolicyError(f"cannot read the terms file {span.terms_file!r}", path=str(path),
                              line=line, key=f"spans[{index}].terms_file") from None
        terms.extend(t.strip() for t in lines if t.strip() and not t.lstrip().startswith("#"))
    return ResolvedSpan(span, tuple(terms), source)


def policy_json_schema() -> dict[str, Any]:
    """The JSON Schema of a policy file, from the same model the loader validates with."""
    return PolicyFile.model_json_schema()


__all__ = ["Annotated", "Policy", "bundled_policies", "load_policy", "policy_json_schema"]
