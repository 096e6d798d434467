"""The wheel carries the grammars, policies, templates, fonts and schema, and works outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_works_outside_the_checkout(tmp_path: Path) -> None:
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path / "dist"),
                            str(ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    wheel = next((tmp_path / "dist").glob("redact_declass-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("redact/grammar/cable.lark", "redact/grammar/marking.lark", "redact/grammar/memo.lark",
                   "redact/grammar/common.lark", "redact/policies/public-release.yaml",
                   "redact/render/templates/release.html.j2", "redact/render/fonts/DejaVuSansMono.ttf",
                   "redact/render/fonts/LICENSE-DejaVu.txt", "redact/policy.schema.json"):
        assert needed in names, needed
    target = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(target)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    example = str(ROOT / "examples" / "08ASTANA2450.txt")
    code = ("import redact.resources as r; from redact import parse, load_policy;"
            "print(r.data_dir('grammar')); print(load_policy('public-release').files[0]);"
            f"print(len(parse(open({example!r}).read()).portions))")
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run([sys.executable, "-c", code], cwd=elsewhere, capture_output=True, text=True, env=env)
    assert result.returncode == 0, result.stderr
    grammar, policy, portions = result.stdout.splitlines()
    assert grammar == str(target / "redact" / "grammar")
    assert policy.startswith(str(target / "redact" / "policies"))
    assert int(portions) == 12
