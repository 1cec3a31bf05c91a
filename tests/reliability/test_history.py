"""Suite 5: a dropped tail and rewritten history in git, caught by `verify --history`.

The hash chain cannot see a tail cut at a line boundary, nor a feed rewritten and re-hashed
from the first changed line on; git history can: each committed version of a feed must be
a byte-prefix of the next, and the working copy of the last.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from mibtrack.ledger import encode, sha256
from mibtrack.ledger.codec import parse_fields

from .conftest import cli, figure, make_project


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def git_project(root: Path) -> Path:
    make_project(root)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "tester@example.org")
    git(root, "config", "user.name", "Tester")
    return root


def record(root: Path, writer: str, *values: int) -> None:
    for value in values:
        code, _, err = cli("--dir", root, "--writer", writer, "record", "jobs", str(value),
                           "--date", "2025-04-01")
        assert code == 0, err


def commit(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


def rechain(lines: list[bytes]) -> bytes:
    """Re-hash a list of lines into a valid chain, as a forger would."""
    out, prev = [], "0" * 64
    for line in lines:
        fields = parse_fields(line)
        fields.pop("id")
        fields["prev"] = prev
        new = encode(fields)
        out.append(new)
        prev = sha256(new[:-1])
    return b"".join(out)


def test_clean_history_passes(tmp_path: Path) -> None:
    root = git_project(tmp_path / "p")
    commit(root, "empty ledger")
    for n in range(4):
        record(root, "a", n, n + 10)
        commit(root, f"batch {n}")
    record(root, "a", 99)  # uncommitted growth is fine too
    code, out, err = cli("--dir", root, "verify", "--history", "--json")
    assert code == 0, err
    history = [h for h in json.loads(out)["history"]
               if h["feed"] == "a.jsonl"]  # not the feed holding init's plan version
    assert history == [{"feed": "a.jsonl", "commits": 4, "ok": True, "commit": None,
                        "previous": None, "problem": None}]


def test_dropped_tail_is_caught(tmp_path: Path) -> None:
    root = git_project(tmp_path / "p")
    record(root, "a", 1, 2, 3, 4, 5)
    good = commit(root, "five entries")
    feed = root / "ledger" / "a.jsonl"
    data = feed.read_bytes()
    feed.write_bytes(data[: data.rfind(b"\n", 0, len(data) - 1) + 1])  # drop the last line
    bad = commit(root, "oops")
    assert cli("--dir", root, "verify")[0] == 0, "the chain alone cannot see a dropped tail"
    code, out, err = cli("--dir", root, "verify", "--history")
    figure("history", f"dropped tail: verify exit 0, verify --history exit {code}: "
           f"{err.strip()}")
    assert code == 4
    assert f"commit {bad[:12]}: dropped tail" in err and f"commit {good[:12]}" in err
    assert "a.jsonl" in err and err.count("\n") == 1
    assert "BROKEN a.jsonl history" in out


def test_rewritten_line_is_caught(tmp_path: Path) -> None:
    root = git_project(tmp_path / "p")
    record(root, "a", 1, 2, 3)
    commit(root, "three")
    record(root, "a", 4)
    commit(root, "four")
    feed = root / "ledger" / "a.jsonl"
    lines = feed.read_bytes().split(b"\n")[:-1]
    lines[1] = lines[1].replace(b'"value":"2"', b'"value":"200"')
    feed.write_bytes(rechain(lines))
    assert cli("--dir", root, "verify")[0] == 0, "a re-hashed rewrite passes the chain"
    code, out, err = cli("--dir", root, "verify", "--history", "--json")
    history = json.loads(out)["history"][0]
    assert code == 4 and history["commit"] == "working copy"
    assert history["problem"].startswith("rewritten history: line 2 changed")
    bad = commit(root, "rewrite")
    code, out, err = cli("--dir", root, "verify", "--history")
    figure("history", f"rewritten line (re-hashed chain): verify exit 0, verify --history "
           f"exit {code}: {err.strip()}")
    assert code == 4 and f"commit {bad[:12]}: rewritten history: line 2 changed" in err


def test_deleted_feed_is_caught(tmp_path: Path) -> None:
    root = git_project(tmp_path / "p")
    record(root, "a", 1)
    record(root, "b", 2)
    commit(root, "two feeds")
    (root / "ledger" / "b.jsonl").unlink()
    bad = commit(root, "drop b")
    code, _, err = cli("--dir", root, "verify", "--history")
    assert code == 4 and "b.jsonl" in err and bad[:12] in err and "dropped tail" in err


def test_outside_git_is_a_clear_error(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    record(root, "a", 1)
    code, out, err = cli("--dir", root, "verify", "--history")
    assert code == 2 and "not in a git work tree" in err and err.count("\n") == 1
    assert cli("--dir", root, "verify")[0] == 0


@pytest.mark.parametrize("tail", [b'{"v":1,"se', b""])
def test_history_with_torn_tail_reports_the_chain_first(tmp_path: Path, tail: bytes) -> None:
    root = git_project(tmp_path / "p")
    record(root, "a", 1, 2)
    commit(root, "two")
    with (root / "ledger" / "a.jsonl").open("ab") as out:
        out.write(tail)
    code, _, err = cli("--dir", root, "verify", "--history")
    assert code == (4 if tail else 0)
    assert ("torn" in err) == bool(tail)


def test_committed_torn_tail_then_repaired_is_not_a_dropped_tail(tmp_path: Path) -> None:
    root = git_project(tmp_path / "p")
    record(root, "a", 1, 2)
    with (root / "ledger" / "a.jsonl").open("ab") as out:
        out.write(b'{"v":1,"seq":3,"ty')
    commit(root, "committed with a torn tail")
    assert cli("--dir", root, "repair")[0] == 0
    record(root, "a", 3)
    commit(root, "repaired and recorded")
    code, out, err = cli("--dir", root, "verify", "--history")
    assert code == 0, out + err


@pytest.mark.parametrize("how", ["strategy-ours", "checkout-during-merge"])
def test_a_merge_that_drops_a_parents_entries_is_caught_naming_the_merge(tmp_path: Path,
                                                                         how: str) -> None:
    """git's simplified history (what `git log -- FEED` follows) skips the side a merge took
    nothing from; every edge of the history, merges included, is checked instead."""
    from .test_git_merge import clone

    origin = git_project(tmp_path / "origin")
    record(origin, "b", 1, 2)
    commit(origin, "base")
    a, b = clone(origin, tmp_path / "a"), clone(origin, tmp_path / "b")
    record(b, "b", 3)  # b's third entry: the merge below loses it
    side = commit(b, "b records a third value")
    record(a, "a", 10)
    commit(a, "a records")
    git(a, "fetch", "-q", str(b), "main")
    if how == "strategy-ours":
        git(a, "merge", "-q", "-s", "ours", "--no-edit", "FETCH_HEAD")
    else:
        git(a, "merge", "-q", "--no-commit", "FETCH_HEAD")
        git(a, "checkout", "HEAD", "--", "ledger/b.jsonl")
        git(a, "commit", "-q", "--no-edit")
    bad = git(a, "rev-parse", "HEAD")
    assert cli("--dir", a, "verify")[0] == 0, "each feed's chain is intact: only git knows"
    # 2 lines of 3 kept, so b's version at the merge's second parent is not a prefix
    assert git(a, "log", "--format=%h", "--", "ledger/b.jsonl").split() == \
        [git(origin, "rev-parse", "--short", "HEAD")], "git's simplified history skips it"
    code, out, err = cli("--dir", a, "verify", "--history", "--json")
    assert code == 4
    [feed] = [h for h in json.loads(out)["history"] if h["feed"] == "b.jsonl"]
    assert feed["commit"] == bad and feed["previous"] == side
    assert feed["problem"].startswith("dropped tail: ") and "(1 line) removed" in feed["problem"]
    code, out, err = cli("--dir", a, "verify", "--history")
    assert f"commit {bad[:12]}: dropped tail" in err and f"commit {side[:12]}" in err


def test_a_squash_and_force_push_is_caught_while_git_still_holds_the_old_commits(
        tmp_path: Path) -> None:
    """The history is replaced by one squashed commit without the last entry, and the
    branch moved to it (what a clone does after `git fetch` of a force-push and `git reset
    --hard`): no edge of the new history shows it, the old commit is only in the reflog."""
    root = git_project(tmp_path / "p")
    record(root, "a", 1, 2)
    commit(root, "two")
    record(root, "a", 3)
    old = commit(root, "three")
    feed = root / "ledger" / "a.jsonl"
    data = feed.read_bytes()
    feed.write_bytes(data[: data.rfind(b"\n", 0, len(data) - 1) + 1])  # entry 3 dropped
    git(root, "add", "-A")
    squashed = git(root, "commit-tree", git(root, "write-tree"), "-m", "squash")
    git(root, "reset", "-q", "--hard", squashed)
    assert git(root, "rev-list", "HEAD").split() == [squashed]
    code, out, err = cli("--dir", root, "verify", "--history", "--json")
    [history] = [h for h in json.loads(out)["history"] if h["feed"] == "a.jsonl"]
    figure("history", f"squash + force-push dropping an entry: verify --history exit {code}: "
           f"{history['problem']}")
    assert code == 4
    assert history["commit"] == "working copy" and history["previous"] == old
    assert history["problem"] == (
        f"dropped tail: {len(data) - len(feed.read_bytes())} bytes (1 line) removed; commit "
        f"{old[:12]} is no longer in the history, only in git's reflog (a reset, rebase, "
        "squash or force-push dropped it)")
