"""Header: the values of a document's header fields, read from the fields the assembler found.

Banner and its SECTION/post, the E.O. line's DECL instruction (in every form real cables
print; where the document prints several that disagree, the most restrictive governs), TAGS
(redact.tags), SUBJECT with its own marking, REF items, Classified By with its 1.4 reasons, the
date-time group and the sender; a field line that held several fields is split, prose found
among addressing lines becomes header_text, and every field carries the join of the markings
printed in it (so none is released holding a higher one).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from typing import Any

from .field_names import misprinted_field_name, misprinted_opening
from .fields import cites_a_number, first_non_tag, may_read_as_prose, reads_as_prose
from .markings import parse_banner_marking, parse_portion_marking, unrecognised
from .model import Decl, Header, HeaderField, Portion, Problem, combine
from .shapes import (
    LEVEL_SHAPED,
    LOWER_WORD,
    OPENS_LEVEL_SHAPED,
    OPENS_WITH_MARKING,
    WHITESPACE,
    clean_field_text,
)
from .tags import parse_tags

_BANNER_SPLIT = re.compile(
    r"^(?P<level>.*?)(?:[ \t]+SECTION[ \t]+(?P<section>\d+)[ \t]+OF[ \t]+(?P<of>\d+)"
    r"(?:[ \t]+(?P<wrapped>[A-Z][A-Za-z .'-]*?)(?=[ \t]*$))?)?"
    r"(?:[ \t]+(?P<post>[A-Z][A-Za-z .'-]*?)[ \t]+(?P<num>\d+))?[ \t]*$")

_FIELD_PREFIX = {
    "tags": re.compile(r"^\s*tags?\s*:?\s*", re.I),
    "subject": re.compile(r"^\s*subj(?:ect)?\s*[:.]?\s*", re.I),
    "ref": re.compile(r"^\s*(?:refs?|ref\(s\)|reftels?|references?)\s*[:.]?\s*", re.I),
    "classified_by": re.compile(r"^\s*(?:\((?:U|C|S)\)\s*)?", re.I),
}

_INLINE_FIELDS = re.compile(r"\s(?=(?:TAGS|Tags|tags)\s*:?\s|(?:SUBJECT|Subject|subject)\s*:\s)")

_EO = re.compile(r"^\s*(?:E\.?\s?O\.?|EXECUTIVE\s+ORDER)\s*:?\s*(?P<order>\d{4,5})\s*:?\s*(?P<rest>.*)$",
                 re.I | re.S)

_DECL_PREFIX = re.compile(r"^(?:DECL[A-Za-z]*|DECLASSIFY\s+ON|DNG)\s*:?\s*", re.I)

_DATE_MDY = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})\b")

_DATE_YMD = re.compile(r"\b(\d{4})[/-](\d{1,2})[/-](\d{1,2})\b|\b(\d{4})(\d{2})(\d{2})\b")

_REASONS_AT = re.compile(r"\b1\s*[.,]\s*[45]\b|\breasons?\b", re.I)

# A letter with a full stop after it is an initial ("A. B. Roe"), unless the stop ends the line:
# "reasons 1.4 a,b,and d."
_REASON_LETTER = re.compile(r"(?<![A-Za-z])\(?([a-hA-H])\)?(?![A-Za-z]|\.(?!\s*$))")

_DTG = re.compile(r"\b(\d{2})(\d{4})Z\s+(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)\s+(\d{2,4})\b")

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"])}

_FROM = re.compile(r"^\s*FM\s+(.+?)\s*$", re.M)

_REF_ITEM = re.compile(r"(?:^|\s)(?:\(?[A-Z]\)|[A-Z]\.)\s+")

_LEADING_MARKING = re.compile(r"^\s*(\([^()\n]{1,40}\))\s*")

_MARKED_SUBJECT = re.compile(r"^\s*(\([^()\n]{1,24}\))\s*subject\b", re.I)


def _year(value: str) -> int:
    year = int(value)
    if len(value) == 2:
        year += 2000 if year <= 60 else 1900
    return year


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def parse_decl(value: str) -> Decl:
    """The DECL value of an E.O. line, in every form real cables print."""
    text = WHITESPACE.sub(" ", value).strip().rstrip("\\ ")  # a markdown line break ("N/A \\") is no part of it
    body = _DECL_PREFIX.sub("", text)
    upper = body.upper()
    # The order is the order of certainty: an exemption from declassification ("25X1", "50X1-HUM")
    # wins over any other wording, an event ("10 YEARS AFTER 12/11/2008") over the date it names.
    if not body:
        return Decl(text, None, "unknown")
    if re.search(r"(?<![A-Z0-9])(?:\d{2})?X\d|1\.6\s*X\d", upper):
        return Decl(text, None, "exemption")
    if "DECLASSIFIED" in upper:
        found = _find_date(body)
        return Decl(text, found, "declassified")
    if upper.startswith(("N/A", "NA ", "NA")) and len(upper) <= 4:
        return Decl(text, None, "na")
    if "OADR" in upper:
        return Decl(text, None, "oadr")
    if re.search(r"\b(?:AFTER|UPON|WHEN|YEARS?|UNTIL|UNLESS|EVENT)\b", upper):
        return Decl(text, None, "event")
    if upper.startswith("GDS"):
        return Decl(text, None, "gds")
    found = _find_date(body)
    if found is not None:
        return Decl(text, found, "rds" if upper.startswith("RDS") else "date")
    return Decl(text, None, "unknown")


def _find_date(text: str) -> date | None:
    ymd = _DATE_YMD.search(text)
    if ymd:
        parts = [g for g in ymd.groups() if g is not None]
        return _safe_date(int(parts[0]), int(parts[1]), int(parts[2]))
    mdy = _DATE_MDY.search(text)
    if mdy:
        return _safe_date(_year(mdy.group(3)), int(mdy.group(1)), int(mdy.group(2)))
    return None


# A Classified By field that holds its name and nothing else: the form's label.
_NAME_ALONE = re.compile(r"\s*(?:\((?:U|C|S)\)\s*)?classified\s+by\s*:?\s*", re.I)


def _better_authority(kept: object, text: str) -> bool:
    """The first Classified By line, unless it gives no reasons and a later one does: "Classified
    By: ADANA 222 / ADANA 216" (references under the wrong label) or "CLASSIFIED BY LINE ADDED"
    (a corrected copy's note) before the real "Classified by DCM ...; reasons 1.4 b and d"; or
    unless it holds its name alone ("Classified By: Classified by Political Counselor ...": the
    form's label, then the line as typed)."""
    if not isinstance(kept, str):
        return True
    if parse_reasons(kept):
        return False
    return bool(parse_reasons(clean_field_text(text))) or _NAME_ALONE.fullmatch(kept) is not None


def parse_reasons(text: str) -> tuple[str, ...]:
    """E.O. 12958/13526 section 1.4 (1.5 before 2003) letters: ``("b", "d")``."""
    start = _REASONS_AT.search(text)
    if start is None:
        return ()
    tail = text[start.end():]
    tail = re.sub(r"\b1\s*[.,]\s*[45]\b", " ", tail)
    letters = [m.group(1).lower() for m in _REASON_LETTER.finditer(tail)]
    # "and" splits letters, but a stray capital A from "AND" must not count.
    letters = [x for x in letters if x != "a" or re.search(r"\(a\)|\ba\b[,)]|\ba\s+and\b", tail, re.I)]
    return tuple(sorted(set(letters)))


_BANNER_LIMIT = 200  # a banner is short; past this, a lazy split would backtrack quadratically


def _split_banner(text: str) -> tuple[str, str | None]:
    line = clean_field_text(text)
    if len(line) > _BANNER_LIMIT:
        return line, None  # read whole: a level that long is not recognised (fail closed)
    match = _BANNER_SPLIT.match(line)
    if match is None:
        return line, None
    return match.group("level").strip(), match.group("post") or match.group("wrapped")


def _not_addressing(line: str, capitals: bool = True) -> bool:
    """Running prose (three or more lower-case words, or prose in capitals: "THE MINISTER WILL
    ..."; ``capitals``: whether the field can hold any), a line that opens like a portion ("(S)
    ...", "(Ѕ) ..." with a look-alike letter, or a name in parentheses: fail closed), or one that
    prints a portion marking anywhere ("FM AMEMBASSY X (S) SITES ...")."""
    return (len(LOWER_WORD.findall(line)) >= 3 or OPENS_WITH_MARKING.match(line) is not None
            or ("(" in line and LEVEL_SHAPED.search(line) is not None) or (capitals and reads_as_prose(line))
            or _opens_misprinted_subject(line))


def _opens_misprinted_subject(line: str) -> bool:
    """A subject line whose name a scan or typist misprinted ("ubject: TRIPOLI 642 HANNIBAL GOES TO
    SEA ...", in an e-mail's headers above the cable), or a line with a field's misprinted name in
    it ("To: EACTTripoli ubject: ..."): a title or a field, not an address."""
    if ":" not in line:
        return False
    opening = misprinted_opening(line)
    return (opening is not None and opening[0] == "subject") or misprinted_field_name(line, 0) is not None


_WORD = re.compile(r"[^\W\d_]{2,}")

_CAPITAL_NEXT = re.compile(r"[ \t]+[A-Z][A-Za-z]")


# A list item's lead before a marking: "-- ", "* ", "a. ", "2) ", "(3) ".
_LIST_LEAD = re.compile(r"[ \t]*(?:-{1,3}|[*\u2022\u2013\u2014]|¶?[A-Za-z][.)]|\d{1,2}[.)]|\(\d{1,2}\))[ \t]+(?=\()")


def opens_portion(line: str, field_name: str | None) -> bool:
    """A line that opens with a marking and goes on in words ("(S) THE MINISTER SAID") is a
    portion, not the rest of the header field above it; "(b) and (d)" (reasons) is not. Under
    REF, "(C) 09 STATE 030541" and "(I) 9 FAM 42.1 N4, PN2-5, and PN7" are lettered references:
    one letter, then numbers cited, not prose."""
    lead = _LIST_LEAD.match(line)
    if lead is not None and LEVEL_SHAPED.match(line, lead.end()):
        line = line[lead.end():]  # "-- (S) PLAN", "* (c) CANARY" under a field: the marking opens the line
    shaped = OPENS_LEVEL_SHAPED.match(line)
    if shaped is not None and (not shaped.group(0).endswith(")")
                               or not parse_portion_marking(shaped.group(0).strip(" \t*#")).recognised):
        return True  # "(TS// ...", "(S.) ...": a marking nobody can read opens a portion (fail closed)
    found = OPENS_WITH_MARKING.match(line)
    if found is None:
        return False
    words = len(_WORD.findall(line, found.end()))
    if len(_WORD.findall(found.group(0))) > 0:
        return words >= 1  # "(S//NF) Summary", "(SBU) ...": never a reference letter or a reason
    if field_name != "ref" and _CAPITAL_NEXT.match(line, found.end()):
        return True  # "(S) CANARY": a one-letter marking and a capitalised word ("(C) and (D)" is not)
    if words < 3:
        return False
    if field_name != "ref":
        return True
    rest = line[found.end():]
    # A cited message names its number among its first words ("09 STATE 030541", "BUENOS AIRES
    # 1115", "USUN NEW YORK 2261"); "(C) EMBASSY PARIS DAILY REPORT FOR FEBRUARY 6" may be a letter
    # or a marking, and is withheld as a portion (fail closed).
    return not cites_a_number(rest) or len(LOWER_WORD.findall(rest)) >= 3


# A marking after a space or at a line start ("D(S)", an office, is no marking of a portion).
_SPACED_MARKING = re.compile(r"(?<!\S)" + LEVEL_SHAPED.pattern)


def _prose_is_not_routing(field: HeaderField) -> list[HeaderField]:
    """Routing and caption lines are codes and addresses. Lines of running prose there, and lines
    that open with a parenthesis where a portion marking would stand, are not addressing: they
    become ``header_text`` fields, which no bundled policy releases; the lines around them keep
    their name. After a line that opens with a marking, no line of the field is addressing: a
    marked paragraph's unmarked lines follow it (after a marking anywhere in a line, too)."""
    if field.name not in ("routing", "caption"):
        return [field]
    capitals = may_read_as_prose(field.text)  # one scan of the field, not one of each line
    if not capitals and "(" not in field.text and len(LOWER_WORD.findall(field.text)) < 3 \
            and not (":" in field.text and any(map(_opens_misprinted_subject, field.text.split("\n")))):
        return [field]  # no line can be prose, hold a marking or be a subject (their words are the field's)
    lines = field.text.split("\n")
    if not any(_not_addressing(line, capitals) for line in lines):
        return [field]
    parts: list[HeaderField] = []
    run: list[str] = []
    run_start, run_prose, marked = field.start_line, False, False
    for offset, line in enumerate(lines):
        # (or prints one after a space: "D. (TOP SECRET//NOFORN)", its text wrapped below it)
        marked = marked or OPENS_WITH_MARKING.match(line) is not None \
            or ("(" in line and _SPACED_MARKING.search(line) is not None)
        prose = marked or _not_addressing(line, capitals)
        if run and prose != run_prose:
            parts.append(HeaderField("header_text" if run_prose else field.name, "\n".join(run), run_start,
                                     run_start + len(run) - 1))
            run, run_start = [], field.start_line + offset
        run_prose = prose
        run.append(line)
    parts.append(HeaderField("header_text" if run_prose else field.name, "\n".join(run), run_start,
                             run_start + len(run) - 1))
    return parts


def _with_printed_marking(field: HeaderField) -> HeaderField:
    """A header field's marking is the join of every marking printed in it ("SUBJECT: (U) X (S) Y"
    is SECRET), so that no field is released holding a higher one; one-letter ones under REF and
    Classified By are reference letters and reasons, and the banner is the document's, not a field's."""
    if field.name == "banner" or "(" not in field.text:
        return field
    printed = [m.group(0) for m in LEVEL_SHAPED.finditer(field.text)]
    if field.name in ("ref", "classified_by"):  # "(C)" exactly: a letter; "(C.)", "(C//NF)", "(TS//": markings
        printed = [p for p in printed if not re.fullmatch(r"\([ \t]*[A-Za-z][ \t]*\)", p)]
    markings = [parse_portion_marking(p) if p.endswith(")") else unrecognised(p) for p in printed]
    if field.marking is not None:
        markings.insert(0, field.marking)
    if not markings:
        return field
    return replace(field, marking=combine(markings))


def _split_inline_fields(fields: list[HeaderField]) -> list[HeaderField]:
    """``E.O. 12958: DECL: 03/08/19 TAGS: PGOV SUBJECT: ...`` on one line: split it."""
    result: list[HeaderField] = []
    for f in fields:
        if f.name != "eo" or not _INLINE_FIELDS.search(f.text):
            result.append(f)
            continue
        parts = _INLINE_FIELDS.split(f.text)
        result.append(HeaderField("eo", parts[0], f.start_line, f.end_line))
        for part in parts[1:]:
            name = "tags" if part.lower().startswith("tags") else "subject"
            result.append(HeaderField(name, part, f.start_line, f.end_line))
    return result


def header_problems(header: Header, portions: list[Portion]) -> list[Problem]:
    problems: list[Problem] = []
    if header.banner is not None and not header.banner.recognised:
        problems.append(Problem(_field_line(header, "banner"), "unrecognised-banner",
                                "the banner's classification could not be read"))
    if not portions:
        problems.append(Problem(1, "no-portions", "no body portion was found"))
    return problems


def _field_line(header: Header, name: str) -> int:
    return next((f.start_line for f in header.fields if f.name == name), 1)


# A classification line the banner's shape does not take, among the lines before the first core
# field: "S e c r e t berlin 000643", "CONFIDENTIAL SECTION 01 of 03 KUWAIT 000128", "SECRET
# NOFORN", "S E C R E T BOGOTA 000243 SIPDIS NOFORN", "SECRET//20401231", a mirror's trailing
# "\\". Its level is the document's banner (what its unmarked headings take: fail closed).
_SPACED_OR_NOT = "|".join("[ ]?".join(word) for word in ("SECRET", "CONFIDENTIAL", "UNCLASSIFIED", "UNCLAS"))
_LOOSE_BANNER = re.compile(
    rf"^[ \t*#>]*(?P<level>(?:T[ ]?O[ ]?P[ ]+)?(?:{_SPACED_OR_NOT}))(?![A-Za-z])(?P<rest>[^\n]*)", re.I)
_SECTION = re.compile(r"\bsection[ \t]+\d+[ \t]+of[ \t]+\d+", re.I)
_NOFORN_WORD = re.compile(r"(?<![A-Za-z])(?:NOFORN|NOFORNDIS|NF)(?![A-Za-z])")
_CORE_FIELDS = frozenset({"eo", "tags", "subject", "ref", "classified_by"})


def _loose_banner(fields: list[HeaderField]) -> dict[str, Any]:
    """The banner of a document whose banner line the grammar did not take: the first line before
    the core fields that opens with a level. A classified level counts whatever follows it (run-on
    prose is withheld as such); UNCLASSIFIED only before addressing, not prose."""
    for f in fields:
        if f.name in _CORE_FIELDS:
            break
        if f.name not in ("routing", "caption", "header_text"):
            continue
        for line in f.text.splitlines():
            match = _LOOSE_BANNER.match(line)
            if match is None:
                continue
            level = re.sub(r"\s+", "", match.group("level")).upper().replace("TOPSECRET", "TOP SECRET")
            rest = _SECTION.sub(" ", match.group("rest"))
            if level.startswith("UNCLAS") and (len(LOWER_WORD.findall(rest)) >= 3 or reads_as_prose(rest)):
                continue
            noforn = "//NOFORN" if _NOFORN_WORD.search(rest) else ""
            return {"banner": parse_banner_marking(level + noforn), "banner_text": line.strip()}
    return {}


def tags_without_subject(fields: list[HeaderField], above_body: int | None) -> tuple[list[HeaderField], list[Problem]]:
    """A cable whose header (its first ``above_body`` fields) prints no SUBJECT line put its title
    somewhere, and where a scan or a mirror lost the name, the title ran into TAGS ("TAGS: PREL
    PGOV TU TURKEY ADRIFT"). Then the tags end at their first word that is no tag; the rest is
    header text (no bundled policy releases it). (In the corpora one such cable prints a word that
    is no tag among its tags.) A SUBJECT printed again at the top of a later section is not the
    header's."""
    if any(f.name == "subject" for f in fields[:above_body]):
        return fields, []
    kept: list[HeaderField] = []
    problems: list[Problem] = []
    for f in fields:
        cut = first_non_tag(f.text) if f.name == "tags" else None
        if cut is None:
            kept.append(f)
            continue
        line = f.start_line + f.text.count("\n", 0, cut)
        kept += [HeaderField("tags", f.text[:cut].rstrip(), f.start_line, line),
                 HeaderField("header_text", f.text[cut:], line, f.end_line)]
        problems.append(Problem(line, "field-overflow", "a cable without a SUBJECT line prints words that are no "
                                "tags among its tags (its title, its name lost?): withheld as header text"))
    return kept, problems


def read_header(fields: list[HeaderField], portions: list[Portion]) -> Header:
    """The header's values read from its fields (banner, DECL, TAGS, SUBJECT, REF, Classified By,
    date and origin), the fields split where one line held several, each with the marking printed in it."""
    fields = _split_inline_fields(fields)
    fields = [part for f in fields for part in _prose_is_not_routing(f)]
    values: dict[str, Any] = {}
    for position, f in enumerate(fields):
        if f.name == "banner" and "banner" not in values:
            level_text, post = _split_banner(f.text)
            values["banner"] = parse_banner_marking(level_text)
            values["banner_text"] = level_text
            if post:
                values.setdefault("origin", post.strip())
        elif f.name == "tags" and "tags" not in values:
            body = _FIELD_PREFIX["tags"].sub("", clean_field_text(f.text))
            values["tags"] = parse_tags(body)
        elif f.name == "subject":  # every SUBJECT line carries its own marking; the first is the title
            body = _FIELD_PREFIX["subject"].sub("", _LEADING_MARKING.sub("", clean_field_text(f.text), 1)
                                                if _MARKED_SUBJECT.match(f.text) else clean_field_text(f.text))
            own = _LEADING_MARKING.match(body)
            lead = own or _MARKED_SUBJECT.match(f.text)
            if lead:
                marking = parse_portion_marking(lead.group(1))
                fields[position] = HeaderField(f.name, f.text, f.start_line, f.end_line, marking)
            # the title alone: its marking is the field's (above), as the peer reads it
            values.setdefault("subject", body[own.end():] if own else body)
        elif f.name == "ref":
            body = _FIELD_PREFIX["ref"].sub("", clean_field_text(f.text))
            values["refs"] = tuple(r.strip(" ;") for r in _REF_ITEM.split(body) if r.strip(" ;"))
        elif f.name == "classified_by" and _better_authority(values.get("classified_by"), f.text):
            values["classified_by"] = clean_field_text(f.text)
    if "banner" not in values:
        values.update(_loose_banner(fields))
    if "classified_by" not in values:
        for portion in portions[:2]:
            found = re.search(r"CLASSIFIED\s+BY\b.*", portion.text, re.I | re.S)
            if found:
                values["classified_by"] = clean_field_text(found.group(0))
                break
    if "classified_by" in values:
        values["reasons"] = parse_reasons(values["classified_by"])
    routing = "\n".join(f.text for f in fields if f.name == "routing")
    # The cable's date is its own date-time group, in the routing block (or a caption line):
    # never one cited under REF or in a subject (declassify-by-date relies on it).
    dtg = _DTG.search(routing) or _DTG.search("\n".join(f.text for f in fields if f.name == "caption"))
    if dtg:
        values["date"] = _safe_date(_year(dtg.group(4)), _MONTHS[dtg.group(3)], int(dtg.group(1)))
    sender = _FROM.search(routing)
    if sender:
        values["origin"] = sender.group(1)
    fields = [_with_printed_marking(f) for f in fields]
    return Header(fields=tuple(fields), **values)


# A banner's or a portion marking's own declassification field: "SECRET//20291123", "(S//25X1)",
# "//X1", "//MR" (manual review).
_DECL_FIELD = r"//[ \t]*(?P<rest>\d{8}|(?:25|50)?X\d{1,2}(?:-[A-Z]+)?|MR)(?![\w])"
_MARKING_DECL = re.compile(_DECL_FIELD, re.I)
# Lines that give an instruction wherever they are printed: a classification line with its own
# field ("SECRET//NOFORN//20401231"), an E.O. line with its DECL (the header's own E.O. field is
# read whatever it holds), a Declassify On line (a classification block in the body, a cable
# quoted in another).
INSTRUCTION_LINE = re.compile(
    r"^[ \t*#>]*(?:(?i:TOP[ \t]+SECRET|SECRET|CONFIDENTIAL|UNCLASSIFIED)\b[^\n]*?" + _DECL_FIELD
    + r"|(?:E\.?[ ]?O\.?|EXECUTIVE[ \t]+ORDER|Executive[ \t]+Order)[ \t]*:?[ \t]*\d{4,5}[ \t]*:?[ \t]*"
    r"(?P<eo>(?=[^\n]*(?:DECL|Decl|decl))[^\n]*)"
    + r"|(?:DECLASSIFY|Declassify|declassify)[ \t]+(?:ON|On|on)[ \t]*:?[ \t]*(?P<on>[^\n]*))", re.M)

# No declassification date before 1972 is plausible: E.O. 11652, the first order with a schedule
# that declassifies by date, dates from that year.
FIRST_DECL_DATE = date(1972, 1, 1)

# Most restrictive first: an exemption, then what gives no date (unreadable, an event, OADR, GDS),
# then a date (the latest first), then a declassification already done, then "not applicable".
_RESTRICTION = {"exemption": 0, "unknown": 1, "event": 2, "oadr": 3, "gds": 4, "date": 5, "rds": 5,
                "declassified": 6, "na": 7}


_DECLASSIFY_ON = re.compile(r"^\s*declassify\s+on\s*:?", re.I)


def _field_instruction(f: HeaderField) -> Decl | None:
    """The instruction of an E.O. or a Declassify On field, read whatever it holds."""
    if f.name == "eo":
        match = _EO.match(clean_field_text(f.text))
        return parse_decl(match.group("rest")) if match else None
    if f.name == "declassify_on":
        return parse_decl(_DECLASSIFY_ON.sub("", clean_field_text(f.text)))
    return None


def declassification_instructions(header: Header, portions: list[Portion]) -> list[tuple[int, Decl]]:
    """Every declassification instruction the document prints, with its line: each E.O. line's
    DECL, each Declassify On line, a classification line's own field ("SECRET//20401231") and each
    portion marking's ("(S//25X1)"), in the header or in the body."""
    found = [(f.start_line, decl) for f in header.fields if (decl := _field_instruction(f)) is not None]
    for portion in portions:
        printed = portion.marking.text if portion.marking is not None else ""
        if "//" in printed:
            found += [(portion.start_line, parse_decl(m.group("rest"))) for m in _MARKING_DECL.finditer(printed)]
    texts = [(f.text, f.start_line) for f in header.fields if f.name not in ("eo", "declassify_on")]
    found += _instruction_lines([*texts, *((p.text, p.start_line) for p in portions)])
    return [(line, decl) for line, decl in found if _DECL_PREFIX.sub("", decl.text).strip(" \\")]


# What each shape of INSTRUCTION_LINE holds on its line (rare in prose), found by str's own search:
# the pattern is tried only at the start of the lines that hold one (tried at every line of every
# paragraph, it cost a twentieth of the parse). A test checks that every line the pattern matches
# holds a hint.
INSTRUCTION_HINTS = ("//", "DECL", "Decl", "decl")


def _instruction_lines(texts: list[tuple[str, int]]) -> list[tuple[int, Decl]]:
    """The instruction lines in ``texts`` (each a text and the line it starts on). Each text is
    searched on its own: most hold no hint (every hint has "//" or "ecl"/"ECL" in it)."""
    found = []
    for text, first_line in texts:
        if "//" not in text and "ecl" not in text and "ECL" not in text:
            continue
        starts = set()
        for hint in INSTRUCTION_HINTS:
            at = text.find(hint)
            while at != -1:
                starts.add(text.rfind("\n", 0, at) + 1)
                at = text.find(hint, at + len(hint))
        for start in sorted(starts):
            match = INSTRUCTION_LINE.match(text, start)
            if match is not None:
                value = next(v for v in (*match.group("rest", "eo", "on"), "") if v is not None)
                found.append((first_line + text.count("\n", 0, start), parse_decl(value)))
    return found


def _said(decl: Decl) -> str:
    return decl.date.isoformat() if decl.date is not None and decl.kind in ("date", "rds") else decl.kind


def governing_decl(header: Header, portions: list[Portion]) -> tuple[Decl | None, list[Problem]]:
    """The instruction that governs the document's declassification, and what is wrong with its
    instructions. A date before the document's own date (a year mistyped: "DECL: 2/19/1010") or
    before 1972 is no instruction anyone gave: its kind is unknown. Where the document prints
    several that disagree (an E.O. line against a Declassify On line, a banner's "//20401231", a
    paragraph's "(S//25X1)"), the most restrictive governs (fail closed)."""
    problems: list[Problem] = []
    instructions: list[tuple[int, Decl]] = []
    for line, decl in declassification_instructions(header, portions):
        if decl.date is not None and decl.date < max(header.date or FIRST_DECL_DATE, FIRST_DECL_DATE):
            problems.append(Problem(line, "impossible-decl-date", f"the declassification date "
                                    f"{decl.date.isoformat()} comes before the document's own date; it is not "
                                    "read as a date"))
            decl = replace(decl, date=None, kind="unknown")
        instructions.append((line, decl))
    if not instructions:  # none that says anything: the first E.O. or Declassify On field, as printed
        first = next((field_decl for f in header.fields if (field_decl := _field_instruction(f)) is not None), None)
        return first, problems
    line, governing = min(instructions, key=lambda item: (_RESTRICTION.get(item[1].kind, 1),
                                                          -(item[1].date.toordinal() if item[1].date else 0)))
    if len({(decl.kind, decl.date) for _, decl in instructions}) > 1:
        # Named by what they say, not as printed: one may stand in a withheld paragraph.
        said = "; ".join(dict.fromkeys(f"{_said(decl)} (line {at})" for at, decl in instructions))
        problems.append(Problem(line, "conflicting-decl", f"the document prints declassification instructions "
                                f"that disagree ({said}); the most restrictive governs: {_said(governing)}"))
    return governing, problems
