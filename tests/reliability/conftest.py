"""Fixtures of the reliability suite: projects, the CLI in-process and in a child, figures.

Sizes: every suite has a reduced CI variant and a full variant marked `slow`
(`pytest -m slow tests/reliability`). Each test prints its measured figures (visible with
`-s`) and the suite repeats them all in a "reliability figures" section at the end.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mibtrack.cli import run

SRC = Path(__file__).resolve().parents[2] / "src"
WORKER = Path(__file__).resolve().parent / "worker.py"
_FIGURES: list[str] = []


def figure(name: str, text: str) -> None:
    """Print one line of real measurements and keep it for the end-of-run summary."""
    line = f"[{name}] {text}"
    print(line)
    _FIGURES.append(line)


def pytest_terminal_summary(terminalreporter) -> None:
    if _FIGURES:
        terminalreporter.section("reliability figures")
        for line in _FIGURES:
            terminalreporter.write_line(line)


@pytest.fixture(params=["ci", pytest.param("full", marks=pytest.mark.slow)])
def scale(request: pytest.FixtureRequest) -> str:
    """`ci` (the default run) or `full` (`-m slow`)."""
    return request.param


def cli(*argv: str | Path) -> tuple[int, str, str]:
    """Run one command line in-process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run([str(a) for a in argv])
    return code, out.getvalue(), err.getvalue()


def child_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(SRC), "NO_COLOR": "1", **extra}
    env.pop("MIBTRACK_DIR", None)
    return env


def cli_child(*argv: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m mibtrack ...` from this worktree's source in a child process."""
    return subprocess.run([sys.executable, "-m", "mibtrack", *map(str, argv)], cwd=cwd,
                          env=child_env(), capture_output=True, text=True, timeout=60)


def make_project(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    code, _, err = cli("--dir", root, "init")
    assert code == 0, err
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh `blank` project (metrics jobs, funding_eur; objectives jobs, funding, launch)."""
    return make_project(tmp_path / "proj")


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under the project's ledger/, by relative path, with its bytes."""
    ledger = root / "ledger"
    return {str(p.relative_to(ledger)): p.read_bytes()
            for p in sorted(ledger.rglob("*")) if p.is_file()}
