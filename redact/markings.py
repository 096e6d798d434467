"""Markings: read the inside of "(S//NF)" or a banner with grammar/marking.lark.

Markings repeat: a cable prints "(C)" dozens of times, so each distinct
printed form is parsed once and cached.
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from functools import cache, lru_cache

from lark import Lark, Token, Transformer
from lark.exceptions import LarkError

from .model import Level, Marking
from .resources import grammar_path

_LEVELS = {
    "U": Level.U, "UNCLASSIFIED": Level.U, "UNCLAS": Level.U,
    "C": Level.C, "CONFIDENTIAL": Level.C,
    "S": Level.S, "SECRET": Level.S,
    "TS": Level.TS, "TOP SECRET": Level.TS,
}
_SENSITIVITY = {
    "SBU": "SBU", "SENSITIVE BUT UNCLASSIFIED": "SBU",
    "FOUO": "FOUO", "FOR OFFICIAL USE ONLY": "FOUO",
    "LOU": "LOU", "LIMITED OFFICIAL USE": "LOU",
    "LES": "LES",
    "EOUO": "FOUO",  # OCR: F read as E (the one reading of it)
}
_CONTROL_NAMES = {
    "NF": "NOFORN", "NOFORN": "NOFORN", "NOFORNDIS": "NOFORN",
    "OC": "ORCON", "ORCON": "ORCON",
    "PR": "PROPIN", "PROPIN": "PROPIN",
}
# Canonical order of controls, so "(S//NF/OC)" and "(S/OC/NF)" compare equal.
_CONTROL_ORDER = ["JOINT", "SI", "TK", "HCS", "COMINT", "G", "KDK", "RSV", "SAR", "RD", "FRD", "CNWDI", "SBU", "FOUO",
                  "LOU", "LES", "FGI", "ORCON", "IMCON", "PROPIN", "DSEN", "RSEN", "FISA", "RELIDO", "REL", "NOFORN",
                  "NODIS", "EXDIS", "LIMDIS", "STADIS"]
_SPACES = re.compile(r"\s+")


def _words(token: Token) -> str:
    return _SPACES.sub(" ", str(token).strip()).upper()


# Country codes and the tetragraphs of groups, as REL TO lists print them without commas
# ("REL TO USA AUS CAN GBR NZL"); a name of several words ("FIVE EYES", "SOUTH KOREA") stays whole.
_TRIGRAPH = re.compile(r"[A-Z]{3}|FVEY|NATO|ISAF|ACGU|KFOR|SFOR|TEYE")


# Release groups and their members, for REL TO lists that name a group ("REL TO USA, FVEY").
RELEASE_GROUPS = {"FVEY": ("USA", "AUS", "CAN", "GBR", "NZL"), "FIVE EYES": ("USA", "AUS", "CAN", "GBR", "NZL")}


def releasable_to(marking: Marking, country: str) -> bool:
    """Does the marking's REL TO list name this country, itself or through a group it belongs to?"""
    wanted = country.upper()
    return any(wanted == named or wanted in RELEASE_GROUPS.get(named, ()) for named in marking.rel_to)


def _head(control: str) -> str:
    """A control's head word: "FGI" for "FGI DEU", "SI" for "SI-G"."""
    return control.split()[0].split("-")[0]


def control_names(marking: Marking) -> set[str]:
    """Every name a policy may give the marking's controls: each in full, its head word, and "REL"
    for a REL TO list."""
    return {*marking.controls, *map(_head, marking.controls), *(("REL",) if marking.rel_to else ())}


def controls_within(marking: Marking, allowed: AbstractSet[str]) -> bool:
    """Is every control of ``marking`` one of ``allowed`` (by its full name or its head word; a
    REL TO list as "REL")? None allowed: "(U)", not "(U//NOFORN)"."""
    return all(c in allowed or _head(c) in allowed for c in marking.controls) and (
        not marking.rel_to or "REL" in allowed)


def within_limits(marking: Marking, ceiling: Level, controls: AbstractSet[str] | None) -> bool:
    """May a policy with this ceiling and these released controls (None: any) ever release it?"""
    return marking.recognised and marking.level <= ceiling and (controls is None or controls_within(marking, controls))


def _countries(printed: str) -> list[str]:
    words = printed.split()
    return words if len(words) > 1 and all(_TRIGRAPH.fullmatch(w) for w in words) else [printed]


