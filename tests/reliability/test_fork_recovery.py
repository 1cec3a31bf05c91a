"""Clones never share a feed by mistake, and a feed they forked anyway is recovered whole.

- the default writer id is unique per clone (user@host + a random suffix, kept in the
  git-ignored `.mibtrack/writer`);
- a feed with git conflict markers is named as such by `verify` and by reading commands,
  with the way out;
- `mibtrack recover FEED` keeps the common part and one side in the feed, copies the whole
  forked feed to the quarantine, re-records the other side's entries in a feed of their own
  (`recovered_from` naming each original), and `verify` (also `--history`) is clean after.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from .conftest import cli
from .test_git_merge import clone, merge
from .test_history import commit, git, git_project, record


def test_default_writer_id_is_unique_per_clone_and_never_committed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MIBTRACK_WRITER")
    origin = git_project(tmp_path / "origin")
    record(origin, "hq", 1)
    commit(origin, "start")
    a, b = clone(origin, tmp_path / "a"), clone(origin, tmp_path / "b")
    for repo in (a, b):
        for value in (1, 2):
            code, _, err = cli("--dir", repo, "record", "jobs", str(value), "--date",
                               "2025-04-01")
            assert code == 0, err
    ids = [(repo / ".mibtrack" / "writer").read_text().strip() for repo in (a, b)]
    assert ids[0] != ids[1]
    # same user@host on both clones (one machine), then `+` and 6 hex digits of its own
    assert all(re.fullmatch(r"[A-Za-z0-9._@-]+\+[0-9a-f]{6}", i) for i in ids)
    assert ids[0].split("+")[0] == ids[1].split("+")[0]
    # each clone wrote to its own feed, twice (the id was chosen once, then kept)
    # (origin's feeds came with the clone: hq's, and `init`'s plan entry under origin's id)
    shared = {p.name for p in (origin / "ledger").glob("*.jsonl")}
    assert f"{ids[0]}.jsonl" not in shared and f"{ids[1]}.jsonl" not in shared
    assert {p.name for p in (a / "ledger").glob("*.jsonl")} - shared == {f"{ids[0]}.jsonl"}
    assert len((a / "ledger" / f"{ids[0]}.jsonl").read_bytes().splitlines()) == 2
    assert git(a, "status", "--porcelain", "--untracked-files=all") == \
        f"?? ledger/{ids[0]}.jsonl"
    commit(a, "a")
    commit(b, "b")
    assert merge(a, b).returncode == 0  # two feeds: no conflict
    assert cli("--dir", a, "verify")[0] == 0
    # --writer and $MIBTRACK_WRITER still win over the clone's id
    assert cli("--dir", a, "--writer", "cron", "record", "jobs", "3")[0] == 0
    monkeypatch.setenv("MIBTRACK_WRITER", "env-writer")
    assert cli("--dir", a, "record", "jobs", "4")[0] == 0
    assert {"cron.jsonl", "env-writer.jsonl"} <= {p.name for p in (a / "ledger").iterdir()}


def _conflicted(tmp_path: Path) -> Path:
    """Two clones appended to `same` (one writer id set by hand in both): the merge stops
    with git's conflict markers in the feed, and the user commits it as it is."""
    origin = git_project(tmp_path / "origin")
    record(origin, "same", 1, 2)
    commit(origin, "base")
    a, b = clone(origin, tmp_path / "a"), clone(origin, tmp_path / "b")
    record(a, "same", 3, 4)
    commit(a, "a appends")
    record(b, "same", 30)
    commit(b, "b appends with the same writer id")
    done = merge(a, b)
    assert done.returncode != 0 and "CONFLICT" in done.stdout
    return a


