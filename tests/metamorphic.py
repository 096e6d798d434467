"""A metamorphic fuzzer for the fail-closed promise.

Take a real document, insert one canary sentence that carries a marking the policy must never
release, in a printed form (known to the grammar or not) at a random place: a line of its own
anywhere in the header or body, a numbered paragraph, inline after a sentence, glued under a
header field, after a heading, inside a list. Half the time, lay the result out again as other
copies print it: re-wrapped narrower, one line per block, on one line, as an escaped string,
double-spaced, with no-break spaces or as HTML source. Release it under the policy: the canary
may be in no copy, no audit record and no message. (The document may instead be refused.)

Shared by tests/test_metamorphic.py (a fixed number of cases with a fixed seed) and
benchmarks/metamorphic.py (many more, with the count printed).
"""

from __future__ import annotations

import json
import random
import re
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from redact import Policy, load_policy
from redact.pipeline import Options, process_one

AS_OF = date(2026, 11, 23)
AUDIENCE = "GBR"
POLICIES = ("public-release", "internal", "foreign-release", "declassify-by-date")

CLASSIFIED = ["(C)", "(S)", "(TS)", "(S//NF)", "(C//NF)", "(TS//SI//NF)", "(SECRET)", "( S )", "(S/NF)", "(S-NF)",
              "(s)", "(c)", "(CONFIDENTIAL)", "(S//REL TO USA, FRA)", "(C/REL NATO)", "(TOP SECRET//NOFORN)",
              "(C/REL)", "(S//REL)", "(TS//SI//OC,REL)",  # REL to a list not printed: read, never for GBR
              "(S//FRD)", "(S//RELIDO)", "(S//IMCON//REL TO USA, GBR)", "(//GBR S)", "(//JOINT S USA GBR)",
              "(S//SI//REL TO USA, FVEY)"]  # CAPCO: only the last is for GBR
UNREADABLE = ["(S//XYZZY)", "(TS//SCI)", "(C//DISPLAY ONLY FRA)", "(S/ /NF)", "(S.)",
              "(SECRET//SCI)", "(S//NF", "(TS//", "(S//S)", "(U//FOFUO)", "(S/SSI)"]
SENSITIVE = ["(SBU)", "(U//FOUO)", "(SBU/NF)", "(LOU)"]
NOT_FOR_GBR = ["(S//NF)", "(C//NOFORN)", "(U//NOFORN)", "(C)", "(S//REL TO USA, FRA)", "(S/NF)", "(SBU/NF)",
               "(C/REL)", "(S//REL)", "(S//FRD)", "(S//RELIDO)", "(S//IMCON//REL TO USA, GBR)", "(//GBR S)",
               "(//JOINT S USA GBR)"]

# What each policy must never release (its ceiling, its controls, and what no one can read).
MUST_WITHHOLD = {
    "public-release": CLASSIFIED + UNREADABLE + SENSITIVE,
    "internal": CLASSIFIED + UNREADABLE,
    "foreign-release": NOT_FOR_GBR + UNREADABLE,
    "declassify-by-date": UNREADABLE + SENSITIVE,
}
PLACES = ("own-line", "own-block", "numbered", "inline", "under-field", "list-item", "after-heading",
          "lettered", "document-start")
_FIELD_START = ("SUBJECT", "SUBJ", "TAGS", "REF", "Classified", "CLASSIFIED", "E.O.", "FM ", "TO ", "INFO")


# How the document is laid out again after the insertion (as printed: half the cases).
LAYOUTS = ("as-printed", "narrow", "reflowed", "one-line", "escaped", "double-spaced", "no-break-spaces",
           "html-source")


@dataclass(frozen=True)
class Case:
    source: str
    policy: str
    form: str
    place: str
    canary: str
    text: str
    layout: str = "as-printed"


def relaid(text: str, layout: str) -> str:
    """``text`` as another copy prints it."""
    if layout == "narrow":  # re-wrapped at 40 columns: markings and fields broken across lines
        return "\n".join(part for line in text.split("\n")
                         for part in (textwrap.wrap(line, 40, break_long_words=False) or [""]))
    if layout == "reflowed":  # one line per block
        return re.sub(r"(?<=\S)[ \t]*\n(?=[ \t]*\S)", " ", text)
    if layout == "one-line":
        return re.sub(r"\s*\n\s*", " ", text)
    if layout == "escaped":  # a JSON string's contents
        return json.dumps(text, ensure_ascii=False)[1:-1]
    if layout == "double-spaced":
        return text.replace("\n", "\n\n")
    if layout == "no-break-spaces":
        return text.replace(" ", "\u00a0")
    if layout == "html-source":
        return text.replace("&", "&amp;").replace("¶", "&#182;").replace("'", "&#8217;").replace("<", "&lt;")
    return text


