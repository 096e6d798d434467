"""The layering contract (pyproject.toml, [tool.importlinter]) holds, and it does catch a violation;
no module imports the package root (which imports every layer)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parent.parent
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(package_parent: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], capture_output=True,
                          text=True, cwd=package_parent, env={**os.environ, "PYTHONPATH": str(package_parent)})


def test_the_layers_hold() -> None:
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "1 kept, 0 broken" in result.stdout


def test_a_lower_layer_importing_a_higher_one_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "redact", tmp_path / "redact")
    model = tmp_path / "redact" / "model.py"
    model.write_text(model.read_text(encoding="utf-8") + "\nfrom .batch import run  # deliberate\n",
                     encoding="utf-8")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "redact.model -> redact.batch" in result.stdout


def test_no_module_imports_the_package_root() -> None:
    graph = grimp.build_graph("redact")
    importers = sorted(module for module in graph.modules
                       if module != "redact" and "redact" in graph.find_modules_directly_imported_by(module))
    assert importers == []


# The readable-parser guide (issue 16): no module of the package over 600 lines, no function over 100.
MODULE_LINES = 600
FUNCTION_LINES = 100


def _too_long(source: str, name: str) -> list[str]:
    found = [f"{name}: {source.count(chr(10))} lines"] if source.count("\n") > MODULE_LINES else []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None \
                and node.end_lineno - node.lineno + 1 > FUNCTION_LINES:
            found.append(f"{name}: {node.name} is {node.end_lineno - node.lineno + 1} lines")
    return found


def test_no_module_or_function_is_past_the_size_guide() -> None:
    found = [problem for path in sorted((ROOT / "redact").rglob("*.py"))
             for problem in _too_long(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))]
    assert found == []


def test_the_size_guide_sees_a_long_function_and_a_long_module() -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(FUNCTION_LINES))
    assert _too_long(f"def long():\n{body}", "m.py") == ["m.py: long is 101 lines"]
    assert _too_long("x = 1\n" * (MODULE_LINES + 1), "m.py") == ["m.py: 601 lines"]
