"""Suite 2: kill -9 a writer at random moments and at named points.

Named points are injected in the child only (worker.py monkeypatches os.write/os.fsync):
before the write, mid-write of a line larger than a page, between write and fsync. After
each kill: every acknowledged entry survives; a torn tail makes `verify` exit 4, reading
commands warn and exit 0, `record` refuse with exit 4 (writing nothing); `repair`
quarantines it byte for byte into ledger/quarantine/, and `repair` twice changes nothing.
"""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from .conftest import WORKER, child_env, cli, figure, snapshot

POINTS = ("before-write", "mid-write", "before-fsync", "random")


def _trial(root: Path, writer: str, point: str, rng: random.Random,
           key: Path | None = None) -> list[str]:
    """Start a writer, kill -9 it at `point`; the ids it acknowledged."""
    count = rng.randint(1, 4) if point != "random" else 100_000
    note_bytes = 6000 if point == "mid-write" else rng.choice([0, 0, 3000, 20_000])
    args = [sys.executable, str(WORKER), str(root), writer, str(count), "--note-bytes",
            str(note_bytes), *(["--key", str(key)] if key else [])]
    if point != "random":
        args += ["--pause", point]
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=child_env())
    assert proc.stdout is not None
    acked: list[str] = []
    assert proc.stdout.readline().strip() == "READY"
    if point == "random":
        time.sleep(rng.uniform(0.0, 0.05))
    else:
        while (line := proc.stdout.readline().strip()) != "PAUSE":
            assert line, proc.stderr.read() if proc.stderr else ""
            acked.append(line)
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=30)
    acked += [line for line in out.split() if line not in ("PAUSE", "READY")]
    assert proc.returncode == -signal.SIGKILL
    return acked


def test_kill_9(project: Path, scale: str) -> None:
    _kill_9(project, 200 if scale == "full" else 24)


def test_kill_9_signed(project: Path, tmp_path: Path, scale: str) -> None:
    """The same with every entry signed and signatures required: a torn signed line is
    quarantined like any other, and the feed verifies clean (signatures included) after."""
    key = tmp_path / "key"
    assert cli("keygen", "--output", key)[0] == 0
    code, _, err = cli("--dir", project, "--writer", "k0", "--key-file", key, "writers", "add",
                       "k*", f"{key}.pub")
    assert code == 0, err
    toml = project / "objectives.toml"
    toml.write_text(toml.read_text().replace("[program]\n", "[program]\nsignatures = "
                                             "\"required\"\n", 1))
    _kill_9(project, 100 if scale == "full" else 12, key)


def _kill_9(project: Path, trials: int, key: Path | None = None) -> None:
    rng = random.Random(20260)
    signing = ("--key-file", str(key)) if key else ()
    stats = {p: {"trials": 0, "torn": 0} for p in POINTS}
    acked_total = lost = quarantined = 0
    start = time.perf_counter()
    for n in range(trials):
        point = POINTS[n % len(POINTS)]
        writer = f"k{n // 25}"  # a fresh feed every 25 trials keeps reading costs flat
        feed = project / "ledger" / f"{writer}.jsonl"
        acked = _trial(project, writer, point, rng, key)
        acked_total += len(acked)
        data = feed.read_bytes() if feed.exists() else b""
        complete, _, tail = data.rpartition(b"\n")
        present = complete.decode("utf-8")
        lost += sum(1 for i in acked if f'"id":"{i}"' not in present)
        stats[point]["trials"] += 1
        if point == "mid-write":
            assert tail, "a write cut mid-line must leave a torn tail"
        if point in ("before-write", "before-fsync"):
            assert not tail
        if tail:
            stats[point]["torn"] += 1
            _torn_checks(project, writer, data, tail, signing)
            quarantined += 1
        code, out, err = cli("--dir", project, "verify")
        assert code == 0, out + err
    elapsed = time.perf_counter() - start
    torn = {p: f"{s['torn']}/{s['trials']} torn" for p, s in stats.items()}
    kind = " (signed, required)" if key else ""
    figure("kill-9", f"{trials} kill -9 trials{kind} in {elapsed:.1f}s ({torn}): {acked_total} "
           f"acknowledged entries, lost {lost}; {quarantined} torn tails detected and "
           f"quarantined byte for byte; repair twice changed nothing")
    assert lost == 0


def _torn_checks(project: Path, writer: str, data: bytes, tail: bytes,
                 signing: tuple[str, ...] = ()) -> None:
    code, _, err = cli("--dir", project, "verify")
    assert code == 4 and "torn" in err, err
    for reading in (["log"], ["log", "--json"], ["validate"]):
        code, _, err = cli("--dir", project, *reading)
        expected = 4 if reading == ["validate"] else 0
        assert code == expected, (reading, err)
        assert "torn" in err and f"{writer}.jsonl" in err, err
    before = snapshot(project)
    code, _, err = cli("--dir", project, "--writer", writer, *signing, "record", "jobs", "1")
    assert code == 4 and "repair" in err and err.count("\n") == 1, err
    assert snapshot(project) == before
    code, out, err = cli("--dir", project, "repair")
    assert code == 0, err
    after = snapshot(project)
    new = [name for name in after if name not in before]
    assert len(new) == 1 and new[0].startswith("quarantine/") and not new[0].endswith(".jsonl")
    assert after[new[0]] == tail
    assert after[f"{writer}.jsonl"] == data[: len(data) - len(tail)]
    code, out, _ = cli("--dir", project, "repair")
    assert code == 0 and "nothing to repair" in out
    assert snapshot(project) == after
