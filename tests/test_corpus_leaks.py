"""The header-field leak class, on every real document the project has: no classified paragraph
rides out in a release under any bundled policy, in either cable layout or the newsletter genre.

Two independent checks per document and policy:
- tests/leakscan.py finds every printed marking with its own regular expressions (including
  paragraphs that start in the middle of a line) and proves that no 6-word run of a paragraph
  the policy must withhold is in the released text;
- the verifier's second line of defence (redact.marking_check.released_markings) finds no portion
  marking above the policy's ceiling printed where a portion starts in released text, which
  also shows it has no false positive on real documents.
"""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor
from functools import cache
from pathlib import Path

import pytest

from redact import Context, Policy, decide, load_policy, parse
from redact.batch import run
from redact.marking_check import released_markings
from redact.model import Level
from redact.pipeline import Options

from .conftest import AS_OF
from .corpus_truth import LevelAgreement, compare_levels
from .leakscan import leaked_segments
from .test_bundled_policies import POLICIES
from .test_canonical import assert_log_records_are_canonical

AUDIENCE = "GBR"


@cache
def _policy(name: str) -> Policy:
    return load_policy(name)


def _scan(path: str) -> tuple[str, str, int, int, int]:
    """(document, layout, leaked segments, marking findings, parse errors) over every policy."""
    text = Path(path).read_text(encoding="utf-8", errors="replace")
    document = parse(text, source=path, doc_id=Path(path).stem)
    context = Context(as_of=AS_OF, audience=AUDIENCE)
    leaks = findings = 0
    for name in POLICIES:
        policy = _policy(name)
        leaks += len(leaked_segments(text, document, policy, context))
        findings += len(released_markings(document, decide(document, policy, context), policy.ceiling,
                                          policy.released_controls))
    errors = sum(p.code == "parse-error" for p in document.problems)
    return Path(path).stem, document.layout, leaks, findings, errors


@pytest.fixture(scope="module")
def scanned(corpus_dir: Path, mirror_dir: Path, sidtoday_dir: Path) -> dict[str, list[tuple[str, str, int, int, int]]]:
    results = {}
    with ProcessPoolExecutor(2) as pool:
        for folder in (corpus_dir, mirror_dir, sidtoday_dir):
            paths = [str(p) for p in sorted(folder.glob("*.txt"))]
            results[folder.name] = list(pool.map(_scan, paths, chunksize=16))
    return results


@pytest.mark.parametrize("corpus", ["cablegate", "mirror", "sidtoday"])
def test_no_classified_paragraph_is_released(scanned, corpus: str) -> None:
    rows = scanned[corpus]
    leaked = [(name, n) for name, _, n, _, _ in rows if n]
    findings = [(name, n) for name, _, _, n, _ in rows if n]
    errors = [name for name, _, _, _, n in rows if n]
    layouts = {layout: sum(r[1] == layout for r in rows) for layout in sorted({r[1] for r in rows})}
    print(f"\n{corpus}: {len(rows)} documents {layouts} x {len(POLICIES)} policies: "
          f"{sum(n for _, n in leaked)} leaked paragraphs, {sum(n for _, n in findings)} released markings "
          f"above the ceiling, {len(errors)} parse errors")
    assert len(rows) > 800
    assert leaked == []
    assert findings == []  # also: the verifier's marking check has no false positive here
    assert errors == []


