"""Fixtures of the data tests (import, export, schema): CSV files written in the test,
a fresh second project, and the ledger's parsed `log --json`."""

from __future__ import annotations

import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest


@pytest.fixture
def write_csv(tmp_path: Path):
    """write_csv("a.csv", text, encoding=..., bom=...) -> the file's path (bytes exact)."""

    def write(name: str, text: str, *, crlf: bool = False, bom: bool = False) -> Path:
        path = tmp_path / name
        data = text.replace("\n", "\r\n") if crlf else text
        path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data.encode("utf-8"))
        return path

    return write


@pytest.fixture
def fresh_project(project: Path, tmp_path: Path) -> Path:
    """A second, empty project with the same objectives.toml (an export's destination)."""
    root = tmp_path / "fresh"
    root.mkdir()
    shutil.copy(project / "objectives.toml", root / "objectives.toml")
    (root / "ledger").mkdir()
    return root


@pytest.fixture
def entries(cli):
    """entries(root=None) -> the entries of `log --json` (a list of dicts)."""

    def read(root: Path | None = None) -> list[dict]:
        result = cli("log", "--json", root=root)
        assert result.code == 0, result.err
        return json.loads(result.out, parse_float=Decimal)["entries"]

    return read
