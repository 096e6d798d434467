"""Header field shapes: what each header field that policies release may hold.

Policies release a cable's Classified By, REF, TAGS and SUBJECT lines as addressing and
reference data. On a reflowed line a field runs on into whatever follows it: the first
paragraph, a second marking, prose. So each field has a shape, and text past the end of
that shape is not the field's: ``overflow_at`` says where it begins, and redact.lines puts
it in a block of its own, which the grammar then reads as body text (decided by its own
marking, or withheld as unmarked). A field never grows by swallowing prose.

- Classified By: an authority, then the E.O. 1.4 (or 1.5) reasons; nothing after the reasons, and
  no prose in an authority printed without them.
- Derived From / Declassify On (a CAPCO classification block): a source and dates; no prose.
- REF: reference items ("A. STATE 1234", "(B) 09 LONDON 55 (NOTAL)"); no portion marking that
  is not the next reference letter, no numbered paragraph, no run of prose.
- TAGS: tag codes and names; no prose, marking or numbered paragraph.
- SUBJECT: one title (with its own leading marking); no second marking, numbered paragraph,
  divider, or sentence (in capitals or not) after the title's full stop or on a line under it.
- E.O.: the order and its DECL instruction; no marking, numbered paragraph or prose.
- An article's FROM, TO, DATE and Run Date lines: an office or a name, then the date the block
  ends with; nothing after the date, no numbered paragraph or prose before it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .field_names import NAMED, QUOTES, edits_apart, misprinted_field_name, misprinted_opening
from .shapes import JOINT_OWNERS, LOWER_WORD, OWNER
from .tag_words import WORD, is_tag_word, non_tag_words, title_among_tags
from .tag_words import first_non_tag as _first_non_tag

# A field name opening a line, after an optional marking of its own ("(U) SUBJECT:").
_FIELD = re.compile(
    r"[ \t]*(?:\([^()\n]{1,12}\)[ \t]*)?(?P<name>ref\(s\)"
    r"|(?:classified[ \t]+by|references?|reftels?|refs?|tags?|subject|subj"
    r"|e\.[ ]?o\.[ \t]*\d{4,5}|executive[ \t]+order[ \t]*\d{4,5})\b)[ \t]*:?", re.I)
# A field name's first letter is enough to tell the kind (the pattern above matched a whole name).
_NAMES = {"c": "classified_by", "r": "ref", "t": "tags", "s": "subject", "e": "eo"}

# A portion marking's shape: a level or sensitivity word, then its end or a control.
_MARKING = re.compile(
    r"\([ \t]*" + OWNER + r"(?:TS|S|C|U|SBU|FOUO|LOU|SECRET|CONFIDENTIAL|UNCLASSIFIED)"
    + JOINT_OWNERS + r"(?:[ \t]*(?:/{1,2}|-)[ \t]*[A-Za-z][^()\n\d]{0,30})?[ \t]*\)", re.I)
# "1. Summary", "12. The minister": a numbered paragraph (marked or not).
_NUMBERED = re.compile(r"(?<=[ \t])\d{1,3}[ \t]?\.[ \t]+(?:\(|[A-Z])")
_DIVIDER = re.compile(r"[ \t](?:-{4,}|={4,})")
# A colon inside a line, between words: a title's ("NETHERLANDS/EU: WHERE'S PLAN B?"); tags have none.
_TITLE_COLON = re.compile(r"\w[ \t]*:[ \t]+\w")
# Running prose: several lower-case words in a row.
_PROSE = re.compile(r"(?<![\w'])[a-z][a-z'-]*(?:[ \t,]+[a-z][a-z'-]*(?![\w'])){4,}")
# Prose under TAGS: three or more words with lower case in a row, one of them a function word
# (tag codes in lower case, "prel, pgov, pins, tu", have none).
_LOWER_CASE_WORD = r"(?=\S*[a-z])\S+"  # a word with a lower-case letter (linear: \S+ cannot reach a space)
_MIXED_CASE_RUN = re.compile(
    rf"(?:(?<=\s)|^)(?=(?:{_LOWER_CASE_WORD}[ \t]+){{0,2}}(?i:the|of|and|to|in|an?|for|on|with|that|is|was|by|"
    rf"as|at|from|are|be|this|will|has|have|it|its|not|but)\b)(?:{_LOWER_CASE_WORD}[ \t]+){{2}}{_LOWER_CASE_WORD}")
# The reasons of a Classified By line: "1.4 (b) and (d)", "1.5 B, D", "1.4(B)/(D).", "1. 4 (b,d)"
_REASON_ITEM = r"(?:[(\[][ \t]*)?[a-hA-H](?![A-Za-z])"
_REASON_LIST = (_REASON_ITEM + r"(?:[ \t]*[)\]]?[ \t]*(?:,[ \t]*(?:and|or)\b|,|and|or|&|/|\+)?[ \t]*"
                + _REASON_ITEM + r")*[ \t]*[)\]]?[ \t]*\.?")
_SECTION = r"1[ \t]*[.,][ \t]*[45][ \t]*"
_REASONS = re.compile(_SECTION + _REASON_LIST, re.I)
# A line with nothing but (the rest of) the reasons: "(B) AND (D)", "1.4 B, D", "1.4(C)."
_REASONS_ALONE = re.compile(rf"[ \t]*(?:{_SECTION})?{_REASON_LIST}[ \t]*\n?", re.I)
_AUTHORITY_LIMIT = 200
_REASON_LETTERS = re.compile(r"(?<![A-Za-z])([a-hA-H])(?![A-Za-z])")
_AFTER_REASONS = re.compile(r"(?:[\s.,;:)\]&]|(?i:and|or)\b)*")


def first_non_tag(text: str) -> int | None:
    """Where the first word of a TAGS field's text that is no tag stands (redact.tag_words)."""
    opening = _opening_field(text)
    return _first_non_tag(text, opening[1] if opening else 0)


