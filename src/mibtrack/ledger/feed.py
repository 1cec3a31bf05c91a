"""One writer's feed file: read it (tolerating a torn tail), append to it (locked, whole,
fsynced), check its chain, and quarantine a torn tail.

A feed only ever grows. Its last line is complete when it ends with a newline; bytes after
the last newline are a torn tail (a write cut short by a crash): readers warn and skip
them, `record` refuses to append after them, `repair` moves them to ledger/quarantine/.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IntegrityError, ProjectError, UsageError
from ..model import LEDGER_FORMAT_VERSION, Entry
from ..values import format_moment, utc_now
from .codec import (
    GENESIS,
    conflict_marker,
    conflict_problem,
    decode,
    encode,
    id_matches,
    parse_fields,
    sha256,
)

QUARANTINE = "quarantine"


@contextmanager
def steady(handle: Any) -> Iterator[None]:
    """A shared flock while a feed is mapped: mibtrack only ever shrinks a feed (a failed
    append cut back, `repair`) under the exclusive lock, so a mapped feed cannot shrink under
    us — which would be a SIGBUS, not an error line. Appends wait the few ms it takes."""
    fcntl.flock(handle.fileno(), fcntl.LOCK_SH)
    try:
        yield
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@dataclass(frozen=True)
class TornTail:
    """Bytes after the last newline of a feed: an append that never completed."""

    path: Path
    line: int
    offset: int
    size: int

    def warning(self) -> str:
        return (f"{self.path}:{self.line}: torn last line ({self.size} bytes, an interrupted "
                f"write) ignored — run `mibtrack repair` to quarantine it")


@dataclass
class FeedContent:
    """The good entries of a feed, in file order, and its torn tail if any."""

    path: Path
    entries: list[Entry] = field(default_factory=list)
    torn: TornTail | None = None


@dataclass(frozen=True)
class Break:
    """The first place a feed's chain is broken."""

    path: Path
    line: int
    problem: str
    #: What kind of break, for code to act on: "torn", "fork", "conflict-marker",
    #: "signature", "evidence", "clock", "invalid-entry", "unreadable" or "chain" (any
    #: other).
    kind: str = "chain"

    def describe(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


def clock_gap(earlier: str, later: str) -> str:
    """How far apart two stored moments are, for people: `2 d 3 h 4 min 5.000001 s`."""
    import datetime as dt

    gap = dt.datetime.fromisoformat(later) - dt.datetime.fromisoformat(earlier)
    minutes, seconds = divmod(gap.total_seconds(), 60)
    hours, minutes = divmod(int(minutes), 60)
    days, hours = divmod(hours, 24)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return " ".join([*parts, f"{seconds:.6f}".rstrip("0").rstrip(".") + " s"])


def split_lines(data: bytes) -> tuple[list[bytes], int]:
    """Complete lines (without newlines) and the offset where a torn tail starts (or len)."""
    end = data.rfind(b"\n") + 1
    lines = data[:end].split(b"\n")[:-1] if end else []
    return lines, end


def read_feed(path: Path) -> FeedContent:
    """Decode every complete line; a bad complete line is an invalid entry (exit 3)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be read ({exc.strerror})") from None
    lines, end = split_lines(without_unfinished_batch(path, data))
    content = FeedContent(path)
    content.entries = [decode(line, f"{path}:{number}") for number, line in
                       enumerate(lines, start=1)]
    if end < len(data):
        content.torn = TornTail(path, len(lines) + 1, end, len(data) - end)
    return content


# A batch (an import) is appended as one write, but a crash can cut any write short, even
# at a line boundary. So before a batch of several lines is written, a journal beside the
# feed (`<writer>.jsonl.pending`, fsynced) records the feed's size and the batch's length
# and hash; it is removed once the batch is fsynced. While a journal names a batch that is
# not all there, the batch's lines count as a torn tail: readers skip them, appends refuse,
# and `repair` quarantines the whole partial batch. So a batch is in the feed whole or not
# at all.

def pending_path(path: Path) -> Path:
    return path.with_name(path.name + ".pending")


def without_unfinished_batch(path: Path, data: bytes) -> bytes:
    """The feed's bytes, cut back to before a batch append that never completed."""
    from json import loads

    try:
        journal = loads(pending_path(path).read_bytes())
        start, length, digest = int(journal["size"]), int(journal["length"]), journal["sha256"]
    except FileNotFoundError:
        return data
    except (OSError, ValueError, KeyError, TypeError):
        return data  # a journal cut short: fsynced before the batch, so no batch was written
    if len(data) <= start:
        return data
    if len(data) >= start + length and sha256(data[start:start + length]) == digest:
        return data
    return data[:start]


def _begin_batch(path: Path, size: int, data: bytes | bytearray) -> None:
    from json import dumps

    journal = dumps({"size": size, "length": len(data), "sha256": sha256(data)}).encode()
    with open(pending_path(path), "wb") as out:
        out.write(journal)
        out.flush()
        os.fsync(out.fileno())
    _fsync_dir(path.parent)


def _settle_batch(path: Path, fd: int, size: int) -> None:
    """Before appending: refuse after an unfinished batch, forget a finished one."""
    pending = pending_path(path)
    if not pending.exists():
        return
    if len(without_unfinished_batch(path, os.pread(fd, size, 0))) < size:
        raise IntegrityError(f"{path}: ends with an interrupted batch append (an import cut "
                             "short)", "run `mibtrack repair` to quarantine it, then run again")
    pending.unlink(missing_ok=True)


def check_chain(path: Path, writer: str) -> tuple[int, Break | None]:
    """Recompute the chain of one feed: (entries checked, first break or None)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return 0, Break(path, 0, f"cannot be read ({exc.strerror})", "unreadable")
    lines, end = split_lines(without_unfinished_batch(path, data))
    prev = GENESIS
    newest: str | None = None  # recorded_at never decreases along a feed
    seen_prev: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        try:
            fields = parse_fields(line)
        except ValueError as exc:
            if conflict_marker(line):
                return number - 1, Break(path, number, conflict_problem(line), "conflict-marker")
            return number - 1, Break(path, number, f"not a ledger entry ({exc})")
        if not id_matches(line):
            return number - 1, Break(path, number, "entry bytes do not match its id "
                                     "(changed after it was written)")
        if fields.get("prev") != prev:
            if fields.get("prev") in seen_prev:
                # it has the same predecessor as an earlier line, `sibling`
                sibling = seen_prev[fields["prev"]]
                after = f"follows line {sibling - 1} again" if sibling > 1 else \
                    "starts the feed again"
                return number - 1, Break(path, number, f"fork: seq {fields.get('seq')} {after}, "
                                         f"like line {sibling} (the same writer id appended in "
                                         "two places)", "fork")
            return number - 1, Break(path, number, "chain broken: prev does not match the line "
                                     "before (a line was deleted, inserted or reordered)")
        if fields.get("seq") != number:
            return number - 1, Break(path, number, f"sequence number {fields.get('seq')} where "
                                     f"{number} was expected")
        if fields.get("writer") != writer:
            return number - 1, Break(path, number, f"writer '{fields.get('writer')}' in the feed "
                                     f"of '{writer}' (a line copied from another feed)")
        try:
            decode(line, f"{path}:{number}")
        except ProjectError as exc:
            return number - 1, Break(path, number, exc.detail, "invalid-entry")
        moment = fields["recorded_at"]
        if newest is not None and moment < newest:
            return number - 1, Break(path, number, f"recorded_at {moment} goes back "
                                     f"{clock_gap(moment, newest)} before line {number - 1}'s "
                                     f"{newest} (a clock set back)", "clock")
        newest = moment
        seen_prev[prev] = number
        prev = sha256(line)
    if end < len(data):
        return len(lines), Break(path, len(lines) + 1, f"torn last line ({len(data) - end} bytes "
                                 "of an interrupted write) — run `mibtrack repair`", "torn")
    return len(lines), None


@contextmanager
def locked(path: Path, create: bool = True) -> Iterator[int]:
    """An exclusive flock on the feed, held for the whole read-last-hash-and-append."""
    flags = os.O_RDWR | os.O_APPEND | (os.O_CREAT if create else 0)
    existed = path.exists()
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be opened for writing ({exc.strerror})",
                           "check the ledger folder's permissions and free space") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        if not existed:
            _fsync_dir(path.parent)
        yield fd
    except OSError as exc:  # locking, reading the tail, quarantining: one line, never a trace
        raise ProjectError(f"{path}: {exc.strerror or exc} while updating the feed",
                           "check the ledger folder's permissions and free space, then run "
                           "again") from None
    finally:
        os.close(fd)  # closing releases the lock


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tail(fd: int, size: int) -> tuple[bytes, bool]:
    """The last complete line (without newline) and whether the feed ends torn."""
    if size == 0:
        return b"", False
    chunk, pos, buf = 1 << 16, size, b""
    while pos > 0:
        step = min(chunk, pos)
        pos -= step
        buf = os.pread(fd, step, pos) + buf
        if buf[-1:] != b"\n":
            return b"", True
        if buf.count(b"\n") >= 2 or pos == 0:
            break
    return buf[:-1].rsplit(b"\n", 1)[-1], False


@dataclass(frozen=True, slots=True)
class Written:
    """An entry just appended, by its id only (`append(…, decoded=False)`)."""

    id: str


#: Told, under the feed's lock, of each append that succeeded: (feed, stat just before the
#: write, stat just after fsync). Whatever it does or raises, the append has succeeded.
OnAppended = Callable[[Path, os.stat_result, os.stat_result], None]


def append(path: Path, writer: str, drafts: list[dict[str, Any]],
           on_appended: OnAppended | None = None,
           guard: Callable[[int, int], None] | None = None,
           sign: Callable[[bytes], str] | None = None,
           decoded: bool = True) -> list[Entry]:
    """Chain, write and fsync `drafts` as one write under the feed's lock; return the entries.

    `guard(fd, size)` runs under the lock before anything is written and may raise to
    refuse (the idempotency-key check uses it). `sign`, when given, signs each line
    (codec.encode). On any failure the feed is cut back to its
    size before the call: a refused or failed append leaves nothing behind.
    Every line is read back by the strict reader before anything is written;
    `decoded=False` (an import of many rows) keeps only the ids of the entries,
    not the entries, as `Written`.
    """
    with locked(path) as fd:
        before = os.fstat(fd)
        size = before.st_size
        _settle_batch(path, fd, size)
        last, torn = _tail(fd, size)
        if torn:
            raise IntegrityError(f"{path}: ends with a torn line (an interrupted write)",
                                 "run `mibtrack repair` to quarantine it, then record again")
        if guard is not None:
            guard(fd, size)
        data, entries = _chained(path, writer, drafts, last, sign, decoded)
        if len(entries) > 1:
            _begin_batch(path, size, data)
        try:
            written = 0
            with memoryview(data) as view:  # a short write resumes without copying the rest
                while written < len(data):
                    written += os.write(fd, view[written:])
            os.fsync(fd)
        except OSError as exc:
            try:
                os.ftruncate(fd, size)
                os.fsync(fd)
            except OSError:
                pass  # the journal stays: readers set the partial batch aside, repair cuts it
            else:
                pending_path(path).unlink(missing_ok=True)
            raise ProjectError(f"{path}: write failed ({exc.strerror}); nothing was recorded",
                               "free some space or fix permissions, then run again") from None
        pending_path(path).unlink(missing_ok=True)
        if on_appended is not None:
            try:
                on_appended(path, before, os.fstat(fd))
            except Exception:
                pass
        return entries


def _chained(path: Path, writer: str, drafts: list[dict[str, Any]], last: bytes,
             sign: Callable[[bytes], str] | None = None, decoded: bool = True
             ) -> tuple[bytearray, list[Entry]]:
    """The bytes (and entries) `drafts` become, chained after the feed's `last` line; each
    line read back by the strict reader (`decoded=False`: only its id is kept, `Written`).

    Refuses a clock behind the feed's newest entry: recorded_at never goes back in a feed.
    """
    prev, seq, newest = GENESIS, 0, None
    if last:
        # strict parse: a lenient one let 1e400 or deep nesting escape as exit 70 and
        # chained new entries onto a line with duplicate keys or a changed byte
        try:
            fields = parse_fields(last)
        except ValueError:
            fields = {}
        seq, newest = fields.get("seq"), fields.get("recorded_at")
        if type(seq) is not int or not isinstance(newest, str) or not id_matches(last):
            raise IntegrityError(f"{path}: its last line is not a valid ledger entry",
                                 "run `mibtrack verify`") from None
        prev = sha256(last)
    recorded_at = format_moment(utc_now())
    if newest is not None and recorded_at < newest:
        raise UsageError(f"the clock ({recorded_at}) is behind the newest entry of {path} "
                         f"({newest}) by {clock_gap(recorded_at, newest)}",
                         "set this machine's clock right (NTP), then record again: "
                         "recorded_at never goes back in a feed")
    data = bytearray()  # the batch, grown in place (no list of lines, no join)
    entries: list[Entry] = []
    for draft in drafts:
        seq += 1
        line = encode({"v": LEDGER_FORMAT_VERSION, "seq": seq, "writer": writer,
                       "recorded_at": recorded_at, **draft, "prev": prev}, sign)
        entry = decode(line[:-1], f"{path}:{seq}")
        entries.append(entry if decoded else Written(entry.id))  # type: ignore[arg-type]
        data += line
        prev = sha256(line[:-1])
    return data, entries


def preview(path: Path, writer: str, drafts: list[dict[str, Any]]) -> list[Entry]:
    """The entries `append` would write now, without writing (nor creating) anything; the
    same refusals (a torn tail, a bad last line)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return _chained(path, writer, drafts, b"")[1]
    try:
        last, torn = _tail(fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)
    if torn:
        raise IntegrityError(f"{path}: ends with a torn line (an interrupted write)",
                             "run `mibtrack repair` to quarantine it, then record again")
    return _chained(path, writer, drafts, last)[1]


def quarantine(path: Path) -> Path | None:
    """Move a torn tail to ledger/quarantine/ (fsynced) and cut it from the feed."""
    with locked(path, create=False) as fd:
        size = os.fstat(fd).st_size
        data = os.pread(fd, size, 0)
        end = without_unfinished_batch(path, data).rfind(b"\n") + 1
        if end == size:
            pending_path(path).unlink(missing_ok=True)
            return None
        folder = path.parent / QUARANTINE
        folder.mkdir(exist_ok=True)
        stamp = format_moment(utc_now()).replace(":", "").replace("-", "")
        line = data[:end].count(b"\n") + 1
        target = folder / f"{path.stem}.{stamp}.line{line}.torn"
        qfd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            torn, written = data[end:], 0
            while written < len(torn):  # a short write must not lose quarantined bytes
                written += os.write(qfd, torn[written:])
            os.fsync(qfd)
        finally:
            os.close(qfd)
        _fsync_dir(folder)
        os.ftruncate(fd, end)
        os.fsync(fd)
        pending_path(path).unlink(missing_ok=True)
        return target
