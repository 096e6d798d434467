"""Where the shipped data lives: grammars, policies, templates, fonts.

An installed wheel carries ``grammar/`` and ``policies/`` inside the package
(hatchling force-include). A source checkout (editable install, or tests run
from the repository) keeps them at the top level, beside the package.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path


@cache
def data_dir(name: str) -> Path:
    """The directory ``name`` (``grammar`` or ``policies``) of this installation."""
    packaged = Path(str(resources.files("redact"))) / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"redact is installed without its {name}/ directory")


def grammar_path(filename: str) -> Path:
    return data_dir("grammar") / filename


def package_path(*parts: str) -> Path:
    """A file that lives inside the package itself (templates, fonts, schema)."""
    return Path(str(resources.files("redact"))).joinpath(*parts)
