"""Consistency across documents and releases (redact.consistency, redact.crosscheck): text withheld
in one document and released in another; comparisons with an earlier run; an index of keyed
fingerprints that gives no word away."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from redact import Context, decide, load_policy, parse
from redact.audit import read_records, verify_log
from redact.batch import run
from redact.cli import main
from redact.consistency import INDEX_DIR, RECORD, Index
from redact.pipeline import Options
from redact.shingles import SIZE, WINDOW, fingerprints

from .conftest import AS_OF, SHARED

SECRET_WORDS = ("the minister said privately that the border agreement with Kazakhstan would be signed "
                "before the parliamentary election in March whatever the opposition says")


def cable(number: str, body: str) -> str:
    return (f"C O N F I D E N T I A L SECTION 01 OF 01 ASTANA {number}\n\nSIPDIS\n\n"
            "E.O. 12958: DECL: 11/20/2018\nTAGS: PREL PGOV KZ\n"
            f"SUBJECT: KAZAKHSTAN: NOTES ON THE BORDER ({number})\n\n"
            "Classified By: Ambassador John Ordway, Reasons 1.4 (b) and (d)\n\n" + body)


def two_documents(folder: Path) -> list[Path]:
    """A withholds a sentence (C) that B prints again in an unclassified paragraph."""
    folder.mkdir(parents=True, exist_ok=True)
    first = folder / "A.txt"
    first.write_text(cable("00001", f"1. (C) In a private meeting, {SECRET_WORDS}.\n\n"
                                    "2. (U) The meeting lasted an hour.\n"), encoding="utf-8")
    second = folder / "B.txt"
    second.write_text(cable("00002", "1. (U) Local press reported on the talks.\n\n"
                                     f"2. (U) A columnist wrote that {SECRET_WORDS}, a claim the ministry "
                                     "denied.\n"), encoding="utf-8")
    return [first, second]


def copy_text(out: Path, stem: str) -> str:
    return (out / f"{stem}.release.txt").read_text(encoding="utf-8")


def options(out: Path) -> Options:
    return Options(out_dir=out, formats=("text", "html"), as_of=AS_OF)


def test_text_withheld_in_one_document_and_released_in_another_is_reported(tmp_path: Path, public_release) -> None:
    paths = two_documents(tmp_path / "in")
    result = run(paths, public_release, options(tmp_path / "out"))
    assert result.failed_count == 0 and result.findings is not None
    rows = result.findings.conflicts
    assert [(r["released"]["doc_id"], r["released"]["portion"], r["withheld"]["doc_id"], r["withheld"]["portion"])
            for r in rows] == [("B", 1, "A", 0)]
    assert rows[0]["withheld"]["label"] and rows[0]["runs"] >= 1
    assert "border agreement with Kazakhstan" in copy_text(tmp_path / "out", "B")  # reported, not withheld
    report = json.loads((tmp_path / "out" / "consistency.json").read_text(encoding="utf-8"))
    assert report["summary"]["conflicts"] == 1 and report["conflicts"] == rows
    record = [r for r in read_records(tmp_path / "out" / "audit.jsonl") if r["type"] == "consistency"][-1]
    assert record["conflicts"] == 1 and verify_log(tmp_path / "out" / "audit.jsonl").ok


@pytest.mark.parametrize("jobs", [1, 2])
def test_consistent_withholds_the_repeat_under_the_other_documents_label(tmp_path: Path, public_release,
                                                                         jobs: int) -> None:
    paths = two_documents(tmp_path / "in")
    result = run(paths, public_release, options(tmp_path / "out"), consistent=True, jobs=jobs)
    assert result.failed_count == 0 and result.findings is not None
    assert result.findings.withheld_again == 1 and result.findings.conflicts == []
    released = copy_text(tmp_path / "out", "B")
    assert "border agreement" not in released and "claim the ministry denied" in released
    assert "border agreement" not in (tmp_path / "out" / "B.release.html").read_text(encoding="utf-8")
    records = [r for r in read_records(tmp_path / "out" / "audit.jsonl") if r["type"] == "document"]
    last = {r["doc_id"]: r for r in records}
    assert last["B"]["consistency"] == [[1, "A", 0, 1]]
    label = last["A"]["labels"][last["A"]["portions"][0][7]]
    assert label in last["B"]["labels"]  # the span carries the withheld portion's label
    assert verify_log(tmp_path / "out" / "audit.jsonl").ok
    # A rerun finds everything done and nothing left to withhold.
    again = run(paths, public_release, options(tmp_path / "out"), consistent=True, jobs=jobs)
    assert again.skipped == 2 and again.findings is not None and again.findings.conflicts == []


def test_consistent_with_the_dask_engine(tmp_path: Path, public_release) -> None:
    distributed = pytest.importorskip("dask.distributed")
    paths = two_documents(tmp_path / "in")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        reported = run(paths, public_release, options(tmp_path / "reported"), engine="dask",
                       scheduler=cluster.scheduler_address)
        result = run(paths, public_release, options(tmp_path / "out"), engine="dask",
                     scheduler=cluster.scheduler_address, consistent=True)
    assert reported.findings is not None and len(reported.findings.conflicts) == 1
    assert "border agreement" in copy_text(tmp_path / "reported", "B")
    assert result.findings is not None and result.findings.withheld_again == 1
    assert "border agreement" not in copy_text(tmp_path / "out", "B")


def test_a_document_that_cannot_be_redone_loses_its_copies(tmp_path: Path, public_release,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail closed: the first copies of B release what A withholds; if B cannot be redone they go."""
    from redact import crosscheck
    from redact.errors import InputError

    def unreadable(path: str, *args: object) -> tuple[()]:
        raise InputError("gone", path=path)

    monkeypatch.setattr(crosscheck, "withheld_portions", unreadable)
    paths = two_documents(tmp_path / "in")
    result = run(paths, public_release, options(tmp_path / "out"), consistent=True)
    assert result.failed_count == 1 and result.exit_code != 0
    assert not list((tmp_path / "out").glob("B.release.*")) and list((tmp_path / "out").glob("A.release.*"))


