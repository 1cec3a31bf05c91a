"""Who wrote what: `keygen` and `writers add|list|revoke`."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from .app import JsonFlag, app, echo, info, print_json, session

writers_app = typer.Typer(help="The authorised writers (ledger/writers): add, list, revoke.",
                          no_args_is_help=True)
app.add_typer(writers_app, name="writers")


@app.command()
def keygen(
    output: Annotated[str | None, typer.Option("--output", metavar="PATH",
                      help="Where to write the private key (default: the user's config dir, "
                           "~/.config/mibtrack/signing_key); the public key goes beside it "
                           "(.pub).")] = None,
    comment: Annotated[str | None, typer.Option("--comment", metavar="TEXT",
                       help="The public key's comment (default: your writer id).")] = None,
    passphrase: Annotated[bool, typer.Option(
        "--passphrase", help="Protect the private key with a passphrase: asked twice on a "
                             "terminal, else taken from $MIBTRACK_PASSPHRASE.")] = False,
) -> None:
    """Make an Ed25519 signing key (OpenSSH format, 0600); prints the public key line."""
    from pathlib import Path

    from ..ledger.signing import default_key_path
    from ..ledger.signing import keygen as make_key
    from ..ledger.store import host_writer

    path = Path(output).expanduser() if output else default_key_path()
    secret = _new_passphrase() if passphrase else None
    made = make_key(path, comment or session().writer or host_writer(), secret)
    echo(made.public_line())
    info(f"private key written to {path} (mode 0600), public key to {path}.pub; next: "
         f"an authorised writer runs `mibtrack writers add WRITER {path}.pub`")


def _new_passphrase() -> str:
    """`keygen --passphrase`: $MIBTRACK_PASSPHRASE, else asked twice on a terminal (exit 2
    when neither, when they differ, or when it is empty)."""
    import os

    from ..errors import UsageError
    from ..ledger.signing import PASSPHRASE_ENV
    from .app import ask_passphrase

    given = os.environ.get(PASSPHRASE_ENV)
    if given is None:
        given = ask_passphrase("new passphrase: ")
        if given is None:
            raise UsageError("--passphrase: no terminal to ask on",
                             f"set {PASSPHRASE_ENV}, or run keygen on a terminal")
        if ask_passphrase("the same passphrase again: ") != given:
            raise UsageError("--passphrase: the two passphrases differ", "run keygen again")
    if not given:
        raise UsageError("--passphrase: the passphrase is empty",
                         "give one, or leave out --passphrase")
    return given


def _public_key(text: str) -> str:
    """A public key given as `ssh-ed25519 AAAA…` or as the path of a .pub file."""
    from pathlib import Path

    from ..errors import UsageError
    from ..ledger.signing import key_line, raw_of_key_line

    line = text
    if not text.startswith("ssh-"):
        try:
            line = Path(text).expanduser().read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"public key {text!r}: cannot be read "
                             f"({getattr(exc, 'strerror', None) or exc})",
                             "give an `ssh-ed25519 AAAA…` line or a .pub file") from None
    try:
        return key_line(raw_of_key_line(line))
    except ValueError as exc:
        raise UsageError(f"public key {text!r}: {exc}",
                         "give an `ssh-ed25519 AAAA…` line or a .pub file") from None


def _state() -> tuple[Any, list[Any]]:
    """The ledger and the authorised writers its signed entries make."""
    from ..ledger.signing import check_signatures

    ledger = session().workspace.ledger
    verdicts = ledger.verify()  # the writers entries of the good lines of each feed
    jobs = [(v.path, v.entries if v.problem else None) for v in verdicts
            if v.path.name.endswith(".jsonl")]
    return ledger, check_signatures(ledger.root, jobs, required=False).state


def _change(action: str, principal: str, key: str, after: Any, before: Any) -> None:
    """Append one signed `writers` entry (refused unless its signer may make it), then
    rebuild ledger/writers."""
    import datetime as dt
    from types import SimpleNamespace

    from ..errors import UsageError
    from ..ledger import draft
    from ..ledger.signing import (
        Authorisation,
        apply_change,
        authorised,
        raw_of_key_line,
        seal,
        write_writers_file,
    )
    from ..values import format_moment, utc_now
    from .ledger_cmds import _append

    s = session()
    signing = s.signing_key
    if signing is None:
        raise UsageError("a change to the writers must be signed, and there is no signing key",
                         "run `mibtrack keygen`, or give --key-file")
    writer = s.writer_id()
    ledger, state = _state()
    signer, raw = signing.raw_public, raw_of_key_line(key)
    if not state:
        if action != "add" or raw != signer or not Authorisation(principal, signer).names(writer):
            raise UsageError("ledger/writers is empty: the first writer adds itself, with the "
                             "key it signs with",
                             f"run `mibtrack writers add {writer} <your .pub>` with that key")
    else:
        why = authorised(state, signer, writer, utc_now())
        if why is not None:
            raise UsageError(f"you may not change the writers: {why}",
                             "ask an authorised writer to run it")
    if action == "revoke" and not any(a.principals == principal and a.raw == raw
                                      for a in state):
        raise UsageError(f"{principal!r} has no such key in ledger/writers",
                         "see `mibtrack writers list`")
    s.writers_change = True
    _append([draft("writers", as_of=dt.date.today(), action=action, principal=principal,
                   public_key=key, valid_after=format_moment(after) if after else None,
                   valid_before=format_moment(before) if before else None,
                   sealed=seal(ledger.feed_paths()))], False)
    change = SimpleNamespace(action=action, principal=principal, public_key=key,
                             valid_after=after, valid_before=before)
    write_writers_file(ledger.root, apply_change(state, change))


def _moment(text: str | None, what: str) -> Any:
    """A moment; a bare date is the start of that day (UTC), as in OpenSSH's YYYYMMDD."""
    import datetime as dt
    import re

    from ..values import parse_date, parse_moment

    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        day = parse_date(text.strip(), what)
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return parse_moment(text, what)


