"""Reading commands count only what `verify` accepts, signatures included: with
`[program] signatures = "required"`, `status`, `report`, `check`, `show` (and `log`, `export`)
leave out a feed holding an unsigned entry, a bad signature, a key not listed for its writer
or outside its window — the whole feed, as for any other break — warn on stderr (file and
line), and list it in `feeds_left_out`. With signatures optional they are counted (an
unsigned entry is acceptable then, so a bad signature proves nothing more).

The incremental cache verifies only the lines appended since it was written; each test below
reads through it (a second `status`) and in full (`--known-at`, no cache), and the two must
agree: the cache's shortcut is held equal to the full check here.

In `signed`: alice recorded jobs 10 (2025-01-01), bob jobs 12 (2025-02-01), both signed.
"""

from __future__ import annotations

import json
from pathlib import Path

import test_signing
from test_signing import _optional_while, rewrite

keys = test_signing.keys  # the fixtures: alice, bob and mallory's keys; a signed ledger
signed = test_signing.signed

FAR = "2999-01-01"  # --known-at in the future: a full read that sees every entry


def both(cli, *args: str) -> tuple[dict, dict, str]:
    """`status --json` through the cache (run twice: the second reads the cache) and in
    full (--known-at); returns both documents and the cached run's stderr."""
    cli("status", "--json", *args)
    cached = cli("status", "--json", *args)
    full = cli("status", "--json", "--known-at", FAR, *args)
    first, second = json.loads(cached.out), json.loads(full.out)
    assert first["feeds_left_out"] == second["feeds_left_out"]
    assert [(o["id"], o["actual"]) for o in first["objectives"]] == \
        [(o["id"], o["actual"]) for o in second["objectives"]]
    return first, second, cached.err


def jobs(document: dict) -> str | None:
    return next(str(o["actual"]) for o in document["objectives"] if o["id"] == "jobs")


def test_a_signed_ledger_counts_everything(cli, signed) -> None:
    cached, _, err = both(cli)
    assert cached["feeds_left_out"] == [] and jobs(cached) == "12"
    assert "left out" not in err


def test_an_unsigned_entry_leaves_its_feed_out_of_every_reading_command(
        cli, signed, project: Path) -> None:
    cli("status")  # a cache of the signed ledger: the unsigned line is appended after it
    _optional_while(project, lambda: cli("--writer", "bob", "record", "jobs", "99",
                                         "--date", "2025-03-01"))
    cached, _, err = both(cli)
    feed = project / "ledger" / "bob.jsonl"
    assert cached["feeds_left_out"] == [
        {"file": "bob.jsonl", "line": 2,
         "problem": "unsigned entry (signatures are required)"}]
    assert jobs(cached) == "10"  # bob's whole feed is left out, his signed 12 included
    assert f"mibtrack: warning: {feed}:2: unsigned entry (signatures are required) — this " \
           "feed is left out of every figure; see `mibtrack verify`" in err
    report = json.loads(cli("report", "--format", "json").out)
    assert jobs(report) == "10"
    check = cli("check", "--json")
    assert json.loads(check.out)["feeds_left_out"] == cached["feeds_left_out"]
    shown = cli("show", "jobs", "--json")
    assert [e["value"] for e in json.loads(shown.out)["entries"]] == [10]
    assert f"{feed}:2: unsigned entry" in shown.err
    assert cli("verify").code == 4  # and verify says the same
    # optional again: the unsigned entry is acceptable, the feed counts
    toml = project / "objectives.toml"
    toml.write_text(toml.read_text().replace('signatures = "required"\n', ""))
    assert jobs(both(cli)[0]) == "99"


def test_a_changed_value_re_hashed_keeps_the_chain_but_not_the_signature(
        cli, signed, project: Path) -> None:
    cli("status")
    rewrite(project / "ledger" / "bob.jsonl", 1, lambda f: f.update(value="120"))
    cached, _, _ = both(cli)
    assert cached["feeds_left_out"] == [
        {"file": "bob.jsonl", "line": 1,
         "problem": "bad signature (the entry's bytes are not what was signed)"}]
    assert jobs(cached) == "10"


def test_a_feed_signed_by_an_unlisted_key_is_left_out(cli, signed, project: Path,
                                                      keys: dict[str, Path]) -> None:
    cli("status")  # the cache does not know the director's feed: it is checked whole
    _optional_while(project, lambda: cli("--writer", "director", "--key-file",
                                         str(keys["mallory"]), "record", "jobs", "999",
                                         "--date", "2025-03-01"))
    cached, _, _ = both(cli)
    assert [(f["file"], f["line"]) for f in cached["feeds_left_out"]] == [
        ("director.jsonl", 1)]
    assert "signed by a key not in ledger/writers" in cached["feeds_left_out"][0]["problem"]
    assert jobs(cached) == "12"


def test_a_revoked_key_s_later_entries_are_left_out_and_a_valid_append_counts(
        cli, signed, project: Path) -> None:
    assert signed("bob", "record", "jobs", "13", "--date", "2025-03-01").code == 0
    cli("status")
    assert jobs(both(cli)[0]) == "13"  # a signed append read through the cache: counted
    bob_pub = str(project.parent / "keys" / "bob.pub")
    assert signed("alice", "writers", "revoke", "bob", bob_pub).code == 0
    assert jobs(both(cli)[0]) == "13"  # the revocation leaves earlier entries valid
    _optional_while(project, lambda: signed("bob", "record", "jobs", "14", "--date",
                                            "2025-04-01"))
    cached, _, _ = both(cli)
    assert [(f["file"], f["line"]) for f in cached["feeds_left_out"]] == [("bob.jsonl", 3)]
    assert "outside the key's validity" in cached["feeds_left_out"][0]["problem"]
    assert jobs(cached) == "10"
