"""Review files: validation, applying them in `redact run` and `explain`, and the rules that keep
people honest (declassification approval, versions and anchors, justifications that would leak)."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from redact import parse
from redact.check import CheckOptions, check_paths
from redact.cli import main
from redact.policy import load_policy
from redact.review import (
    Override,
    ReviewSpan,
    anchor_of,
    dump_review,
    load_review,
    new_review,
    review_json_schema,
)

from .conftest import FIXTURES

CABLE = FIXTURES / "review" / "06MADRID3104.txt"
PHRASE = "Vicente Gonzalez Mota"


@pytest.fixture
def cable(tmp_path: Path) -> Path:
    target = tmp_path / CABLE.name
    shutil.copy(CABLE, target)
    return target


def _portion(path: Path, number: str):  # type: ignore[no-untyped-def]
    document = parse(path.read_text(encoding="utf-8"), source=str(path))
    return next(p for p in document.portions if p.number == number)


def _write(path: Path, cable: Path, *overrides: Override, reviewer: str = "Ann Reviewer") -> Path:
    policy = load_policy("public-release")
    data = new_review(str(cable), hashlib.sha256(cable.read_bytes()).hexdigest(), policy, reviewer)
    path.write_text(dump_review(data.model_copy(update={"overrides": overrides})), encoding="utf-8")
    return path


def _withhold(cable: Path, number: str, justification: str = "Deliberative.") -> Override:
    portion = _portion(cable, number)
    return Override(index=portion.index, anchor=anchor_of(portion.text), action="withhold", label="(b)(5)",
                    justification=justification)


def _phrase(cable: Path) -> Override:
    portion = _portion(cable, "3")
    start = portion.text.index(PHRASE)
    return Override(index=portion.index, anchor=anchor_of(portion.text), action="release",
                    justification="Names an individual.",
                    spans=(ReviewSpan(start=start, end=start + len(PHRASE), label="(b)(6)"),))


def _declassify(cable: Path) -> Override:
    portion = _portion(cable, "4")
    return Override(index=portion.index, anchor=anchor_of(portion.text), action="release",
                    justification="Declassified by the originator.", declassify=True,
                    authority="E.O. 13526 sec. 3.1(b)")


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_a_review_file_with_five_mistakes_gets_five_messages_in_one_run(tmp_path: Path, cable: Path) -> None:
    good = _write(tmp_path / "good.review.yaml", cable, _withhold(cable, "1"))
    text = good.read_text(encoding="utf-8")
    text = text.replace("  action: withhold", "  acton: withhold")           # misspelt key (and action missing)
    text = text.replace("justification: Deliberative.", "justification: ''")  # empty justification
    text = text.replace("reviewer: Ann Reviewer", "reviewer: Ann Reviewer\nreviwer: x")  # unknown top-level key
    text = text.replace("  anchor: ", "  anchor: x")                          # not an anchor
    text = text.replace("  sha256: ", "  sha256: zz", 1)                      # not a sha256
    bad = tmp_path / "bad.review.yaml"
    bad.write_text(text, encoding="utf-8")
    code, output = _run("review", "validate", str(bad))
    lines = [line for line in output.splitlines() if line.startswith(str(bad))]
    assert code == 2
    assert len(lines) == 6, output  # five mistakes; the misspelt key also leaves 'action' missing
    assert any("unknown key 'acton' (did you mean 'action'?)" in line for line in lines)
    assert any("unknown key 'reviwer' (did you mean 'reviewer'?)" in line for line in lines)
    assert any("justification: must not be empty" in line for line in lines)
    assert any("overrides[0].anchor:" in line for line in lines) and any("document.sha256" in line for line in lines)
    numbers = [int(line.split(":")[1]) for line in lines]
    assert numbers == sorted(numbers)  # every problem at its line, in order
    assert _run("review", "validate", str(good))[0] == 0


def test_the_schema_describes_the_files_the_tool_writes(tmp_path: Path, cable: Path) -> None:
    code, output = _run("review", "schema")
    assert code == 0
    schema = json.loads(output)
    path = _write(tmp_path / "r.review.yaml", cable, _withhold(cable, "1"), _phrase(cable), _declassify(cable))
    from ruamel.yaml import YAML

    jsonschema.validate(json.loads(json.dumps(YAML(typ="safe").load(path.read_text()), default=str)), schema)
    assert schema == review_json_schema()


def test_run_applies_a_review_and_the_audit_and_explain_show_it(tmp_path: Path, cable: Path) -> None:
    review = _write(tmp_path / "r.review.yaml", cable, _withhold(cable, "1", "Pre-decisional."), _phrase(cable))
    out = tmp_path / "out"
    code, output = _run("run", str(cable), "--review", str(review), "--out", str(out), "--format", "html,text",
                        "--as-of", "2026-11-26")
    assert code == 0, output
    text = (out / "06MADRID3104.release.txt").read_text(encoding="utf-8")
    assert PHRASE not in text and "(b)(6)" in text
    assert "Mallorcan professionals filed" not in text  # paragraph 1
    assert "Press reports indicate" in text  # the rest of paragraph 3
    record = next(json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()
                  if json.loads(line)["type"] == "document")
    assert record["review"]["reviewer"] == "Ann Reviewer"
    assert [o["justification"] for o in record["review"]["overrides"]] == ["Pre-decisional.", "Names an individual."]
    code, output = _run("explain", str(cable), "--review", str(review))
    assert code == 0
    assert "review (r.review.yaml:" in output and "by Ann Reviewer, approved by nobody" in output
    code, output = _run("explain", str(cable), "--review", str(review), "--format", "json")
    rows = json.loads(output)["items"]
    assert sum(r["rule"] == "review" for r in rows) == 2
    assert any(r["reason"] == "Pre-decisional." for r in rows)


def test_a_declassification_is_refused_without_a_second_persons_approval(tmp_path: Path, cable: Path) -> None:
    review = _write(tmp_path / "r.review.yaml", cable, _declassify(cable))
    out = tmp_path / "out"
    code, output = _run("run", str(cable), "--review", str(review), "--out", str(out), "--format", "text")
    assert code == 2
    line = load_review(review).lines[0]
    assert f"r.review.yaml:{line}: overrides[0]: a declassification needs an approval by a second person" in output
    assert not (out / "06MADRID3104.release.txt").exists()
    # Without `declassify: true` it is refused too: releasing a (C) paragraph is a declassification.
    plain = _declassify(cable).model_copy(update={"declassify": False, "authority": None})
    _write(tmp_path / "plain.review.yaml", cable, plain)
    code, output = _run("run", str(cable), "--review", str(tmp_path / "plain.review.yaml"), "--out", str(out))
    assert code == 2 and "that is a declassification" in output
    # The reviewer may not approve it; a second person may; an edit afterwards voids the approval.
    assert _run("review", "approve", str(review), "--by", " ann  REVIEWER ")[0] == 2
    assert _run("review", "approve", str(review), "--by", "Bob Approver", "--date", "2026-11-26")[0] == 0
    code, output = _run("run", str(cable), "--review", str(review), "--out", str(out), "--format", "text")
    assert code == 0, output
    assert "It is possible that this case" in (out / "06MADRID3104.release.txt").read_text(encoding="utf-8")
    record = [json.loads(line) for line in (out / "audit.jsonl").read_text().splitlines()][-2]
    assert record["review"]["approvers"] == ["Bob Approver"]
    assert record["review"]["overrides"][0]["declassify"] is True
    edited = review.read_text(encoding="utf-8").replace("Declassified by the originator.", "Declassified.")
    review.write_text(edited, encoding="utf-8")
    code, output = _run("run", str(cable), "--review", str(review), "--out", str(tmp_path / "again"))
    assert code == 2 and "covers an earlier version of the review" in output


def test_a_review_of_another_version_applies_only_while_every_anchor_matches(tmp_path: Path, cable: Path) -> None:
    review = _write(tmp_path / "r.review.yaml", cable, _withhold(cable, "1"))
    # Another version: a changed signature line. Paragraph 1 is unchanged, so the review applies.
    cable.write_text(cable.read_text(encoding="utf-8").replace("AGUIRRE", "AGUIRRE\n"), encoding="utf-8")
    code, output = _run("run", str(cable), "--review", str(review), "--out", str(tmp_path / "a"), "--format", "text")
    assert code == 0 and "another version of the document" in output
    # Paragraph 1 itself changed: its anchor no longer matches, the review is refused.
    cable.write_text(cable.read_text(encoding="utf-8").replace("Free Association", "Free Union"), encoding="utf-8")
    code, output = _run("run", str(cable), "--review", str(review), "--out", str(tmp_path / "b"), "--format", "text")
    assert code == 2 and "no longer matches its item (anchor)" in output


def test_a_justification_that_repeats_withheld_text_is_refused(tmp_path: Path, cable: Path) -> None:
    quoted = "Because it says the National Court Prosecutor in this case is well known"
    portion = _portion(cable, "4")
    override = Override(index=portion.index, anchor=anchor_of(portion.text), action="withhold",
                        label="(b)(1)", justification=quoted)
    review = _write(tmp_path / "r.review.yaml", cable, override)
    code, output = _run("run", str(cable), "--review", str(review), "--out", str(tmp_path / "out"))
    assert code == 2 and "repeats withheld text" in output
    assert quoted not in output
    log = tmp_path / "out" / "audit.jsonl"
    assert not log.exists() or quoted not in log.read_text()


def test_a_batch_takes_one_review_file_per_document(tmp_path: Path, cable: Path) -> None:
    reviews = tmp_path / "reviews"
    reviews.mkdir()
    _write(reviews / "06MADRID3104.review.yaml", cable, _phrase(cable))
    other = tmp_path / "docs"
    other.mkdir()
    shutil.copy(cable, other / cable.name)
    shutil.copy(FIXTURES / "cables" / "09ASTANA1444.txt", other / "09ASTANA1444.txt")
    out = tmp_path / "out"
    code, output = _run("run", str(other), "--reviews", str(reviews), "--out", str(out), "--format", "text",
                        "--jobs", "1")
    assert code == 0, output
    assert PHRASE not in (out / "06MADRID3104.release.txt").read_text(encoding="utf-8")
    # A changed review makes a rerun redo the documents (the review is part of the run's fingerprint).
    (reviews / "06MADRID3104.review.yaml").write_text(
        dump_review(load_review(reviews / "06MADRID3104.review.yaml").data.model_copy(update={"overrides": ()})))
    code, output = _run("run", str(other), "--reviews", str(reviews), "--out", str(out), "--format", "text",
                        "--jobs", "1")
    assert code == 0 and "0 already done" in output
    assert PHRASE in (out / "06MADRID3104.release.txt").read_text(encoding="utf-8")


def test_check_reports_stale_broken_and_unapproved_reviews(tmp_path: Path, cable: Path) -> None:
    review = tmp_path / "06MADRID3104.review.yaml"
    _write(review, cable, _withhold(cable, "1"), _declassify(cable))
    options = CheckOptions(as_of=date(2026, 11, 26))
    found = {f.rule_id for f in check_paths([cable], options).findings}
    assert "RD404" in found and "RD402" not in found and "RD403" not in found
    cable.write_text(cable.read_text(encoding="utf-8").replace("Free Association", "Free Union"), encoding="utf-8")
    findings = check_paths([cable], options).findings
    by_rule = {f.rule_id: f for f in findings}
    assert "RD402" in by_rule and "RD403" in by_rule
    assert by_rule["RD403"].path == str(review) and by_rule["RD403"].line == load_review(review).lines[0]
    review.write_text(review.read_text(encoding="utf-8").replace("action: withhold", "acton: withhold"))
    assert "RD401" in {f.rule_id for f in check_paths([cable], options).findings}


def test_releasing_a_portion_under_a_control_the_policy_never_releases_is_a_declassification(
        tmp_path: Path) -> None:
    """public-release releases no control (released_controls: []): a reviewer who releases a
    (U//NOFORN) paragraph goes past the policy as one who releases a (C) one, and the copy made
    with a second person's approval passes verification."""
    cable = tmp_path / "controlled.txt"
    cable.write_text("UNCLASSIFIED\n\nSUBJECT: (U) Test\n\n1. (U) The meeting opened on time.\n\n"
                     "2. (U//NOFORN) The embassy will brief allies separately.\n", encoding="utf-8")
    portion = _portion(cable, "2")
    release = Override(index=portion.index, anchor=anchor_of(portion.text), action="release",
                       justification="The originator lifted the control.", declassify=False)
    _write(tmp_path / "plain.review.yaml", cable, release)
    out = tmp_path / "out"
    code, output = _run("run", str(cable), "--review", str(tmp_path / "plain.review.yaml"), "--out", str(out))
    assert code == 2 and "that is a declassification" in output
    review = _write(tmp_path / "r.review.yaml", cable, release.model_copy(
        update={"declassify": True, "authority": "Originator's release, 2026"}))
    assert _run("review", "approve", str(review), "--by", "Bob Approver", "--date", "2026-11-26")[0] == 0
    code, output = _run("run", str(cable), "--review", str(review), "--out", str(out), "--format", "text")
    assert code == 0, output
    assert "brief allies separately" in (out / "controlled.release.txt").read_text(encoding="utf-8")


def test_a_label_that_names_what_it_withholds_is_refused(tmp_path: Path, cable: Path) -> None:
    """A box's label is printed in the copy: one that names the words it hides ("(b)(6) Mota",
    of "Vicente Gonzalez Mota") gives them away, and the run refuses the review. A label that
    cites an exemption in words of its own passes."""
    phrase = _phrase(cable)
    leaky = phrase.model_copy(update={"spans": (phrase.spans[0].model_copy(update={"label": "(b)(6) Mota"}),)})
    review = _write(tmp_path / "r.review.yaml", cable, leaky)
    code, output = _run("run", str(cable), "--review", str(review), "--out", str(tmp_path / "out"))
    assert code == 2 and "overrides[0]" in output and "mota" in output and "names what it withholds" in output
    assert not (tmp_path / "out" / "06MADRID3104.release.html").exists()
    withheld = _withhold(cable, "1").model_copy(update={"label": "(b)(5) deliberative process privilege"})
    fine = _write(tmp_path / "ok.review.yaml", cable, phrase, withheld)
    code, output = _run("run", str(cable), "--review", str(fine), "--out", str(tmp_path / "ok"), "--format", "text")
    assert code == 0, output