@writers_app.command("add")
def writers_add(
    principal: Annotated[str, typer.Argument(help="The writer id the key signs for "
                                                  "(alice@pmo; * and ? match like git's).")],
    key: Annotated[str, typer.Argument(help="The public key: a .pub file or `ssh-ed25519 "
                                            "AAAA…`.")],
    valid_after: Annotated[str | None, typer.Option("--valid-after", metavar="WHEN",
                           help="Entries recorded before this are not accepted from the key.")]
    = None,
    valid_before: Annotated[str | None, typer.Option("--valid-before", metavar="WHEN",
                            help="Entries recorded from this moment on are not accepted.")]
    = None,
) -> None:
    """Authorise a key to sign for a writer id (a signed entry; rebuilds ledger/writers)."""
    import re

    from ..errors import UsageError

    if not re.fullmatch(r"[A-Za-z0-9*?][A-Za-z0-9._@+*?,-]{0,255}", principal):
        raise UsageError(f"principal {principal!r} is not a writer id or pattern",
                         "use letters, digits and . _ @ + - (and * ? as wildcards)")
    _change("add", principal, _public_key(key), _moment(valid_after, "--valid-after"),
            _moment(valid_before, "--valid-before"))


@writers_app.command("revoke")
def writers_revoke(
    principal: Annotated[str, typer.Argument(help="The writer id whose key is revoked.")],
    key: Annotated[str, typer.Argument(help="The public key: a .pub file or `ssh-ed25519 "
                                            "AAAA…`.")],
    at: Annotated[str | None, typer.Option("--at", metavar="WHEN",
                  help="From when its signatures are refused (default: now). Entries "
                       "recorded before stay valid.")] = None,
) -> None:
    """Revoke a writer's key from now on (or --at): its earlier entries stay valid."""
    from ..values import utc_now

    _change("revoke", principal, _public_key(key), None, _moment(at, "--at") or utc_now())


@writers_app.command("list")
def writers_list(json_output: JsonFlag = False) -> None:
    """The authorised writers, as the signed writers entries make them."""
    import base64
    import hashlib

    from ..ledger.signing import key_blob

    _, state = _state()
    rows = [{"principal": a.principals,
             "fingerprint": "SHA256:" + base64.b64encode(
                 hashlib.sha256(key_blob(a.raw)).digest()).decode().rstrip("="),
             "valid_after": a.valid_after, "valid_before": a.valid_before} for a in state]
    if json_output:
        print_json({"schema_version": 1, "writers": rows})
        return
    if not rows:
        echo("no authorised writers yet: `mibtrack keygen`, then `mibtrack writers add`")
    for row in rows:
        window = "".join([f" from {row['valid_after']:%Y-%m-%dT%H:%M:%SZ}"
                          if row["valid_after"] else "",
                          f" until {row['valid_before']:%Y-%m-%dT%H:%M:%SZ}"
                          if row["valid_before"] else ""])
        echo(f"{row['principal']}  {row['fingerprint']}{window}")
