"""Shared fixtures: the seed cables (copied into tests/fixtures) and the shared corpus."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from redact import Context, decide, load_policy, parse
from redact.model import Document

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
SEEDS = FIXTURES / "cables"
SHARED = TESTS.parent.parent / "shared"
CORPUS = SHARED / "corpus" / "cablegate"
AS_OF = date(2026, 11, 23)


def seed_path(name: str) -> Path:
    return SEEDS / f"{name}.txt"


def parse_seed(name: str) -> Document:
    path = seed_path(name)
    return parse(path.read_text(encoding="utf-8"), source=str(path), doc_id=name)


@pytest.fixture(scope="session")
def public_release():
    return load_policy("public-release")


@pytest.fixture(scope="session")
def seeds() -> dict[str, Document]:
    return {name: parse_seed(name) for name in ("08ASTANA2450", "09ASTANA1444")}


def shared_corpus(name: str) -> Path:
    """A corpus under ../shared/corpus: skipped when absent, a failure in CI."""
    folder = SHARED / "corpus" / name
    if not folder.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"the shared corpus is missing at {folder}")
        pytest.skip("the shared corpus is not beside this checkout")
    return folder


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return shared_corpus("cablegate")


@pytest.fixture(scope="session")
def mirror_dir() -> Path:
    return shared_corpus("mirror")


@pytest.fixture(scope="session")
def sidtoday_dir() -> Path:
    return shared_corpus("sidtoday")


def decided(document: Document, policy, as_of: date = AS_OF, audience: str | None = None):
    return decide(document, policy, Context(as_of=as_of, audience=audience))
