"""Every bundled policy on the seeds and on the whole corpus, with the safety nets checked."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from redact import load_policy, parse
from redact.model import Kind, Level
from redact.policy import bundled_policies

from .conftest import AS_OF, decided

POLICIES = [name for name in bundled_policies() if name != "cable-base"]


def test_the_bundled_set() -> None:
    assert set(POLICIES) == {"public-release", "declassify-by-date", "foreign-release", "internal"}


def test_each_bundled_policy_says_when_to_use_it() -> None:
    from redact.resources import data_dir
    for name in bundled_policies():
        text = (data_dir("policies") / f"{name}.yaml").read_text(encoding="utf-8")
        assert text.startswith(f"# {name}: ")
        assert "Use it" in text or "extend it" in text


def test_declassify_by_date_on_the_seeds(seeds) -> None:
    policy = load_policy("declassify-by-date")
    # 09ASTANA1444: DECL 08/28/2019 has passed by 2026: its (C) paragraphs are released.
    early = decided(seeds["09ASTANA1444"], policy, as_of=date(2026, 11, 23))
    paragraphs = [(p.number, d.action, d.rule_id) for p, d in
                  zip(seeds["09ASTANA1444"].portions, early.portions, strict=True) if p.kind is Kind.PARAGRAPH]
    assert all(action == "release" and rule == "release-decl-passed" for _, action, rule in paragraphs)
    # ... but not as of 2019-08-27.
    before = decided(seeds["09ASTANA1444"], policy, as_of=date(2019, 8, 27))
    assert all(d.withheld for p, d in zip(seeds["09ASTANA1444"].portions, before.portions, strict=True)
               if p.kind is Kind.PARAGRAPH)
    # 08ASTANA2450: DECL 12/11/2033 has not passed; the cable is not 25 years old.
    late = decided(seeds["08ASTANA2450"], policy, as_of=date(2026, 11, 23))
    assert all(d.withheld for d in late.portions if d.rule_id != "release-signature")
    # In 2034 the date has passed: (S) and (C) released, (SBU) still withheld under (b)(5).
    later = decided(seeds["08ASTANA2450"], policy, as_of=date(2034, 1, 1))
    labels = {p.number: (d.action, d.label) for p, d in
              zip(seeds["08ASTANA2450"].portions, later.portions, strict=True) if p.kind is Kind.PARAGRAPH}
    assert labels["1"] == ("release", None) and labels["8"] == ("withhold", "(b)(5)")


def test_declassify_by_25_years_unless_exempted() -> None:
    policy = load_policy("declassify-by-date")
    old = "P 281848Z DEC 66\nFM AMEMBASSY X\n\nSECRET\n\nE.O. 12958: DECL: {decl}\nSUBJECT: X\n\n1. (S) Text.\n"
    plain = decided(parse(old.format(decl="OADR")), policy, as_of=AS_OF)
    assert plain.portions[0].rule_id == "release-25-years"
    exempt = decided(parse(old.format(decl="25X1")), policy, as_of=AS_OF)
    assert exempt.portions[0].withheld
    young = decided(parse(old.format(decl="OADR").replace("DEC 66", "DEC 09")), policy, as_of=AS_OF)
    assert young.portions[0].withheld


def test_foreign_release_by_audience() -> None:
    policy = load_policy("foreign-release")
    document = parse("SUBJECT: X\n\n1. (S/REL NATO) Shared.\n\n2. (S//NF) Ours.\n\n3. (C) Plain.\n\n"
                     "4. (U) Open.\n\n5. (C//REL TO USA, GBR) Five eyes.\n")
    for_nato = decided(document, policy, audience="NATO")
    assert [(d.action, d.label) for d in for_nato.portions] == [
        ("release", None), ("withhold", "NOFORN"), ("withhold", "NOT REL NATO"), ("release", None),
        ("withhold", "NOT REL NATO")]
    for_gbr = decided(document, policy, audience="gbr")
    assert [d.action for d in for_gbr.portions] == ["withhold", "withhold", "withhold", "release", "release"]
    nobody = decided(document, policy)
    assert [d.action for d in nobody.portions] == ["withhold", "withhold", "withhold", "release", "withhold"]


def test_foreign_release_of_capco_markings() -> None:
    """A REL TO list that names a group releases to its members; a restrictive dissemination control
    (controlled imagery, FISA ...) and RELIDO (a disclosure official may release) release nothing."""
    policy = load_policy("foreign-release")
    document = parse("(U) Title\nFROM: the editor\n(S//SI//REL TO USA, FVEY) Five eyes.\n"
                     "(S//IMCON//REL TO USA, GBR) Imagery.\n(S//RELIDO) Disclosure official.\n"
                     "(S//REL TO USA AUS CAN GBR NZL) Spaced list.\n")
    assert document.doc_type == "memo"
    for_gbr = decided(document, policy, audience="GBR")
    assert [d.action for d in for_gbr.portions] == ["release", "release", "withhold", "withhold", "release"]
    for_fra = decided(document, policy, audience="FRA")
    assert [d.action for d in for_fra.portions] == ["release", "withhold", "withhold", "withhold", "withhold"]


def test_internal_releases_sbu_but_not_classified(seeds) -> None:
    policy = load_policy("internal")
    decisions = decided(seeds["08ASTANA2450"], policy)
    by_number = {p.number: d.action for p, d in
                 zip(seeds["08ASTANA2450"].portions, decisions.portions, strict=True) if p.number}
    assert by_number == {"1": "withhold", "2": "withhold", "13": "withhold", "14": "withhold",
                         "15": "withhold", "16": "withhold", "7": "withhold", "8": "release"}


@pytest.fixture(scope="module")
def corpus_documents(corpus_dir: Path):
    return [parse(p.read_text(encoding="utf-8"), source=str(p), doc_id=p.stem)
            for p in sorted(corpus_dir.glob("*.txt"))]


@pytest.mark.parametrize("name", POLICIES)
def test_safety_nets_hold_on_the_whole_corpus(corpus_documents, name: str) -> None:
    """No portion above the ceiling, no unmarked or unrecognised portion, is ever released
    except by a rule written for exactly that case."""
    policy = load_policy(name)
    explicit_unmarked = {r.rule.id for r in policy.rules if r.rule.when.unmarked}
    explicit_unrecognised = {r.rule.id for r in policy.rules if r.rule.when.unrecognised}
    released = withheld = 0
    for document in corpus_documents:
        decisions = decided(document, policy, audience="NATO")
        for portion, decision in zip(document.portions, decisions.portions, strict=True):
            if decision.withheld:
                withheld += 1
                assert decision.label
                continue
            released += 1
            if portion.marking is None:
                assert decision.rule_id in explicit_unmarked
            elif not portion.marking.recognised:
                assert decision.rule_id in explicit_unrecognised
            else:
                assert portion.marking.level <= policy.ceiling
    assert released > 0 and withheld > 0
    if policy.ceiling == Level.U:
        assert withheld > released
