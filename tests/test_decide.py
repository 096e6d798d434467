"""Decisions per paragraph on the seeds, and the safety nets that hold whatever the rules say."""

from __future__ import annotations

from pathlib import Path

from redact import load_policy, parse
from redact.model import Kind

from .conftest import decided

LABEL = "(b)(1) 1.4(b),(d)"


def test_seed_08astana2450_decisions(seeds, public_release) -> None:
    document = seeds["08ASTANA2450"]
    decisions = decided(document, public_release)
    rows = [(p.number, d.action, d.label) for p, d in zip(document.portions, decisions.portions, strict=True)
            if p.kind is Kind.PARAGRAPH]
    assert rows == [("1", "withhold", LABEL), ("2", "withhold", LABEL), ("13", "withhold", LABEL),
                    ("14", "withhold", LABEL), ("15", "withhold", LABEL), ("16", "withhold", LABEL),
                    ("7", "withhold", LABEL), ("8", "withhold", "(b)(5)")]
    assert decisions.status == "RELEASE IN PART"


def test_seed_09astana1444_decisions(seeds, public_release) -> None:
    document = seeds["09ASTANA1444"]
    decisions = decided(document, public_release)
    by_kind = {(p.kind, d.action, d.rule_id) for p, d in zip(document.portions, decisions.portions, strict=True)}
    assert (Kind.PARAGRAPH, "withhold", "withhold-classified") in by_kind
    assert (Kind.TEXT, "withhold", "withhold-unmarked") in by_kind  # the unmarked block: fail closed
    assert (Kind.SIGNATURE, "release", "release-signature") in by_kind


def test_unclassified_portions_are_released_and_explained(public_release) -> None:
    document = parse("SUBJECT: (U) X\n\n1. (U) Open text.\n\n2. (C) Closed text.\n")
    decisions = decided(document, public_release)
    assert [d.action for d in decisions.portions] == ["release", "withhold"]
    assert decisions.portions[0].rule_id == "release-unclassified"
    assert decisions.portions[0].source.endswith(".yaml:" + decisions.portions[0].source.split(":")[-1])
    subject = next(d for f, d in zip(document.header.fields, decisions.fields, strict=True) if f.name == "subject")
    assert subject.action == "release"


def test_label_without_reasons_drops_the_empty_section(public_release) -> None:
    document = parse("SUBJECT: X\n\n1. (S) Text.\n")
    assert decided(document, public_release).portions[0].label == "(b)(1)"


def test_pii_spans_in_released_text(public_release) -> None:
    document = parse("SUBJECT: (U) X\n\n1. (U) Write to john.doe@example.org or call 202-555-0143.\n")
    decision = decided(document, public_release).portions[0]
    text = document.portions[0].text
    assert decision.action == "release"
    assert [text[s.start:s.end] for s in decision.spans] == ["john.doe@example.org", "202-555-0143"]
    assert {s.label for s in decision.spans} == {"(b)(6)"}


def test_ceiling_overrides_a_rule_that_releases_too_much(tmp_path: Path) -> None:
    path = tmp_path / "careless.yaml"
    path.write_text("name: careless\nceiling: C\ndefault: {action: release}\n"
                    "rules:\n  - id: release-all\n    action: release\n", encoding="utf-8")
    policy = load_policy(str(path))
    document = parse("SUBJECT: X\n\n1. (S) Secret.\n\n2. (C) Confidential.\n\n3. Unmarked.\n\n"
                     "4. (Iran) Unknown.\n")
    decisions = decided(document, policy)
    assert [(d.action, d.rule_id) for d in decisions.portions] == [
        ("withhold", "ceiling"), ("release", "release-all"), ("withhold", "fail-closed-unmarked"),
        ("withhold", "fail-closed-unrecognised")]


def test_unmarked_released_only_by_an_explicit_rule(tmp_path: Path) -> None:
    path = tmp_path / "explicit.yaml"
    path.write_text("name: explicit\nceiling: U\ndefault: {action: withhold, label: '(b)(1)'}\n"
                    "rules:\n  - id: release-unmarked\n    when: {unmarked: true}\n    action: release\n",
                    encoding="utf-8")
    decisions = decided(parse("SUBJECT: X\n\n1. Unmarked.\n"), load_policy(str(path)))
    assert decisions.portions[0].action == "release"


def test_controls_are_matched_by_their_head_word(tmp_path: Path) -> None:
    path = tmp_path / "fgi.yaml"
    path.write_text("name: fgi\nceiling: TS\ndefault: {action: release}\nrules:\n"
                    "  - id: withhold-fgi\n    when: {controls_any: [FGI, SI]}\n    action: withhold\n"
                    "    label: '(b)(1) 1.4(b)'\n", encoding="utf-8")
    document = parse("SUBJECT: X\n\n1. (S//FGI DEU//NF) Foreign.\n\n2. (TS//SI-G//NF) Signals.\n\n3. (S) Ours.\n")
    decisions = decided(document, load_policy(str(path)))
    assert [d.action for d in decisions.portions] == ["withhold", "withhold", "release"]
