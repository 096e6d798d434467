"""Configuration discovery: ``[tool.redact]`` in pyproject.toml, or ``.redact.yaml``.

The nearest file, from the current directory up, wins; command-line options
override it. Keys: ``policy``, ``paths``, ``select``, ``ignore``, ``fail-on``, ``format``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from ..errors import PolicyError

KEYS = {"policy", "paths", "select", "ignore", "fail-on", "format", "as-of"}


def _validated(data: Any, path: Path) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PolicyError("the redact configuration must be a table of keys", path=str(path))
    unknown = sorted(set(data) - KEYS)
    if unknown:
        raise PolicyError(f"unknown key (known: {', '.join(sorted(KEYS))})", path=str(path), key=unknown[0])
    for key in ("select", "ignore", "paths"):
        if key in data and not (isinstance(data[key], list) and all(isinstance(v, str) for v in data[key])):
            raise PolicyError("must be a list of strings", path=str(path), key=key)
    return {k: v for k, v in data.items()}


def discover(start: Path | None = None) -> tuple[dict[str, Any], Path | None]:
    directory = (start or Path.cwd()).resolve()
    for folder in (directory, *directory.parents):
        yaml_file = folder / ".redact.yaml"
        if yaml_file.is_file():
            return _validated(YAML(typ="safe").load(yaml_file.read_text(encoding="utf-8")) or {}, yaml_file), \
                yaml_file
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