def test_marked_paragraphs_of_the_mirror_read_at_their_level(mirror_dir: Path) -> None:
    agreement = LevelAgreement()
    for line in (mirror_dir / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        path = mirror_dir / f"{record['id']}.txt"
        document = parse(path.read_text(encoding="utf-8", errors="replace"), source=str(path))
        compare_levels(document, record, agreement, record["layout"])
    for layout in sorted(agreement.checked):
        print(f"\nmirror {layout}: {agreement.agreed.get(layout, 0)}/{agreement.checked[layout]} marked paragraphs "
              f"at their printed level = {agreement.ratio(layout):.4%}")
    assert sum(agreement.checked.values()) > 10_000
    assert all(agreement.ratio(layout) >= 0.998 for layout in agreement.checked), agreement.missed[:20]
    assert agreement.lowered == []


def test_marked_paragraphs_of_cablegate_read_at_their_level(corpus_dir: Path) -> None:
    agreement = LevelAgreement()
    for line in (corpus_dir / "truth.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        path = corpus_dir / f"{record['id']}.txt"
        document = parse(path.read_text(encoding="utf-8"), source=str(path))
        compare_levels(document, record, agreement, "cablegate")
    print(f"\ncablegate: {agreement.agreed['cablegate']}/{agreement.checked['cablegate']} marked paragraphs "
          f"at their printed level = {agreement.ratio('cablegate'):.4%}")
    assert agreement.ratio("cablegate") >= 0.998, agreement.missed[:20]
    assert agreement.lowered == []


def test_every_mirror_cable_is_released_and_verified(tmp_path: Path, mirror_dir: Path, public_release) -> None:
    paths = sorted(mirror_dir.glob("*.txt"))
    result = run(paths, public_release, Options(out_dir=tmp_path, formats=("html",), as_of=AS_OF), jobs=2)
    print(f"\nmirror through `run` (public-release, HTML): {result.count} documents, {len(result.failed)} failed")
    assert result.failed == [] and result.count == len(paths) > 2000
    assert assert_log_records_are_canonical(tmp_path / "audit.jsonl") >= len(paths)


def _sidtoday_figures(path: Path, record: dict) -> tuple[str, int, int, int, int, int, list[tuple[str, int, str]]]:
    """(type, truth paragraphs, read at their level, read lower, plain (U) ones, of which released,
    misses) for one article under public-release."""
    document = parse(path.read_text(encoding="utf-8", errors="replace"), source=str(path))
    decisions = decide(document, _policy("public-release"), Context(as_of=AS_OF))
    at_line = {p.start_line: (p, d) for p, d in zip(document.portions, decisions.portions, strict=True)}
    agreed = lowered = plain = released = 0
    misses = []
    for paragraph in record["paragraphs"]:
        found = at_line.get(paragraph["line"])
        marking = found[0].marking if found else None
        level = marking.level.name if marking is not None and marking.recognised else None
        if level == paragraph["level"]:
            agreed += 1
        else:
            misses.append((record["id"], paragraph["line"], paragraph["marking"]))
            lowered += level is not None and Level[level] < Level[paragraph["level"]]
        if paragraph["marking"].strip() == "(U)":
            plain += 1
            released += found is not None and not found[1].withheld
    return document.doc_type, len(record["paragraphs"]), agreed, lowered, plain, released, misses


def test_sidtoday_articles_are_read_as_marked_documents(sidtoday_dir: Path) -> None:
    """The CAPCO genre (#18): detected as marked documents, not cables; every paragraph that opens
    with a marking read at its printed level, none lower; plain (U) paragraphs released."""
    truth = [json.loads(line) for line in (sidtoday_dir / "truth.jsonl").read_text(encoding="utf-8").splitlines()]
    rows = [_sidtoday_figures(sidtoday_dir / f"{record['id']}.txt", record) for record in truth]
    memos = sum(row[0] == "memo" for row in rows)
    checked, agreed, lowered, plain, released = (sum(row[i] for row in rows) for i in range(1, 6))
    print(f"\nsidtoday: {memos}/{len(rows)} read as marked documents; {agreed}/{checked} marked paragraphs at "
          f"their printed level = {agreed / checked:.2%}, {lowered} lower; plain (U) released under "
          f"public-release: {released}/{plain} = {released / plain:.2%}")
    assert memos >= 0.95 * len(rows)
    assert agreed >= 0.99 * checked, [m for row in rows for m in row[6]][:20]
    assert lowered == 0
    assert released >= 0.95 * plain
