"""Subject lines damaged as scans, typists and later mirrors damage them, in real cables.

For every cable whose SUBJECT field the policy withholds, the SUBJECT line is damaged one way at a
time (its name misprinted, lost, or joined to the line above it) and the cable released again:
the title's own words (six letters or more, not in the undamaged copy) must stay out of the copy.
A title that rides in with the field above it (TAGS, E.O., REF, routing) is released with it.
Used by tests/test_subject_damage.py and benchmarks/subject_damage.py.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from multiprocessing import Pool
from pathlib import Path

from redact import Context, Policy, build_view, decide, load_policy, parse, render_text

AS_OF = date(2026, 11, 28)
SUBJECT_LINE = re.compile(r"^([ \t]*)(SUBJECT|Subject|SUBJ)([ \t]*:[ \t]*)(.*)$", re.M)
TITLE_WORD = re.compile(r"[A-Za-z]{6,}")
# The damage, and whether a trace of the field's name is left (where every title must stay out).
DAMAGE = {"UBJECT": True, "SUBJFCT": True, "joined": True, "joined-UBJECT": True,
          "name-lost": False, "joined-name-lost": False}


def damaged(text: str, found: re.Match[str]) -> Iterator[tuple[str, str]]:
    lead, name, colon, title = found.groups()
    before, after = text[:found.start()], text[found.end():]
    above = before.rstrip("\n") + " "  # the line above, the SUBJECT line's text run on after it
    yield "UBJECT", f"{before}{lead}{name[1:]}{colon}{title}{after}"
    yield "SUBJFCT", f"{before}{lead}{name[:4]}F{name[5:]}{colon}{title}{after}"
    yield "name-lost", f"{before}{lead}{title}{after}"
    yield "joined", f"{above}{name}{colon}{title}{after}"
    yield "joined-UBJECT", f"{above}{name[1:]}{colon}{title}{after}"
    yield "joined-name-lost", f"{above}{title}{after}"


@cache
def _policy(name: str) -> Policy:
    return load_policy(name)


def _released(text: str, policy_name: str) -> str:
    policy = _policy(policy_name)
    document = parse(text, doc_id="x")
    decisions = decide(document, policy, Context(as_of=AS_OF))
    view = build_view(document, decisions, policy_name=policy.name, policy_sha256=policy.sha256, as_of=AS_OF,
                      reviewer="r", case=None, doc_id="x", origin="text")
    return render_text(view).lower()


def one(job: tuple[Path, str]) -> tuple[str, bool, list[tuple[str, list[str]]]]:
    """(cable, whether its subject was withheld and checked, [(damage, title words released)])."""
    path, policy_name = job
    text = path.read_text(encoding="utf-8", errors="replace")
    found = SUBJECT_LINE.search(text)
    if found is None:
        return path.name, False, []
    released = _released(text, policy_name)
    secret = [w for w in set(TITLE_WORD.findall(found.group(4))) if w.lower() not in released]
    if not secret:
        return path.name, False, []
    leaks = []
    for damage, variant in damaged(text, found):
        copy = _released(variant, policy_name)
        words = sorted(w for w in secret if w.lower() in copy)
        if words:
            leaks.append((damage, words))
    return path.name, True, leaks


@dataclass
class Result:
    checked: int = 0
    leaked: Counter[str] = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)


def run(paths: Iterable[Path], policy_name: str = "public-release", processes: int = 2) -> Result:
    result = Result()
    jobs = [(path, policy_name) for path in paths]
    with Pool(processes) as pool:
        for name, checked, leaks in pool.imap_unordered(one, jobs, chunksize=8):
            result.checked += checked
            for damage, _ in leaks:
                result.leaked[damage] += 1
                result.examples.setdefault(damage, [])
                if len(result.examples[damage]) < 5:
                    result.examples[damage].append(name)
    return result
