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


# ----------------------------------------------------------------- signature marks
# A full read (show, log, export, --known-at, a cold cache) notes each clean feed's checked
# bytes (sigmark.py); the next one verifies only what was not noted. Each case below compares
# the feeds accepted with the marks to those accepted without them.

def accepted(project: Path, marks: bool) -> tuple[list[str], list[tuple[str, int, str]]]:
    from mibtrack.ledger import Ledger
    from mibtrack.sigmark import SignatureMarks

    ledger = Ledger(project / "ledger")
    ledger.signatures = lambda: "required"
    ledger.signature_marks = SignatureMarks(project) if marks else None
    kept, bad = ledger.accepted()
    return [p.name for p in kept], [(b.path.name, b.line, b.problem) for b in bad]


def verified(monkeypatch, project: Path) -> tuple[tuple, int]:
    """What is accepted with the marks, and how many signatures that verified."""
    import mibtrack.ledger.signing as signing

    calls = []
    real = signing.verify_sshsig

    def counting(blob: bytes, message: bytes) -> bytes:
        calls.append(1)
        return real(blob, message)

    monkeypatch.setattr(signing, "verify_sshsig", counting)
    found = accepted(project, marks=True)
    monkeypatch.setattr(signing, "verify_sshsig", real)
    assert found == accepted(project, marks=False)
    return found, len(calls)


def test_marks_skip_what_was_verified_and_catch_what_changed(
        cli, signed, project: Path, monkeypatch) -> None:
    # alice's feed: her two writers entries and jobs 10; bob's: jobs 12 — 4 signatures
    found, count = verified(monkeypatch, project)
    assert found == (["alice.jsonl", "bob.jsonl"], []) and count == 4  # nothing noted yet
    found, count = verified(monkeypatch, project)
    assert count == 2  # only the writers entries, replayed: both feeds were noted clean
    assert signed("bob", "record", "jobs", "13", "--date", "2025-03-01").code == 0
    assert verified(monkeypatch, project)[1] == 3  # and bob's new line
    # a rewrite under the mark (chain re-hashed, signature kept) is verified again
    rewrite(project / "ledger" / "bob.jsonl", 1, lambda f: f.update(value="120"))
    found, _ = verified(monkeypatch, project)
    assert found == (["alice.jsonl"], [("bob.jsonl", 1, "bad signature (the entry's bytes "
                                                        "are not what was signed)")])


def test_a_new_writers_entry_means_every_line_is_verified_again(
        cli, signed, project: Path, monkeypatch) -> None:
    assert signed("bob", "record", "jobs", "13", "--date", "2025-03-01").code == 0
    verified(monkeypatch, project)
    bob_pub = str(project.parent / "keys" / "bob.pub")
    assert signed("alice", "writers", "revoke", "bob", bob_pub).code == 0
    _optional_while(project, lambda: signed("bob", "record", "jobs", "14", "--date",
                                            "2025-04-01"))
    found, count = verified(monkeypatch, project)
    # with the marks: the 3 writers entries and bob's 14 (4); the writers entries are not
    # those the marks were made under, so every line again: 3 + jobs 10, 12, 13, 14 (7)
    assert count == 4 + 7
    assert found[1] == [("bob.jsonl", 3, found[1][0][2])]
    assert "outside the key's validity" in found[1][0][2]


def test_a_mark_that_does_not_authenticate_is_ignored(cli, signed, project: Path,
                                                      monkeypatch) -> None:
    from mibtrack.sigmark import MARKS_FILE
    from mibtrack.usersecret import project_folder

    verified(monkeypatch, project)
    marks = project_folder(project) / MARKS_FILE
    mac, _, body = marks.read_bytes().partition(b"\n")
    # someone claims bob's feed was checked up to a later end: without this user's key the
    # mark does not authenticate, and every line is verified
    marks.write_bytes(mac + b"\n" + body.replace(b'"bob.jsonl":[', b'"bob.jsonl":[1'))
    assert verified(monkeypatch, project)[1] == 4
