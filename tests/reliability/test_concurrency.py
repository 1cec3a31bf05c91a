"""Suite 1: concurrent writers, 8 processes on one feed and 8 on separate feeds.

Every acknowledged entry must be in the feed, no line corrupt, no fork, sequence numbers
contiguous. A negative control with flock monkeypatched away (in the children only) must
make the detector fire, which shows the test can fail.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from mibtrack.ledger import Ledger, check_chain

from .conftest import WORKER, child_env, figure

PROCS = 8


def _spawn(root: Path, writers: list[str], count: int, nolock: bool = False,
           key: Path | None = None) -> list[list[str]]:
    """Start one worker per writer at once; the ids each acknowledged."""
    procs = [subprocess.Popen([sys.executable, str(WORKER), str(root), writer, str(count),
                               "--tag", f"p{n}", *(["--nolock"] if nolock else []),
                               *(["--key", str(key)] if key else [])],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=child_env())
             for n, writer in enumerate(writers)]
    acked = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        acked.append([line for line in out.split() if line != "READY"])
    return acked


def _audit(path: Path, writer: str) -> dict[str, object]:
    """Lines, corrupt lines, fork/break, sequence numbers of one feed."""
    lines = path.read_bytes().split(b"\n")
    assert lines[-1] == b"", "feed does not end with a newline"
    corrupt, seqs, ids = 0, [], []
    for line in lines[:-1]:
        try:
            fields = json.loads(line)
            seqs.append(fields["seq"])
            ids.append(fields["id"])
        except (ValueError, KeyError):
            corrupt += 1
    checked, problem = check_chain(path, writer)
    return {"lines": len(lines) - 1, "corrupt": corrupt, "seqs": seqs, "ids": ids,
            "problem": problem, "checked": checked}


def _run(project: Path, count: int, nolock: bool = False) -> tuple[dict, list[list[str]], float]:
    start = time.perf_counter()
    acked = _spawn(project, ["shared"] * PROCS, count, nolock)
    elapsed = time.perf_counter() - start
    return _audit(project / "ledger" / "shared.jsonl", "shared"), acked, elapsed


def test_concurrent_writers_one_feed(project: Path, scale: str) -> None:
    count = 500 if scale == "full" else 60
    audit, acked, elapsed = _run(project, count)
    total = PROCS * count
    all_acked = [i for ids in acked for i in ids]
    lost = len(set(all_acked) - set(audit["ids"]))
    forks = 1 if audit["problem"] and "fork" in audit["problem"].problem else 0
    figure("concurrency", f"{PROCS} procs x {count} appends to one feed in {elapsed:.1f}s: "
           f"{audit['lines']} lines, {len(all_acked)} acknowledged, lost {lost}, corrupt "
           f"{audit['corrupt']}, forks {forks}, chain break {audit['problem']}")
    assert len(all_acked) == total
    assert lost == 0
    assert audit["corrupt"] == 0
    assert audit["problem"] is None
    assert audit["seqs"] == list(range(1, total + 1))
    assert len(set(audit["ids"])) == total
    assert Ledger(project / "ledger").verify()[0].problem is None


def test_concurrent_writers_separate_feeds(project: Path, scale: str) -> None:
    count = 500 if scale == "full" else 60
    start = time.perf_counter()
    writers = [f"w{n}" for n in range(PROCS)]
    acked = _spawn(project, writers, count)
    elapsed = time.perf_counter() - start
    lost = corrupt = broken = 0
    for writer, ids in zip(writers, acked, strict=True):
        audit = _audit(project / "ledger" / f"{writer}.jsonl", writer)
        lost += len(set(ids) - set(audit["ids"]))
        corrupt += audit["corrupt"]
        broken += audit["problem"] is not None
        assert audit["seqs"] == list(range(1, count + 1))
    figure("concurrency", f"{PROCS} procs x {count} appends to {PROCS} feeds in {elapsed:.1f}s: "
           f"lost {lost}, corrupt {corrupt}, broken feeds {broken}")
    assert (lost, corrupt, broken) == (0, 0, 0)
    entries = Ledger(project / "ledger").read().entries  # and init's plan version
    assert len([e for e in entries if e.type == "observation"]) == PROCS * count


def test_negative_control_without_lock_is_detected(project: Path) -> None:
    """flock disabled in the children: the fork/sequence detector must fire."""
    audit, acked, elapsed = _run(project, 30, nolock=True)
    all_acked = [i for ids in acked for i in ids]
    lost = len(set(all_acked) - set(audit["ids"]))
    seq_ok = audit["seqs"] == list(range(1, len(audit["seqs"]) + 1))
    figure("concurrency", f"negative control (no flock) {PROCS} procs x 30 in {elapsed:.1f}s: "
           f"{audit['lines']} lines, contiguous seqs {seq_ok}, lost {lost}, detector: "
           f"{audit['problem'].describe() if audit['problem'] else 'silent'}")
    assert audit["problem"] is not None
    assert not seq_ok


def test_concurrent_signed_writers_one_feed(project: Path, tmp_path: Path, scale: str) -> None:
    """The same race with every entry signed and signatures required: nothing lost, one
    chain, every signature good (the writers entry first, by the feed's own key)."""
    from .conftest import cli

    count = 250 if scale == "full" else 30
    key = tmp_path / "key"
    assert cli("keygen", "--output", key)[0] == 0
    code, _, err = cli("--dir", project, "--writer", "shared", "--key-file", key, "writers",
                       "add", "shared", f"{key}.pub")
    assert code == 0, err
    toml = project / "objectives.toml"
    toml.write_text(toml.read_text().replace("[program]\n", "[program]\nsignatures = "
                                             "\"required\"\n", 1))
    start = time.perf_counter()
    acked = _spawn(project, ["shared"] * PROCS, count, key=key)
    elapsed = time.perf_counter() - start
    audit = _audit(project / "ledger" / "shared.jsonl", "shared")
    all_acked = [i for ids in acked for i in ids]
    lost = len(set(all_acked) - set(audit["ids"]))
    from mibtrack.plans import signatures_required_since
    from mibtrack.project import Workspace

    workspace = Workspace(project)  # init's unsigned plan version predates the requirement
    since = signatures_required_since(workspace.plan(None).book, workspace.project)
    verdicts = Ledger(project / "ledger").verify("required", since)
    code, out, err = cli("--dir", project, "verify")
    figure("concurrency", f"{PROCS} procs x {count} signed appends to one feed in "
           f"{elapsed:.1f}s: {audit['lines']} lines, lost {lost}, corrupt {audit['corrupt']}, "
           f"chain break {audit['problem']}, signatures required: verify exit {code}")
    assert len(all_acked) == PROCS * count and lost == 0 and audit["corrupt"] == 0
    assert audit["problem"] is None
    assert audit["seqs"] == list(range(1, PROCS * count + 2))  # + the writers entry
    assert [v.problem for v in verdicts] == [None, None], verdicts  # ledger/writers too
    assert code == 0, out + err
