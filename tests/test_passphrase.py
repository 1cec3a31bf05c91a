"""Passphrase-protected signing keys: an encrypted OpenSSH ed25519 key (from `ssh-keygen -N`
or `mibtrack keygen --passphrase`) is opened with $MIBTRACK_PASSPHRASE (cron), else asked on
a terminal; with neither, or a wrong one, the command is refused (exit 2, one line, nothing
written)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from mibtrack.ledger.codec import signed_part
from mibtrack.ledger.signing import load_key
from support import ledger_digest

needs_ssh_keygen = pytest.mark.skipif(shutil.which("ssh-keygen") is None,
                                      reason="openssh-client (ssh-keygen) is not installed")


@pytest.fixture
def protected(tmp_path: Path) -> Path:
    """An ed25519 key encrypted by ssh-keygen with the passphrase `open sesame`."""
    if shutil.which("ssh-keygen") is None:
        pytest.skip("openssh-client (ssh-keygen) is not installed")
    path = tmp_path / "keys" / "alice"
    path.parent.mkdir()
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "open sesame", "-C", "alice",
                    "-f", str(path)], check=True)
    return path


def test_the_passphrase_from_the_environment_opens_the_key_and_signs(
        cli, project: Path, protected: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MIBTRACK_PASSPHRASE", "open sesame")
    assert cli("--writer", "alice", "--key-file", str(protected), "writers", "add", "alice",
               f"{protected}.pub").code == 0
    result = cli("--writer", "alice", "--key-file", str(protected), "record", "jobs", "7")
    assert result.code == 0, result.err
    line = (project / "ledger" / "alice.jsonl").read_bytes().splitlines()[-1]
    assert signed_part(line) is not None
    assert cli("verify").code == 0


@pytest.mark.parametrize(("passphrase", "problem"), [
    (None, "it is protected by a passphrase and none was given — run on a terminal to be "
           "asked, or set MIBTRACK_PASSPHRASE (cron: see docs/cron.md)"),
    ("open barley", "wrong passphrase (MIBTRACK_PASSPHRASE) — give the passphrase the key "
                    "was made with"),
])
def test_a_record_without_the_right_passphrase_is_refused(
        cli, project: Path, protected: Path, monkeypatch: pytest.MonkeyPatch,
        passphrase: str | None, problem: str) -> None:
    """No passphrase and no terminal to ask on, or a wrong one: exit 2, nothing written."""
    if passphrase is not None:
        monkeypatch.setenv("MIBTRACK_PASSPHRASE", passphrase)
    before = ledger_digest(project)
    result = cli("--writer", "alice", "--key-file", str(protected), "record", "jobs", "7")
    assert result.code == 2
    assert result.err == f"mibtrack: signing key {protected}: {problem}\n"
    assert ledger_digest(project) == before


def test_the_prompt_is_used_only_when_it_answers(protected: Path) -> None:
    asked = []

    def ask(prompt: str) -> str:
        asked.append(prompt)
        return "open sesame"

    assert load_key(protected, ask).public_line().startswith("ssh-ed25519 ")
    assert asked == [f"passphrase for {protected}: "]


@needs_ssh_keygen
def test_keygen_passphrase_writes_a_key_openssh_opens_with_it(
        cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "k" / "signing_key"
    refused = cli("keygen", "--output", str(path), "--passphrase")  # no terminal, no env
    assert refused.code == 2
    assert refused.err == ("mibtrack: --passphrase: no terminal to ask on — set "
                           "MIBTRACK_PASSPHRASE, or run keygen on a terminal\n")
    assert not path.exists()
    monkeypatch.setenv("MIBTRACK_PASSPHRASE", "correct horse")
    made = cli("keygen", "--output", str(path), "--passphrase")
    assert made.code == 0, made.err
    # OpenSSH derives the same public key from it with the passphrase, and refuses without
    derived = subprocess.run(["ssh-keygen", "-y", "-P", "correct horse", "-f", str(path)],
                             capture_output=True, text=True)
    assert derived.returncode == 0 and derived.stdout.split()[:2] == made.out.split()[:2]
    assert subprocess.run(["ssh-keygen", "-y", "-P", "", "-f", str(path)],
                          capture_output=True).returncode != 0
    assert load_key(path).public_line() == made.out.strip()  # opened with the env var
