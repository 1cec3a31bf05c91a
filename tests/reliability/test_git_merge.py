"""Suite 7: git clones of one ledger merge without conflicts when each writer appends to its
own feed; the same writer id used in two clones is reported by `verify` as a fork (feed,
line, seq), never silently merged, with a plain merge (conflict, resolved by keeping both
sides' lines) and with a `merge=union` attribute.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from .conftest import cli, figure
from .test_history import commit, git, git_project, record


def clone(origin: Path, target: Path) -> Path:
    git(origin.parent, "clone", "-q", str(origin), str(target))
    git(target, "config", "user.email", f"{target.name}@example.org")
    git(target, "config", "user.name", target.name)
    return target


def merge(repo: Path, other: Path) -> subprocess.CompletedProcess[str]:
    git(repo, "fetch", "-q", str(other), "main")
    return subprocess.run(["git", "merge", "--no-edit", "FETCH_HEAD"], cwd=repo,
                          capture_output=True, text=True)


def test_own_feeds_merge_without_conflict(tmp_path: Path) -> None:
    origin = git_project(tmp_path / "origin")
    record(origin, "hq", 1)
    commit(origin, "start")
    clones = [clone(origin, tmp_path / f"c{n}") for n in range(3)]
    for n, repo in enumerate(clones):
        record(repo, f"writer{n}", *range(10 * n, 10 * n + 5))
        commit(repo, f"evidence from {n}")
    conflicts = 0
    for other in clones[1:]:
        done = merge(clones[0], other)
        conflicts += done.returncode != 0
    code, out, err = cli("--dir", clones[0], "verify", "--json")
    feeds = json.loads(out)["feeds"]
    entries = sum(f["entries"] for f in feeds)
    hist = cli("--dir", clones[0], "verify", "--history")[0]
    figure("git-merge", f"3 clones x 5 entries in own feeds merged: {conflicts} conflicts, "
           f"{entries} entries in {len(feeds)} feeds, verify exit {code}, "
           f"verify --history exit {hist}")
    assert conflicts == 0 and code == 0 and hist == 0
    assert entries == 1 + 1 + 15  # init's plan version, hq's entry, 3 × 5


def _forked(tmp_path: Path, union: bool) -> tuple[Path, subprocess.CompletedProcess[str]]:
    origin = git_project(tmp_path / "origin")
    if union:
        (origin / ".gitattributes").write_text("ledger/*.jsonl merge=union\n")
    record(origin, "same", 1, 2)
    commit(origin, "base")
    a, b = clone(origin, tmp_path / "a"), clone(origin, tmp_path / "b")
    record(a, "same", 3, 4)
    commit(a, "a appends")
    record(b, "same", 30)
    commit(b, "b appends with the same writer id")
    return a, merge(a, b)


def _resolve_keeping_both(repo: Path, feed: str) -> None:
    """What a user would do with the conflict: keep our lines, then theirs."""
    ours = git(repo, "show", f":2:{feed}").encode() + b"\n"
    theirs = git(repo, "show", f":3:{feed}").encode() + b"\n"
    kept = ours + b"".join(line + b"\n" for line in theirs.split(b"\n")[:-1]
                           if line + b"\n" not in ours)
    (repo / feed).write_bytes(kept)
    git(repo, "add", feed)
    git(repo, "commit", "-q", "--no-edit")


@pytest.mark.parametrize("union", [False, True], ids=["plain-merge", "merge-union"])
def test_same_writer_in_two_clones_is_a_fork(tmp_path: Path, union: bool) -> None:
    a, done = _forked(tmp_path, union)
    if union:
        assert done.returncode == 0, done.stdout + done.stderr
    else:
        assert done.returncode != 0 and "CONFLICT" in done.stdout
        _resolve_keeping_both(a, "ledger/same.jsonl")
    lines = (a / "ledger" / "same.jsonl").read_bytes().split(b"\n")[:-1]
    assert len(lines) == 5, "both sides' lines are kept"
    code, out, err = cli("--dir", a, "verify", "--json")
    feed = json.loads(out)["feeds"][0]
    how = "merge=union" if union else "plain merge, conflict resolved keeping both"
    figure("git-merge", f"same writer id in two clones, {how}: verify exit {code}: "
           f"{err.strip()}")
    assert code == 4
    assert feed["feed"] == "same.jsonl" and feed["line"] == 5
    assert feed["problem"].startswith("fork: seq 3 follows line 2 again, like line 3")
    assert "same.jsonl:5: fork: seq 3" in err and err.count("\n") == 1
