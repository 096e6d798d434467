"""The parser against the viewer's truth on 809 real cables (../shared/corpus/cablegate)."""

from __future__ import annotations

from pathlib import Path

import pytest

from redact import parse
from redact.model import Kind

from .corpus_truth import Agreement, compare, truth_records

# Disagreements that remain, each with its reason: (cable id, printed number).
EXPECTED_DISAGREEMENTS: dict[tuple[str, int], str] = {}


@pytest.fixture(scope="module")
def parsed_corpus(corpus_dir: Path):
    documents = {}
    for path in sorted(corpus_dir.glob("*.txt")):
        documents[path.stem] = parse(path.read_text(encoding="utf-8"), source=str(path), doc_id=path.stem)
    return documents


def test_every_cable_parses(parsed_corpus, corpus_dir: Path) -> None:
    assert len(parsed_corpus) == len(list(corpus_dir.glob("*.txt"))) >= 800
    broken = [name for name, d in parsed_corpus.items() if any(p.code == "parse-error" for p in d.problems)]
    assert broken == []


def test_agreement_with_the_truth_on_marked_paragraphs(parsed_corpus, corpus_dir: Path) -> None:
    truth = truth_records(corpus_dir)
    agreement = Agreement()
    for name, document in parsed_corpus.items():
        compare(document, truth[name], agreement)
    print(f"\ncorpus truth agreement: {agreement.agreed}/{agreement.checked} "
          f"marked paragraphs = {agreement.ratio:.4%}")
    unexplained = [row for row in agreement.disagreements if (row[0], row[1]) not in EXPECTED_DISAGREEMENTS]
    assert agreement.checked > 8000
    assert agreement.ratio >= 0.995
    assert unexplained == []
    assert agreement.lowered == []  # no C/S/TS paragraph ever read lower


def test_every_portion_is_marked_inherited_or_reported(parsed_corpus) -> None:
    """Fail closed: an unmarked portion always comes with an unmarked-portion problem."""
    for document in parsed_corpus.values():
        reported = {p.line for p in document.problems if p.code == "unmarked-portion"}
        for portion in document.portions:
            if portion.marking is None and portion.kind in (Kind.PARAGRAPH, Kind.TEXT):
                assert portion.start_line in reported, (document.source, portion.index)