def test_cli_reports_and_withholds(tmp_path: Path) -> None:
    two_documents(tmp_path / "in")
    base = ["run", str(tmp_path / "in"), "--format", "text", "--jobs", "1", "--as-of", AS_OF.isoformat()]
    reported = CliRunner().invoke(main, [*base, "--out", str(tmp_path / "a")])
    assert reported.exit_code == 0, reported.output
    assert "consistency: 1 document(s) release text another document withholds" in reported.stdout
    assert "--consistent withholds them" in reported.stdout
    withheld = CliRunner().invoke(main, [*base, "--out", str(tmp_path / "b"), "--consistent"])
    assert withheld.exit_code == 0, withheld.output
    assert "consistency: 1 document(s) redone" in withheld.stdout


def _decisions(paths: list[Path], policy_name: str) -> dict[str, list[tuple[str, str | None]]]:
    policy = load_policy(policy_name)
    found = {}
    for path in paths:
        document = parse(path.read_text(encoding="utf-8", errors="replace"), source=str(path))
        decisions = decide(document, policy, Context(as_of=AS_OF))
        found[str(path)] = [(d.action, d.label if d.withheld else None) for d in decisions.portions]
    return found


def test_prior_reports_every_changed_decision(tmp_path: Path) -> None:
    """Real cables released under one policy, then under another with --prior: every portion whose
    decision differs (computed here from the library) is in the report, and nothing else."""
    paths = sorted((SHARED / "corpus" / "cablegate").glob("*.txt"))[:40]
    first = run(paths, load_policy("public-release"), options(tmp_path / "first"))
    assert first.failed_count == 0
    second = run(paths, load_policy("declassify-by-date"), options(tmp_path / "second"), prior=[tmp_path / "first"])
    assert second.findings is not None
    before, after = _decisions(paths, "public-release"), _decisions(paths, "declassify-by-date")
    expected = {(source, n) for source in before for n, (old, new) in enumerate(zip(before[source], after[source],
                                                                                    strict=True)) if old != new}
    assert expected  # the two policies differ on these cables
    comparison = second.findings.prior[0]
    assert {(row["source"], row["portion"]) for row in comparison["changed_decisions"]} == expected
    # Text withheld before and released now is found by its words too (the earlier index).
    moved = {(r["released"]["source"], r["released"]["portion"]) for r in comparison["withheld_before_released_now"]}
    assert moved and moved <= {(s, n) for s, n in expected if after[s][n][0] == "release"}


def test_prior_in_the_same_directory_compares_with_the_run_before(tmp_path: Path) -> None:
    paths = two_documents(tmp_path / "in")
    run(paths, load_policy("public-release"), options(tmp_path / "out"))
    result = run(paths, load_policy("internal"), options(tmp_path / "out"), prior=[tmp_path / "out"])
    assert result.findings is not None
    changed = result.findings.prior[0]["changed_decisions"]
    before, after = _decisions(paths, "public-release"), _decisions(paths, "internal")
    assert len(changed) == sum(a != b for s in before for a, b in zip(before[s], after[s], strict=True))


