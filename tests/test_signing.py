"""Who wrote what: keygen, signed entries (SSHSIG, namespace mibtrack), ledger/writers made
of signed `writers` entries, and every forgery `verify` rejects when signatures are required
(each with its message, feed and line, exit 4)."""

from __future__ import annotations

import base64
import json
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from mibtrack.ledger import encode, sha256
from mibtrack.ledger.codec import parse_fields, signed_part
from mibtrack.ledger.signing import armor, load_key, unarmor, verify_sshsig
from support import ledger_digest

needs_ssh_keygen = pytest.mark.skipif(shutil.which("ssh-keygen") is None,
                                      reason="openssh-client (ssh-keygen) is not installed")


def require_signatures(project: Path) -> None:
    toml = project / "objectives.toml"
    toml.write_text(toml.read_text().replace("[program]\n", "[program]\nsignatures = "
                                             "\"required\"\n", 1))


@pytest.fixture
def keys(cli, tmp_path: Path) -> dict[str, Path]:
    """Private keys of alice, bob and mallory, made by `mibtrack keygen --output`."""
    made = {}
    for name in ("alice", "bob", "mallory"):
        path = tmp_path / "keys" / name
        result = cli("keygen", "--output", str(path), "--comment", name)
        assert result.code == 0, result.err
        made[name] = path
    return made


@pytest.fixture
def signed(cli, project: Path, keys: dict[str, Path]):  # noqa: ANN201
    """A project where alice authorised herself and bob, and each recorded one value."""

    def as_(who: str, *args: str):  # noqa: ANN202
        return cli("--writer", who, "--key-file", str(keys[who]), *args)

    assert as_("alice", "writers", "add", "alice", f"{keys['alice']}.pub").code == 0
    assert as_("alice", "writers", "add", "bob", f"{keys['bob']}.pub").code == 0
    assert as_("alice", "record", "jobs", "10", "--date", "2025-01-01").code == 0
    assert as_("bob", "record", "jobs", "12", "--date", "2025-02-01").code == 0
    require_signatures(project)
    return as_


def test_keygen_writes_an_openssh_key_0600_and_prints_the_public_line(
        cli, tmp_path: Path) -> None:
    path = tmp_path / "k" / "signing_key"
    result = cli("keygen", "--output", str(path), "--comment", "alice@pmo")
    assert result.code == 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text().startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
    pub = (tmp_path / "k" / "signing_key.pub").read_text()
    assert pub == result.out.strip() + " alice@pmo\n"
    assert load_key(path).public_line() == result.out.strip()
    again = cli("keygen", "--output", str(path))
    assert again.code == 2 and "already exists" in again.err


