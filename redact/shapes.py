"""Shapes of portion markings and prose in running text, shared by the parser's steps.

A marking is read by redact.markings; these patterns only find where one is printed: a
parenthesis where a marking may be ("(S//NF)", "(Ѕ)" with a Cyrillic letter, "(//GBR S)"), a
line that opens with one, one shaped by a level word, and lower-case words (prose).
"""

from __future__ import annotations

import html
import re
from collections.abc import Set as AbstractSet
from itertools import compress, count
from operator import not_

LOWER_WORD = re.compile(r"(?<![\w'])[a-z][a-z'-]*")

# Words: runs of letters and digits of any script (r"[^\W_]+"). Of text whose letters and digits
# are all ASCII (most text: "¶", dashes and quotes are not letters), lower-cased, they are its runs
# of a-z and 0-9, found by a byte table: every other character made a space, then split (twice the
# expression's speed; the verifier, echoes and fingerprints cut every portion into words).
WORD = re.compile(r"[^\W_]+")
_OTHER_SCRIPT_WORD = re.compile(r"[^\W_\x00-\x7f]")  # a letter or digit outside ASCII
_ASCII_WORD_BYTES = bytes(byte if 48 <= byte <= 57 or 97 <= byte <= 122 else 32 for byte in range(256))


def has_other_script_words(text: str) -> bool:
    """Whether a letter or digit of ``text`` is outside ASCII (else its words are ASCII runs)."""
    return not text.isascii() and _OTHER_SCRIPT_WORD.search(text) is not None


def lower_words(text: str) -> list[str]:
    """``WORD.findall(text.lower())``, by the byte table when no letter or digit is outside ASCII."""
    if not has_other_script_words(text):
        return text.lower().encode("ascii", "replace").translate(_ASCII_WORD_BYTES).decode("ascii").split()
    return WORD.findall(text.lower())


def runs_within(words: list[str], vocabulary: AbstractSet[str], size: int) -> list[tuple[str, ...]]:
    """Every run of ``size`` consecutive words whose words are all in ``vocabulary``, in order (a
    word outside it ends a run). Runs of one text looked up among another's: only runs of the
    other's words can be found, and most runs of a document are not, so few are built."""
    outside = list(compress(count(), map(not_, map(vocabulary.__contains__, words))))
    if not outside:
        return list(zip(*(words[offset:] for offset in range(size)), strict=False))
    runs: list[tuple[str, ...]] = []
    start = 0
    for end in (*outside, len(words)):
        if end - start >= size:
            piece = words[start:end]
            runs += zip(*(piece[offset:] for offset in range(size)), strict=False)
        start = end + 1
    return runs


# Pattern fragments for every marking shape, so that all of them see the same markings: a foreign
# or joint classification opens with its owner ("(//GBR S)", "(//JOINT S USA GBR)") and a joint
# one names its owners after the level. OWNER is a named group: once per pattern, before the
# level; JOINT_OWNERS goes right after the level.
OWNER = r"(?P<owner>//[ \t]*(?:JOINT|[A-Z]{3})[ \t]+)?"
JOINT_OWNERS = r"(?(owner)(?:[ \t]+[A-Z]{3}(?![A-Za-z]))*)"

# A level that OCR turned into a digit or "$", before a control separator ("(5//SI)", "(T5//SI)",
# "($//NF)"): no marking can be read from it, and it is one (read as unrecognised: TOP SECRET).
OCR_LEVEL = r"[A-Za-z]?[0-9$][A-Za-z0-9$]{0,3}[ \t]*//"

# A parenthesis where a marking may be printed. Any letter, not only A-Z: "(Ѕ)" with a
# Cyrillic letter looks like a marking to a reader.
MARKING_SHAPE = r"\([ \t]*(?://[ \t]*)?(?:[^\W\d_]|" + OCR_LEVEL + r")[^()\n]{0,38}\)"

PRINTED_MARKING = re.compile(MARKING_SHAPE)

OPENS_WITH_MARKING = re.compile(r"^[ \t]*(?:(?:\*\*|#|\[\d{1,3}\]\(#\))+[ \t]*)?" + MARKING_SHAPE)

