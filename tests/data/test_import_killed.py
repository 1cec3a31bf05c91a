"""An import killed in the middle of its write leaves all of its rows or none, after
`mibtrack repair` — wherever the write was cut, at a line boundary included."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mibtrack.cli import run
from support import without_notices

SRC = Path(__file__).resolve().parents[2] / "src"

#: A child process that runs `mibtrack import` with os.write cut short: the first write of
#: the batch puts `cut` bytes (or, with a negative cut, up to the n-th newline) on disk,
#: then the process kills itself with SIGKILL — no cleanup, no finally blocks.
CHILD = r"""
import os, signal, sys
import mibtrack.ledger.feed as feed
from mibtrack.cli import run

cut = int(sys.argv[1])
real_write = os.write

def dying_write(fd, data):
    data = bytes(data)
    if len(data) < 200 or not data.startswith(b'{"v":'):  # not the batch (the journal)
        return real_write(fd, data)
    if cut >= 0:
        end = cut
    else:                        # exactly after the (-cut)-th newline: whole lines only
        end, seen = 0, 0
        while seen < -cut:
            end = data.index(b"\n", end) + 1
            seen += 1
    real_write(fd, data[:end])
    os.kill(os.getpid(), signal.SIGKILL)

os.write = dying_write
sys.exit(run(sys.argv[2:]))
"""


def _rows(n: int) -> str:
    return "metric,value,date,note\n" + "".join(
        f"funding_eur,{1000 + i},2025-01-{1 + i % 28:02d},row {i}\n" for i in range(n))


def _count(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = run(["--dir", str(root), "log", "--json"])
    out = capsys.readouterr()
    assert code == 0
    return len(json.loads(out.out)["entries"]), without_notices(out.err)


@pytest.mark.parametrize("cut", [1, 777, 5000, -1, -20, -49])
def test_a_killed_import_leaves_all_rows_or_none_after_repair(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], cut: int) -> None:
    assert run(["--dir", str(project), "record", "jobs", "7", "--date", "2025-01-01"]) == 0
    path = tmp_path / "rows.csv"
    path.write_text(_rows(50), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(SRC), "MIBTRACK_WRITER": "tester"}
    child = subprocess.run([sys.executable, "-c", CHILD, str(cut), "--dir", str(project),
                            "import", str(path)], env=env, capture_output=True, text=True)
    assert child.returncode == -9, child.stderr

    # before repair: readers see only the entry before the import, and say why
    count, err = _count(project, capsys)
    assert count == 1
    assert "torn last line" in err and "mibtrack repair" in err
    # appending is refused until the feed is repaired
    capsys.readouterr()
    assert run(["--dir", str(project), "record", "jobs", "8", "--date", "2025-01-02"]) == 4
    assert "mibtrack repair" in capsys.readouterr().err

    assert run(["--dir", str(project), "repair"]) == 0
    assert "quarantined" in capsys.readouterr().out
    assert list((project / "ledger").glob("*.pending")) == []
    assert run(["--dir", str(project), "verify"]) == 0
    count, err = _count(project, capsys)
    assert (count, err) == (1, "")  # none of the 50 rows: the batch never completed

    # and the import, run again, records all of them
    assert run(["--dir", str(project), "import", str(path)]) == 0
    assert _count(project, capsys)[0] == 51


def test_an_import_killed_after_its_write_completed_keeps_every_row(
        project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Killed after the fsync but before the journal was removed: the batch is whole."""
    path = tmp_path / "rows.csv"
    path.write_text(_rows(50), encoding="utf-8")
    child = CHILD.replace("os.write = dying_write", "os.unlink = lambda *a, **k: "
                          "os.kill(os.getpid(), signal.SIGKILL)")
    child = child.replace("import os, signal, sys", "import os, pathlib, signal, sys\n"
                          "import tempfile; tempfile.gettempdir()  # (it probes with unlink)\n"
                          "pathlib.Path.unlink = lambda *a, **k: os.kill(os.getpid(), 9)")
    env = {**os.environ, "PYTHONPATH": str(SRC), "MIBTRACK_WRITER": "tester"}
    done = subprocess.run([sys.executable, "-c", child, "0", "--dir", str(project), "import",
                           str(path)], env=env, capture_output=True, text=True)
    assert done.returncode == -9, done.stderr
    assert list((project / "ledger").glob("*.pending"))  # the journal was left behind
    assert _count(project, capsys) == (50, "")
    assert run(["--dir", str(project), "repair"]) == 0
    assert list((project / "ledger").glob("*.pending")) == []
    assert run(["--dir", str(project), "record", "jobs", "8", "--date", "2025-01-02"]) == 0
    assert _count(project, capsys)[0] == 51
