"""The marking grammar: every printed form real cables use, read to one canonical form."""

from __future__ import annotations

import pytest

from redact.markings import parse_banner_marking, parse_portion_marking
from redact.model import Level


@pytest.mark.parametrize(("printed", "canonical"), [
    ("(C)", "C"), ("(c)", "C"), ("( C )", "C"), ("(S)", "S"), ("(s)", "S"), ("(U)", "U"), ("(u)", "U"),
    ("(TS)", "TS"), ("(SBU)", "U//SBU"), ("(U//FOUO)", "U//FOUO"), ("(FOUO)", "U//FOUO"),
    ("(S/NF)", "S//NOFORN"), ("(S//NF)", "S//NOFORN"), ("(S-NF)", "S//NOFORN"), ("(C NF)", "C//NOFORN"),
    ("(SNF)", "S//NOFORN"), ("(C/NOFORN)", "C//NOFORN"), ("(SBU/NF)", "U//SBU//NOFORN"),
    ("(S//FGI//NF)", "S//FGI//NOFORN"), ("(S//FGI DEU//NF)", "S//FGI DEU//NOFORN"),
    ("(S/REL NATO)", "S//REL TO NATO"), ("(C/Rel Aus)", "C//REL TO AUS"),
    ("(S/REL to Pakistan)", "S//REL TO PAKISTAN"), ("(S//REL TO USA, FVEY)", "S//REL TO USA, FVEY"),
    ("(S/Rel to Russia, Latvia)", "S//REL TO RUSSIA, LATVIA"), ("(Secret/Rel Armenia)", "S//REL TO ARMENIA"),
    ("(SBU/REL NATO)", "U//SBU//REL TO NATO"), ("(TS//SI//NF)", "TS//SI//NOFORN"),
    ("(S//NF//OC)", "S//ORCON//NOFORN"), ("(S//OC//NF)", "S//ORCON//NOFORN"), ("(C//PROPIN)", "C//PROPIN"),
    ("(TS//SI-G//NF)", "TS//SI-G//NOFORN"), ("(LOU)", "U//LOU"), ("(U//LES)", "U//LES"),
])
def test_portion_markings_read_to_one_canonical_form(printed: str, canonical: str) -> None:
    marking = parse_portion_marking(printed)
    assert marking.recognised
    assert marking.canonical == canonical
    assert marking.text == printed  # the printed form is kept


@pytest.mark.parametrize("printed", ["(Iran)", "(China)", "(U.S.)", "(FGI DEU)", "(Sudan)", "(Cuba)", "(SECRETS)"])
def test_what_the_grammar_cannot_read_is_unrecognised_and_top_secret(printed: str) -> None:
    marking = parse_portion_marking(printed)
    assert not marking.recognised
    assert marking.level is Level.TS
    assert marking.text == printed


@pytest.mark.parametrize(("banner", "canonical"), [
    ("S E C R E T", "S"), ("C O N F I D E N T I A L", "C"), ("U N C L A S S I F I E D", "U"),
    ("T O P S E C R E T", "TS"), ("SECRET//NOFORN", "S//NOFORN"), ("CONFIDENTIAL//NOFORN", "C//NOFORN"),
    ("TOP SECRET//SI//NOFORN", "TS//SI//NOFORN"), ("UNCLASSIFIED//FOR OFFICIAL USE ONLY", "U//FOUO"),
    ("UNCLAS", "U"), ("LIMITED OFFICIAL USE", "U//LOU"), ("SECRET//REL TO USA, GBR", "S//REL TO USA, GBR"),
])
def test_banner_forms(banner: str, canonical: str) -> None:
    assert parse_banner_marking(banner).canonical == canonical


def test_levels_order_so_that_max_is_most_restrictive() -> None:
    assert max(Level.U, Level.S, Level.C) is Level.S
    assert Level.TS > Level.S > Level.C > Level.U


@pytest.mark.parametrize(("printed", "canonical"), [
    # CAPCO: SCI systems and compartments, dissemination controls, release groups
    ("(TS//SI-G TSP//OC/NF)", "TS//SI-G TSP//ORCON//NOFORN"), ("(S//IMCON)", "S//IMCON"),
    ("(S//RELIDO)", "S//RELIDO"), ("(S//FISA)", "S//FISA"), ("(S//RD)", "S//RD"), ("(S//SAR-BP)", "S//SAR-BP"),
    ("(S//FVEY)", "S//REL TO FVEY"), ("(S//SI//REL TO USA, FVEY)", "S//SI//REL TO USA, FVEY"),
    # a foreign government's or a joint classification, after "//"
    ("(//GBR S)", "S//FGI GBR"), ("(//JOINT S USA GBR)", "S//JOINT"),
    # OCR damage with one certain reading
    ("(UFOUO)", "U//FOUO"), ("(U//EOUO)", "U//FOUO"), ("(S///SI)", "S//SI"),
])
def test_capco_portion_markings(printed: str, canonical: str) -> None:
    marking = parse_portion_marking(printed)
    assert marking.recognised and marking.canonical == canonical


@pytest.mark.parametrize("printed", ["(S//S)", "(S/SSI)", "(U//FOFUO)", "(S/1)", "(USA S)"])
def test_ocr_damage_with_more_than_one_reading_stays_unreadable(printed: str) -> None:
    assert not parse_portion_marking(printed).recognised


@pytest.mark.parametrize(("banner", "canonical"), [
    ("TOP SECRET // SI / TK // REL TO USA AUS CAN GBR NZL", "TS//SI//TK//REL TO USA, AUS, CAN, GBR, NZL"),
    ("CONFIDENTIAL//REL TO USA, AUS, CAN, GBR, NZL//20291123", "C//REL TO USA, AUS, CAN, GBR, NZL"),
    ("TOP SECRET//COMINT//X1", "TS//COMINT"), ("//JOINT SECRET CAN GBR USA", "S//JOINT"),
    ("SECRET//REL TO FIVE EYES", "S//REL TO FIVE EYES"),
])
def test_capco_banner_forms(banner: str, canonical: str) -> None:
    assert parse_banner_marking(banner).canonical == canonical


@pytest.mark.parametrize(("printed", "country", "releasable"), [
    ("(S//REL TO USA, FVEY)", "GBR", True), ("(S//REL TO USA, FVEY)", "FRA", False),
    ("(S//REL TO USA, GBR)", "GBR", True), ("(S//REL TO USA, GBR)", "AUS", False), ("(S//NF)", "GBR", False),
])
def test_release_groups(printed: str, country: str, releasable: bool) -> None:
    from redact.markings import releasable_to
    assert releasable_to(parse_portion_marking(printed), country) is releasable