def _opening_field(line: str) -> tuple[str, int] | None:
    """The kind of header field a line opens, and where its text begins (its name misprinted too:
    "UBJECT: ...", "AGS: PGOV, PREL")."""
    found = _FIELD.match(line)
    if found is None:
        return misprinted_opening(line)
    return _NAMES[found.group("name")[0].lower()], found.end()


def field_name(line: str) -> str | None:
    """The kind of header field a line opens ("classified_by", "ref", "tags", "subject"), if any."""
    opening = _opening_field(line)
    return opening[0] if opening else None


# A CAPCO classification block's lines: "Derived From: NSA/CSSM 1-52, DATED 08 JAN 2007",
# "Declassify On: 20320108". Their shape: a source and dates, no prose. (Not field names that cut
# a line: the two are printed on one line, and read as one.)
_CLASSIFICATION_LINE = re.compile(r"[ \t]*(?:derived[ \t]+from|declassify[ \t]+on)\b[ \t]*:?", re.I)


def _prose_start(line: str, start: int, kept: Callable[[str], bool]) -> int | None:
    """Where prose begins in a field's text: a run of lower-case words (from the start of its
    sentence), or prose in capitals (from the first word before it that the field does not keep)."""
    prose = _PROSE.search(line, start)
    return _first(_sentence_start(line, start, prose.start()) if prose else None,
                  _capitals_prose(line, start, 2, kept))


# The problem reported where a field's text ran past its shape.
OVERFLOW = ("text past the end of a header field's shape is read as body text (decided by its own marking, "
            "or withheld as unmarked)")


def overflow_at(line: str) -> int | None:
    """Where the text of a header field line stops fitting the field's shape (None: it all fits)."""
    opening = _opening_field(line)
    if opening is not None:
        name, start = opening
        cut = {"classified_by": _classified_by_end, "ref": _ref_end, "tags": _tags_end,
               "subject": _subject_end, "eo": _eo_end}[name](line, start)
        if name != "subject":  # (a title may hold such a word; what follows a title is no secret of its own)
            cut = _first(cut, misprinted_field_name(line, start))
    elif (memo := MEMO_FIELD.match(line)) is not None:
        cut = _memo_field_end(line, memo.end())
    else:
        block = _CLASSIFICATION_LINE.match(line)
        if block is None:
            return None
        cut = _prose_start(line, block.end(), _is_eo_word)  # a source and dates
    if cut is None or not line[cut:].strip():
        return None
    return cut


