"""Suite 3: the k-th write, fsync, open, rename or read fails (ENOSPC, EIO, EACCES), once or
always, during a command run in-process through `mibtrack.cli.run`.

Each run must end with no traceback, one stderr line, an exit code from SPEC (never 70),
the ledger byte-identical after a failed append, and `verify` clean afterwards.
"""

from __future__ import annotations

import errno
import os
import pathlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from mibtrack.ledger import Ledger

from .conftest import cli, figure, make_project, snapshot

ERRNOS = (errno.ENOSPC, errno.EIO, errno.EACCES)
OPS: dict[str, tuple[object, str]] = {
    "write": (os, "write"), "fsync": (os, "fsync"), "open": (os, "open"),
    "rename": (os, "rename"), "replace": (os, "replace"),
    "read": (pathlib.Path, "read_bytes"),
}
TORN = b'{"v":1,"seq":4,"type":"obse'


class Fault:
    """Wrap one function so that its k-th call (once) or every call from the k-th (always)
    raises OSError(err); count the calls."""

    def __init__(self, op: str, k: int, err: int, always: bool) -> None:
        self.owner, self.name = OPS[op]
        self.real: Callable = getattr(self.owner, self.name)
        self.k, self.err, self.always, self.calls, self.fired = k, err, always, 0, 0

    def wrapper(self) -> Callable:
        def faulty(*args, **kwargs):
            return self.call(*args, **kwargs)

        return faulty

    def call(self, *args, **kwargs):
        self.calls += 1
        if self.k and (self.calls == self.k or (self.always and self.calls > self.k)):
            self.fired += 1
            raise OSError(self.err, os.strerror(self.err))
        return self.real(*args, **kwargs)


def _seed(root: Path) -> Path:
    make_project(root)
    for n in range(3):
        code, _, err = cli("--dir", root, "--writer", "w", "record", "jobs", str(n + 1),
                           "--date", "2025-02-01")
        assert code == 0, err
    return root


COMMANDS: dict[str, tuple[list[str], Callable[[Path], None]]] = {
    "record": (["--writer", "w", "record", "jobs", "42", "--date", "2025-03-01"], lambda p: None),
    "record-new-feed": (["--writer", "fresh", "record", "jobs", "42", "--date", "2025-03-01"],
                        lambda p: None),
    "note": (["--writer", "w", "note", "launch", "venue booked"], lambda p: None),
    "repair": (["repair"], lambda p: (p / "ledger" / "w.jsonl").open("ab").write(TORN)),
    "verify": (["verify"], lambda p: None),
    "validate": (["validate"], lambda p: None),
    "log": (["log", "--json"], lambda p: None),
}


def _case(base: Path, work: Path, command: str, fault: Fault) -> tuple[int, str, str, dict]:
    if work.exists():
        shutil.rmtree(work)
    shutil.copytree(base, work)
    argv, prepare = COMMANDS[command]
    prepare(work)
    before = snapshot(work)
    mp = pytest.MonkeyPatch()
    mp.setattr(fault.owner, fault.name, fault.wrapper())
    try:
        code, out, err = cli("--dir", work, *argv)
    finally:
        mp.undo()
    return code, out, err, before


def test_io_faults(tmp_path: Path, scale: str) -> None:
    base = _seed(tmp_path / "base")
    work = tmp_path / "work"
    # how many calls of each op each command makes when nothing fails
    counts = {}
    for command in COMMANDS:
        for op in OPS:
            probe = Fault(op, 0, errno.EIO, False)
            code, _, err, _ = _case(base, work, command, probe)
            assert code == 0, (command, err)
            counts[command, op] = probe.calls
    runs = failures = fired = 0
    codes: dict[int, int] = {}
    problems: list[str] = []
    for (command, op), calls in counts.items():
        if not calls:
            continue
        ks = range(1, calls + 1) if scale == "full" else sorted({1, calls} - {0})
        for k in ks:
            for err_no in ERRNOS if scale == "full" else ERRNOS[:2]:
                for always in (False, True):
                    fault = Fault(op, k, err_no, always)
                    code, out, err, before = _case(base, work, command, fault)
                    runs += 1
                    fired += fault.fired > 0
                    codes[code] = codes.get(code, 0) + 1
                    tag = f"{command} {op}#{k} {errno.errorcode[err_no]} " \
                          f"{'always' if always else 'once'}: exit {code}: {err.strip()!r}"
                    if "Traceback" in err or code not in (0, 2, 3, 4):
                        problems.append(tag)
                        continue
                    if code != 0:
                        failures += 1
                        # one line, except `validate`, which lists every problem it finds
                        # (one line per unreadable feed, like every other broken feed)
                        lines = err.splitlines()
                        if len(lines) != 1 and not (command == "validate" and lines and all(
                                "cannot be read" in line for line in lines)):
                            problems.append(f"{tag}: not one stderr line")
                    problems.extend(_after(command, work, before, code, out, tag))
    figure("io-faults", f"{runs} faulted runs over {len(COMMANDS)} commands x "
           f"{len(OPS)} ops (calls per clean run: "
           f"{ {f'{c}/{o}': n for (c, o), n in counts.items() if n} }); fault fired in {fired}, "
           f"command refused in {failures}; exit codes {dict(sorted(codes.items()))}; "
           f"problems {len(problems)}")
    assert not problems, "\n".join(problems[:20])


def _after(command: str, work: Path, before: dict, code: int, out: str, tag: str) -> list[str]:
    """What must hold after one faulted run, checked without faults."""
    found = []
    after = snapshot(work)
    verdicts = Ledger(work / "ledger").verify()
    broken = [v.problem.describe() for v in verdicts if v.problem]
    if command.startswith("record") or command == "note":
        if code != 0:
            # a failed append leaves the ledger byte-identical (a new feed may stay empty)
            grown = {k: v for k, v in after.items() if before.get(k) != v
                     and not (k not in before and v == b"")}
            if grown or set(before) - set(after):
                found.append(f"{tag}: ledger changed by a failed append")
        elif out.strip() not in b"".join(after.values()).decode():
            found.append(f"{tag}: acknowledged id not in the ledger")
        if broken:
            found.append(f"{tag}: verify after: {broken}")
    elif command == "repair":
        quarantined = [v for k, v in after.items() if k.startswith("quarantine/")]
        feed = after["w.jsonl"]
        if code == 0:
            if feed != before["w.jsonl"][: -len(TORN)] or quarantined != [TORN] or broken:
                found.append(f"{tag}: repair reported success but did not quarantine exactly")
        elif not (feed == before["w.jsonl"] or (feed.endswith(b"\n") and TORN in quarantined)):
            found.append(f"{tag}: torn bytes neither in the feed nor in quarantine")
    elif after != before:
        found.append(f"{tag}: a reading command changed the ledger")
    return found