# A parenthesis shaped like a portion marking: a level or sensitivity word, then the end of
# the marking, a control separator or a dot ("(S)", "(TS//SCI)", "(S/ /NF)", "(C/REL)",
# "(S.)", "(S-NF)", and "(S//NF" left open). "(U.S.)", "(Iran)", "(Secretary ...)" are not.
# A narrow page may wrap "(TOP" / "SECRET//NOFORN)" inside its level (read with the break as a space).
LEVEL_SHAPED = re.compile(
    rf"\([ \t]*(?:{OWNER}(?i:top(?:[ \t]+|[ \t]*\n[ \t]*)secret"
    r"|secret|confidential|unclassified|unclas|ts|s|c|u|sbu|fouo|lou|les)"
    + JOINT_OWNERS + r"(?i:nf)?[ \t]*(?:\.?\)|(?:/|-[ \t]*(?=[A-Za-z]{2}))(?:[^()\n]{0,40}?\)|))"
    + "|" + OCR_LEVEL + r"[^()\n]{0,40}?\))")

# A line that opens with one (after markdown or viewer debris).
OPENS_LEVEL_SHAPED = re.compile(r"^[ \t]*(?:(?:\*\*|#|\[\d{1,3}\]\(#\))+[ \t]*)?" + LEVEL_SHAPED.pattern)

LIST_LABEL = re.compile(r"\([ \t]*[a-z][ \t]*\)")

# A list's letter label: "(b)" anywhere, "b." after a space, "b)" opening a line. Not "B)" closing
# words in parentheses ("(Ref B)"): a "(C)" after that is a marking, not the list's next label.
_LETTER_LABEL = r"(?:\({letter}\)|(?:^|(?<=\s)){letter}\.|(?:^|(?<=\n))[ \t]*{letter}\))"


def continues_lettered_list(text: str, start: int, letter: str) -> bool:
    """Is "(C)" (one letter) printed at ``start`` the next label of a list lettered before it in
    ``text`` ("(A) ... (B) ... (C)", "b. ... (c)")? Only when the letter before it is printed as a
    label and its own letter is not (letters do not repeat in a list). A label right before it
    ("B. (C) text", "(B) (S) text": a lettered subparagraph and its marking, run on in a reflowed
    paragraph) is its own item's label, not the one before it in a list."""
    before = text[:start]
    own_label = _OWN_LABEL.search(before, max(0, start - _OWN_LABEL_REACH))  # (only its end can hold one)
    if own_label is not None:
        before = before[:own_label.start()]
    return (re.search(_LETTER_LABEL.format(letter=re.escape(chr(ord(letter) - 1))), before) is not None
            and re.search(_LETTER_LABEL.format(letter=re.escape(letter)), before) is None)


# A lettered subparagraph's label right before its marking: "B. ", "(B) ", "B) ".
_OWN_LABEL = re.compile(r"(?:^|(?<=\s))(?:\([ \t]*[A-Za-z][ \t]*\)|[A-Za-z][.)])[ \t]*$")
_OWN_LABEL_REACH = 40

DEBRIS = re.compile(r"\*\*|\[(\d{1,3})\]\(#\)|\[([^\]\n]{1,40})\]\(#\)")

WHITESPACE = re.compile(r"\s+")

# A divider's characters: a line of three or more (spaces between) is a rule ("-----", "= = =");
# the grammar's DIVIDER is the same shape.
RULE_CHAR = r"[-=_*\u2013\u2014]"
RULE_LINE = re.compile(rf"^(?:{RULE_CHAR}[ \t]*){{3,}}$")

# What ends a sentence: its last character that is not a space.
_SENTENCE_END_CHARS = frozenset(".!?:;\"')]")


def ends_sentence(text: str) -> bool:
    """Does ``text`` end a sentence (its last character other than a space is one that ends one)?"""
    stripped = text.rstrip()
    return bool(stripped) and stripped[-1] in _SENTENCE_END_CHARS


def clean_field_text(text: str) -> str:
    """Remove viewer debris, decode HTML entities ("&#8217;") and fold whitespace: one line."""
    if "**" in text or "](#)" in text:  # what every piece of debris holds
        text = DEBRIS.sub(lambda m: m.group(2) or "", text)
    if "&" in text:
        text = html.unescape(text)
    return " ".join(text.split())  # (str.split's whitespace is the expressions' \s, to the character)