def _classified_by_end(line: str, start: int) -> int | None:
    reasons = _REASONS.search(line, start)
    stop = reasons.start() if reasons is not None else len(line)
    # A numbered, marked paragraph or a marking before a word, printed before the reasons (or with
    # none after it), ends the field: "REASON: ¶2. (C) The minister said ... 1.4 (b)", "Ambassador
    # X (c) PLAN Reason: 1.4 (b,d)".
    before = _first(_paragraph_before(line, start, stop), _marking_before(line, start, stop))
    if reasons is None:
        # An authority alone (its reasons on the next line, or none): a name and title, not prose
        cut = _first(before, _prose_start(line, start, lambda word: False))  # no word of a name is told apart
        if cut is not None or len(line) - start <= _AUTHORITY_LIMIT:
            return cut
        return line.rfind(" ", start, start + _AUTHORITY_LIMIT) + 1 or start + _AUTHORITY_LIMIT
    before = _first(before, _prose_before(line, start, stop))
    if before is not None:
        return before
    end = reasons.end()
    last = re.search(r"[(\[]?[ \t]*([a-hA-H])[ \t]*[)\]]?[ \t]*\.?[ \t]*$", reasons.group(0))
    letters = _REASON_LETTERS.findall(reasons.group(0)[:last.start()] if last else "")
    if last and last.group(1).isupper() and letters and all(x.islower() for x in letters) \
            and re.search(r"[A-Za-z]{2}", line[end:]):
        end = reasons.start() + last.start()  # "1.4 (b) and (d) (C) HMG said": "(C)" opens a portion
    if _AFTER_REASONS.fullmatch(line, end) is None:  # only punctuation, or a list wrapped at "and"
        return end
    return None


# A numbered, marked paragraph printed in a line: "2. (C) The", "¶22) (S//NF) Sites", "(1) (C) The".
_MARKED_PARAGRAPH = re.compile(r"(?<!\S)(?:(?:¶[ \t]*)?\d{1,3}(?:[ \t]?\.{1,2}|\))|\(\d{1,2}\))[ \t]*"
                               + _MARKING.pattern, re.I)
# A marking before a word in an authority's line ("Wood (c) CANARY PLAN"), not a reason's letter
# ("(c) and (d)"); nor what opens the field's text ("Classified By: (U) CDA Nancy McEldowney").
_MARKING_BEFORE_WORD = re.compile(r"(?<=\S)[ \t]+(" + _MARKING.pattern + r")[ \t]+(?!(?i:and|or)\b)[A-Za-z]{2}", re.I)
_LEADING_PARENTHESIS = re.compile(r"[ \t]*(?:\([^()\n]{0,40}\))?")


def _marking_before(line: str, start: int, end: int) -> int | None:
    """Where a marking before a word stands in ``line[start:end]`` (the text after a field name)."""
    leading = _LEADING_PARENTHESIS.match(line, start)
    marking = _MARKING_BEFORE_WORD.search(line, leading.end() if leading else start, end)
    return marking.start(1) if marking else None


def _prose_before(line: str, start: int, end: int) -> int | None:
    prose = _PROSE.search(line, start, end)
    return _sentence_start(line, start, prose.start()) if prose else None


def _paragraph_before(line: str, start: int, end: int) -> int | None:
    paragraph = _MARKED_PARAGRAPH.search(line, start, end)
    return paragraph.start() if paragraph else None


def _first(*positions: int | None) -> int | None:
    found = [p for p in positions if p is not None]
    return min(found) if found else None


def _sentence_start(line: str, start: int, at: int) -> int:
    """The start of the sentence or item that holds position ``at``."""
    boundaries = [m.end() for m in re.finditer(r"(?<=[.;:)\d])[ \t]+", line[start:at])]
    return start + boundaries[-1] if boundaries else at


_LETTER_ITEM = re.compile(r"(?:^|[\s(])([A-Z])(?:[.)]|\))")


_NUMBER_WORD = re.compile(r"[(\[]?\d[\d/.-]*[)\],;:.]*")