def test_a_conflicted_feed_is_named_as_such_with_the_way_out(tmp_path: Path) -> None:
    a = _conflicted(tmp_path)
    feed = a / "ledger" / "same.jsonl"
    code, out, err = cli("--dir", a, "verify")
    assert code == 4
    # lines 1-2 common, line 3 is `<<<<<<< HEAD`
    assert "BROKEN same.jsonl: 2 entries; line 3: git conflict marker '<<<<<<<': two clones " \
           "appended to this feed under one writer id and a merge left both sides" in out
    assert err.strip().endswith("— run `mibtrack recover same.jsonl`: it keeps both sides "
                                "(see README, \"Working as a team with git\")")
    # reading commands count only what verify accepts: the feed is left out, and named with
    # the way out (docs/bad-feeds.md)
    code, out, err = cli("--dir", a, "status")
    assert code == 0 and out
    assert err.strip() == (f"mibtrack: warning: {feed}:3: git conflict marker '<<<<<<<': two "
                           "clones appended to this feed under one writer id and a merge left "
                           "both sides — this feed is left out of every figure; run `mibtrack "
                           "recover same.jsonl`: it keeps both sides (see README, \"Working as "
                           "a team with git\")")


def _values(root: Path) -> list[tuple[str, str]]:
    code, out, err = cli("--dir", root, "log", "--json")
    assert code == 0, err
    return sorted((e["writer"], str(e["value"])) for e in json.loads(out)["entries"]
                  if e["type"] == "observation")


@pytest.mark.parametrize("commit_first", [False, True], ids=["before-commit", "committed"])
def test_recover_keeps_both_sides_and_verifies_clean(tmp_path: Path,
                                                     commit_first: bool) -> None:
    a = _conflicted(tmp_path)
    feed = a / "ledger" / "same.jsonl"
    forked = feed.read_bytes()
    theirs = [json.loads(line) for line in git(a, "show", "MERGE_HEAD:ledger/same.jsonl")
              .splitlines()][2:]
    if commit_first:  # the conflict committed as it is (git add -A), then recovered
        commit(a, "merge with the conflict left in")
    code, out, err = cli("--dir", a, "recover", "same.jsonl")
    assert code == 0, err
    moved_name = f"same+fork{theirs[0]['id'][:6]}.jsonl"
    assert "kept 4 entries in same.jsonl (the common part and one side)" in out
    assert f"re-recorded the other side's 1 entries in {moved_name}" in out
    assert "left 3 lines that are no entries of this feed (git conflict markers)" in out
    # nothing lost: the forked bytes are in the quarantine, every value is in a feed
    [copy] = (a / "ledger" / "quarantine").glob("same.*.fork")
    assert copy.read_bytes() == forked
    assert _values(a) == [("same", "1"), ("same", "2"), ("same", "3"), ("same", "4"),
                          (moved_name[:-6], "30")]
    moved = json.loads((a / "ledger" / moved_name).read_text())
    assert moved["recovered_from"] == theirs[0]["id"]
    assert moved["recorded_at"] == theirs[0]["recorded_at"]  # reports as known-at unchanged
    assert cli("--dir", a, "verify")[0] == 0
    git(a, "add", "-A")
    git(a, "commit", "-q", "-m", "recover the forked feed")
    code, out, err = cli("--dir", a, "verify", "--history")
    assert code == 0, out + err
    # recovering again finds nothing to do; appending goes on in the kept chain
    assert "nothing to recover" in cli("--dir", a, "recover", "same")[1]
    record(a, "same", 5)
    assert cli("--dir", a, "verify")[0] == 0


def test_recover_a_union_merged_fork(tmp_path: Path) -> None:
    origin = git_project(tmp_path / "origin")
    (origin / ".gitattributes").write_text("ledger/*.jsonl merge=union\n")
    record(origin, "same", 1, 2)
    commit(origin, "base")
    a, b = clone(origin, tmp_path / "a"), clone(origin, tmp_path / "b")
    record(a, "same", 3)
    commit(a, "a")
    record(b, "same", 30, 31)
    commit(b, "b")
    assert merge(a, b).returncode == 0  # union: no conflict, a fork
    assert cli("--dir", a, "verify")[0] == 4
    code, out, err = cli("--dir", a, "recover", "same.jsonl", "--to", "bob")
    assert code == 0, err
    assert "left" not in out  # no conflict markers to drop
    assert _values(a) == [("bob", "30"), ("bob", "31"), ("same", "1"), ("same", "2"),
                          ("same", "3")]
    assert cli("--dir", a, "verify")[0] == 0


