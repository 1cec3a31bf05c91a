"""On a terminal a large import shows a progress bar on stderr; with NO_COLOR, --quiet or
in a pipe it shows none (checked in a real pseudo-terminal)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from support import without_notices

pty = pytest.importorskip("pty")
SRC = Path(__file__).resolve().parents[2] / "src"


def _on_a_terminal(args: list[str], env_extra: dict[str, str]) -> bytes:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env.update({"PYTHONPATH": str(SRC), "MIBTRACK_WRITER": "tester", "COLUMNS": "100",
                **env_extra})
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execve(sys.executable, [sys.executable, "-m", "mibtrack", *args], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, out
    return out


@pytest.mark.parametrize(("extra", "global_args", "bar"), [
    ({}, [], True), ({"NO_COLOR": "1"}, [], False), ({}, ["--quiet"], False)])
def test_progress_bar_only_on_a_colour_terminal(project: Path, tmp_path: Path, extra, global_args,
                                                bar: bool) -> None:
    path = tmp_path / "big.csv"
    path.write_text("metric,value,date\n" + "".join(
        f"funding_eur,{i},2025-01-01\n" for i in range(6000)), encoding="utf-8")
    out = _on_a_terminal(["--dir", str(project), *global_args, "import", str(path)], extra)
    assert (b"checking lines" in out) is bar
    assert (b"\x1b[" in out) is bar
    shown = without_notices(out.decode().replace("\r\n", "\n"))  # no plan version: a notice
    assert shown.rstrip().endswith(f"imported 6000 entries from {path}")


def test_export_to_a_terminal_shows_control_codes_instead_of_sending_them(
        project: Path, cli) -> None:  # noqa: ANN001
    cli("note", "jobs", "bell\x07 and \x1b[31mred", "--date", "2025-01-01")
    out = _on_a_terminal(["--dir", str(project), "export", "--format", "csv"],
                         {"NO_COLOR": "1"})
    assert b"\x07" not in out and b"\x1b" not in out
    assert b"bell\\x07 and \\x1b[31mred" in out
    piped = cli("export", "--format", "csv").out  # a file or a pipe keeps every byte
    assert "bell\x07 and \x1b[31mred" in piped
