"""The audit log: every decision recorded, no withheld text, a hash chain that shows tampering."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import astuple
from pathlib import Path

import pytest

from redact.audit import AuditLog, read_records, verify_log
from redact.batch import run
from redact.pipeline import PORTION_COLUMNS, Options
from redact.report import item_records

from .conftest import AS_OF, SEEDS, decided
from .test_release import normalised, sentences


@pytest.fixture(scope="module")
def logged(tmp_path_factory, public_release):
    out = tmp_path_factory.mktemp("audited")
    options = Options(out_dir=out, formats=("html",), as_of=AS_OF, reviewer="R. Eviewer", case="F-1")
    result = run([SEEDS / "08ASTANA2450.txt", SEEDS / "09ASTANA1444.txt"], public_release, options)
    return out / "audit.jsonl", result


def test_log_names_every_paragraph_with_marking_and_decision(logged) -> None:
    path, _ = logged
    records = read_records(path)
    assert records[0]["type"] == "run-start" and records[-1]["type"] == "run-end"
    assert records[0]["policy"] == "public-release" and len(records[0]["policy_sha256"]) == 64
    assert records[0]["reviewer"] == "R. Eviewer" and records[0]["as_of"] == "2026-11-23"
    items = list(item_records(path))
    paragraphs = [(r["number"], r["marking"], r["decision"], r["label"]) for r in items
                  if r["type"] == "portion" and r["doc_id"] == "08ASTANA2450" and r["kind"] == "paragraph"]
    assert paragraphs == [
        ("1", "(S)", "withhold", "(b)(1) 1.4(b),(d)"), ("2", "(S)", "withhold", "(b)(1) 1.4(b),(d)"),
        ("13", "(S)", "withhold", "(b)(1) 1.4(b),(d)"), ("14", "(S)", "withhold", "(b)(1) 1.4(b),(d)"),
        ("15", "(C)", "withhold", "(b)(1) 1.4(b),(d)"), ("16", "(S)", "withhold", "(b)(1) 1.4(b),(d)"),
        ("7", "(C)", "withhold", "(b)(1) 1.4(b),(d)"), ("8", "(SBU)", "withhold", "(b)(5)")]
    portion = next(r for r in items if r["type"] == "portion")
    assert portion["rule"] == "withhold-classified" and portion["reason"].startswith("Classified national")
    table = records[0]["policy_table"]
    assert table["rules"]["withhold-classified"]["source"].startswith("bundled:public-release.yaml:")
    assert all(len(f["sha256"]) == 64 and not f["file"].startswith("/") for f in table["files"])
    documents = [r for r in records if r["type"] == "document"]
    assert [len(d["input_sha256"]) for d in documents] == [64, 64]
    assert all(len(d["outputs"]["html"]["sha256"]) == 64 for d in documents)


def test_log_carries_no_path_of_the_machine_that_wrote_it(logged) -> None:
    path, _ = logged
    text = path.read_text(encoding="utf-8")
    for machine_path in (str(Path.home()), str(Path.cwd()), str(path.parent.resolve()), str(SEEDS.parent.parent)):
        assert machine_path not in text.replace(str(SEEDS), "")  # inputs as given on the command line


def test_log_is_compact(logged) -> None:
    """A document is one record (its portions and fields are rows); the policy is written once per run."""
    path, result = logged
    lines = path.read_bytes().splitlines()
    documents = [line for line in lines if b'"type":"document"' in line]
    assert len(documents) == result.count == 2 and len(lines) == 4  # run-start, two documents, run-end
    assert sum(map(len, documents)) / len(documents) < 3000  # seed cables of 30 and 39 items


def test_log_never_contains_withheld_text(logged, seeds, public_release) -> None:
    path, _ = logged
    text = normalised(path.read_text(encoding="utf-8"))
    for document in seeds.values():
        decisions = decided(document, public_release)
        for portion, decision in zip(document.portions, decisions.portions, strict=True):
            if decision.withheld:
                for sentence in sentences(portion.text):
                    assert normalised(sentence) not in text


def test_clean_log_verifies_and_reaches_the_printed_head(logged) -> None:
    path, result = logged
    verification = verify_log(path, head=result.head)
    assert verification.ok and verification.head == result.head
    assert verification.records == len(path.read_text().splitlines())


def _tampered(tmp_path: Path, source: Path, change) -> Path:
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    target = tmp_path / "tampered.jsonl"
    target.write_text("".join(change(lines)), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory, public_release) -> Path:
    """One log of two runs: run-start, two documents, run-end, twice (8 lines)."""
    out = tmp_path_factory.mktemp("two-runs")
    for name in ("a", "b"):
        options = Options(out_dir=out / name, formats=("text",), as_of=AS_OF)
        run([SEEDS / "08ASTANA2450.txt", SEEDS / "09ASTANA1444.txt"], public_release, options,
            audit_path=out / "audit.jsonl")
    return out / "audit.jsonl"


def _edit(lines: list[str]) -> list[str]:
    record = json.loads(lines[2])
    record["portions"][0][PORTION_COLUMNS.index("decision")] = "release"  # the first paragraph's decision
    return [*lines[:2], json.dumps(record) + "\n", *lines[3:]]


@pytest.mark.parametrize(("change", "line", "words"), [
    (_edit, 3, "edited"),
    (lambda lines: lines[:3] + lines[4:], 4, "chain is broken"),
    (lambda lines: [*lines[:3], lines[5], *lines[3:]], 4, "chain is broken"),
    (lambda lines: [*lines[:3], lines[4], lines[3], *lines[5:]], 4, "chain is broken"),
    (lambda lines: [*lines[:-1], lines[-1][:20]], None, "incomplete"),
])
def test_tampering_is_reported_with_its_line(tmp_path: Path, two_runs, change, line, words) -> None:
    assert len(two_runs.read_text(encoding="utf-8").splitlines()) == 8
    verification = verify_log(_tampered(tmp_path, two_runs, change))
    assert not verification.ok
    assert words in verification.errors[0]
    if line is not None:
        assert f":{line}:" in verification.errors[0]


def test_records_cut_from_the_end_are_caught_by_the_head(tmp_path: Path, logged) -> None:
    path, result = logged
    cut = _tampered(tmp_path, path, lambda lines: lines[:-2])
    assert verify_log(cut).ok  # a chain alone cannot tell
    assert not verify_log(cut, head=result.head).ok


def test_two_processes_appending_at_once_give_one_valid_chain(tmp_path: Path) -> None:
    log = tmp_path / "shared.jsonl"
    script = (
        "import sys\nfrom pathlib import Path\nfrom redact.audit import AuditLog\n"
        "log = AuditLog(Path(sys.argv[1]))\n"
        "for n in range(40):\n"
        "    log.append_block([{'type': 'portion', 'writer': sys.argv[2], 'n': n, 'k': k} for k in range(2)]\n"
        "                     + [{'type': 'document', 'writer': sys.argv[2], 'n': n, 'k': 2}])\n"
    )
    writers = [subprocess.Popen([sys.executable, "-c", script, str(log), name]) for name in ("a", "b")]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    verification = verify_log(log)
    assert verification.ok, verification.errors
    assert verification.records == 240
    records = read_records(log)
    for writer in ("a", "b"):
        assert sum(r["writer"] == writer for r in records) == 120
    for start in range(0, 240, 3):  # the lock keeps each block together
        block = records[start:start + 3]
        assert len({(r["writer"], r["n"]) for r in block}) == 1
        assert [r["k"] for r in block] == [0, 1, 2]


def test_a_block_torn_by_a_crash_is_reported_then_dropped_on_the_next_append(tmp_path: Path) -> None:
    path = tmp_path / "crashed.jsonl"
    log = AuditLog(path)
    log.append_block([{"type": "run-start"}])
    committed = log.append_block([{"type": "portion", "n": 1}, {"type": "document", "n": 1}])
    log.append_block([{"type": "portion", "n": 2}, {"type": "portion", "n": 3}, {"type": "document", "n": 2}])
    with path.open("r+b") as handle:  # what a kill in the middle of that write leaves
        handle.truncate(path.stat().st_size - 30)
    before = verify_log(path)
    assert not before.ok and before.records == 5
    assert before.errors[0].endswith(":6: the last record is incomplete (the run stopped while writing it); "
                                     "the log verifies up to line 5")
    AuditLog(path).append_block([{"type": "run-end"}])
    records = read_records(path)
    assert [r["type"] for r in records] == ["run-start", "portion", "document", "recovery", "run-end"]
    assert records[3]["prev"] == committed and records[3]["dropped_bytes"] > 0
    assert verify_log(path).ok


def test_withholding_index_has_one_row_per_withheld_item(logged, seeds, public_release) -> None:
    from redact.report import render, withholding_index
    path, _ = logged
    rows, totals = withholding_index(path)
    expected = []
    for name, document in sorted(seeds.items()):
        decisions = decided(document, public_release)
        expected += [(name, d.label) for d in decisions.fields if d.withheld]
        expected += [(name, d.label) for d in decisions.portions if d.withheld]
    assert sorted((r.document, r.exemption) for r in rows) == sorted(expected)
    fifteen = next(r for r in rows if r.document == "08ASTANA2450" and r.item == "paragraph 15")
    assert (fifteen.marking, fifteen.exemption) == ("(C)", "(b)(1) 1.4(b),(d)")
    assert fifteen.justification.startswith("Classified national security information")
    # paragraph 8 (SBU); its heading joins the (C) paragraph before it, so it is (b)(1)
    assert totals["(b)(5)"] == [label for _, label in expected].count("(b)(5)") == 1
    assert sum(totals.values()) == len(rows)
    markdown = render(rows, totals, "md")
    assert "| 08ASTANA2450 | paragraph 15 | (C) | (b)(1) 1.4(b),(d) |" in markdown
    assert markdown.rstrip().endswith(f"{len(rows)} withheld items.")
    assert render(rows, totals, "csv").count("\n") == len(rows) + 1
    html = render(rows, totals, "html")
    assert html.count("<tr>") == len(rows) + len(totals) + 2 and f"{len(rows)} withheld items" in html


def test_audit_report_command(logged) -> None:
    from click.testing import CliRunner

    from redact.cli import main
    path, _ = logged
    result = CliRunner().invoke(main, ["audit", "report", str(path), "--format", "csv"])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0] == "document,item,marking,exemption,justification,rule"


def test_verify_outputs_rehashes_release_copies(logged, tmp_path: Path) -> None:
    from redact.audit import verify_outputs
    path, _ = logged
    assert verify_outputs(path, path.parent) == []
    copy = tmp_path / "copy"
    copy.mkdir()
    for item in path.parent.glob("*.release.html"):
        (copy / item.name).write_bytes(item.read_bytes())
    changed = copy / "08ASTANA2450.release.html"
    changed.write_bytes(changed.read_bytes().replace(b"RELEASE IN PART", b"RELEASE IN FULL"))
    problems = verify_outputs(path, copy)
    assert problems == [f"{changed}: changed since the run that wrote it (sha256 differs from the log)"]


FORMAT_1 = Path(__file__).parent / "fixtures" / "audit" / "format1.jsonl"  # written by redact before format 2


def test_a_log_of_the_first_format_still_verifies_and_reports(logged) -> None:
    from redact.report import withholding_index
    assert verify_log(FORMAT_1).ok
    old_rows, old_totals = withholding_index(FORMAT_1)
    new_rows, new_totals = withholding_index(logged[0])
    # The same two cables under the same policy: the same index, whichever format the log has.
    assert sorted(map(astuple, old_rows)) == sorted(map(astuple, new_rows)) and len(old_rows) > 20
    assert old_totals == new_totals


FORMAT_2 = Path(__file__).parent / "fixtures" / "audit" / "format2.jsonl"  # rule ids written in every row


def test_a_log_of_the_second_format_still_verifies_and_reports(logged) -> None:
    from redact.report import withholding_index
    assert verify_log(FORMAT_2).ok
    rule = PORTION_COLUMNS.index("rule")
    old = [r for r in read_records(FORMAT_2) if r["type"] == "document"]
    new = [r for r in read_records(logged[0]) if r["type"] == "document"]
    assert all(isinstance(row[rule], str) for d in old for row in d["portions"])  # format 2: the ids
    assert all(isinstance(row[rule], int) for d in new for row in d["portions"])  # now: indexes
    assert [[d["rule_ids"][row[rule]] for row in d["portions"]] for d in new] == \
        [[row[rule] for row in d["portions"]] for d in old]
    old_rows, old_totals = withholding_index(FORMAT_2)
    new_rows, new_totals = withholding_index(logged[0])
    assert sorted(map(astuple, old_rows)) == sorted(map(astuple, new_rows)) and len(old_rows) > 20
    assert old_totals == new_totals


def test_a_log_and_its_copies_verify_after_moving_to_another_place(logged, tmp_path: Path) -> None:
    """Nothing in the log depends on where it was written: moved elsewhere (as to another machine),
    the chain, the release copies and the index all check out."""
    import shutil

    from click.testing import CliRunner

    from redact.cli import main
    from redact.report import withholding_index
    path, result = logged
    moved = tmp_path / "elsewhere" / "release"
    shutil.copytree(path.parent, moved)
    outcome = CliRunner().invoke(main, ["audit", "verify", str(moved / "audit.jsonl"), "--head", result.head,
                                        "--outputs", str(moved)])
    assert outcome.exit_code == 0, outcome.output
    assert withholding_index(moved / "audit.jsonl") == withholding_index(path)