def test_keygen_default_path_is_the_users_config_dir(cli, monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    assert cli("keygen").code == 0
    assert (tmp_path / "cfg" / "mibtrack" / "signing_key").is_file()
    # found by default afterwards: a record is signed with it
    assert cli("record", "jobs", "3").code == 0
    line = (next((tmp_path / "proj" / "ledger").glob("*.jsonl"))).read_bytes().splitlines()[0]
    assert signed_part(line) is not None


def test_a_signed_ledger_verifies_clean_when_signatures_are_required(cli, signed,
                                                                     project: Path) -> None:
    result = cli("verify", "--json")
    assert result.code == 0, result.out + result.err
    names = [f["feed"] for f in json.loads(result.out)["feeds"]]
    assert names == ["alice.jsonl", "bob.jsonl"]
    assert (project / "ledger" / "writers").read_text().splitlines()[2:] == [
        f"alice namespaces=\"mibtrack\" {(Path(project).parent / 'keys' / 'alice.pub').read_text().split(' alice')[0]}",  # noqa: E501
        f"bob namespaces=\"mibtrack\" {(Path(project).parent / 'keys' / 'bob.pub').read_text().split(' bob')[0]}",  # noqa: E501
    ]
    listed = json.loads(cli("writers", "list", "--json").out)["writers"]
    assert [w["principal"] for w in listed] == ["alice", "bob"]
    assert all(w["fingerprint"].startswith("SHA256:") for w in listed)


def verify_fails(cli, feed: str, line: int, problem: str) -> None:  # noqa: ANN001
    result = cli("verify")
    assert result.code == 4, result.out + result.err
    assert f"BROKEN {feed}: {line - 1} entries; line {line}: {problem}" in result.out, result.out


def test_record_refuses_without_a_key_and_writes_nothing(cli, signed, project: Path) -> None:
    before = ledger_digest(project)
    result = cli("--writer", "carol", "record", "jobs", "1")
    assert result.code == 2
    assert result.err.strip() == (
        "mibtrack: signatures are required (objectives.toml) and there is no signing key — "
        "run `mibtrack keygen` and have an authorised writer run `mibtrack writers add`, or "
        "give --key-file")
    assert ledger_digest(project) == before


def _unrequire(project: Path) -> None:
    toml = project / "objectives.toml"
    toml.write_text(toml.read_text().replace('signatures = "required"\n', ""))


def test_unsigned_entry_written_while_optional_is_rejected_once_required(
        cli, signed, project: Path) -> None:
    _unrequire(project)
    assert cli("--writer", "carol", "record", "jobs", "1").code == 0  # optional: fine
    assert cli("verify").code == 0
    require_signatures(project)
    verify_fails(cli, "carol.jsonl", 1, "unsigned entry (signatures are required)")


def rewrite(feed: Path, number: int, change, resign=None) -> None:  # noqa: ANN001
    """Change line `number` and re-hash the chain from there (ids and prevs consistent), as
    a forger with write access would; signatures are kept as they were (or re-made with
    `resign`)."""
    lines = feed.read_bytes().split(b"\n")[:-1]
    out, prev = [], "0" * 64
    for n, line in enumerate(lines, start=1):
        fields = parse_fields(line)
        fields.pop("id")
        sig = fields.pop("sig", None)
        fields["prev"] = prev
        if n == number:
            change(fields)
        if resign is not None and n >= number:
            new = encode(fields, resign)
        elif sig is not None:
            body = encode(fields)[:-1]
            body = body[: body.rindex(b',"id":')] + b',"sig":"' + sig.encode() + b'"}'
            new = body[:-1] + b',"id":"' + sha256(body).encode() + b'"}\n'
        else:
            new = encode(fields)
        out.append(new)
        prev = sha256(new[:-1])
    feed.write_bytes(b"".join(out))


def test_a_consistent_rehash_keeps_the_chain_but_breaks_the_signature(
        cli, signed, project: Path) -> None:
    feed = project / "ledger" / "bob.jsonl"
    rewrite(feed, 1, lambda f: f.update(value="120"))  # 12 → 120, chain re-hashed
    verify_fails(cli, "bob.jsonl", 1, "bad signature (the entry's bytes are not what was "
                 "signed)")


def test_a_rehash_with_signatures_stripped_is_rejected_as_unsigned(
        cli, signed, project: Path) -> None:
    feed = project / "ledger" / "bob.jsonl"
    lines = feed.read_bytes().split(b"\n")[:-1]
    stripped = []
    prev = "0" * 64
    for line in lines:
        fields = parse_fields(line)
        fields.pop("id"), fields.pop("sig")
        fields["prev"] = prev
        stripped.append(encode(fields))
        prev = sha256(stripped[-1][:-1])
    feed.write_bytes(b"".join(stripped))
    verify_fails(cli, "bob.jsonl", 1, "unsigned entry (signatures are required)")


def test_record_refuses_a_key_the_list_would_reject(cli, signed, project: Path,
                                                   keys: dict[str, Path]) -> None:
    before = ledger_digest(project)
    result = cli("--writer", "alice", "--key-file", str(keys["bob"]), "record", "jobs", "1")
    assert result.code == 2
    assert result.err.strip() == (
        "mibtrack: signatures are required and this entry would be rejected: signed by the key "
        "of bob, not of the writer 'alice' — sign with a key ledger/writers lists for 'alice' "
        "(--key-file), or have an authorised writer run `mibtrack writers add`")
    assert ledger_digest(project) == before


def _optional_while(project: Path, action) -> None:  # noqa: ANN001
    """Do `action` as a tool that ignores the setting would (or with it off), then require
    signatures again: the forgeries below are written, and `verify` must reject them."""
    _unrequire(project)
    action()
    require_signatures(project)


def test_a_feed_in_someone_elses_name_is_rejected(cli, signed, project: Path,
                                                  keys: dict[str, Path]) -> None:
    # mallory writes a feed claiming to be the director's, signed with her own key
    _optional_while(project, lambda: cli("--writer", "director", "--key-file",
                                         str(keys["mallory"]), "record", "jobs", "999"))
    verify_fails(cli, "director.jsonl", 1, "signed by a key not in ledger/writers")


def test_an_entry_whose_writer_is_not_its_signer_is_rejected(cli, signed, project: Path,
                                                             keys: dict[str, Path]) -> None:
    # bob's key is authorised for bob only; he appends to alice's feed under her id
    _optional_while(project, lambda: cli("--writer", "alice", "--key-file", str(keys["bob"]),
                                         "record", "jobs", "50"))
    verify_fails(cli, "alice.jsonl", 4, "signed by the key of bob, not of the writer 'alice'")


def test_an_entry_copied_from_another_feed_is_rejected(cli, signed, project: Path) -> None:
    # bob's signed first line replayed as the first line of a feed in carol's name: its
    # bytes (signature included) are bob's, so it still says writer bob
    bob_line = (project / "ledger" / "bob.jsonl").read_bytes().splitlines(keepends=True)[0]
    (project / "ledger" / "carol.jsonl").write_bytes(bob_line)
    verify_fails(cli, "carol.jsonl", 1, "writer 'bob' in the feed of 'carol' (a line copied "
                 "from another feed)")


def test_a_key_outside_its_validity_window_is_rejected(cli, signed, keys: dict[str, Path],
                                                       tmp_path: Path, project: Path) -> None:
    cli("keygen", "--output", str(tmp_path / "carol"))
    assert signed("alice", "writers", "add", "carol", f"{tmp_path / 'carol'}.pub",
                  "--valid-after", "2099-01-01").code == 0
    refused = cli("--writer", "carol", "--key-file", str(tmp_path / "carol"), "record",
                  "jobs", "1")
    assert refused.code == 2 and "outside the key's validity" in refused.err
    _optional_while(project, lambda: cli("--writer", "carol", "--key-file",
                                         str(tmp_path / "carol"), "record", "jobs", "1"))
    result = cli("verify")
    assert result.code == 4
    assert "BROKEN carol.jsonl: 0 entries; line 1: signed at " in result.out
    assert "outside the key's validity (namespaces=\"mibtrack\",valid-after=" \
           "\"20990101000000Z\")" in result.out


def test_revoking_keeps_earlier_entries_valid_and_rejects_later_ones(
        cli, signed, project: Path) -> None:
    assert signed("bob", "record", "jobs", "13", "--date", "2025-03-01").code == 0
    bob_pub = str(project.parent / "keys" / "bob.pub")
    result = signed("alice", "writers", "revoke", "bob", bob_pub)
    assert result.code == 0, result.err
    assert 'valid-before="' in (project / "ledger" / "writers").read_text()
    assert cli("verify").code == 0, "bob's two entries before the revocation stay valid"
    refused = signed("bob", "record", "jobs", "14", "--date", "2025-04-01")
    assert refused.code == 2 and "outside the key's validity" in refused.err
    _optional_while(project, lambda: signed("bob", "record", "jobs", "14", "--date",
                                            "2025-04-01"))
    result = cli("verify")
    assert result.code == 4
    assert "BROKEN bob.jsonl: 2 entries; line 3: signed at " in result.out
    assert "outside the key's validity" in result.out
    # and bob may no longer change the writers
    refused = signed("bob", "writers", "add", "bob", bob_pub)
    assert refused.code == 2 and "you may not change the writers" in refused.err


def test_ledger_writers_edited_by_hand_is_rejected(cli, signed, project: Path,
                                                  keys: dict[str, Path]) -> None:
    mallory = (Path(f"{keys['mallory']}.pub").read_text().split(" mallory")[0])
    with (project / "ledger" / "writers").open("a") as out:
        out.write(f'mallory namespaces="mibtrack" {mallory}\n')
    result = cli("verify")
    assert result.code == 4
    assert ("BROKEN writers: 2 entries; line 0: lists 'mallory' with a key no signed writers "
            "entry added") in result.out


def test_a_writers_change_by_an_unlisted_key_is_rejected(cli, signed, project: Path,
                                                         keys: dict[str, Path]) -> None:
    refused = cli("--writer", "mallory", "--key-file", str(keys["mallory"]), "writers", "add",
                  "mallory", f"{keys['mallory']}.pub")
    assert refused.code == 2
    assert refused.err.strip() == ("mibtrack: you may not change the writers: signed by a key "
                                   "not in ledger/writers — ask an authorised writer to run it")
    # forged by hand in her own feed (and ledger/writers rebuilt to match): still rejected
    from mibtrack.ledger.signing import load_key as _load

    key = _load(keys["mallory"])
    newest = parse_fields((project / "ledger" / "bob.jsonl").read_bytes().splitlines()[-1])

    def forge(recorded_at: str) -> None:
        line = encode({"v": 1, "seq": 1, "type": "writers", "writer": "mallory",
                       "recorded_at": recorded_at, "as_of": "2026-01-01", "action": "add",
                       "principal": "mallory", "public_key": key.public_line(),
                       "prev": "0" * 64}, key.sign)
        (project / "ledger" / "mallory.jsonl").write_bytes(line)

    forge(newest["recorded_at"])  # after alice made herself the first writer
    result = cli("verify")
    assert result.code == 4
    assert ("BROKEN mallory.jsonl: 0 entries; line 1: a change to the writers signed by a key "
            "not in ledger/writers") in result.out
    # backdated before alice's first entry, mallory's add becomes the first writer: then
    # every entry of alice and bob is rejected — loud, never a silent takeover
    forge("2000-01-01T00:00:00.000000Z")
    result = cli("verify")
    assert result.code == 4
    assert ("BROKEN alice.jsonl: 0 entries; line 1: a change to the writers signed by a key "
            "not in ledger/writers") in result.out


def test_optional_signatures_still_reject_a_bad_one_and_note_an_unlisted_key(
        cli, signed, project: Path, keys: dict[str, Path]) -> None:
    _unrequire(project)
    assert cli("--writer", "dan", "--key-file", str(keys["mallory"]), "record", "jobs",
               "1").code == 0
    result = cli("verify")
    assert result.code == 0
    assert "dan.jsonl:1: signed by a key not in ledger/writers (signatures are optional: not " \
           "a break)" in result.err
    rewrite(project / "ledger" / "bob.jsonl", 1, lambda f: f.update(value="13"))
    verify_fails(cli, "bob.jsonl", 1, "bad signature (the entry's bytes are not what was "
                 "signed)")


def test_the_first_writer_must_add_itself(cli, project: Path, keys: dict[str, Path]) -> None:
    before = ledger_digest(project)
    result = cli("--writer", "alice", "--key-file", str(keys["alice"]), "writers", "add",
                 "bob", f"{keys['bob']}.pub")
    assert result.code == 2 and "the first writer adds itself" in result.err
    assert ledger_digest(project) == before


# ------------------------------------------------------------------ OpenSSH interop
@needs_ssh_keygen
def test_ssh_keygen_verifies_our_signature(cli, signed, project: Path, tmp_path: Path) -> None:
    line = (project / "ledger" / "bob.jsonl").read_bytes().splitlines()[0]
    message, sig = signed_part(line)
    (tmp_path / "msg").write_bytes(message)
    (tmp_path / "msg.sig").write_text(armor(base64.b64decode(sig)))
    with (tmp_path / "msg").open("rb") as stdin:
        done = subprocess.run(["ssh-keygen", "-Y", "verify", "-f",
                               str(project / "ledger" / "writers"), "-I", "bob", "-n",
                               "mibtrack", "-s", str(tmp_path / "msg.sig")],
                              stdin=stdin, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert 'Good "mibtrack" signature for bob' in done.stdout


@needs_ssh_keygen
def test_we_verify_ssh_keygens_signature_and_use_an_ssh_key_directly(
        cli, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "erin", "-f",
                    str(key)], check=True)
    monkeypatch.setenv("MIBTRACK_SIGNING_KEY", str(key))  # the SSH key, used as it is
    assert cli("--writer", "erin", "writers", "add", "erin", f"{key}.pub").code == 0
    require_signatures(project)
    # a line signed by `ssh-keygen -Y sign -n mibtrack`, appended to erin's feed
    feed = project / "ledger" / "erin.jsonl"
    first = feed.read_bytes()
    fields = {"v": 1, "seq": 2, "type": "observation", "writer": "erin",
              "recorded_at": parse_fields(first[:-1])["recorded_at"], "as_of": "2025-01-01",
              "metric": "jobs", "value": "7", "prev": sha256(first[:-1])}
    body = encode(fields)[:-1]
    message = body[: body.rindex(b',"id":')] + b"}"
    (tmp_path / "m").write_bytes(message)
    subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-f", str(key), "-n", "mibtrack",
                    str(tmp_path / "m")], check=True, capture_output=True)
    armored = (tmp_path / "m.sig").read_text()
    assert verify_sshsig(unarmor(armored), message) == load_key(key).raw_public
    line = encode(fields, lambda _: base64.b64encode(unarmor(armored)).decode())
    feed.write_bytes(first + line)
    result = cli("verify")
    assert result.code == 0, result.out + result.err
    # a signature made for another namespace (git's) does not pass for ours
    (tmp_path / "g").write_bytes(message)
    subprocess.run(["ssh-keygen", "-Y", "sign", "-q", "-f", str(key), "-n", "git",
                    str(tmp_path / "g")], check=True, capture_output=True)
    with pytest.raises(ValueError, match="signature for namespace 'git', not 'mibtrack'"):
        verify_sshsig(unarmor((tmp_path / "g.sig").read_text()), message)


def test_adopting_signatures_vouches_for_the_unsigned_history_and_nothing_after(
        cli, project: Path, keys: dict[str, Path]) -> None:
    """The first writers entry seals every feed's newest entry (`writer:seq:id`): unsigned
    entries up to there stay valid once signatures are required, later ones do not."""
    assert cli("--writer", "carol", "record", "jobs", "1", "--date", "2024-01-01").code == 0
    assert cli("--writer", "carol", "record", "jobs", "2", "--date", "2024-02-01").code == 0
    assert cli("--writer", "alice", "--key-file", str(keys["alice"]), "writers", "add",
               "alice", f"{keys['alice']}.pub").code == 0
    change = json.loads((project / "ledger" / "alice.jsonl").read_text())
    carol = [json.loads(x) for x in (project / "ledger" / "carol.jsonl").read_text().split()]
    assert change["sealed"] == f"carol:2:{carol[1]['id']}"
    require_signatures(project)
    assert cli("verify").code == 0, "carol's two entries are vouched for"
    _optional_while(project, lambda: cli("--writer", "carol", "record", "jobs", "3"))
    verify_fails(cli, "carol.jsonl", 3, "unsigned entry (signatures are required)")
