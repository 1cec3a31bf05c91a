"""Shared fixtures: every test gets its own project folder and runs the CLI in-process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from mibtrack.cli import run
from support import SMALL_TOML


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) \
        -> None:
    """No test sees the developer's environment: fixed writer, no colour, no MIBTRACK_DIR,
    no signing key (the user's config dir is an empty folder), its own user cache folder
    (MIBTRACK_CACHE_DIR: the cache and the per-user key)."""
    monkeypatch.delenv("MIBTRACK_DIR", raising=False)
    monkeypatch.delenv("MIBTRACK_SIGNING_KEY", raising=False)
    monkeypatch.delenv("MIBTRACK_PASSPHRASE", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.setenv("MIBTRACK_CACHE_DIR", str(tmp_path_factory.mktemp("usercache")))
    monkeypatch.setenv("MIBTRACK_WRITER", "tester")
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh project folder holding SMALL_TOML and an empty ledger/."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "objectives.toml").write_text(SMALL_TOML, encoding="utf-8")
    (root / "ledger").mkdir()
    return root


@pytest.fixture
def cli(project: Path, capsys: pytest.CaptureFixture[str]):
    """cli("record", "jobs", "5") runs `mibtrack --dir <project> record jobs 5`."""

    def invoke(*args: str, root: Path | None = None) -> Result:
        capsys.readouterr()
        code = run(["--dir", str(root or project), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke
