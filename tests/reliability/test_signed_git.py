"""Signed feeds shared through git: two clones, each writer signing with its own key, merge
and verify clean with signatures required; a forger who rewrites a signed feed (re-hashing
the chain) or squashes it into a new history is rejected."""

from __future__ import annotations

import json
from pathlib import Path

from mibtrack.ledger import encode, sha256
from mibtrack.ledger.codec import parse_fields

from .conftest import cli, figure
from .test_git_merge import clone, merge
from .test_history import commit, git, git_project


def as_(root: Path, who: str, key: Path, *args: str) -> None:
    code, _, err = cli("--dir", root, "--writer", who, "--key-file", key, *args)
    assert code == 0, err


def _two_clones(tmp_path: Path) -> tuple[Path, Path, dict[str, Path]]:
    keys = {}
    for who in ("alice", "bob"):
        keys[who] = tmp_path / "keys" / who
        assert cli("keygen", "--output", keys[who])[0] == 0
    origin = git_project(tmp_path / "origin")
    toml = origin / "objectives.toml"
    toml.write_text(toml.read_text().replace("[program]\n", "[program]\nsignatures = "
                                             "\"required\"\n", 1))
    as_(origin, "alice", keys["alice"], "writers", "add", "alice", f"{keys['alice']}.pub")
    as_(origin, "alice", keys["alice"], "writers", "add", "bob", f"{keys['bob']}.pub")
    as_(origin, "alice", keys["alice"], "record", "jobs", "10", "--date", "2025-01-01")
    commit(origin, "alice authorises herself and bob")
    a, b = clone(origin, tmp_path / "a"), clone(origin, tmp_path / "b")
    as_(b, "bob", keys["bob"], "record", "jobs", "12", "--date", "2025-02-01")
    as_(b, "bob", keys["bob"], "milestone", "launch", "done", "--date", "2024-06-01")
    commit(b, "bob's evidence")
    as_(a, "alice", keys["alice"], "record", "jobs", "15", "--date", "2025-03-01")
    commit(a, "alice's evidence")
    done = merge(a, b)
    assert done.returncode == 0, done.stdout + done.stderr
    return a, b, keys


def test_two_clones_with_signed_feeds_merge_and_verify_clean(tmp_path: Path) -> None:
    a, _, _ = _two_clones(tmp_path)
    code, out, err = cli("--dir", a, "verify", "--history", "--json")
    document = json.loads(out)
    figure("signed-git", f"two clones, signatures required, merged: verify --history exit "
           f"{code}, feeds {[(f['feed'], f['entries']) for f in document['feeds']]}")
    assert code == 0, out + err
    # alice: 2 writers entries + 2 records; bob: 2; tester: `init`'s first plan version,
    # unsigned, vouched for by the seal of alice's first writers entry
    assert [(f["feed"], f["entries"]) for f in document["feeds"]] == [
        ("alice.jsonl", 4), ("bob.jsonl", 2), ("tester.jsonl", 1)]
    code, out, _ = cli("--dir", a, "log", "--json")
    assert sorted(str(e["value"]) for e in json.loads(out)["entries"]
                  if e["type"] == "observation") == ["10", "12", "15"]


def _rehash_with_value(feed: Path, number: int, value: str) -> None:
    """A forger without bob's key: change a value, re-hash ids and prevs, keep the old
    signatures (the only ones there are)."""
    out, prev = [], "0" * 64
    for n, line in enumerate(feed.read_bytes().split(b"\n")[:-1], start=1):
        fields = parse_fields(line)
        fields.pop("id")
        sig = fields.pop("sig")
        fields["prev"] = prev
        if n == number:
            fields["value"] = value
        body = encode(fields)
        body = body[: body.rindex(b',"id":')] + b',"sig":"' + sig.encode() + b'"}'
        new = body[:-1] + b',"id":"' + sha256(body).encode() + b'"}\n'
        out.append(new)
        prev = sha256(new[:-1])
    feed.write_bytes(b"".join(out))


def test_a_rewritten_signed_feed_and_a_squashed_history_are_rejected(tmp_path: Path) -> None:
    a, _, _ = _two_clones(tmp_path)
    _rehash_with_value(a / "ledger" / "bob.jsonl", 1, "120")
    bad = commit(a, "bob's survey said 120 (forged)")
    code, out, err = cli("--dir", a, "verify", "--history")
    assert code == 4
    assert "BROKEN bob.jsonl: 0 entries; line 1: bad signature" in out
    assert "BROKEN bob.jsonl history: " in out and f"commit {bad[:12]}: rewritten history: " \
        "line 1 changed" in out
    # squashed into a new root commit and force-pushed: git no longer holds the old
    # versions, the signatures still reject the rewrite
    git(a, "checkout", "-q", "--orphan", "squashed")
    git(a, "commit", "-q", "-m", "squash")
    code, out, err = cli("--dir", a, "verify", "--history")
    figure("signed-git", f"forged re-hash of a signed feed, squashed: verify --history exit "
           f"{code}: {err.strip()}")
    assert code == 4
    assert "BROKEN bob.jsonl: 0 entries; line 1: bad signature" in out
    assert "ok     bob.jsonl history: 1 commits" in out  # git itself cannot see it anymore
