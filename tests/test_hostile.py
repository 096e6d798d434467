"""The hostile-input catalogue (tests/hostile/cases.yaml): every case has a test and an outcome."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from ruamel.yaml import YAML

from redact.cli import main
from redact.errors import PolicyError
from redact.policy import load_policy

HOSTILE = Path(__file__).resolve().parent / "hostile"
CASES = YAML(typ="safe").load((HOSTILE / "cases.yaml").read_text(encoding="utf-8"))
RELEASED = "Plain released text"


def generate(kind: str, folder: Path) -> Path:
    """Inputs too large or too odd to keep in git, built the same way every time."""
    if kind == "ten-megabyte-line":
        path = folder / "long-line.txt"
        path.write_text("SUBJECT: (U) LONG LINE\n\n1. (S) CANARYLONGLINE " + "secret words " * 800_000
                        + "\n\n2. (U) " + RELEASED + ".\n", encoding="utf-8")
    elif kind == "hundred-megabyte-file":
        path = folder / "huge.txt"
        with path.open("wb") as stream:  # sparse: no 100 MB written to disk
            stream.truncate(100_000_000)
    elif kind == "path-traversal-name":
        path = folder / "..;$(touch pwned) & name`x`.txt"
        path.write_text("SUBJECT: (U) NAME\n\n1. (S) CANARYNAME withheld.\n\n2. (U) " + RELEASED + ".\n",
                        encoding="utf-8")
    elif kind == "catastrophic-regex":
        path = folder / "slow.txt"
        path.write_text("SUBJECT: (U) SLOW\n\n1. (U) " + "a" * 5000 + "! CANARYSLOW\n", encoding="utf-8")
    else:  # pragma: no cover
        raise AssertionError(kind)
    return path


BUNDLED = ["public-release", "internal", "foreign-release", "declassify-by-date"]


def case_policies(case: dict) -> list[str]:
    """The policies a case runs under: its own file, the bundled ones it names ("all"), or the default."""
    if "policy" in case:
        return [str(HOSTILE / case["policy"])]
    named = case.get("policies", ["public-release"])
    return BUNDLED if named == "all" else list(named)


def run_case(case: dict, tmp_path: Path, extra: list[str] | None = None, policy: str | None = None):
    source = generate(case["generate"], tmp_path) if "generate" in case else HOSTILE / case["file"]
    out = tmp_path / "out"
    policy = policy or case_policies(case)[0]
    if policy == "foreign-release" and "--audience" not in case.get("options", []):
        extra = [*(extra or []), "--audience", "GBR"]
    args = ["run", str(source), "--policy", policy, "--out", str(out), "--format", "html,pdf,text",
            "--as-of", "2026-11-23", *case.get("options", []), *(extra or [])]
    started = time.monotonic()
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    return result, out, time.monotonic() - started


def everything_written(out: Path) -> str:
    """Every byte a run left behind, as text: copies (and PDF text layers), log, manifest, names."""
    parts = []
    for path in sorted(out.rglob("*")) if out.exists() else []:
        parts.append(path.name)
        if path.suffix == ".pdf":
            parts.append("\n".join(page.extract_text() for page in PdfReader(path).pages))
        if path.is_file():
            parts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


DOCUMENT_CASES = sorted((name, policy) for name, case in CASES.items() if case["outcome"] in ("withheld", "error")
                        for policy in case_policies(case))
POLICY_CASES = sorted(name for name, case in CASES.items() if case["outcome"] == "policy-error")


def test_every_fixture_has_a_case() -> None:
    named = {case["file"] for case in CASES.values() if "file" in case}
    named |= {case["policy"] for case in CASES.values() if "policy" in case}
    on_disk = {p.name for p in HOSTILE.iterdir() if p.name != "cases.yaml"}
    assert on_disk == named


@pytest.mark.parametrize(("name", "policy"), DOCUMENT_CASES)
def test_document_case(name: str, policy: str, tmp_path: Path) -> None:
    case = CASES[name]
    result, out, elapsed = run_case(case, tmp_path, policy=policy)
    written = everything_written(out)
    if case["outcome"] == "error":
        assert result.exit_code == case["exit"], result.output
        assert case["message"] in result.stderr
        assert not list(out.glob("*.release.*")) if out.exists() else True
        return
    assert result.exit_code == 0, result.output
    for canary in case["canaries"]:
        assert canary not in written, canary  # not in any copy, the log, the manifest or a file name
        assert canary not in result.output
    html = next(out.glob("*.release.html")).read_text(encoding="utf-8")
    for text in case.get("released", []) if policy == case_policies(case)[0] else []:
        escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&#34;") \
            .replace("'", "&#39;")
        assert escaped in html, text
    assert "<script" not in html and "<img" not in html and "<link" not in html
    assert all(p.resolve().parent == out.resolve() for p in out.iterdir())
    assert elapsed < 120
    for rule in case.get("check", []):
        source = HOSTILE / case["file"]
        findings = json.loads(CliRunner().invoke(main, ["check", str(source), "--format", "json"]).stdout)
        assert rule in {f["rule"] for f in findings["findings"]}


def test_cp1252_error_points_at_the_byte(tmp_path: Path) -> None:
    result, _, _ = run_case(CASES["cp1252"], tmp_path)
    assert result.stderr.strip().endswith("name it with --encoding (e.g. cp1252)")


def test_catastrophic_pattern_is_withheld_not_hung(tmp_path: Path) -> None:
    from datetime import date

    from redact import Context, decide, parse
    policy = load_policy(HOSTILE / "policy-catastrophic-regex.yaml")
    text = "SUBJECT: (U) SLOW\n\n1. (U) " + "a" * 5000 + "!\n"
    started = time.monotonic()
    decision = decide(parse(text), policy, Context(as_of=date(2026, 11, 23))).portions[0]
    assert time.monotonic() - started < 10
    assert decision.withheld and decision.rule_id == "fail-closed-undecidable"


@pytest.mark.parametrize("name", POLICY_CASES)
def test_policy_case(name: str) -> None:
    case = CASES[name]
    with pytest.raises(PolicyError) as caught:
        load_policy(HOSTILE / case["file"])
    error = caught.value
    assert case["message"] in error.message
    assert error.path is not None and error.path.endswith(case["file"])
    if "line" in case:
        assert error.line == case["line"]
    if "key" in case:
        assert error.key == case["key"]
    assert not Path("/tmp/redact-pwned").exists()


def test_bare_no_stays_norway(tmp_path: Path) -> None:
    text = (HOSTILE / "policy-bare-no.yaml").read_text().split("  - id: confused")[0]
    path = tmp_path / "norway.yaml"
    path.write_text(text)
    assert load_policy(path).rules[0].rule.when.releasable_to == "NO"


def test_doc_id_cannot_steer_output_paths(tmp_path: Path) -> None:
    source = tmp_path / "doc.txt"
    shutil.copy(HOSTILE / "two-markings.txt", source)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(source), "--out", str(out), "--format", "html",
                                       "--doc-id", "../../escape", "--as-of", "2026-11-23"])
    assert result.exit_code == 0
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith("audit")) == [
        "consistency-index", "doc.release.html", "manifest.jsonl"]
    assert not (tmp_path / "escape.release.html").exists()
