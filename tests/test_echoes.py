"""Echoes: released text that repeats a run of words of a withheld portion of the same document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redact import Context, decide, load_policy, parse
from redact.echoes import find_echoes
from redact.pipeline import Options, process_one
from redact.verify import released_text

from .conftest import AS_OF, shared_corpus

CABLE = """SUBJECT: (U) TALKS

1. (C) The minister will resign on Friday after the cabinet meeting, aides said.

2. (U) Press reports say the minister will resign on Friday after the cabinet meeting.

3. (U) Nothing else happened.
"""


def test_a_run_of_eight_words_is_an_echo_and_shorter_runs_are_not() -> None:
    withheld = [(0, "The minister will resign on Friday after the cabinet meeting, aides said.")]
    echoes = find_echoes([(1, "Reports: THE MINISTER WILL RESIGN ON FRIDAY AFTER THE CABINET, and more."),
                          (2, "the minister will resign on Friday after lunch")], withheld, 8)
    assert [(e.released, e.withheld, len(e.runs)) for e in echoes] == [(1, 0, 1)]
    start, end = echoes[0].runs[0]
    assert (start, end) == (9, 61)
    seven = "seven words only here in this text"
    assert find_echoes([(1, seven)], [(0, seven)], 8) == []


def _policy(tmp_path: Path, action: str):
    path = tmp_path / f"echo-{action}.yaml"
    path.write_text(f"name: echo-{action}\nextends: public-release\nechoes: {{action: {action}}}\n", encoding="utf-8")
    return load_policy(str(path))


def test_flag_reports_the_echo_and_withhold_redacts_its_runs(tmp_path: Path) -> None:
    document = parse(CABLE)
    flagged = decide(document, _policy(tmp_path, "flag"), Context(as_of=AS_OF))
    assert [(e.released, e.withheld) for e in flagged.echoes] == [(1, 0)]
    assert not flagged.portions[1].spans  # flag: released as it is, and reported
    withheld = decide(document, _policy(tmp_path, "withhold"), Context(as_of=AS_OF))
    span = withheld.portions[1].spans[0]
    assert (span.rule_id, span.label) == ("echo", withheld.portions[0].label)
    copy = released_text(document, withheld)
    assert "resign on Friday after the cabinet meeting" not in copy
    assert "Press reports say" in copy and "Nothing else happened" in copy


def test_the_audit_record_names_echoes_by_portion_and_run_count_never_the_words(tmp_path: Path) -> None:
    source = tmp_path / "cable.txt"
    source.write_text(CABLE, encoding="utf-8")
    outcome = process_one(str(source), _policy(tmp_path, "withhold"),
                          Options(out_dir=tmp_path / "out", formats=("text",), as_of=AS_OF))
    assert outcome.error is None
    copy = (tmp_path / "out" / outcome.outputs["text"][0]).read_text(encoding="utf-8")
    assert "resign on Friday after the cabinet" not in " ".join(copy.split())
    record = outcome.records[0]
    assert record["echoes"] == [[1, 0, 1]]
    assert "minister" not in json.dumps(record)


@pytest.mark.parametrize("corpus", ["cablegate", "mirror"])
def test_echoes_on_the_corpora_withheld_leave_no_run_in_any_copy(corpus: str, tmp_path: Path) -> None:
    """Every echo in a corpus under public-release: the figures, and with ``echoes: withhold`` none
    of the repeated runs is left in a release copy."""
    folder = shared_corpus(corpus)
    flag, withhold = load_policy("public-release"), _policy(tmp_path, "withhold")
    context = Context(as_of=AS_OF)
    documents = pairs = runs = 0
    for path in sorted(folder.glob("*.txt")):
        document = parse(path.read_text(encoding="utf-8", errors="replace"), source=str(path))
        echoes = decide(document, flag, context).echoes
        if not echoes:
            continue
        documents += 1
        pairs += len(echoes)
        runs += sum(len(e.runs) for e in echoes)
        copy = " ".join(released_text(document, decide(document, withhold, context)).split())
        for echo in echoes:
            for start, end in echo.runs:
                run = " ".join(document.portions[echo.released].text[start:end].split())
                assert run not in copy, (path.name, run)
    print(f"\n{corpus}: {documents} documents with echoes, {pairs} released portions repeating a withheld one, "
          f"{runs} runs of 8+ words")
    assert documents > 0