def test_recover_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    cli_in = cli
    root = git_project(tmp_path / "p")
    record(root, "same", 1)
    code, _, err = cli_in("--dir", root, "recover", "nobody.jsonl")
    assert code == 2 and "no feed" in err
    code, _, err = cli_in("--dir", root, "recover", "same", "--to", "same")
    assert code == 2 and "--to names the forked feed itself" in err
    code, out, _ = cli_in("--dir", root, "recover", "same")
    assert code == 0 and out.startswith("nothing to recover: same.jsonl is not forked")


def _status_jobs(root: Path, *args: str) -> str:
    code, out, err = cli("--dir", root, "status", "--json", "--as-of", "2025-06-30", *args)
    assert code == 0, err
    return str(next(o["actual"] for o in json.loads(out)["objectives"] if o["id"] == "jobs"))


def test_corrections_from_other_feeds_follow_the_entries_recover_moved(tmp_path: Path) -> None:
    # clone b records jobs 30 (2025-05-01) and 40 (2025-06-01) under the forked writer id;
    # bob, in clone b, corrects the 30 to 35 and voids the 40: jobs as of 2025-06-30 is 35.
    origin = git_project(tmp_path / "origin")
    record(origin, "same", 1, 2)
    commit(origin, "base")
    a, b = clone(origin, tmp_path / "a"), clone(origin, tmp_path / "b")
    record(a, "same", 3)
    commit(a, "a appends")
    ids = []
    for value, day in (("30", "2025-05-01"), ("40", "2025-06-01")):
        code, out, err = cli("--dir", b, "--writer", "same", "record", "jobs", value,
                             "--date", day)
        assert code == 0, err
        ids.append(out.strip())
    assert cli("--dir", b, "--writer", "bob", "correct", ids[0], "--value", "35",
               "--reason", "recount")[0] == 0
    assert cli("--dir", b, "--writer", "bob", "void", ids[1], "--reason", "duplicate")[0] == 0
    assert _status_jobs(b) == "35"
    commit(b, "b appends with the same writer id, bob corrects")
    assert merge(a, b).returncode != 0  # a conflict in same.jsonl; bob's feed merges clean
    code, out, err = cli("--dir", a, "recover", "same.jsonl")
    assert code == 0, err
    # the 30 and the 40 now live in same+fork…, re-recorded under new ids, each naming its
    # original: bob's correction and void, which name the originals, still apply to them
    moved = [json.loads(line) for line in
             next((a / "ledger").glob("same+fork*.jsonl")).read_text().splitlines()]
    assert [m["recovered_from"] for m in moved] == ids
    assert _status_jobs(a) == "35"  # read in full (the feeds changed), then cached
    assert _status_jobs(a) == "35"
    assert _status_jobs(a, "--known-at", "2999-01-01") == "35"
    code, out, err = cli("--dir", a, "export", "--format", "json")
    assert code == 0, err
    facts = [(r["value"], r["corrected"]) for r in json.loads(out)["entries"]
             if r.get("metric") == "jobs" and r["date"] == "2025-05-01"]
    assert facts == [(35, True)]
    assert cli("--dir", a, "verify")[0] == 0
    # the original's id still names the fact: a new correction of it goes to the copy
    code, out, err = cli("--dir", a, "--writer", "carol", "correct", ids[0][:12],
                         "--value", "36", "--reason", "second recount")
    assert code == 0, err
    correction = json.loads((a / "ledger" / "carol.jsonl").read_text())
    assert correction["target_entry"] == moved[0]["id"]
    assert _status_jobs(a) == "36"
    assert cli("--dir", a, "verify")[0] == 0
