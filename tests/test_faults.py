"""Faults with the real mechanisms: file permissions, a file-size limit, real processes and signals.
Nothing half-written is left, messages never quote withheld text, temporary folders stay clean."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from .conftest import SEEDS

CANARY_DOC = """SECRET
SUBJECT: (U) CANARY TEST
Classified By: Ambassador, Reasons 1.4 (b) and (d)
E.O. 12958: DECL: 01/01/2040

1. (S) CANARYALPHA the first withheld paragraph, long enough to need a page or two of text.

2. (C) CANARYBRAVO the second withheld paragraph.

3. (U) Released text.

4. (Iran) CANARYCHARLIE an unreadable marking.
"""
CANARIES = ("CANARYALPHA", "CANARYBRAVO", "CANARYCHARLIE", "Iran")


def redact(*args: str, env: dict[str, str] | None = None, preexec=None, user: str | None = None):
    command = [sys.executable, "-m", "redact", *args]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", "--regid=65534", "--clear-groups", *command]
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **(env or {})},
                          preexec_fn=preexec, timeout=300, cwd="/")


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


@contextmanager
def read_only_directory(path: Path):
    """A directory no one can write to: a read-only tmpfs as root (root ignores permissions), mode 555 otherwise."""
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o555)
        yield
        path.chmod(0o755)
        return
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(path)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"running as root and cannot mount a read-only tmpfs: {mounted.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", str(path)], check=False)


def test_read_only_output_directory(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with read_only_directory(out):
        result = redact("run", str(SEEDS / "08ASTANA2450.txt"), "--out", str(out), "--format", "html",
                        "--as-of", "2026-11-23")
        assert result.returncode == 2, result.stderr
        assert result.stderr.startswith(f"redact: error: {out}: the output directory is not writable: ")
        assert "Traceback" not in result.stderr
        assert leftovers(out) == []


def _nobody_can_run_redact() -> bool:
    probe = subprocess.run(["setpriv", "--reuid=nobody", "--regid=65534", "--clear-groups", sys.executable, "-c",
                            "import redact"], capture_output=True, cwd="/")
    return probe.returncode == 0


def test_unreadable_input_is_a_clear_error(tmp_path: Path) -> None:
    if os.geteuid() == 0 and (shutil.which("setpriv") is None or not _nobody_can_run_redact()):
        pytest.skip("running as root, and user nobody cannot run this interpreter to test file permissions")
    base = Path(tempfile.mkdtemp(prefix="redact-ur-"))
    try:
        base.chmod(0o755)
        source = base / "secret.txt"
        shutil.copy(SEEDS / "08ASTANA2450.txt", source)
        source.chmod(0o600)
        (base / "out").mkdir(mode=0o777)
        (base / "out").chmod(0o777)
        result = redact("run", str(source), "--out", str(base / "out"), "--format", "html",
                        user="nobody" if os.geteuid() == 0 else None, env={"HOME": str(base)})
        assert result.returncode == 2
        assert f"redact: error: {source}: cannot read: Permission denied" in result.stderr
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_missing_output_directory_is_created(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "out"
    result = redact("run", str(SEEDS / "08ASTANA2450.txt"), "--out", str(out), "--format", "text",
                    "--as-of", "2026-11-23")
    assert result.returncode == 0, result.stderr
    assert (out / "08ASTANA2450.release.txt").is_file()


def _file_size_limit(limit: int):
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_disk_full_leaves_no_partial_output_and_no_canary_in_messages(tmp_path: Path) -> None:
    source = tmp_path / "canary.txt"
    source.write_text(CANARY_DOC, encoding="utf-8")
    out = tmp_path / "out"
    system_tmp = tmp_path / "systmp"
    system_tmp.mkdir()
    result = redact("run", str(source), "--out", str(out), "--format", "html,pdf", "--as-of", "2026-11-23",
                    preexec=_file_size_limit(12_000), env={"TMPDIR": str(system_tmp)})
    assert result.returncode != 0
    assert "File too large" in result.stderr
    names = leftovers(out)
    assert not [n for n in names if ".release." in n], names  # no copy, whole or partial
    everything = result.stdout + result.stderr + "".join(names)
    everything += "".join(p.read_text(errors="replace") for p in out.rglob("*") if p.is_file())
    for canary in CANARIES:
        assert canary not in everything
    assert leftovers(system_tmp) == []


def test_a_normal_run_leaves_no_temporary_files(tmp_path: Path) -> None:
    system_tmp = tmp_path / "systmp"
    system_tmp.mkdir()
    out = tmp_path / "out"
    result = redact("run", str(SEEDS / "08ASTANA2450.txt"), "--out", str(out), "--format", "html,pdf",
                    "--as-of", "2026-11-23", env={"TMPDIR": str(system_tmp)})
    assert result.returncode == 0, result.stderr
    assert leftovers(system_tmp) == []
    assert not [n for n in leftovers(out) if n.startswith(".")]


def test_a_killed_run_leaves_nothing_in_the_system_temporary_folder(tmp_path: Path, corpus_dir: Path) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    for path in sorted(corpus_dir.glob("*.txt"))[:30]:
        shutil.copy(path, inputs / path.name)
    system_tmp = tmp_path / "systmp"
    system_tmp.mkdir()
    out = tmp_path / "out"
    process = subprocess.Popen([sys.executable, "-m", "redact", "run", str(inputs), "--out", str(out),
                                "--format", "pdf", "--jobs", "2", "--as-of", "2026-11-23"],
                               env={**os.environ, "TMPDIR": str(system_tmp)}, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob("*.release.pdf")):
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert leftovers(system_tmp) == []
    resumed = redact("run", str(inputs), "--out", str(out), "--format", "pdf", "--jobs", "2",
                     "--as-of", "2026-11-23", env={"TMPDIR": str(system_tmp)})
    assert resumed.returncode == 0, resumed.stderr
    assert not [n for n in leftovers(out) if n.startswith(".")]
    assert len(list(out.glob("*.release.pdf"))) == 30


def test_internal_errors_show_no_message(tmp_path: Path, monkeypatch) -> None:
    from click.testing import CliRunner

    from redact import cli

    def explode(*args, **kwargs):
        raise ValueError("CANARYDELTA withheld text quoted by a careless exception")

    monkeypatch.setattr(cli, "parse", explode)
    monkeypatch.delenv("REDACT_DEBUG", raising=False)
    result = CliRunner().invoke(cli.main, ["parse", str(SEEDS / "08ASTANA2450.txt")])
    assert result.exit_code == 3
    assert "CANARYDELTA" not in result.output
    assert result.stderr.startswith("redact: internal error: ValueError at test_faults.py:")
