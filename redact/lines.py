"""Lines: put every paragraph start and header field on a line of its own, before the grammar.

The grammars read whole lines. Real copies do not always break lines where a new part
begins: a reflowed cable prints its header fields and paragraph 1 on one line
(``Classified By: X, Reasons 1.4 (b) and (d). 1. (C) Summary: ...``), and some copies
separate lines with Unicode separators (U+2028, U+2029, NEL). Read as printed, such a
paragraph would become part of the header field before it, which policies release. So
every place where a marked paragraph starts in the middle of a line, and (in the header)
every header field name printed after other text, begins a new line here. The new text
keeps a map from its lines to the original ones, so problems and records cite the lines
the reviewer sees.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from .fields import field_name, overflow_at
from .shapes import JOINT_OWNERS, LEVEL_SHAPED, OWNER

# Line and paragraph separators other than "\n" and "\r" (str.splitlines knows them all).
_OTHER_SEPARATORS = "\u2028\u2029\u0085\x0b\x0c\x1c\x1d\x1e"

# A level word, as the first word of a portion marking ("(C)", "(S//NF)", "(SBU)", "C)").
_LEVEL = r"(?i:top[ ]secret|secret|confidential|unclassified|ts|s|c|u|sbu|fouo|lou)"
# What may follow the level inside the marking: its end, a control separator, a control. Before
# the level, a foreign or joint classification's owner; after it, a joint one's owners (shapes).
_AFTER_LEVEL = JOINT_OWNERS + r"[ \t]*(?:\)|/|-[ \t]*[A-Za-z]|[ \t](?i:rel|nf|noforn)\b)"
# A paragraph number as printed: "1.", "1 .", "1)", "¶1.", "¶ 1.", "**1.**", "1.."
_NUMBER = r'(?:\*\*|\[\d{1,3}\]\(#\)|")*' r"(?:¶[ \t]*)?\d{1,3}(?:[ \t]?\.{1,2}|\))(?:\*\*)?[ \t]{0,6}"
# A numbered, marked paragraph that starts in the middle of a line. The number must follow
# a space: "1.4 (b)" (reasons) has none before its "4" and no marking after it.
_RUN_ON_PARAGRAPH = re.compile(rf"(?<=[^\s¶])[ \t\u00a0]+(?={_NUMBER}\(?[ \t]*{OWNER}{_LEVEL}{_AFTER_LEVEL})")
# Where to look for one: a marking's opening parenthesis, which the regular expression engine
# finds ten times faster than a digit (and the level of a marking that lost its "(", below).
_MARKING_CORE = re.compile(rf"\((?=[ \t]*{OWNER}{_LEVEL}{_AFTER_LEVEL})")
# A marking that lost its "(" after a paragraph number printed mid-line ("... spring. 2. S) The
# minister"), found from its ")" in the reversed text: a pattern that opens with a character is
# searched for at C speed, one that opens with a digit or a level word is not (six times slower
# over the corpus). Its end in the reversed text is where the marking's level starts.
_LOST_REVERSED = re.compile(
    r"\)(?:[A-Za-z]{1,8}/{1,2})*(?i:terces[ ]pot|terces|laitnedifnoc|deifissalcnu|st|s|c|u|ubs|ouof|uol)"
    r"(?![A-Za-z])(?=[ \t]{0,6}(?:\.{1,2}|\))[ \t]?\d)")
# "7. SBU) text": a number and a marking whose opening parenthesis was lost (looked for first
# from line ends, which is fast; most documents have none).
_LOST_CORE = re.compile(rf"\n[ \t\"*¶]*\d{{1,3}}[ \t]?[.)](?:\*\*)?[ \t]{{0,6}}{_LEVEL}(?:/{{1,2}}[A-Za-z]{{1,8}})*\)")
_LOST_PARENTHESIS = re.compile(
    rf"^([ \t]*{_NUMBER})(?={_LEVEL}(?:/{{1,2}}[A-Za-z]{{1,8}})*\)[ \t])", re.M)
# Header field names printed after other text on the same line ("SUBJECT: X Classified By: Y").
_RUN_ON_FIELD = re.compile(
    r"(?<=\S)[ \t\u00a0]+(?=(?i:classified[ \t]+by)\b|(?i:refs?|ref\(s\)|reftels?|tags|subject|subj)[ \t]*:"
    r"|E\.?[ ]?O\.?[ \t]*\d{4,5}[ \t]*:?[ \t]*(?i:decl))")
# A banner in spaced capitals printed after other text (the grammar's spaced levels).
_RUN_ON_BANNER = re.compile(
    r"(?<=\S)[ \t\u00a0]+(?=(?:T[ ]O[ ]P[ ]+)?(?:S[ ]E[ ]C[ ]R[ ]E[ ]T|C[ ]O[ ]N[ ]F[ ]I[ ]D[ ]E[ ]N[ ]T[ ]I[ ]A[ ]L"
    r"|U[ ]N[ ]C[ ]L[ ]A[ ]S[ ]S[ ]I[ ]F[ ]I[ ]E[ ]D)(?![A-Za-z]))")
# In the header, an unnumbered marking after a sentence end ("... (b) and (d). (C) Summary"):
# printed in capitals, as markings are and reference letters under REF are too (REF is left alone).
_RUN_ON_MARKING = re.compile(
    r"(?<=[^\d\s]\.)[ \t\u00a0]+(?=\(" + OWNER + r"(?:TS|S|C|U|SBU)" + JOINT_OWNERS +
    r"(?:[ \t]*/{1,2}[ \t]*[A-Z][A-Z ,]*)*\)[ \t]+\S)")
_REF_LINE = re.compile(r"[ \t]*(?i:refs?|reftels?)\b")
# A line that opens with a paragraph number: "1. Summary", "¶2. The", "**3.** text"; not a routing
# line a page wrapped after a number ("... WSC6491" / "508) O 011538Z AUG 08": a precedence letter
# and a date-time group follow it).
_NUMBERED_LINE = re.compile(rf"^[ \t]*{_NUMBER}(?:\(|[A-Z](?![ \t]+\d))", re.M)
# What a header line needs for any cut: a parenthesis, a colon, a field name or a spaced banner
# (in lower case). Every alternative opens with one character, so the engine skips ahead to those.
_CUT_HINT = re.compile(r"\(|:|classified|tags|subj|ref|e\.[ ]?o\.|s e c r e t|c o n f i d e n t i a l|u n c l a s s")
_CUT_HINT_ANY_CASE = re.compile(_CUT_HINT.pattern, re.I)
# Where the body starts: a line that opens with a marked paragraph (after the split above).
_BODY_START = re.compile(rf"^[ \t]*{_NUMBER}\(?[ \t]*{OWNER}{_LEVEL}{_AFTER_LEVEL}", re.M)


# What a header line needs for any cut below: a parenthesis, a colon or a field name.
# (searched in lower case: faster than (?i:))
_FIELD_WORD = re.compile(r"classified|tags|subj|ref|e\.[ ]?o\.|eo[ ]?\d{4}")
_SPACE_RUN = re.compile(r"[ \t\u00a0]*")

# A marking alone: "(U) SUBJECT: ..." prints the field's own marking before its name.
_MARKING_ONLY = re.compile(r"[ \t]*\([^()\n]{1,40}\)[ \t]*")


def _split_fields(line: str) -> list[str]:
    """The line cut before every field name printed after other text (not after a marking alone),
    and before a banner in spaced capitals ("Thursday, 03 September 2009, 13:41 S E C R E T
    BELGRADE 000841": a web page joins the viewer's date line and the banner)."""
    banners = list(_RUN_ON_BANNER.finditer(line)) if " E " in line or " N " in line else []
    if not banners and line.isascii() and _FIELD_WORD.search(line.lower(), len(line) - len(line.lstrip()) + 1) is None:
        return [line]  # no field name after the line's first word (lower case, ASCII: same offsets)
    fields = [m for m in _RUN_ON_FIELD.finditer(line) if not _MARKING_ONLY.fullmatch(line[:m.start()])]
    return _cut(line, sorted(fields + banners, key=lambda m: m.start()))


def _cut(line: str, cuts: list[re.Match[str]]) -> list[str]:
    """The line in pieces, each cut's text (a run of spaces) dropped. (Not re.split: the patterns'
    groups, such as a marking's owner, would be put in the pieces.)"""
    pieces, start = [], 0
    for cut in cuts:
        pieces.append(line[start:cut.start()])
        start = cut.end()
    pieces.append(line[start:])
    return pieces


@dataclass(frozen=True)
class Lines:
    """The text with one part per line, and the original line of each of its lines."""

    text: str
    origin: tuple[int, ...]  # origin[n - 1] is the original line of line n
    overflows: tuple[int, ...] = ()  # original lines where a header field's text ran past its shape

    def original(self, line: int) -> int:
        """The line of the original text that line ``line`` of ``text`` came from."""
        if not self.origin:
            return line
        return self.origin[min(max(line, 1), len(self.origin)) - 1]


# Spaces other than the space and the tab ("&nbsp;" from a web page, a word processor's thin and
# narrow spaces): the grammars' line shapes read spaces and tabs, and a word break is a word break.
_SPACES = "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
# An HTML character reference with its semicolon ("&#8217;", "&#182;", "&para;", "&amp;"): text
# copied from a web page's source. (Without the semicolon, "&notes" is a word, not "¬es".)
_CHARACTER_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
# A line break printed as an escape ("\n", "\r\n"): text taken from a JSON or CSV export, or a
# database field, as some published cables are ("\nClassified By: ..."). An escaped backslash
# before the "n" ("\\n") is a backslash and a letter.
_ESCAPED_BREAK = re.compile(r"(?<!\\)\\(?:r\\n|n)")
# Every escape of a JSON string, for a text that is one (more escaped line breaks than real ones).
_JSON_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|(r\\n|[\"\\/bfnrt]))")
_JSON_SIMPLE = {"r\\n": "\n", "n": "\n", "r": "\n", "t": "\t", "b": "", "f": "", '"': '"', "\\": "\\", "/": "/"}


def normalise_characters(text: str) -> str:
    """Unicode spaces as spaces and HTML character references decoded, where a text has them;
    never a new line (a reference to a line break or another control character stays as printed)."""
    if "&" in text and ";" in text:
        text = _CHARACTER_REFERENCE.sub(_decoded_reference, text)
    if not text.isascii():
        for space in _SPACES:
            if space in text:  # a scan in C per space (a translation table is a hundred times slower)
                text = text.replace(space, " ")
    return text


def _decoded_reference(match: re.Match[str]) -> str:
    decoded = html.unescape(match.group(0))
    return decoded if all(c.isprintable() or c == "\t" or c in _SPACES for c in decoded) else match.group(0)


def decode_escaped_breaks(text: str) -> tuple[str, tuple[int, ...]]:
    """``text`` (its newlines normalised) with line breaks printed as escapes made line breaks, and
    the line of ``text`` each of its lines came from; no lines when there was none (nearly always).

    A text with as many escaped breaks as real ones is one escaped string: every JSON escape in it
    is decoded ("\\t", "\\\"", "\\u00b6"). Otherwise only the escaped breaks are, one by one."""
    if "\\" not in text:
        return text, ()
    escaped = len(_ESCAPED_BREAK.findall(text))
    if not escaped:
        return text, ()
    decode = _json_unescaped if escaped >= text.count("\n") else _breaks_unescaped
    lines: list[str] = []
    origin: list[int] = []
    for number, line in enumerate(text.split("\n")[:-1], start=1):
        pieces = decode(line).split("\n") if "\\" in line else [line]
        lines += pieces
        origin += [number] * len(pieces)
    return "".join(f"{line}\n" for line in lines), tuple(origin)


def _breaks_unescaped(line: str) -> str:
    return _ESCAPED_BREAK.sub("\n", line)


def _json_unescaped(line: str) -> str:
    return _JSON_ESCAPE.sub(_json_character, line)


def _json_character(match: re.Match[str]) -> str:
    code = match.group(1)
    if code is None:
        return _JSON_SIMPLE[match.group(2)]
    character = chr(int(code, 16))
    if character in _SPACES:
        return " "
    # a surrogate (half a character), a control character or a line separator stays as printed
    return character if character.isprintable() else match.group(0)


# A parenthesis left open at a line's end and closed on the next line ("... 0402; (S//REL TO USA,"
# / "FRA) PLAN"), a marking a narrow page wrapped.
_OPEN_AT_LINE_END = re.compile(r"\(([^()\n]{0,40})\n([ \t]*)([^()\n]{0,40}?\))")


def rejoin_wrapped_markings(text: str) -> str:
    """A marking wrapped at a line's end made whole on its line, its rest pulled up from the next
    (whose text it marks), as many lines as before: "(S//REL TO USA," / "FRA) PLAN" reads
    "(S//REL TO USA, FRA)" / " PLAN"; a paragraph number a page wrapped before its marking, the
    marking pulled up to it: "(d) 1." / "(C/NF) Summary" reads "(d) 1. (C/NF)" / " Summary"."""
    if "(" not in text:
        return text
    return _rejoin_numbers(_OPEN_AT_LINE_END.sub(_rejoined, text))


def _rejoined(match: re.Match[str]) -> str:
    joined = f"({match.group(1).rstrip()} {match.group(3)}"
    if LEVEL_SHAPED.fullmatch(joined) is None:
        return match.group(0)
    return f"{joined}\n{match.group(2)}"


# A paragraph number at a line's end, alone or after a header field a reflowed copy printed
# before it ("Classified By: ... Reasons 1.4 (b) and (d) 1."), a parenthesis opening the next line.
# (After other text a number ends a sentence as often: "... the victims of September 11.") Found
# from the parenthesis at a line's start (a pattern that opens with "\n" the engine skips ahead to;
# one that opens with the number tried every position, forty times as long), the number read after.
_LINE_OPENS_WITH_PARENTHESIS = re.compile(r"\n([ \t]*)(\([^()\n]{1,40}\))")
_NUMBER_ENDS_LINE = re.compile(r"(?:^|[ \t])[*\"]*(?:¶[ \t]*)?(\d{1,3}[ \t]?\.(?:\*\*)?)[ \t]*$")


def _rejoin_numbers(text: str) -> str:
    parts: list[str] = []
    position = 0
    for opening in _LINE_OPENS_WITH_PARENTHESIS.finditer(text):
        end = opening.start()
        while end > 0 and text[end - 1] in " \t*":
            end -= 1
        if end == 0 or text[end - 1] != "." or LEVEL_SHAPED.fullmatch(opening.group(2)) is None:
            continue  # most lines before a parenthesis end otherwise: nothing is cut from the text
        line_start = text.rfind("\n", 0, end) + 1
        line = text[line_start:opening.start()]
        number = _NUMBER_ENDS_LINE.search(line)
        if number is None:
            continue
        if line[:number.start(1)].strip(" \t*\"¶") and field_name(line) is None:
            continue  # after text that opens no header field: the number ends a sentence
        parts += [text[position:line_start + number.end(1)], " ", opening.group(2), "\n", opening.group(1)]
        position = opening.end()
    return "".join([*parts, text[position:]]) if parts else text


def normalise_newlines(text: str) -> str:
    """Every line separator as "\\n", a final newline, and no line continuations."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    for separator in _OTHER_SEPARATORS:
        if separator in text:  # a scan in C per separator: far faster than one regular expression
            text = text.replace(separator, "\n")
    text = text if text.endswith("\n") else text + "\n"
    continued = text.count("\\\n")
    if continued and 2 * continued >= text.count("\n"):
        # A spreadsheet export of the cables ends most lines with a backslash, its line continuation
        # ("SIPDIS \\", " \\" for a blank line): without it, blank lines are blank and fields and
        # page breaks end where printed. A backslash at the end of a line here and there stays.
        text = text.replace("\\\n", "\n")
    return text


def _header_pieces(line: str) -> tuple[list[str], bool, bool]:
    """A header line cut before each field name and each unnumbered marking printed in it, and
    where a field's text stops fitting its shape (redact.fields). Then: whether a numbered
    paragraph began the body here (it gets a blank line, "", in front), and whether a field's
    text ran past its shape."""
    if "(" not in line and ":" not in line and line.isascii() and _FIELD_WORD.search(line.lower()) is None \
            and _RUN_ON_BANNER.search(line) is None:
        return [line], False, False  # most routing lines
    pieces: list[str] = []
    opened = overflowed = False
    todo = _split_fields(line)
    while todo:
        piece = todo.pop(0)
        cut = overflow_at(piece)
        overflowed = overflowed or cut is not None
        if cut is not None:
            rest = piece[cut:]
            # A numbered paragraph opens the body (after a blank line); other text past a field
            # stays a line of the header block, which the parser makes a portion of its own
            # (decided by its marking, or withheld as unmarked) and the header goes on after it.
            opens = _BODY_START.match(rest) is not None
            if not opens and field_name(rest) is not None:
                pieces.append(piece[:cut].rstrip())  # the next field, its name misprinted: its own shape
                todo.insert(0, rest)
                continue
            pieces += [piece[:cut].rstrip(), *([""] if opens else []), rest]
            opened = opened or opens
            continue
        if _REF_LINE.match(piece):
            pieces.append(piece)  # "(C) STATE 1234" under REF is a reference letter
            continue
        pieces += _cut(piece, list(_RUN_ON_MARKING.finditer(piece)))
    return pieces, opened, overflowed


def split_run_on_lines(text: str) -> Lines:
    """Break lines where a marked paragraph starts mid-line, (before the body) where a header
    field name or a portion marking is printed after other text, and after the rest of a page-break
    line that opens a line; map new lines to original ones.

    The header is read line by line; the body, where only paragraph starts are split, in one
    pass of each pattern over the text (most documents have no line to split there)."""
    text, escaped = decode_escaped_breaks(normalise_newlines(normalise_characters(text)))
    text, tails = _cut_page_tails(rejoin_wrapped_markings(text))
    lines = _split_starts(text)
    if not tails and not escaped:
        return lines

    def original(line: int) -> int:
        line = tails[line - 1] if tails else line
        return escaped[line - 1] if escaped else line

    origin = lines.origin or tuple(range(1, text.count("\n") + 1))
    return Lines(lines.text, tuple(original(line) for line in origin),
                 tuple(original(line) for line in lines.overflows))


# A page-break line that a narrower page wrapped after its post name ("... REF: 08 STATE 74840
# TRIPOLI" / "00000772 001.2 OF 003 1.The following ...") or after its document number ("TRIPOLI
# 00000269" / "001.2 OF 003 1.The ..."): what is left of it opens a line, and the text after it
# would be read as part of that line. (A page number alone is zero-padded, as cables print it.)
_PAGE_REST = r"(?:0\d{7}[ \t]+0*\d{1,3}|0\d{2})(?:\.\d)?[ \t]+(?:OF|0F)[ \t]+0*\d{1,3}"
_PAGE_TAIL = re.compile(rf"\n[ \t]*{_PAGE_REST}([ \t]+)(?=\S)")


def _cut_page_tails(text: str) -> tuple[str, tuple[int, ...]]:
    """The text with a line break after every page-break rest that opens a line and has text after
    it (the grammar reads the rest alone as a page break), and the original line of each of its
    lines; no lines when nothing was cut (nearly always: one fast pass)."""
    cuts = [match.span(1) for match in _PAGE_TAIL.finditer(text)]
    if not cuts:
        return text, ()
    parts, position = [], 0
    for start, end in cuts:
        parts.append(text[position:start])
        position = end
    parts.append(text[position:])
    cut_lines = {text.count("\n", 0, start) + 1 for start, _ in cuts}
    # each cut line is two lines now, both from the same original line
    origin = [number for number in range(1, text.count("\n") + 1)
              for _ in range(2 if number in cut_lines else 1)]
    return "\n".join(parts), tuple(origin)


def _split_starts(text: str) -> Lines:
    """The lines of ``text`` (newlines normalised), cut where paragraphs and header fields start."""
    body = _body_offset(text)
    shared = body > 0 and text[body - 1] != "\n"  # the body starts mid-line: the line is shared
    head = text[:body] + ("\n" if shared else "")
    head_lines = head.split("\n")[:-1]
    split, overflows = _split_head(head)
    first_body_line = len(head_lines) + (0 if shared else 1)
    rest, rest_origin = _split_body(text[body:].lstrip(" \t\u00a0") if shared else text[body:], first_body_line)
    if not shared and not split and not rest_origin:
        return Lines(_restore_parentheses(text), (), ())  # nothing was split
    out: list[str] = []
    origin: list[int] = []
    for number, line in enumerate(head_lines, start=1):
        pieces = split.get(number, (line,))
        out += pieces
        origin += [number] * len(pieces)
    if not rest_origin:
        rest_origin = list(range(first_body_line, first_body_line + rest.count("\n")))
    joined = "".join(f"{piece}\n" for piece in out) + rest
    return Lines(_restore_parentheses(joined), tuple(origin + rest_origin), tuple(overflows))


def _split_head(head: str) -> tuple[dict[int, list[str]], list[int]]:
    """The header's lines that are cut (by line number, into their pieces), and the lines where a
    field's text ran past its shape. ``head`` is the text before the body, whole lines."""
    # A line that opens with a paragraph number (marked or not) is the body's: no header field
    # is split from it on (a document with no marked paragraph is mostly such lines).
    stop = _NUMBERED_LINE.search(head)
    end = stop.start() if stop is not None else len(head)
    lower = head[:end].lower()
    hint = _CUT_HINT
    if len(lower) != end:  # a character whose lower case is longer: offsets would shift
        lower, hint = head[:end], _CUT_HINT_ANY_CASE
    split: dict[int, list[str]] = {}
    overflows: list[int] = []
    number, counted = 1, 0
    found = hint.search(lower)
    while found is not None:  # only lines with a parenthesis, a colon or a field name can be cut
        line_start = lower.rfind("\n", 0, found.start()) + 1
        line_end = lower.find("\n", found.start())
        line_end = end if line_end < 0 else line_end
        number += lower.count("\n", counted, line_start)
        counted = line_start
        pieces, opened, overflowed = _header_pieces(head[line_start:line_end])
        if overflowed:
            overflows.append(number)
        if len(pieces) > 1:
            split[number] = pieces
        if opened:
            break
        found = hint.search(lower, line_end)
    return split, overflows


def _restore_parentheses(text: str) -> str:
    return _LOST_PARENTHESIS.sub(r"\1(", text) if _LOST_CORE.search("\n" + text) else text


# A line's text before a marking with no space in it except at its ends ("1. ", "**¶1.** "):
# a paragraph start needs a space between text and its number, so none can be here.
_NO_GAP = re.compile(r"[ \t\u00a0]*[^ \t\u00a0]*[ \t\u00a0]*")


def _run_on_starts(text: str, limit: int | None = None) -> list[int]:
    """Where paragraphs start mid-line (the space before them), looked for only around a number
    and marking; with ``limit``, the first one only."""
    starts: list[int] = []
    for core in _marking_cores(text):
        line_start = text.rfind("\n", 0, core) + 1
        if _NO_GAP.fullmatch(text, line_start, core):
            continue  # "1. (C)" at a line start: no space inside the lead, so nothing starts mid-line
        window = (max(line_start, core - 40), core + 64)  # bounded: linear time
        found = _RUN_ON_PARAGRAPH.search(text, *window)
        while found is not None and found.end() < core - 12:  # an earlier one: look on
            found = _RUN_ON_PARAGRAPH.search(text, found.end(), window[1])
        if found is not None and found.end() <= core and (not starts or found.start() > starts[-1]):
            starts.append(found.start())
            if limit is not None and len(starts) >= limit:
                break
    return starts


def _marking_cores(text: str) -> list[int]:
    """Where a marking may start a paragraph, in order: each "(" of a marking's shape, and each
    level word after a paragraph number whose "(" was lost (then only after a ")", so rarely)."""
    cores = [core.start() for core in _MARKING_CORE.finditer(text)]
    if ")" in text:
        size = len(text)
        lost = [size - found.end() for found in _LOST_REVERSED.finditer(text[::-1])]
        if lost:
            cores = sorted(cores + lost)
    return cores


def _body_offset(text: str) -> int:
    """Where the body begins: the start of the first line that opens with a marked paragraph, or
    the place in a line where a marked paragraph starts (the line before it is the header's)."""
    opening = _BODY_START.search(text)
    run_on = _run_on_starts(text[:opening.start()] if opening else text, limit=1)
    if run_on:
        return run_on[0]
    return opening.start() if opening is not None else len(text)


def _split_body(text: str, first_line: int) -> tuple[str, list[int]]:
    """The body with a line break before every paragraph start printed mid-line, and the original
    line of each of its lines (the body's first line is original line ``first_line``); no lines
    when nothing was split."""
    cuts = _run_on_starts(text)
    if not cuts:
        return text, []
    per_line = [1] * text.count("\n")
    line, position = 0, 0
    for cut in cuts:
        line += text.count("\n", position, cut)
        position = cut
        per_line[line] += 1
    origin = [first_line + index for index, count in enumerate(per_line) for _ in range(count)]
    parts, position = [], 0
    for cut in cuts:
        parts.append(text[position:cut])
        position = _SPACE_RUN.match(text, cut).end()  # type: ignore[union-attr]
    parts.append(text[position:])
    return "\n".join(parts), origin


_REFLOWED_LENGTH = 150


def layout(first_lines: list[str]) -> str:
    """"reflowed" when most numbered paragraphs (given by their first lines) are printed on one
    long line each (a later mirror's layout), else "wrapped" (lines of about 70 characters, as
    cables were sent)."""
    long = sum(len(line) > _REFLOWED_LENGTH for line in first_lines)
    return "reflowed" if first_lines and long * 2 > len(first_lines) else "wrapped"