def _sentence(rng: random.Random, canary: str) -> str:
    return rng.choice([
        f"{canary} sites are near the border.",
        f"{canary} SITES ARE NEAR THE BORDER.",
        f"{canary} the minister took bribes from the contractor",
        f"{canary}",
        f"{canary} PLAN",
        f"Our source {canary} met the minister.",
    ])


def insert(text: str, form: str, place: str, canary: str, rng: random.Random) -> str:
    """The document with the canary sentence (behind ``form``) inserted at a place of kind ``place``."""
    lines = text.split("\n")
    sentence = f"{form} {_sentence(rng, canary)}"
    index = rng.randrange(len(lines) + 1)
    if place == "own-line":
        lines.insert(index, sentence)
    elif place == "own-block":
        lines[index:index] = ["", sentence, ""]
    elif place == "numbered":
        number = f"{rng.choice(['', '¶'])}{rng.randint(1, 30)}{rng.choice(['.', ' .', ')'])}"
        lines[index:index] = ["", f"{number} {sentence}"]
    elif place == "inline":
        filled = [i for i, line in enumerate(lines) if line.strip()] or [0]
        at = rng.choice(filled)
        lines[at] = lines[at].rstrip() + rng.choice([" ", ". ", " -- ", "; "]) + sentence
    elif place == "under-field":
        fields = [i for i, line in enumerate(lines) if line.lstrip().startswith(_FIELD_START)] or [0]
        lines.insert(rng.choice(fields) + 1, sentence)
    elif place == "list-item":
        lines.insert(index, f"{rng.choice(['--', '-', '*', '(1)', 'a.', '1)'])} {sentence}")
    elif place == "after-heading":
        headings = [i for i, line in enumerate(lines) if line.strip() and line.strip().isupper()
                    and len(line.strip()) < 60] or [0]
        lines[rng.choice(headings) + 1:rng.choice(headings) + 1] = ["", sentence, ""]
    elif place == "lettered":
        lines.insert(index, f"{rng.choice('ABCDEFGH')}. {sentence}")
    else:  # document-start
        lines[0:0] = [sentence, ""]
    return "\n".join(lines)


def documents(shared: Path) -> list[Path]:
    """Real cables of both layouts, real newsletter articles and the memo fixtures."""
    found = []
    for corpus in ("cablegate", "mirror", "sidtoday"):
        found += sorted((shared / "corpus" / corpus).glob("*.txt"))
    found += sorted((Path(__file__).parent / "fixtures" / "memos").glob("*.txt"))
    return found


def cases(paths: list[Path], count: int, seed: int) -> Iterator[Case]:
    rng = random.Random(seed)
    for number in range(count):
        path = rng.choice(paths)
        policy = POLICIES[number % len(POLICIES)]
        form = rng.choice(MUST_WITHHOLD[policy])
        place = rng.choice(PLACES)
        canary = f"CANARY{number:05d}X{rng.randrange(16 ** 6):06X}"
        text = path.read_text(encoding="utf-8", errors="replace")
        inserted = insert(text, form, place, canary, rng)
        layout = LAYOUTS[0] if rng.random() < 0.5 else rng.choice(LAYOUTS[1:])
        yield Case(path.name, policy, form, place, canary, relaid(inserted, layout), layout)


@dataclass
class Result:
    checked: int = 0
    refused: int = 0
    leaks: list[tuple[str, str, str, str, str]] | None = None


def release(case: Case, policy: Policy, folder: Path, formats: tuple[str, ...] = ("text", "html")) -> bool | None:
    """Run one case through the pipeline: True when the canary is out, None when refused."""
    source = folder / "doc.txt"
    source.write_text(case.text, encoding="utf-8")
    out = folder / "out"
    options = Options(out_dir=out, formats=formats, as_of=AS_OF, audience=AUDIENCE)
    outcome = process_one(str(source), policy, options)
    written = [str(outcome.error or ""), repr(outcome.records)]
    for name, _ in outcome.outputs.values():
        written.append((out / name).read_bytes().decode("utf-8", "replace"))
        (out / name).unlink()
    leaked = any(case.canary in part for part in written)
    return leaked if outcome.error is None else (leaked or None)


def run(paths: list[Path], count: int, seed: int, formats: tuple[str, ...] = ("text", "html")) -> Result:
    policies = {name: load_policy(name) for name in POLICIES}
    result = Result(leaks=[])
    with tempfile.TemporaryDirectory() as folder:
        for case in cases(paths, count, seed):
            outcome = release(case, policies[case.policy], Path(folder), formats)
            result.checked += 1
            if outcome is None:
                result.refused += 1
            elif outcome:
                assert result.leaks is not None
                result.leaks.append((case.source, case.policy, case.form, case.place, case.layout))
    return result
