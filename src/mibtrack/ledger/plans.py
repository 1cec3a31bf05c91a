"""Plan versions as stored: `plan` entries in the feeds and the byte-exact copies of
objectives.toml they name, `ledger/plans/<sha256>.toml`; and the ledger's head.

Storage only: which version is in force and what a version changed are decided in
`mibtrack.plans` and `mibtrack.compute.plans`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import mmap
import os
import re
from collections.abc import Iterator
from pathlib import Path

from ..errors import IntegrityError, ProjectError
from ..model import PlanEntry
from .codec import decode
from .feed import pending_path, without_unfinished_batch

PLANS_DIR = "plans"
_NEEDLE = b'"type":"plan"'
_RECORDED = re.compile(rb'"recorded_at":"([^"]{27})"')
_ID = re.compile(rb',"id":"([0-9a-f]{64})"\}$')


def plans_folder(ledger_root: Path) -> Path:
    return ledger_root / PLANS_DIR


def copy_path(ledger_root: Path, digest: str) -> Path:
    return plans_folder(ledger_root) / f"{digest}.toml"


def has_copies(ledger_root: Path) -> bool:
    """Cheap: does ledger/plans/ hold any version? (No plan entry can exist without one.)"""
    folder = plans_folder(ledger_root)
    try:
        return any(p.suffix == ".toml" for p in folder.iterdir())
    except OSError:
        return False


def store_copy(ledger_root: Path, data: bytes) -> str:
    """Keep `data` (objectives.toml's bytes) as ledger/plans/<sha256>.toml, written whole
    and fsynced; an existing copy must hold exactly those bytes. Returns the SHA-256."""
    digest = hashlib.sha256(data).hexdigest()
    target = copy_path(ledger_root, digest)
    if target.exists():
        if hashlib.sha256(target.read_bytes()).hexdigest() != digest:
            raise IntegrityError(f"{target}: its bytes do not match its name (changed by hand?)",
                                 "restore it from git; plan copies are never edited")
        return digest
    folder = target.parent
    try:
        folder.mkdir(exist_ok=True)
        from ..safefile import write_atomic  # mkstemp, fsynced, renamed: never a planted name

        write_atomic(target, data, follow=False, mode=0o644)
    except OSError as exc:
        raise ProjectError(f"cannot write {target} ({exc.strerror})",
                           "check the ledger folder is writable") from None
    return digest


def read_copy(ledger_root: Path, digest: str, entry_id: str = "") -> bytes:
    """The bytes of a recorded plan version, checked against their SHA-256."""
    target = copy_path(ledger_root, digest)
    try:
        data = target.read_bytes()
    except FileNotFoundError:
        raise ProjectError(f"{target}: missing (plan version recorded by entry "
                           f"{entry_id[:12]})",
                           "restore it from git: `git checkout -- ledger/plans`") from None
    except OSError as exc:
        raise ProjectError(f"{target}: cannot be read ({exc.strerror})") from None
    if hashlib.sha256(data).hexdigest() != digest:
        raise IntegrityError(f"{target}: its bytes do not match its SHA-256 (changed by hand?)",
                             "restore it from git; plan copies are never edited")
    return data


def _feed_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    if pending_path(path).exists():
        data = without_unfinished_batch(path, data)
    return data[:data.rfind(b"\n") + 1]  # a torn tail is not an entry


def plan_entries(feed_paths: list[Path]) -> list[PlanEntry]:
    """Every `plan` entry of the feeds, found by a byte search for their type (a quote
    inside a JSON string is escaped, so user text cannot match), in ledger order."""
    from .scan import lacks

    found: list[PlanEntry] = []
    for path in feed_paths:
        try:
            with open(path, "rb") as handle:
                if os.fstat(handle.fileno()).st_size == 0:
                    continue
                with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
                    # a slice at a time, the pages given back (searched whole, a mapped
                    # feed stayed in memory: 260 MB of `verify`'s peak at 1M entries)
                    if lacks(path, os.fstat(handle.fileno()), view, _NEEDLE):
                        continue
        except (OSError, ValueError):
            continue
        data = _feed_bytes(path)
        at = data.find(_NEEDLE)
        while at >= 0:
            first = data.rfind(b"\n", 0, at) + 1
            last = data.find(b"\n", at)
            if last < 0:
                break
            number = data.count(b"\n", 0, first) + 1
            entry = decode(data[first:last], f"{path}:{number}")
            if isinstance(entry, PlanEntry):
                found.append(entry)
            at = data.find(_NEEDLE, last)
    found.sort(key=lambda e: (e.recorded_at, e.writer, e.seq))
    return found


def _moment_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _tail_lines(path: Path) -> Iterator[bytes]:
    """The feed's complete lines from the last one back, read in chunks from the end (a
    report needs only the newest); an unfinished batch is set aside as readers do."""
    if pending_path(path).exists():
        yield from reversed(_feed_bytes(path).split(b"\n")[:-1])
        return
    with open(path, "rb") as handle:
        at = os.fstat(handle.fileno()).st_size
        buffer, chunk, started = b"", 1 << 16, False
        while True:
            if not started:  # drop a torn tail: bytes after the last newline
                cut = buffer.rfind(b"\n")
                if cut >= 0:
                    buffer, started = buffer[:cut], True
            if started:
                end = len(buffer)
                cut = buffer.rfind(b"\n", 0, end)
                while cut >= 0:
                    yield buffer[cut + 1:end]
                    end = cut
                    cut = buffer.rfind(b"\n", 0, end)
                buffer = buffer[:end]
            if at == 0:
                if started and buffer:
                    yield buffer
                return
            step = min(chunk, at)
            at -= step
            buffer = os.pread(handle.fileno(), step, at) + buffer
            chunk = min(chunk * 2, 1 << 22)


def feed_head(path: Path, known_at: dt.datetime | None) -> tuple[str, str] | None:
    """(recorded_at, id) of the feed's last line recorded at or before `known_at` (the
    last line when None), read from the end; None when there is none."""
    cutoff = None if known_at is None else _moment_text(known_at).encode()
    try:
        for line in _tail_lines(path):
            recorded, ident = _RECORDED.search(line), _ID.search(line)
            if recorded is not None and ident is not None and (
                    cutoff is None or recorded[1] <= cutoff):
                return recorded[1].decode(), ident[1].decode()
    except OSError:
        return None
    return None


def ledger_head(feed_paths: list[Path], known_at: dt.datetime | None) -> tuple[str, str | None]:
    """(SHA-256 of the sorted feed names, each with its newest entry id as known at
    `known_at`, one `<writer> <id>\\n` line per feed; the newest recorded_at seen). A feed
    with no entry known then is left out; no feed at all is the SHA-256 of nothing."""
    lines, newest = [], None
    for path in sorted(feed_paths, key=lambda p: p.name):
        head = feed_head(path, known_at)
        if head is None:
            continue
        lines.append(f"{path.name.removesuffix('.jsonl')} {head[1]}\n")
        newest = head[0] if newest is None or head[0] > newest else newest
    return hashlib.sha256("".join(lines).encode()).hexdigest(), newest
