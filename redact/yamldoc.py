"""YAML files that people write (policies, review files): read with the line of every key,
validated by a pydantic model, every problem reported at once as ``file:line:col: key: message``.

Safe by construction: no tags (``!!python/object``), no anchors or aliases (alias bombs), a size
limit, UTF-8 only. An unknown key is always named, with the known key it most resembles.
"""

from __future__ import annotations

import difflib
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

from .errors import PolicyError, RedactError

MAX_BYTES = 1_000_000
Model = TypeVar("Model", bound=BaseModel)


def _reject_unsafe(node: Node | None, path: str, what: str, error: type[PolicyError]) -> None:
    """No aliases (alias bombs) and no tags (``!!python/object``) in a file people write."""
    seen: set[int] = set()
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        mark = current.start_mark
        if id(current) in seen or current.anchor is not None:
            raise error(f"anchors and aliases are not allowed in a {what}",
                        path=path, line=mark.line + 1, column=mark.column + 1)
        seen.add(id(current))
        tag = str(getattr(current.tag, "value", current.tag) or "")
        if tag and (not tag.startswith("tag:yaml.org,2002:") or tag.startswith("tag:yaml.org,2002:python")):
            raise error(f"tag {tag} is not allowed in a {what}",
                        path=path, line=mark.line + 1, column=mark.column + 1)
        if isinstance(current, MappingNode):
            for key, value in reversed(current.value):
                stack.extend([value, key])
        elif isinstance(current, SequenceNode):
            stack.extend(reversed(current.value))
        elif not isinstance(current, ScalarNode):
            raise error("unexpected YAML node", path=path)


def load_mapping(raw: bytes, shown: str, what: str = "policy", error: type[PolicyError] = PolicyError,
                 max_bytes: int = MAX_BYTES) -> CommentedMap:
    """The file's top-level mapping, every key with its line; or ``error`` at the place it breaks."""
    if len(raw) > max_bytes:
        raise error(f"the {what} is larger than {max_bytes} bytes", path=shown)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as problem:
        raise error(f"the {what} is not UTF-8 (byte {problem.start})", path=shown) from None
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        node = yaml.compose(text)
        _reject_unsafe(node, shown, what, error)
        # built from the tree just checked: loading the text again would parse it a second time
        data = yaml.constructor.construct_document(node) if node is not None else None
    except MarkedYAMLError as problem:
        mark = problem.problem_mark or problem.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        raise error((problem.problem or "invalid YAML").strip(), path=shown, line=line, column=column) from None
    except ReaderError as problem:  # a control character: found by fuzzing
        position = max(0, int(problem.position))
        line = text.count("\n", 0, position) + 1
        column = position - text.rfind("\n", 0, position)
        raise error(f"character {problem.character!r} is not allowed in YAML", path=shown, line=line,
                    column=column) from None
    except YAMLError as problem:
        raise error(f"invalid YAML ({type(problem).__name__})", path=shown) from None
    if not isinstance(data, CommentedMap):
        article = "an" if what[0] in "aeiou" else "a"
        raise error(f"{article} {what} is a mapping of keys", path=shown, line=1)
    return data


def locate(data: Any, loc: tuple[int | str, ...], missing: bool) -> tuple[int | None, int | None, str]:
    """The line, column and dotted key of a pydantic error location in the YAML."""
    line: int | None = None
    column: int | None = None
    node = data
    keys: list[str] = []
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            position = node.lc.key(part)
            line, column = position[0] + 1, position[1] + 1
            node = node[part]
            keys.append(str(part))
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
            position = node.lc.item(part)
            line, column = position[0] + 1, position[1] + 1
            node = node[part]
            keys.append(f"[{part}]")
        else:
            # A key the file lacks (only for "missing" errors); otherwise pydantic's
            # name for a union branch ("literal['U','C']"), which is no key at all.
            if missing and isinstance(node, CommentedMap):
                keys.append(str(part))
            if isinstance(node, CommentedMap) and line is None:
                line, column = node.lc.line + 1, node.lc.col + 1
            break
    dotted = ".".join(keys).replace(".[", "[")
    return line, column, dotted


def plain(value: Any) -> Any:
    """ruamel's mappings and sequences as plain dicts and lists (what pydantic validates)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def known_keys(*models: type[BaseModel]) -> list[str]:
    """Every key the models take, at any level: what a misspelt key is compared with."""
    names: set[str] = set()
    for model in models:
        for name, info in model.model_fields.items():
            names.add(info.alias or name)
    return sorted(names)


def _problem(data: CommentedMap, shown: str, found: Any, keys: list[str], error: type[PolicyError]) -> PolicyError:
    line, column, key = locate(data, tuple(found["loc"]), found["type"] == "missing")
    message = str(found["msg"]).removeprefix("Value error, ")
    if found["type"] == "extra_forbidden":
        unknown = str(found["loc"][-1])
        close = difflib.get_close_matches(unknown, keys, n=1)
        message = f"unknown key '{unknown}'" + (f" (did you mean '{close[0]}'?)" if close else "")
    return error(message, path=shown, line=line, column=column, key=key)


def validate(model: type[Model], data: CommentedMap, shown: str, keys: list[str],
             error: type[PolicyError] = PolicyError) -> Model:
    """The file as ``model``; or every problem pydantic finds in it, in one error, sorted by line."""
    try:
        return model.model_validate(plain(data))
    except ValidationError as failure:
        problems: list[RedactError] = []
        seen: set[str] = set()
        for found in failure.errors():
            problem = _problem(data, shown, found, keys, error)
            if str(problem) not in seen:  # a union reports one problem once per branch
                seen.add(str(problem))
                problems.append(problem)
        raise error.all_of(problems) from None
