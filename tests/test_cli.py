"""The command line through click's CliRunner: exit code, stdout and stderr together."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from redact.cli import main

from .conftest import SEEDS

SEED = str(SEEDS / "08ASTANA2450.txt")


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_run_writes_verified_copies_and_a_log(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = invoke("run", SEED, "--policy", "public-release", "--format", "html,pdf", "--out", str(out),
                    "--as-of", "2026-11-23", "--reviewer", "A. Reviewer")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "08ASTANA2450.release.html", "08ASTANA2450.release.pdf", "audit.jsonl", "audit.jsonl.lock",
        "consistency-index", "manifest.jsonl"]
    assert "RELEASE IN PART (1 released, 11 withheld)" in result.stdout
    assert f"audit log: {out / 'audit.jsonl'} (head " in result.stdout
    head = result.stdout.split("(head ")[1].split(")")[0]
    verify = invoke("audit", "verify", str(out / "audit.jsonl"), "--head", head)
    assert verify.exit_code == 0 and "ok," in verify.stdout


def test_run_missing_file(tmp_path: Path) -> None:
    result = invoke("run", str(tmp_path / "nope.txt"), "--out", str(tmp_path / "out"), "--format", "html")
    assert result.exit_code == 2
    assert f"redact: error: {tmp_path / 'nope.txt'}: no such file" in result.stderr
    assert not (tmp_path / "out" / "nope.release.html").exists()


def test_run_undecodable_input(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"1. (U) caf\xe9 \xff\xfe text\n")
    result = invoke("run", str(bad), "--out", str(tmp_path / "out"), "--format", "html")
    assert result.exit_code == 2
    assert f"{bad}: not valid UTF-8 at byte 10; if the file is in another encoding" in result.stderr
    assert not any((tmp_path / "out").glob("*.html"))


def test_run_invalid_policy(tmp_path: Path) -> None:
    policy = tmp_path / "bad.yaml"
    policy.write_text("name: bad\nceiling: U\ndefault: {action: withhold, label: x}\nrulez: []\n")
    result = invoke("run", SEED, "--policy", str(policy), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2
    assert result.stderr == f"redact: error: {policy}:4:1: rulez: unknown key 'rulez' (did you mean 'rules'?)\n"
    assert not (tmp_path / "out").exists()


def test_run_unknown_format(tmp_path: Path) -> None:
    result = invoke("run", SEED, "--format", "docx", "--out", str(tmp_path))
    assert result.exit_code == 2 and "unknown format(s) docx" in result.stderr


def test_run_bad_date(tmp_path: Path) -> None:
    result = invoke("run", SEED, "--as-of", "yesterday", "--out", str(tmp_path))
    assert result.exit_code == 2 and "is not a date" in result.stderr


def test_batch_goes_on_after_a_bad_document(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n")
    result = invoke("run", str(empty), SEED, "--out", str(tmp_path / "out"), "--format", "text")
    assert result.exit_code == 2
    assert "the document is empty" in result.stderr
    assert (tmp_path / "out" / "08ASTANA2450.release.txt").exists()
    assert "1 document(s) released, 1 failed" in result.stdout


def test_parse_json_shape() -> None:
    result = invoke("parse", SEED, str(SEEDS / "09ASTANA1444.txt"), "--json")
    assert result.exit_code == 0
    documents = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(documents) == 2
    first = documents[0]
    assert first["source"] == SEED
    assert first["header"]["decl"] == {"text": "DECL: 12/11/2033", "date": "2033-12-11", "kind": "date"}
    assert first["header"]["reasons"] == ["b", "d"] and first["header"]["tags"][0] == "PREL"
    assert first["header"]["banner"]["level"] == "S"
    portion = first["portions"][0]
    assert {k: portion[k] for k in ("index", "kind", "number", "start_line")} == {
        "index": 0, "kind": "paragraph", "number": "1", "start_line": 42}
    assert {k: portion["marking"][k] for k in ("text", "level", "controls", "inherited")} == {
        "text": "(S)", "level": "S", "controls": [], "inherited": False}


def test_parse_missing_file(tmp_path: Path) -> None:
    result = invoke("parse", str(tmp_path / "gone.txt"))
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_explain_names_rule_and_line() -> None:
    result = invoke("explain", SEED, "--policy", "public-release", "--as-of", "2026-11-23")
    assert result.exit_code == 0
    line = next(row for row in result.stdout.splitlines() if row.startswith("para 15"))
    assert "(C)" in line and "withhold" in line and "withhold-classified (" in line and ".yaml:" in line


def test_policy_validate_and_show(tmp_path: Path) -> None:
    ok = invoke("policy", "validate", "public-release")
    assert ok.exit_code == 0 and "ok (public-release" in ok.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\n")
    result = invoke("policy", "validate", str(bad))
    assert result.exit_code == 2 and f"{bad}:1: default:" in result.stderr
    shown = json.loads(invoke("policy", "show", "public-release").stdout)
    source, line = shown["rules"][0]["source"].rsplit(":", 1)
    assert shown["name"] == "public-release"
    rule_id = shown["rules"][0]["id"]
    assert Path(source).read_text().splitlines()[int(line) - 1] == f"  - id: {rule_id}"


def test_help_lists_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("run", "parse", "explain", "policy", "audit", "stats"):
        assert f"  {command}" in result.stdout


def test_explain_columns_fit_the_longest_cell_and_json() -> None:
    result = invoke("explain", SEED, "--as-of", "2026-11-23")
    header, *rows = result.stdout.splitlines()[:-1]  # the last line is the status
    column = header.index("rule")
    assert any(row.startswith("field classified_by ") for row in rows)
    for row in rows:  # every rule starts in the rule column, whatever the length of the item's name
        assert row[column - 2:column] == "  " and row[column] != " ", row
    data = json.loads(invoke("explain", SEED, "--as-of", "2026-11-23", "--format", "json").stdout)
    assert data["status"] and any(i["item"] == "field classified_by" for i in data["items"])


def test_run_with_no_existing_input_creates_nothing(tmp_path: Path) -> None:
    result = invoke("run", str(tmp_path / "missing.txt"), "--out", str(tmp_path / "out"))
    assert result.exit_code == 2 and "no such file" in result.stderr
    assert not (tmp_path / "out").exists()