def cites_a_number(item: str) -> bool:
    """Does a reference item name a message's number among its first words ("09 STATE 030541",
    "BUENOS AIRES 1115", "USUN NEW YORK 2261;")? "EMBASSY PARIS DAILY REPORT FOR FEBRUARY 6" does
    not, nor does a code word with digits in it ("CANARY0653X55"), nor an item that ends before
    a number ("CODE C) BRASILIA 786": that number is the next item's)."""
    for word in item.split()[:4]:
        if _ITEM_LABEL_WORD.fullmatch(word):
            return False
        if _NUMBER_WORD.fullmatch(word):
            return True
    return False


# The label of a list's next item: "C)", "C.", "(C)".
_ITEM_LABEL_WORD = re.compile(r"\(?[A-Za-z][.)]")


def _ref_end(line: str, start: int) -> int | None:
    marking = None
    for match in _MARKING.finditer(line, start):
        word = match.group(0).strip("() \t").upper()
        letters = {m.group(1) for m in _LETTER_ITEM.finditer(line, start, match.start())}
        if len(word) == 1 and chr(ord(word) - 1) in letters and word not in letters \
                and cites_a_number(line[match.end():]):
            continue  # "(C) 09 STATE 1234" after "(B)": the next reference (letters do not repeat;
            # references cite numbers)
        marking = match.start()
        break
    numbered = _NUMBERED.search(line, start)
    return _first(marking, numbered.start() if numbered else None, _prose_start(line, start, _is_reference_word))


def reads_as_prose(line: str) -> bool:
    """Does ``line`` hold prose in capitals (which no addressing or caption line does)?"""
    return _capitals_prose(line, 0, 2, lambda word: True) is not None


def may_read_as_prose(text: str) -> bool:
    """Can any line of ``text`` hold prose in capitals? (No, when it has fewer function words.)"""
    return _function_words(text) >= 2


_REFERENCE_LETTER = re.compile(r"[(¶]*[A-Z][.)]")


def _is_reference_word(word: str) -> bool:
    """A word a reference item keeps: its letter ("B.", "(C)") or a number (a cable, a date)."""
    return _REFERENCE_LETTER.fullmatch(word) is not None or any(c.isdigit() for c in word)


def _tags_end(line: str, start: int) -> int | None:
    marking = _MARKING.search(line, start)
    numbered = _NUMBERED.search(line, start)
    # (its words hold a lower-case letter: a line in capitals, as most TAGS lines are, has none)
    prose = _MIXED_CASE_RUN.search(line, start) if line.upper() != line else None
    return _first(marking.start() if marking else None, numbered.start() if numbered else None,
                  prose.start() if prose else None, _capitals_prose(line, start, 2, is_tag_word),
                  title_among_tags(line, start))


# Prose in capitals, as older cables print everything: words that a sentence needs and no tag or
# reference item does (articles, auxiliaries, pronouns; not "and", "for", "with" or "from", which
# name reports: "E-MAIL WITH TPS FROM DAN BISCHOF", "REPORT FOR NOV 9 AND PREVIOUS"), two different
# ones among a few words. Two-letter ones are left out: IS, IT and TO are also country codes.
_FUNCTION_WORDS = (r"the|was|were|will|would|should|could|has|have|had|been|being|are|this|that|these|those|not|"
                   r"but|said|says|his|her|their|they|which|who|its|our")
_FUNCTION_WORD = re.compile(rf"(?i:{_FUNCTION_WORDS})")
# searched in lower case: far faster than (?i:) over every routing line
_FUNCTION_WORD_IN_LOWER = re.compile(rf"(?<![\w'/-])(?:{_FUNCTION_WORDS})(?![\w'/-])")


def _function_words(text: str) -> int:
    return len(_FUNCTION_WORD_IN_LOWER.findall(text.lower()))


_PROSE_WINDOW = 8


