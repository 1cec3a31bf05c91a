"""Shared fixtures: every test gets its own project folder and runs the CLI in-process."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pytest

from mibtrack.cli import run

#: A small programme written out in full, so each test's numbers can be worked out by hand.
SMALL_TOML = """\
[program]
name = "Test programme"
code = "TST"
start = 2024-01-01
end = 2030-12-31
currency = "EUR"

[metrics.jobs]
unit = "jobs"
aggregate = "latest"
cadence = "quarterly"

[metrics.funding_eur]
unit = "EUR"
aggregate = "sum"

[[objectives]]
id = "jobs"
title = "100 jobs by 2026"
kind = "target"
metric = "jobs"
target = 100
due = 2026-01-01

[[objectives]]
id = "funding"
title = "€10M raised"
kind = "target"
metric = "funding_eur"
target = 10_000_000
due = 2027-12-31

[[objectives]]
id = "launch"
title = "Launch"
kind = "milestone"
due = 2024-06-30
"""


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's environment: fixed writer, no colour, no MIBTRACK_DIR."""
    monkeypatch.delenv("MIBTRACK_DIR", raising=False)
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
def cli(project: Path, capsys: pytest.CaptureFixture[str]):  # noqa: ANN201
    """cli("record", "jobs", "5") runs `mibtrack --dir <project> record jobs 5`."""

    def invoke(*args: str, root: Path | None = None) -> Result:
        capsys.readouterr()
        code = run(["--dir", str(root or project), *args])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


def ledger_digest(root: Path) -> dict[str, str]:
    """Every file under ledger/ and its SHA-256: to show a refused command wrote nothing."""
    folder = root / "ledger"
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
