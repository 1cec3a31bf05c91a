"""`mibtrack recover FEED`: a forked feed made whole again, keeping both sides.

A feed forks when two clones append under one writer id: each side chains onto the same
line, and git either merges the two tails with conflict markers or (with a union merge, or
by hand) leaves both sides' lines one after the other. Nothing may be lost, so:

1. the feed's whole bytes are copied to `ledger/quarantine/<writer>.<stamp>.fork` (fsynced);
2. the feed keeps its longest valid chain in file order: the common prefix and the first
   side (for a conflict, "ours");
3. every other entry (the other side) is re-recorded, in its own order, in a new feed
   `<writer>+fork<6 hex of its first id>` with its original `recorded_at` (so a report as
   known at any moment is unchanged) and `recovered_from` = the original's id; a correction
   or void of a moved entry points at its re-recorded copy. The new feed's bytes depend only
   on the forked feed, so two clones that recover the same fork write the same file.
   Corrections and voids in other feeds (never rewritten) that name an original keep
   applying: the fold reads a re-recorded entry as standing for its original
   (`compute.ledger_state.resolve`).

Git's conflict markers and lines that are no entry at all stay in the quarantine copy only.
`verify` is clean afterwards, and `verify --history` accepts the merge that dropped the
other side, since the dropped lines are in a `.fork` file of the same commit.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IntegrityError, UsageError
from ..values import format_moment, utc_now
from .codec import GENESIS, conflict_marker, encode, id_matches, parse_fields, sha256
from .feed import QUARANTINE, _fsync_dir, locked, split_lines

FORK_SUFFIX = ".fork"
#: Fields of the original that are not carried over: the chain is the new feed's own.
_CHAIN_FIELDS = ("seq", "writer", "prev", "id", "sig")


@dataclass
class Recovery:
    """What `recover` did (or, with nothing forked, that it had nothing to do)."""

    feed: Path
    kept: int = 0
    moved: int = 0
    #: Git conflict markers and lines that are not entries: in the quarantine copy only.
    dropped: int = 0
    quarantined: Path | None = None
    recovered_feed: Path | None = None
    #: (original id, re-recorded id) of each moved entry.
    renamed: list[tuple[str, str]] = field(default_factory=list)


def _split(lines: list[bytes], writer: str) -> tuple[list[bytes], list[dict[str, Any]], int]:
    """The longest valid chain in file order, the other side's entries, the dropped lines."""
    kept: list[bytes] = []
    kept_set: set[bytes] = set()
    others: list[dict[str, Any]] = []
    dropped = 0
    prev, newest = GENESIS, ""
    for line in lines:
        if conflict_marker(line):
            dropped += 1
            continue
        if line in kept_set:
            continue  # a common line repeated (the base of a diff3 conflict)
        try:
            fields = parse_fields(line)
        except ValueError:
            dropped += 1
            continue
        if not id_matches(line):
            dropped += 1
            continue
        moment = fields.get("recorded_at")
        if (fields.get("prev") == prev and fields.get("seq") == len(kept) + 1
                and fields.get("writer") == writer and isinstance(moment, str)
                and moment >= newest):
            kept.append(line)
            kept_set.add(line)
            prev, newest = sha256(line), moment
        elif fields.get("writer") == writer:
            others.append(fields)
        else:
            dropped += 1  # a line copied from another feed is no entry of this writer
    return kept, others, dropped


def recover(path: Path, writer: str, target: str | None = None,
            sign: Any = None) -> Recovery:
    """Recover the forked feed `path` of `writer`; `target` names the feed the other side
    goes to (default `<writer>+fork<hex>`). `sign(body) -> line`, when given, signs each
    re-recorded line (see signing.py)."""
    from .codec import decode
    from .store import FEED_SUFFIX, check_writer

    result = Recovery(path)
    if not path.is_file():
        raise UsageError(f"no feed {path}", "name a feed of ledger/ (see `mibtrack verify`)")
    with locked(path, create=False) as fd:
        size = os.fstat(fd).st_size
        data = os.pread(fd, size, 0)
        lines, end = split_lines(data)
        if end < len(data):
            raise IntegrityError(f"{path}: ends with a torn line (an interrupted write)",
                                 "run `mibtrack repair` first, then recover")
        kept, others, dropped = _split(lines, writer)
        result.kept, result.moved, result.dropped = len(kept), len(others), dropped
        if not others and not dropped:
            return result
        others.sort(key=lambda f: f["recorded_at"])  # stable: each side's order is kept
        name = (target or f"{writer}+fork{others[0]['id'][:6]}") if others else None
        new_lines: list[bytes] = []
        if name is not None:
            check_writer(name)
            new_path = path.with_name(name + FEED_SUFFIX)
            prev = GENESIS
            renamed: dict[str, str] = {}
            for seq, original in enumerate(others, start=1):
                fields = {k: v for k, v in original.items() if k not in _CHAIN_FIELDS}
                if fields.get("target_entry") in renamed:
                    fields["target_entry"] = renamed[fields["target_entry"]]
                fields.update(seq=seq, writer=name, recovered_from=original["id"], prev=prev)
                line = sign(fields) if sign is not None else encode(fields)
                entry = decode(line[:-1], f"{new_path}:{seq}")
                renamed[original["id"]] = entry.id
                result.renamed.append((original["id"], entry.id))
                new_lines.append(line)
                prev = sha256(line[:-1])
            new_bytes = b"".join(new_lines)
            if new_path.exists() and new_path.read_bytes() != new_bytes:
                raise UsageError(f"{new_path} already exists with other entries",
                                 "give another feed name with --to")
            result.recovered_feed = new_path
        folder = path.parent / QUARANTINE
        folder.mkdir(exist_ok=True)
        stamp = format_moment(utc_now()).replace(":", "").replace("-", "")
        quarantined = folder / f"{path.stem}.{stamp}{FORK_SUFFIX}"
        _write_new(quarantined, data)
        _fsync_dir(folder)
        result.quarantined = quarantined
        if result.recovered_feed is not None and not result.recovered_feed.exists():
            _write_new(result.recovered_feed, b"".join(new_lines))
        # the feed becomes its kept chain, in place under its lock (an append waiting for
        # the lock then chains onto it); its whole old bytes are safe in the quarantine copy
        os.ftruncate(fd, 0)
        _write_all(fd, b"".join(line + b"\n" for line in kept))
        os.fsync(fd)
    return result


def _write_new(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        _write_all(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    _fsync_dir(path.parent)


def _write_all(fd: int, data: bytes) -> None:
    written = 0
    while written < len(data):
        written += os.write(fd, data[written:])