def _capitals_prose(line: str, start: int, needed: int, kept: Callable[[str], bool]) -> int | None:
    """Where prose in capitals begins in a field's text: ``needed`` different function words
    among a few words, and the words before them that are not ``kept`` (a tag code, a reference
    item): a name or a word of the sentence is not left in the field."""
    if _function_words(line[start:]) < needed:
        return None  # nearly every line: one scan in C
    words = [(m.start(), m.group(0)) for m in WORD.finditer(line, start)]
    plain = [w.strip("().,;:\"'").upper() for _, w in words]
    for i, word in enumerate(plain):
        if not _FUNCTION_WORD.fullmatch(word):
            continue
        if len({w for w in plain[i:i + _PROSE_WINDOW] if _FUNCTION_WORD.fullmatch(w)}) < needed:
            continue
        first = i
        while first > 0 and not kept(words[first - 1][1]):
            first -= 1
        return words[first][0]
    return None


_EO_WORDS = frozenset({"E.O", "EO", "DECL", "N/A", "NA", "OADR", "DECLASSIFY", "ON", "EXECUTIVE", "ORDER"})
# The names before a colon an E.O. line prints besides its own words: a downgrading instruction
# ("DNG: CO 04/08/2026"), and field names (printed right, redact.lines cuts before them; quoted, not).
_EO_LABELS = frozenset({"DNG", "TAGS", "SUBJECT", "SUBJ", "CLASSIFIED BY", "REF"})


def _is_eo_word(word: str) -> bool:
    """A word an E.O. line keeps: a number or date ("12958:", "01/01/2040", "1.6X1"), or one of its
    labels ("E.O.", "DECL:", "N/A", "OADR")."""
    return any(c.isdigit() for c in word) or word.strip(":;,.").upper() in _EO_WORDS


def _eo_end(line: str, start: int) -> int | None:
    """The E.O. line holds the order and its declassification instruction: no marking, no
    numbered paragraph, no prose (TAGS and SUBJECT printed on it are cut off before this is asked),
    no title ("KAZAKHSTAN: ...", a word and a colon that no E.O. line prints) and nothing but its
    own words and tag codes after a date (a subject whose name was lost runs on after the DECL date;
    an event the instruction names, "TEN YEARS AFTER KOREAN UNIFICATION", stands in place of a date)."""
    marking = _MARKING.search(line, start)
    numbered = _NUMBERED.search(line, start)
    return _first(marking.start() if marking else None, numbered.start() if numbered else None,
                  _prose_start(line, start, _is_eo_word), _eo_title(line, start))


# A date as an E.O. line prints its DECL instruction: "12/11/2033", "11/29/10".
_DECL_DATE = re.compile(r"\d{1,2}/\d{1,2}/\d{2,4}")
_RUN_AFTER_DATE = 3


def _eo_title(line: str, start: int) -> int | None:
    """Where a title stands in an E.O. line's text: a word and a colon that is not the line's own
    ("12958:", "DECL:", "DNG:"), or a run of words after the DECL date that are neither the line's
    words nor tag codes ("DECL: 12/11/2033 PRESIDENTIAL ADMINISTRATION HEAD RAISES ...")."""
    colon = line.find(":", start)
    names = [] if colon < 0 or (line.find(":", colon + 1) < 0 and line[start:colon].rstrip().upper().endswith("DECL")) \
        else list(NAMED.finditer(line, start))  # (most lines: one colon, DECL's)
    for named in names:
        word = named.group(0).rstrip(" \t:").strip(QUOTES).upper()
        if not _is_eo_word(word) and word not in _EO_LABELS and edits_apart(word, "DECL", 1) > 1:
            return named.start()
    date = _DECL_DATE.search(line, start)
    if date is None:
        return None
    # up to the next name: "... 09/21/10 TAGS: PGOV PINS ZI MDC ZANU PF" (tags, read as tags)
    end = next((named.start() for named in names if named.start() >= date.end()), len(line))
    run: list[int] = []
    for found in WORD.finditer(line, date.end(), end):
        if _is_eo_word(found.group(0)) or is_tag_word(found.group(0)):
            run = []
            continue
        run.append(found.start())
        if len(run) >= _RUN_AFTER_DATE:
            return run[0]
    return None


