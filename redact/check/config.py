"""Configuration discovery: ``[tool.redact]`` in pyproject.toml, or ``.redact.yaml``.

The nearest file, from the current directory up, wins; command-line options
override it. Keys: ``policy``, ``paths``, ``select``, ``ignore``, ``fail-on``, ``format``.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from ..errors import PolicyError, RedactError

KEYS = {"policy", "paths", "select", "ignore", "fail-on", "format", "as-of"}


def _line(data: Any, key: str) -> tuple[int | None, int | None]:
    """Where a key is written, when the file was read with positions (YAML); else unknown (TOML)."""
    try:
        line, column = data.lc.key(key)
        return int(line) + 1, int(column) + 1
    except (AttributeError, KeyError, TypeError):
        return None, None


def _validated(data: Any, path: Path) -> dict[str, Any]:
    """The configuration's keys; or every problem in it, in one PolicyError."""
    if not isinstance(data, dict):
        raise PolicyError("the redact configuration must be a table of keys", path=str(path))
    problems: list[RedactError] = []
    for key in data:
        if key not in KEYS:
            close = difflib.get_close_matches(str(key), sorted(KEYS), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else f" (known: {', '.join(sorted(KEYS))})"
            line, column = _line(data, key)
            problems.append(PolicyError(f"unknown key '{key}'{hint}", path=str(path), line=line, column=column,
                                        key=str(key)))
    for key in ("select", "ignore", "paths"):
        if key in data and not (isinstance(data[key], list) and all(isinstance(v, str) for v in data[key])):
            line, column = _line(data, key)
            problems.append(PolicyError("must be a list of strings", path=str(path), line=line, column=column,
                                        key=key))
    if problems:
        raise PolicyError.all_of(problems)
    return {str(k): v for k, v in data.items()}


def discover(start: Path | None = None) -> tuple[dict[str, Any], Path | None]:
    directory = (start or Path.cwd()).resolve()
    for folder in (directory, *directory.parents):
        yaml_file = folder / ".redact.yaml"
        if yaml_file.is_file():
            # Round-trip loading keeps each key's line for the messages.
            return _validated(YAML().load(yaml_file.read_text(encoding="utf-8")) or {}, yaml_file), yaml_file
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file():
            try:
                data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as error:
                raise PolicyError(f"invalid TOML: {error}", path=str(pyproject)) from None
            section = data.get("tool", {}).get("redact")
            if section is not None:
                return _validated(section, pyproject), pyproject
    return {}, None