class _ToMarking(Transformer[Token, tuple[Level, list[str], list[str]]]):
    """Turns a marking's parse tree into (level, controls, release countries)."""

    def level(self, children: list[Token]) -> tuple[Level, list[str]]:
        return _LEVELS[_words(children[0])], []

    def compact_noforn(self, children: list[Token]) -> tuple[Level, list[str]]:
        return _LEVELS[_words(children[0])[:-2]], ["NOFORN"]

    def compact_u_fouo(self, children: list[Token]) -> tuple[Level, list[str]]:
        return Level.U, ["FOUO"]

    def sensitivity(self, children: list[Token]) -> tuple[Level, list[str]]:
        return Level.U, [_SENSITIVITY[_words(children[0])]]

    def joint(self, children: list[Token]) -> tuple[Level, list[str]]:
        """"//JOINT SECRET CAN GBR USA": the level; the owners are not an audience."""
        words = _words(children[0]).split()
        level = " ".join(words[1:3]) if words[1] == "TOP" else words[1]
        return _LEVELS[level], ["JOINT"]

    def foreign(self, children: list[Token]) -> tuple[Level, list[str]]:
        """"(//GBR S)": a foreign government's classification, foreign government information.
        RESTRICTED (a level the US does not have) is handled as CONFIDENTIAL."""
        country, level = _words(children[0]).split(" ", 1)
        return _LEVELS.get(level, Level.C), [f"FGI {country}"]

    def noforn(self, children: list[Token]) -> str:
        return _CONTROL_NAMES[_words(children[0])]

    orcon = propin = noforn

    def distribution(self, children: list[Token]) -> str:
        return _words(children[0])

    def sci(self, children: list[Token]) -> str:
        return _words(children[0])

    def fgi(self, children: list[Token]) -> str:
        return _words(children[0])

    def sensitivity_control(self, children: list[Token]) -> str:
        return _SENSITIVITY[_words(children[0])]

    def dissem(self, children: list[Token]) -> str:
        return _words(children[0])

    def declassify(self, children: list[Token]) -> None:
        return None  # a banner's declassification field restricts nothing

    def rel_group(self, children: list[Token]) -> tuple[str, ...]:
        return (_words(children[0]),)

    def rel_unnamed(self, children: list[Token]) -> str:
        return "REL"

    def rel(self, children: list[Token]) -> tuple[str, ...]:
        return tuple(part for c in children[1:] for part in _countries(_words(c)))

    def _assemble(self, children: list[object]) -> tuple[Level, list[str], list[str]]:
        first = children[0]
        assert isinstance(first, tuple)
        level: Level = first[0]
        controls: list[str] = list(first[1])
        countries: list[str] = []
        for child in children[1:]:
            if isinstance(child, tuple):
                countries.extend(child)
            elif isinstance(child, str):
                controls.append(child)
        return level, controls, countries

    def portion(self, children: list[object]) -> tuple[Level, list[str], list[str]]:
        return self._assemble([c for c in children if not isinstance(c, Token)])

    banner = _assemble


@cache
def _parser() -> Lark:
    return Lark.open(str(grammar_path("marking.lark")), parser="lalr",
                     lexer="contextual", start=["portion", "banner"])


def _control_key(control: str) -> tuple[int, str]:
    head = control.split()[0].split("-")[0]
    order = _CONTROL_ORDER.index(head) if head in _CONTROL_ORDER else len(_CONTROL_ORDER)
    return order, control


def _build(text: str, start: str) -> Marking:
    try:
        tree = _parser().parse(text, start=start)
        level, controls, countries = _ToMarking().transform(tree)
    except LarkError:
        return unrecognised(text)
    if countries and "USA" not in countries and start == "portion":
        pass  # release lists are kept as printed; "USA" is implied by REL TO
    unique = sorted(set(controls), key=_control_key)
    return Marking(text=text, level=level, controls=tuple(unique),
                   rel_to=tuple(dict.fromkeys(countries)))


def unrecognised(text: str) -> Marking:
    """What the grammar cannot read counts as the highest level (fail closed)."""
    return Marking(text=text, level=Level.TS, recognised=False)


@lru_cache(maxsize=4096)
def parse_portion_marking(text: str) -> Marking:
    """Read a portion marking as printed, parentheses included: ``"(S//NF)"``; one a narrow page
    wrapped is read with its line break as a space ("(TOP" / "SECRET//NOFORN)")."""
    return _build(" ".join(text.split()) if "\n" in text else text, "portion")


_SPACED_LETTERS = re.compile(r"\b(?:[A-Z] ){2,}[A-Z]\b")


@lru_cache(maxsize=1024)
def parse_banner_marking(text: str) -> Marking:
    """Read a banner's classification: ``"S E C R E T"``, ``"SECRET//NOFORN"``."""
    joined = _SPACED_LETTERS.sub(lambda m: m.group(0).replace(" ", ""), text.strip())
    joined = joined.replace("TOPSECRET", "TOP SECRET")
    return _build(joined, "banner")