def _subject_end(line: str, start: int) -> int | None:
    own = re.match(r"[ \t]*\([^()\n]{1,24}\)", line[start:])
    title = start + (own.end() if own else 0)
    marking = _MARKING.search(line, title)
    numbered = _NUMBERED.search(line, title)
    divider = _DIVIDER.search(line, title)
    return _first(*(m.start() for m in (marking, numbered, divider) if m is not None),
                  _sentence_after_title(line, title))


# A full stop after a word in capitals, at the end of a line or before the next word
# ("... IN MARCH.", "... ACTS. THE MINISTER"); "MR. NICE GUY" has one too, but no sentence.
_FULL_STOP = re.compile(r"[A-Z]{2}\.(?:[\"'\u201d\u2019)]?[ \t]*$|[ \t]+(?=[A-Z]))")
_SENTENCE_WORDS = 4


def is_capitals_sentence(text: str) -> bool:
    """Does ``text`` (a line in capitals) read as a sentence, not a title? Four different function
    words ("THE ... SAID ... WOULD ... THAT"), or two and a full stop. Of 3,274 corpus subjects no
    line in capitals has more than three, and none with two ends with a full stop (those that end
    a sentence ask a question: "WHAT WILL THE U.S. DO ABOUT IRAN?")."""
    distinct = len(set(_FUNCTION_WORD_IN_LOWER.findall(text.lower())))
    return distinct >= _SENTENCE_WORDS or (distinct >= 2 and _FULL_STOP.search(text) is not None)


# A sentence that ends and the next that begins, in either case: "ACTS. THE", "Minister. The".
_NEXT_SENTENCE = re.compile(r"(?:[A-Z]{2}|[a-z]{2})\.[\"'\u201d\u2019)]?[ \t]+(?=[A-Z])")
_SENTENCE_BREAK = re.compile(r"\w{2}[.!?][\"'\u201d\u2019)]?[ \t]+")


def title_holds_sentence(title: str) -> bool:
    """Does a subject's text (its lines as printed) hold a sentence that is not the title's: a
    line that reads as a sentence in capitals, or a sentence after a full stop in the title?"""
    lines = title.split("\n")
    return any(line.upper() == line and is_capitals_sentence(line) for line in lines[1:]) \
        or _sentence_after_title(" ".join(title.split()), 0) is not None


def _sentence_after_title(line: str, start: int) -> int | None:
    """Where a sentence begins after a full stop in a title's line ("SUBJECT: (U) GERMANY ACTS.
    THE MINISTER SAID THE PLAN WOULD GO AHEAD.", "Subject: Meeting with the Minister. The
    minister said ..."): the rest is not the title's."""
    if _function_words(line[start:]) < 2 and _PROSE.search(line, start) is None:
        return None  # nearly every title: two scans in C
    for stop in _NEXT_SENTENCE.finditer(line, start):
        following = _SENTENCE_BREAK.search(line, stop.end())
        sentence = line[stop.end():following.end() if following else len(line)]  # that one alone
        if is_capitals_sentence(sentence) if sentence.upper() == sentence else _PROSE.search(sentence):
            return stop.end()
    return None


# A memo's or article's addressing lines: "FROM: the editor", "TO: All SID", "Run Date: 11/04/2005",
# and the sender's office under FROM ("Chief, Collection Strategies (S2)").
MEMO_FIELD = re.compile(r"[ \t]*(?:FROM|TO|THROUGH|DATE|CC|(?i:run[ \t]+dates?))[ \t]*:")
# A sentence that ends and goes on: "... the editor. Please see ..."
_SENTENCE_GOES_ON = re.compile(r"[a-z]{2}[.!?][ \t]+[A-Z]")
_MEMO_LINE_LIMIT = 100
_MEMO_CONTINUATION_WORDS = 8


# The small words an office's name keeps in lower case ("Chief of Staff for Analysis and Production").
_OFFICE_SMALL_WORDS = frozenset(["a", "an", "and", "at", "by", "de", "for", "in", "of", "on", "the", "to", "with"])
_WORD_EDGES = "()[],.;:!?'\"/-"
_BLACKED_OUT = "$\\square$"  # the publisher's blackout of a name, as OCR printed it