def test_the_index_gives_no_word_away(tmp_path: Path, public_release) -> None:
    paths = two_documents(tmp_path / "in")
    run(paths, public_release, options(tmp_path / "out"))
    folder = tmp_path / "out" / INDEX_DIR
    key = (folder / "key").read_bytes()
    assert (folder / "key").stat().st_mode & 0o077 == 0  # the owner's alone
    words = {w for w in re.findall(r"[A-Za-z]{5,}", SECRET_WORDS)} - {"would", "before", "whatever"}
    for file in [*folder.iterdir(), tmp_path / "out" / "consistency.json"]:
        if file.name == "key":
            continue
        data = file.read_bytes()
        for word in words:
            for form in (word, word.lower(), word.upper()):
                assert form.encode("utf-8") not in data and form.encode("utf-16-le") not in data, (file, word)
    stored = np.concatenate([np.fromfile(p, dtype=RECORD)["hash"] for p in folder.glob("part-*.bin")])
    # With the case's key a guessed run can be tested; with any other key nothing matches.
    assert np.isin(fingerprints(SECRET_WORDS, key), stored).any()
    assert not np.isin(fingerprints(SECRET_WORDS, bytes(32)), stored).any()
    assert not np.isin(fingerprints(SECRET_WORDS, bytes(reversed(key))), stored).any()


def test_an_index_keeps_its_key(tmp_path: Path) -> None:
    first = Index(tmp_path / "index")
    assert Index(tmp_path / "index").key == first.key
    with pytest.raises(Exception, match="another case's key"):
        Index(tmp_path / "index", key=bytes(32))


_GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda", "mu",
          "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "phi", "chi", "psi", "omega")
_WORDS = st.lists(st.sampled_from(_GREEK), min_size=0, max_size=30)


@settings(max_examples=200, deadline=None)
@given(_WORDS, _WORDS, st.lists(st.sampled_from(["red", "green", "blue", "black", "white", "grey"]),
                                min_size=SIZE + WINDOW - 1, max_size=24))
def test_winnowing_finds_every_shared_run_long_enough(before: list[str], after: list[str], shared: list[str]) -> None:
    """Any run of SIZE + WINDOW - 1 words two texts share leaves a fingerprint in both."""
    key = b"k" * 32
    one = fingerprints(" ".join([*before, "one", *shared, "two"]), key)
    other = fingerprints(" ".join(["three", *shared, "four", *after]), key)
    assert np.isin(one, other).any()


def test_siphash_is_the_reference_algorithm() -> None:
    """The keyed hash of the index is SipHash-2-4: the reference test vector (key 00..0f, message 00..07)."""
    from redact.shingles import siphash8

    message = np.array([int.from_bytes(bytes(range(8)), "little")], dtype=np.uint64)
    assert int(siphash8(message, bytes(range(16)))[0]) == 0x93F5F5799A932462


def test_a_prior_that_cannot_be_read_stops_the_run_before_it_writes(tmp_path: Path) -> None:
    two_documents(tmp_path / "in")
    result = CliRunner().invoke(main, ["run", str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--format",
                                       "text", "--prior", str(tmp_path / "in")])
    assert result.exit_code == 2 and "no audit log here" in result.output
    assert not (tmp_path / "out").exists()


def test_an_index_torn_by_a_kill_is_repaired_before_the_next_write(tmp_path: Path, public_release) -> None:
    """A documents line and a record cut short (a kill mid-write) are cut off: the next documents
    are numbered past them and every record stays aligned, so the join finds what it should."""
    paths = two_documents(tmp_path / "in")
    run(paths[:1], public_release, options(tmp_path / "out"))
    folder = tmp_path / "out" / INDEX_DIR
    with (folder / "documents.jsonl").open("a", encoding="utf-8") as stream:
        stream.write('{"doc": 1, "source": "torn')
    for part in folder.glob("part-*.bin"):
        with part.open("ab") as stream:
            stream.write(b"\x01\x02\x03")
    result = run(paths, public_release, options(tmp_path / "out"))
    assert result.findings is not None
    assert [(r["released"]["doc_id"], r["withheld"]["doc_id"]) for r in result.findings.conflicts] == [("B", "A")]
    entries = Index(folder).entries(Index(folder).current())
    assert sorted(e["doc_id"] for e in entries.values()) == ["A", "B"]
