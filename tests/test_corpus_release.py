"""The whole corpus through the whole pipeline: every copy verifies, no log leaks, for every policy."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from redact import Context, decide, load_policy, parse
from redact.batch import run
from redact.pipeline import Options
from redact.verify import Checker, Prepared, withheld_items

from .conftest import AS_OF
from .test_bundled_policies import POLICIES


def test_public_release_pdf_and_html_of_every_cable_pass_verification(tmp_path: Path, corpus_dir: Path,
                                                                      public_release) -> None:
    paths = sorted(corpus_dir.glob("*.txt"))
    options = Options(out_dir=tmp_path, formats=("html", "pdf"), as_of=AS_OF)
    result = run(paths, public_release, options, jobs=2)
    assert result.failed == [] and result.count == len(paths) >= 800
    assert len(list(tmp_path.glob("*.release.pdf"))) == len(list(tmp_path.glob("*.release.html"))) == len(paths)


def _log_text(log: Path) -> str:
    """The values a log record could carry text in (keys and chain hashes left out)."""
    values: list[str] = []
    for line in log.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        values += [str(v) for k, v in record.items() if k not in ("prev", "hash", "fingerprint", "input_sha256")]
    return "\n".join(values)


@pytest.mark.parametrize("name", POLICIES)
def test_audit_log_never_holds_withheld_text(tmp_path: Path, corpus_dir: Path, name: str) -> None:
    policy = load_policy(name)
    paths = sorted(corpus_dir.glob("*.txt"))
    options = Options(out_dir=tmp_path, formats=("text",), as_of=AS_OF, audience="NATO")
    result = run(paths, policy, options, jobs=2)
    assert result.failed == []
    log = Prepared.of(_log_text(tmp_path / "audit.jsonl"))
    policy_text = json.dumps(policy.to_json())  # labels and reasons may appear, of course
    documents = []
    recorded: list[str] = [policy_text]
    for path in paths:
        document = parse(path.read_text(encoding="utf-8"), source=str(path), doc_id=path.stem)
        decisions = decide(document, policy, Context(as_of=AS_OF, audience="NATO"))
        documents.append((path, withheld_items(document, decisions)))
        recorded += [d.label or "" for d in (*decisions.portions, *decisions.fields)]
        # What the log records of each portion: its number and its recognised marking.
        recorded += [str(path)] + [f"{p.number} {p.marking.text} {p.marking.canonical}"
                                   for p in document.portions if p.marking and p.marking.recognised]
    allowed = Prepared.of("\n".join(recorded))
    checked = 0
    for path, items in documents:
        checked += len(items)
        leaks = Checker(items, allowed).check_prepared("audit log", log)
        assert leaks == [], (path.name, [leak.item for leak in leaks])
    assert checked > 1000