def _names_an_office(line: str) -> bool:
    """Is ``line`` in Title Case, as an office or a name is ("Chief, Collection Strategies (S2)",
    "$\\square$ (S02L3)")? Any other word in lower case ("targets", "phone") is text, not addressing."""
    for word in line.split():
        bare = word.strip(_WORD_EDGES)
        if bare[:1].islower() and bare.lower() not in _OFFICE_SMALL_WORDS and _BLACKED_OUT not in bare:
            return False
    return True


def _memo_field_end(line: str, start: int) -> int | None:
    """An article's addressing line ("FROM: the editor", "Run Date: 04/23/2003"): an office or a
    name, then the date the block ends with; nothing after that date (a reflowed copy prints the
    first paragraph on the line of its FROM and Run Date fields), no numbered paragraph and no
    prose before it. (A marking before the date is an entry's: "FROM: (C) OFFICE and (U//FOUO)
    Name (S23) Run Date: ..."; the field takes the join of them all.)"""
    dated = _RUN_DATE.search(line)  # this field's or one printed after it on the line
    numbered = _NUMBERED.search(line, start)
    stop = _first(dated.end() if dated else None, numbered.start() if numbered else None)
    return _first(stop, _prose_start(line[:stop], start, lambda word: False))


# "Run Date: 04/23/2003", "Run Dates: 02/10/2005 , 02/11/2005", "Run Date: $04 / 23 / 2003$" (OCR).
_DATE = r"\$?[ \t]*\d{1,2}[ \t]*/[ \t]*\d{1,2}[ \t]*/[ \t]*\d{2,4}[ \t]*\$?"
_RUN_DATE = re.compile(rf"(?i:run[ \t]+dates?)[ \t]*:[ \t]*{_DATE}(?:[ \t]*,[ \t]*{_DATE})*")


def memo_line_fits(line: str, continuation: bool = False) -> bool:
    """Does a line fit a memo's addressing block: short, no portion marking, no numbered
    paragraph, no prose? A continuation (the line under FROM:) must be shorter still."""
    text = line.strip()
    if not text or len(text) > _MEMO_LINE_LIMIT or _MARKING.search(text) or _NUMBERED.search(" " + text):
        return False
    if continuation and (len(text.split()) > _MEMO_CONTINUATION_WORDS or MEMO_FIELD.match(text)
                         or not _names_an_office(text)):
        return False
    # Office names are in title case ("Deputy Director for Analysis and Production"): prose is a
    # run of lower-case words, a sentence that ends and goes on, or prose in capitals.
    return _PROSE.search(text) is None and _SENTENCE_GOES_ON.search(text) is None and not reads_as_prose(text)


# A sentence that ends the line: "... would go ahead in March." Abbreviations ("U.S.", "D.C.",
# "Jr.") and an ellipsis do not end one.
_SENTENCE_ENDS = re.compile(r"(?:[a-z]{2}|[A-Z][a-z]{3,})[.!?][\"'\u201d\u2019)]?[ \t]*$")

# The most lines a shaped field may hold (a long REF list has about twenty).
CONTINUATION_LIMIT = 40
_PREFIX = {"classified_by": "Classified By:", "ref": "REF:", "tags": "TAGS:", "subject": "SUBJECT:",
           "eo": "E.O. 12958:"}
# The fields whose continuation lines are checked against a shape here.
SHAPED_FIELDS = frozenset(_PREFIX)


def _wraps_into_prose(title: str, line: str) -> bool:
    """A title does not wrap into a sentence: a sentence in capitals (under any title), lower-case
    words under a title in capitals, a sentence that ends, or a run of lower-case words under a
    title in Title Case (a title written as a sentence, "(s) germany requests information
    concerning", wraps as one)."""
    if line.upper() == line:
        return is_capitals_sentence(line)
    if len(LOWER_WORD.findall(line)) < 3:
        return False
    if title.upper() == title or _SENTENCE_ENDS.search(line) or _SENTENCE_GOES_ON.search(line):
        return True
    first_word = re.search(r"[A-Za-z]{2,}", _FIELD.sub("", title, count=1))
    as_sentence = _PROSE.search(title) is not None or (first_word is not None and first_word.group(0).islower())
    return not as_sentence and _PROSE.search(line) is not None


