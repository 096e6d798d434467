"""Decisions per paragraph on the seeds, and the safety nets that hold whatever the rules say."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_controls_only_releases_a_portion_under_no_other_control(tmp_path: Path) -> None:
    """``controls_only`` names every control a portion may carry (by full name or head word; a
    REL TO list as REL); ``[]`` none at all. A portion with no marking to read never matches it."""
    path = tmp_path / "only.yaml"
    path.write_text("name: only\nceiling: TS\ndefault: {action: withhold, label: '(b)(1)'}\nrules:\n"
                    "  - id: release-plain\n    when: {controls_only: []}\n    action: release\n"
                    "  - id: release-fgi\n    when: {controls_only: [FGI, REL]}\n    action: release\n",
                    encoding="utf-8")
    document = parse("SUBJECT: X\n\n1. (U) Plain.\n\n2. (U//NOFORN) Not abroad.\n\n3. (U//REL TO USA, FRA) Rel.\n\n"
                     "4. (S//FGI DEU) Foreign.\n\n5. (S//FGI DEU//NF) Foreign, not abroad.\n\n6. Unmarked.\n\n"
                     "7. (Iran) Unreadable.\n")
    decisions = decided(document, load_policy(str(path)))
    assert [(d.action, d.rule_id) for d in decisions.portions] == [
        ("release", "release-plain"), ("withhold", "default"), ("release", "release-fgi"),
        ("release", "release-fgi"), ("withhold", "default"), ("withhold", "default"), ("withhold", "default")]


def test_released_controls_withhold_whatever_a_rule_releases(tmp_path: Path) -> None:
    """The second line for controls, as the ceiling is for levels: a careless rule that releases
    everything still releases no portion, and no subject, under a control outside the list."""
    path = tmp_path / "careless.yaml"
    path.write_text("name: careless\nceiling: U\nreleased_controls: [SBU]\ndefault: {action: release}\n"
                    "rules:\n  - id: release-all\n    action: release\n"
                    "fields:\n  - id: release-fields\n    action: release\n", encoding="utf-8")
    document = parse("SUBJECT: (U//NF) X\n\n1. (U) Plain.\n\n2. (U//SBU) Sensitive.\n\n3. (U//NOFORN) Not abroad.\n\n"
                     "4. (U//REL TO USA, GBR) Rel.\n")
    decisions = decided(document, load_policy(str(path)))
    assert [(d.action, d.rule_id) for d in decisions.portions] == [
        ("release", "release-all"), ("release", "release-all"), ("withhold", "released-controls"),
        ("withhold", "released-controls")]
    subject = next(d for f, d in zip(document.header.fields, decisions.fields, strict=True) if f.name == "subject")
    assert (subject.action, subject.rule_id) == ("withhold", "released-controls")


def test_bundled_public_policies_release_no_controlled_portion() -> None:
    """Every dissemination control the marking grammar reads, on an unclassified portion: the
    policies that release to the public release none of them, and foreign-release only the
    sensitivity controls it names and a REL TO list that names its audience."""
    from datetime import date

    from redact import Context, decide
    controls = ["NOFORN", "ORCON", "PROPIN", "IMCON", "RELIDO", "DSEN", "RSEN", "FISA", "RD", "FRD", "CNWDI",
                "SAR-BP", "NODIS", "EXDIS", "LIMDIS", "STADIS", "FGI DEU", "REL TO USA, FRA", "REL TO USA, GBR"]
    text = "UNCLASSIFIED\n\nSUBJECT: (U) X\n\n" + "".join(
        f"{n}. (U//{control}) Text {n}.\n\n" for n, control in enumerate(controls, start=1))
    document = parse(text)
    assert all(p.effective is not None and p.effective.recognised for p in document.portions)
    for name in ("public-release", "declassify-by-date", "foreign-release"):
        decisions = decide(document, load_policy(name), Context(as_of=date(2026, 11, 23), audience="GBR"))
        released = [c for c, d in zip(controls, decisions.portions, strict=True) if d.action == "release"]
        assert released == (["REL TO USA, GBR"] if name == "foreign-release" else []), name


# Personal data as real documents print it (numbers made up for this test, in each country's
# usual shape), including through the viewer's "**" debris, which a copy does not print.
@pytest.mark.parametrize("printed", [
    "+44 20 7123 4567", "+49-30-1234-5678", "+33 1 23 45 67 89", "+81-3-1234-5678", "+7 495 123-45-67",
    "+61 2 1234 5678", "+91 22 1234 5678", "+1 (202) 555-0143", "+1-202-555-0143", "+86 10 1234 5678",
    "+966 11 123 4567", "+20 2 1234 5678", "+353 1 234 5678", "+55 21 1234-5678", "(202) 555-0143",
    "202.555.0143", "123-45-6789", "123 45 6789", "passport: X1234567", "Passport No. 123456789",
    "passport #AB1234567", "john.doe@example.org", "j.doe**@example.org", "202-**555-0143", "123-45-**6789",
])
def test_personal_data_is_spanned_as_printed(public_release, printed: str) -> None:
    document = parse(f"SUBJECT: (U) X\n\n1. (U) Contact {printed} today.\n")
    decision = decided(document, public_release).portions[0]
    text = document.portions[0].text
    assert decision.action == "release" and decision.spans
    shown = [text[s.start:s.end] for s in decision.spans]
    assert printed in shown or printed.split(": ")[-1] in " ".join(shown), shown


@pytest.mark.parametrize("printed", ["12 March 2009", "page 123", "room 1234", "1.4 (b) and (d)", "Section 212(a)(3)",
                                     "09 STATE 123456", "2008-2009", "ASTANA 00002450 002 OF 003"])
def test_ordinary_numbers_are_not_personal_data(public_release, printed: str) -> None:
    document = parse(f"SUBJECT: (U) X\n\n1. (U) See {printed} today.\n")
    assert decided(document, public_release).portions[0].spans == ()