def completes_reasons(field: str, line: str) -> bool:
    """A line that holds nothing but the reasons a Classified By line (``field``) announced and
    did not give: "... FOR REASONS 1.4" / "(B) AND (D)", or "... FOR REASONS" / (a blank line) /
    "1.4 B, D". Letters and connectors only, so no prose can ride on it; under a line that gives
    its reasons, "(C)" stays a marking."""
    if _REASONS.search(field) is not None or _REASONS_ALONE.fullmatch(line) is None:
        return False
    return _REASONS.search(f"{' '.join(field.split())} {line.strip()}") is not None


# A lettered reference item: "B. BERN 1553", "(C) STATE 1234", "¶B. LIMA 2000" (a viewer's pilcrow).
_ITEM_LETTER = re.compile(r"\s*(?:\[\d+\]\(#\))?\s*¶?\(?([A-Z])[.)]\s")


def next_reference_item(field: str, line: str) -> bool:
    """After a blank line, a REF field goes on only with its next lettered item ("A. BERN 1593" /
    (blank) / "¶B. BERN 1553", "Ref: a. ..." / "¶B. ..."; "REF:" / "(A) ..."); "I. BROAD ITEMS OF
    INTEREST" under "REF: Taipei 405" is a section heading, not a reference."""
    found = _ITEM_LETTER.match(line)
    if found is None:
        return False
    letters = re.findall(r"(?:^|[\s:;,])¶?\(?([A-Za-z])[.)]\s", field)
    before = letters[-1].upper() if letters else "@"  # none yet: the first item is "A"
    return ord(found.group(1)) == ord(before) + 1


def continuation_fits(name: str, field: str, line: str) -> bool:
    """Does a line printed under a header field (whose text so far is ``field``) fit that field's
    shape? True for fields with no shape here. A line that does not is not the field's."""
    if name == "memo_header":  # the sender's office under FROM: a short line in Title Case
        return memo_line_fits(line, continuation=True) and overflow_at(f"{' '.join(field.split())} {line}") is None
    if name not in _PREFIX:
        return True
    if field.count("\n") >= CONTINUATION_LIMIT:
        return False  # no real field runs this long; and checking a growing field is quadratic
    if name == "tags" and not field.rstrip().endswith(",") and line.upper() != line:
        return False  # codes wrap in capitals, or after a comma; a lower-case line is something else
    if name == "tags" and (_TITLE_COLON.search(line) or _DIVIDER.search(" " + line)):
        return False  # "HANNIBAL GOES TO SEA: INSIGHTS ...", "FRENCH EDGY ... -----": a title, not tags
    if name == "tags" and (non_tag_words(line) >= 2 or title_among_tags(line, 0) is not None):
        return False  # tags wrap as codes (a name or two among them): "DISCUSS HAITI AND ..." is a title
    if name == "subject" and _wraps_into_prose(field, line):
        return False
    return overflow_at(f"{_named(name, field)} {line.strip()}") is None


def _named(name: str, text: str) -> str:
    """A field's text on one line, opening with its name (a line under a field has none of its own)."""
    flat = " ".join(text.split())
    return flat if field_name(flat) == name else f"{_PREFIX[name]} {flat}"


def spilled_lines(name: str, lines: list[str], line: str) -> int:
    """How many of a field's lines under its first (``lines``: the field's lines so far) the text
    of the line printed under them shows are not the field's either: those at or past where the
    joined text stops fitting the shape. "TAGS: PGOV PINR PE" / "RUN-OFF," / "SEEKS EMBASSY'S
    ASSISTANCE ...": the title began on the line "RUN-OFF,", which fitted on its own."""
    if name not in _PREFIX or len(lines) < 2:
        return 0
    joined = _named(name, lines[0])
    starts = []
    for text in lines[1:]:
        starts.append(len(joined) + 1)
        joined = f"{joined} {' '.join(text.split())}"
    cut = overflow_at(f"{joined} {' '.join(line.split())}")
    if cut is None or cut >= len(joined):
        return 0
    ends = [*starts[1:], len(joined) + 1]
    return sum(end > cut for end in ends)

