"""One writer's feed file: read it (tolerating a torn tail), append to it (locked, whole,
fsynced), check its chain, and quarantine a torn tail.

A feed only ever grows. Its last line is complete when it ends with a newline; bytes after
the last newline are a torn tail (a write cut short by a crash): readers warn and skip
them, `record` refuses to append after them, `repair` moves them to ledger/quarantine/.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterable, Iterator
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

    @property
    def torn(self) -> bool:
        """A torn tail (an interrupted write): readers still count the entries before it."""
        return self.kind == "torn"

    @property
    def recover(self) -> bool:
        """A fork or a merge conflict: `mibtrack recover` is the way out."""
        return self.kind in ("fork", "conflict-marker")

    def describe(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else f"{self.path}"
        return f"{where}: {self.problem}"

    def left_out(self) -> str:
        """What reading commands say of a feed they do not count."""
        from .codec import recover_hint

        way_out = recover_hint(str(self.path)) if self.recover else "see `mibtrack verify`"
        return f"{self.describe()} — this feed is left out of every figure; {way_out}"

    def document(self) -> dict[str, Any]:
        """`feeds_left_out` items of the JSON documents."""
        return {"file": self.path.name, "line": self.line or None, "problem": self.problem}


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
        data = _read_regular(path)
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    lines, end = split_lines(without_unfinished_batch(path, data))
    content = FeedContent(path)
    content.entries = [decode(line, f"{path}:{number}") for number, line in
                       enumerate(lines, start=1)]
    if end < len(data):
        content.torn = TornTail(path, len(lines) + 1, end, len(data) - end)
    return content


# A batch (an import) is appended as one write, but a crash can cut any write short, even
# at a line boundary. So before a batch of several lines is written, a journal beside the
# feed (`<writer>.jsonl.pending`, fsynced) records the feed's size, the batch's length and
# hash and the SHA-256 of each of its lines, authenticated with this user's secret
# (usersecret.py); it is removed once the batch is fsynced. A journal is honoured only when
# its tag is valid for this feed AND its claims match the feed's bytes: the feed is at least
# `size` bytes long and `size` is a line boundary, fewer than `length` bytes follow it (the
# batch is not all there), and every complete line after `size` is, in order, a line of the
# batch. Then the partial batch counts as a torn tail: readers skip it, appends refuse, and
# `repair` quarantines it. So a batch is in the feed whole or not at all, and a journal that
# mibtrack did not write for these very bytes (forged, copied from a clone, stale) deletes
# nothing: it is named on stderr and left alone.
#
# The journal is one JSON line (its claims and tag; the lines' digests named by their own
# SHA-256) followed by the digests themselves, 32 raw bytes a line: 32 MB for an import of
# a million rows, read whole only after a crash. (The first format listed every digest in
# hex inside the JSON, and its reader stopped at 16 MB: an import of more than ~245,000
# rows cut short was not set aside. That format is still read.)

JOURNAL_FORMAT = b"mibtrack batch journal 2"


def pending_path(path: Path) -> Path:
    return path.with_name(path.name + ".pending")


def _journal_tag_parts(path: Path, body: dict[str, Any],
                       version: bytes = JOURNAL_FORMAT) -> tuple[bytes, ...]:
    from json import dumps

    try:
        where = str(path.resolve())
    except OSError:
        where = str(path)
    return (version, where.encode("utf-8", "surrogateescape"),
            dumps(body, sort_keys=True, separators=(",", ":")).encode())


#: A journal bigger than this is not one mibtrack wrote (32 bytes a line: 256M lines).
MAX_JOURNAL_BYTES = 1 << 33


def read_journal(path: Path) -> dict[str, Any] | None | str:
    """The feed's journal: None when there is none, its claims when it is well-formed and
    authenticated (`lines`: the batch's line digests, 32 raw bytes each), else a short
    reason it is not trusted (never blocks: a FIFO or device named like a journal is not
    opened for reading)."""
    import stat

    journal = pending_path(path)
    try:
        fd = os.open(journal, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        return "a symbolic link" if exc.errno == 40 else f"unreadable ({exc.strerror})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return "not a regular file"
        if st.st_size > MAX_JOURNAL_BYTES:
            return "not a journal mibtrack wrote (too big)"
        raw = _read_all(fd, st.st_size)
    except OSError as exc:
        return f"unreadable ({exc.strerror})"
    finally:
        os.close(fd)
    return _journal_claims_of(path, raw)


def _read_all(fd: int, size: int) -> bytes:
    chunks, got = [], 0
    while got < size:
        chunk = os.read(fd, min(size - got, 1 << 24))
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _journal_claims_of(path: Path, raw: bytes) -> dict[str, Any] | str:
    """A journal's bytes, either format, as its authenticated claims or why not."""
    from json import loads

    from ..usersecret import tag_ok

    head, _, digests = raw.partition(b"\n")
    try:
        data = loads(head)
        body: dict[str, Any]
        if "lines" in data:  # the first format: every digest in hex in the JSON
            hexes = [str(x) for x in data["lines"]]
            body = {"size": int(data["size"]), "length": int(data["length"]),
                    "sha256": str(data["sha256"]), "lines": hexes}
            version = b"mibtrack batch journal 1"
            lines = bytes.fromhex("".join(hexes))
            if len(lines) != 32 * len(hexes) or digests:
                raise ValueError("digests")
        else:
            body = {"size": int(data["size"]), "length": int(data["length"]),
                    "sha256": str(data["sha256"]), "count": int(data["count"]),
                    "digests": str(data["digests"])}
            version, lines = JOURNAL_FORMAT, digests
        given = str(data["tag"])
    except (ValueError, KeyError, TypeError):
        return "not a journal mibtrack wrote (malformed)"
    if not tag_ok(given, *_journal_tag_parts(path, body, version)):
        return "not written by mibtrack for this feed (its authentication fails)"
    if version == JOURNAL_FORMAT and (len(lines) != 32 * body["count"]
                                      or sha256(lines) != body["digests"]):
        return "not a journal mibtrack wrote (its line digests do not match it)"
    return {"size": body["size"], "length": body["length"], "sha256": body["sha256"],
            "lines": lines}


def journal_claims(path: Path, journal: dict[str, Any], data: bytes) -> str | None:
    """Why an authenticated journal's claims do not match the feed's bytes (None: they do,
    and the batch is unfinished)."""
    import hashlib

    start, length, digests = journal["size"], journal["length"], journal["lines"]
    if len(data) < start:
        return f"it names a batch at byte {start}, past the feed's end"
    if start and data[start - 1:start] != b"\n":
        return f"byte {start} is not the start of a line"
    if len(data) - start >= length:
        return "the batch it names is complete" if sha256(data[start:start + length]) == \
            journal["sha256"] else "the bytes after it are not its batch"
    lines, _ = split_lines(data[start:])
    if 32 * len(lines) >= len(digests) or any(
            hashlib.sha256(line).digest() != digests[32 * i:32 * i + 32]
            for i, line in enumerate(lines)):
        return "the lines after it are not its batch"
    return None


def journal_warning(path: Path) -> str | None:
    """The warning readers give about a journal they do not honour (None: no journal, or
    one that is honoured or finished)."""
    journal = read_journal(path)
    if journal is None:
        return None
    reason: str | None
    if isinstance(journal, str):
        reason = journal
    else:
        try:
            reason = journal_claims(path, journal, path.read_bytes())
        except OSError:
            return None
        if reason is None or reason == "the batch it names is complete":
            return None
    return (f"{pending_path(path)}: batch journal ignored: {reason}; the feed is read as it "
            "is (remove the journal once `mibtrack verify` is clean)")


def without_unfinished_batch(path: Path, data: bytes) -> bytes:
    """The feed's bytes, cut back to before a batch append that never completed — only
    when an authenticated journal's claims match these bytes (see above)."""
    journal = read_journal(path)
    if not isinstance(journal, dict) or journal_claims(path, journal, data) is not None:
        return data
    return data[:journal["size"]]


def _settle_batch(path: Path, fd: int, size: int) -> None:
    """Before appending: refuse after an unfinished batch, forget a finished one; a journal
    that is not honoured is left alone (readers name it)."""
    journal = read_journal(path)
    if not isinstance(journal, dict):
        return
    reason = journal_claims(path, journal, os.pread(fd, size, 0))
    if reason is None:
        raise IntegrityError(f"{path}: ends with an interrupted batch append (an import cut "
                             "short)", "run `mibtrack repair` to quarantine it, then run again")
    if reason == "the batch it names is complete":
        pending_path(path).unlink(missing_ok=True)


def line_before(data: bytes, start: int) -> bytes:
    """The complete line ending just before offset `start` (a line start), without newline."""
    return data[data.rfind(b"\n", 0, start - 1) + 1:start - 1] if start else b""


def check_chain(path: Path, writer: str, start: int = 0, first: int = 1
                ) -> tuple[int, Break | None]:
    """Recompute the chain of one feed: (entries checked, first break or None). From byte
    `start` (a line start, the line before it trusted) with line number `first`, when
    only what was appended since a proven state needs checking."""
    try:
        data = _read_regular(path)
    except OSError as exc:
        return 0, Break(path, 0, f"cannot be read ({exc.strerror or exc})", "unreadable")
    lines, end = split_lines(without_unfinished_batch(path, data)[start:])
    end += start
    prev = sha256(line_before(data, start)) if start else GENESIS
    newest = _recorded_at(line_before(data, start)) if start else None  # never decreases
    seen_prev: dict[str, int] = {}
    for number, line in enumerate(lines, start=first):
        try:
            fields = parse_fields(line)
        except ValueError as exc:
            if conflict_marker(line):
                return number - first, Break(path, number, conflict_problem(line),
                                             "conflict-marker")
            return number - first, Break(path, number, f"not a ledger entry ({exc})")
        if not id_matches(line):
            return number - first, Break(path, number, "entry bytes do not match its id "
                                         "(changed after it was written)")
        if fields.get("prev") != prev:
            if fields.get("prev") in seen_prev:
                # it has the same predecessor as an earlier line, `sibling`
                sibling = seen_prev[fields["prev"]]
                after = f"follows line {sibling - 1} again" if sibling > 1 else \
                    "starts the feed again"
                return number - first, Break(path, number, f"fork: seq {fields.get('seq')} "
                                             f"{after}, like line {sibling} (the same writer "
                                             "id appended in two places)", "fork")
            return number - first, Break(path, number, "chain broken: prev does not match the "
                                         "line before (a line was deleted, inserted or "
                                         "reordered)")
        if fields.get("seq") != number:
            return number - first, Break(path, number, f"sequence number {fields.get('seq')} "
                                         f"where {number} was expected")
        if fields.get("writer") != writer:
            return number - first, Break(path, number, f"writer '{fields.get('writer')}' in the "
                                         f"feed of '{writer}' (a line copied from another "
                                         "feed)")
        try:
            decode(line, f"{path}:{number}")
        except ProjectError as exc:
            return number - first, Break(path, number, exc.detail, "invalid-entry")
        moment = fields["recorded_at"]
        if newest is not None and moment < newest:
            return number - first, Break(path, number, f"recorded_at {moment} goes back "
                                     f"{clock_gap(moment, newest)} before line {number - 1}'s "
                                     f"{newest} (a clock set back)", "clock")
        newest = moment
        seen_prev[prev] = number
        prev = sha256(line)
    if end < len(data):
        return len(lines), Break(path, first + len(lines), f"torn last line ({len(data) - end} "
                                 "bytes of an interrupted write) — run `mibtrack repair`",
                                 "torn")
    return len(lines), None


def _recorded_at(line: bytes) -> str | None:
    """A trusted line's recorded_at (the clock check's start when checking from it on)."""
    try:
        moment = parse_fields(line).get("recorded_at")
    except ValueError:
        return None
    return moment if isinstance(moment, str) else None


def _read_regular(path: Path) -> bytes:
    """A feed's bytes; never follows a symbolic link nor opens a FIFO or device (which
    could block a reader forever)."""
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, "not a regular file")
        chunks, size = [], st.st_size
        while True:
            chunk = os.read(fd, max(size, 1 << 16))
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


@contextmanager
def locked(path: Path, create: bool = True) -> Iterator[int]:
    """An exclusive flock on the feed, held for the whole read-last-hash-and-append. A feed
    is never opened through a symbolic link nor when it is not a regular file; a feed this
    call created and left empty (a refused append) is removed again."""
    import stat

    flags = (os.O_RDWR | os.O_APPEND | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0)
             | (os.O_CREAT if create else 0))
    for _ in range(8):
        existed = os.path.lexists(path)
        try:
            fd = os.open(path, flags, 0o644)
        except OSError as exc:
            if exc.errno == 40 or os.path.islink(path):  # ELOOP: O_NOFOLLOW met a link
                raise IntegrityError(f"{path}: is a symbolic link; a feed is never written "
                                     "through a link", "replace it by the feed itself (see "
                                     "`mibtrack verify`)") from None
            raise ProjectError(f"{path}: cannot be opened for writing ({exc.strerror})",
                               "check the ledger folder's permissions and free space") from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise IntegrityError(f"{path}: is not a regular file", "a feed is a plain "
                                     "file in ledger/: remove what is there")
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:  # removed (a refused first append) while we waited: open it again
                now = os.stat(path, follow_symlinks=False)
                same = (now.st_dev, now.st_ino) == (st.st_dev, st.st_ino)
            except FileNotFoundError:
                same = False
        except BaseException:
            os.close(fd)
            raise
        if same:
            break
        os.close(fd)
    else:
        raise ProjectError(f"{path}: keeps being replaced while opened",
                           "run the command again once other writers are done")
    try:
        if not existed:
            _fsync_dir(path.parent)
        yield fd
    except OSError as exc:  # locking, reading the tail, quarantining: one line, never a trace
        raise ProjectError(f"{path}: {exc.strerror or exc} while updating the feed",
                           "check the ledger folder's permissions and free space, then run "
                           "again") from None
    finally:
        try:
            if not existed and os.fstat(fd).st_size == 0:
                os.unlink(path)  # under the lock: waiters see another inode and reopen
        except OSError:
            pass
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
class BatchWritten:
    """What `append_batch` wrote: how many entries, the first's and the last's id."""

    count: int
    first: str
    last: str


#: A batch's lines are kept in memory up to this size, then in an unnamed temporary file.
SPILL_BYTES = 8 << 20


class Batch:
    """The chained lines of one append and their SHA-256, whole and one by one (the
    journal's claims): in memory up to SPILL_BYTES, then in an unnamed temporary file in the
    feed's folder, so that an import of a million rows (~300 MB of lines) holds 32 bytes a
    line, not the line."""

    def __init__(self, folder: Path) -> None:
        import hashlib

        self.folder = folder
        self.buffer = bytearray()
        self.spill: Any = None
        self.length = 0
        self.whole = hashlib.sha256()
        self.digests = bytearray()
        self.newest = b""  # the last line, without its newline
        self.first_id = self.last_id = ""

    def add(self, line: bytes, digest: bytes) -> None:
        """`line` with its newline; `digest`: the SHA-256 of the line without it."""
        self.buffer += line
        self.whole.update(line)
        self.digests += digest
        self.length += len(line)
        self.newest = line[:-1]
        if len(self.buffer) >= SPILL_BYTES:
            try:
                if self.spill is None:
                    import tempfile

                    self.spill = tempfile.TemporaryFile(dir=self.folder)
                self.spill.write(self.buffer)
            except OSError as exc:  # before the journal and the feed: nothing written yet
                raise ProjectError(f"{self.folder}: cannot hold the batch being written "
                                   f"({exc.strerror or exc}); nothing was recorded",
                                   "free some space or fix permissions, then run again"
                                   ) from None
            self.buffer.clear()

    @property
    def count(self) -> int:
        return len(self.digests) // 32

    def chunks(self) -> Iterator[bytes | bytearray]:
        """The batch's bytes, in order, a few MB at a time."""
        if self.spill is not None:
            self.spill.flush()
            self.spill.seek(0)
            while chunk := self.spill.read(SPILL_BYTES):
                yield chunk
        yield self.buffer

    def close(self) -> None:
        if self.spill is not None:
            self.spill.close()


def _begin_batch(path: Path, size: int, batch: Batch) -> None:
    """Write the journal of `batch`, about to be appended at byte `size` (fsynced)."""
    from json import dumps

    from ..safefile import write_atomic
    from ..usersecret import tag

    body = {"size": size, "length": batch.length, "sha256": batch.whole.hexdigest(),
            "count": batch.count, "digests": sha256(batch.digests)}
    mac = tag(*_journal_tag_parts(path, body))
    journal = dumps({**body, "tag": mac or ""}).encode() + b"\n" + bytes(batch.digests)
    # whole, fsynced, folder fsynced; a planted link at the journal's name is replaced,
    # never written through
    write_atomic(pending_path(path), journal, follow=False, mode=0o644)


#: Told, under the feed's lock, of each append that succeeded: (feed, stat just before the
#: write, stat just after fsync). Whatever it does or raises, the append has succeeded.
OnAppended = Callable[[Path, os.stat_result, os.stat_result], None]


def append(path: Path, writer: str, drafts: Iterable[dict[str, Any]],
           on_appended: OnAppended | None = None,
           guard: Callable[[int, int], None] | None = None,
           sign: Callable[[bytes], str] | None = None,
           marks: Any = None) -> list[Entry]:
    """Chain, write and fsync `drafts` as one write under the feed's lock; return the entries.

    `guard(fd, size)` runs under the lock before anything is written and may raise to
    refuse (the idempotency-key check uses it). `sign`, when given, signs each line
    (codec.encode). The feed's chain is checked first, as `verify` does (exit 4 when
    broken); `marks` (a `chainmark.ChainMarks`) may prove a prefix already checked, so only
    the lines after it are. Every line is read back by the strict reader before anything is
    written. On any failure the feed is cut back to its size before the call: a refused or
    failed append leaves nothing behind.
    """
    entries: list[Entry] = []
    _append(path, writer, drafts, entries, on_appended, guard, sign, marks)
    return entries


def append_batch(path: Path, writer: str, drafts: Iterable[dict[str, Any]],
                 on_appended: OnAppended | None = None,
                 guard: Callable[[int, int], None] | None = None,
                 sign: Callable[[bytes], str] | None = None,
                 marks: Any = None) -> BatchWritten:
    """`append` for an import of many rows: the same checks and the same one write, but the
    entries are not kept (only how many, the first id and the last), and the lines wait in
    a temporary file rather than in memory (`Batch`)."""
    return _append(path, writer, drafts, None, on_appended, guard, sign, marks)


def _append(path: Path, writer: str, drafts: Iterable[dict[str, Any]],
            entries: list[Entry] | None, on_appended: OnAppended | None,
            guard: Callable[[int, int], None] | None, sign: Callable[[bytes], str] | None,
            marks: Any) -> BatchWritten:
    with locked(path) as fd:
        before = os.fstat(fd)
        size = before.st_size
        _settle_batch(path, fd, size)
        last, torn = _tail(fd, size)
        if not torn:
            proven = marks.proven(path, before) if marks is not None else None
            start, first = (proven[0], proven[1] + 1) if proven else (0, 1)
            _refuse_broken_chain(path, writer, start, first)
        if torn:
            raise IntegrityError(f"{path}: ends with a torn line (an interrupted write)",
                                 "run `mibtrack repair` to quarantine it, then record again")
        if guard is not None:
            guard(fd, size)
        batch = _chained(path, writer, drafts, last, sign, entries)
        try:
            if batch.count > 1:
                _begin_batch(path, size, batch)
            _write(path, fd, size, batch)
        finally:
            batch.close()
        pending_path(path).unlink(missing_ok=True)
        if marks is not None:
            marks.note(path, os.fstat(fd), parse_fields(batch.newest)["seq"])
        if on_appended is not None:
            try:
                on_appended(path, before, os.fstat(fd))
            except Exception:
                pass
        return BatchWritten(batch.count, batch.first_id, batch.last_id)


def _write(path: Path, fd: int, size: int, batch: Batch) -> None:
    """The batch's bytes at the end of the feed, fsynced; on failure the feed cut back."""
    try:
        for chunk in batch.chunks():
            written = 0
            with memoryview(chunk) as view:  # a short write resumes without copying the rest
                while written < len(chunk):
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


def _refuse_broken_chain(path: Path, writer: str, start: int = 0, first: int = 1) -> None:
    """Under the lock, before appending: the feed's chain (from byte `start`, line `first`
    when the bytes before were proven checked) must be one `verify` accepts, or a new entry
    would chain onto an edited line and seem to vouch for it (exit 4)."""
    from .scan import fast_chain

    if fast_chain(path, writer, start, first) is not None:
        return
    _, problem = check_chain(path, writer, start, first)
    if problem is not None and not problem.torn:
        raise IntegrityError(f"{problem.describe()}; nothing was recorded",
                             "the feed's chain is broken: restore it from git or a backup "
                             "(`mibtrack verify --history` shows when it changed)")


def _chained(path: Path, writer: str, drafts: Iterable[dict[str, Any]], last: bytes,
             sign: Callable[[bytes], str] | None = None,
             entries: list[Entry] | None = None) -> Batch:
    """The batch `drafts` become, chained after the feed's `last` line; each line read back
    by the strict reader (the entries kept in `entries` when given, else only the first and
    last ids, in the batch).

    Refuses a clock behind the feed's newest entry: recorded_at never goes back in a feed.
    """
    import hashlib

    from .codec import checked_id

    prev, seq, newest = GENESIS, 0, None
    if last:
        # strict parse: a lenient one let 1e400 or deep nesting escape as exit 70 and
        # chained new entries onto a line with duplicate keys or a changed byte
        try:
            fields = parse_fields(last)
        except ValueError:
            fields = {}
        last_seq, newest = fields.get("seq"), fields.get("recorded_at")
        if type(last_seq) is not int or not isinstance(newest, str) or not id_matches(last):
            raise IntegrityError(f"{path}: its last line is not a valid ledger entry",
                                 "run `mibtrack verify`") from None
        seq, prev = last_seq, sha256(last)
    recorded_at = format_moment(utc_now())
    if newest is not None and recorded_at < newest:
        raise UsageError(f"the clock ({recorded_at}) is behind the newest entry of {path} "
                         f"({newest}) by {clock_gap(recorded_at, newest)}",
                         "set this machine's clock right (NTP), then record again: "
                         "recorded_at never goes back in a feed")
    batch = Batch(path.parent)
    try:
        for draft in drafts:
            seq += 1
            line = encode({"v": LEDGER_FORMAT_VERSION, "seq": seq, "writer": writer,
                           "recorded_at": recorded_at, **draft, "prev": prev}, sign)
            body = line[:-1]
            if entries is not None:
                entry = decode(body, f"{path}:{seq}")
                entries.append(entry)
                id_ = entry.id
            else:
                id_ = checked_id(body, f"{path}:{seq}")
            digest = hashlib.sha256(body).digest()
            batch.add(line, digest)
            batch.last_id = id_
            if not batch.first_id:
                batch.first_id = id_
            prev = digest.hex()
    except BaseException:
        batch.close()
        raise
    return batch


def preview(path: Path, writer: str, drafts: list[dict[str, Any]]) -> list[Entry]:
    """The entries `append` would write now, without writing (nor creating) anything; the
    same refusals (a torn tail, a bad last line)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return _previewed(path, writer, drafts, b"")
    try:
        last, torn = _tail(fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)
    if torn:
        raise IntegrityError(f"{path}: ends with a torn line (an interrupted write)",
                             "run `mibtrack repair` to quarantine it, then record again")
    _refuse_broken_chain(path, writer)
    return _previewed(path, writer, drafts, last)


def _previewed(path: Path, writer: str, drafts: list[dict[str, Any]], last: bytes
               ) -> list[Entry]:
    entries: list[Entry] = []
    _chained(path, writer, drafts, last, None, entries).close()
    return entries


def quarantine(path: Path) -> Path | None:
    """Move a torn tail to ledger/quarantine/ (fsynced) and cut it from the feed. Only the
    bytes after the last complete line go, or an unfinished batch an authenticated journal
    names; a feed with nothing to quarantine is never opened for writing (a read-only ledger
    with nothing to repair is fine). The quarantine file appears whole or not at all."""
    import tempfile

    try:
        data = _read_regular(path)
    except OSError as exc:
        raise ProjectError(f"{path}: cannot be read ({exc.strerror or exc})",
                           "check the ledger folder's permissions, then run again") from None
    if without_unfinished_batch(path, data).rfind(b"\n") + 1 == len(data):
        journal = read_journal(path)
        if isinstance(journal, dict) and journal_claims(path, journal, data) \
                == "the batch it names is complete":
            try:  # ours and finished (killed before removing it): forget it
                pending_path(path).unlink(missing_ok=True)
            except OSError:
                pass  # a read-only ledger: harmless, readers ignore a finished journal
        return None
    with locked(path, create=False) as fd:
        size = os.fstat(fd).st_size
        data = os.pread(fd, size, 0)
        end = without_unfinished_batch(path, data).rfind(b"\n") + 1
        if end == size:
            return None
        folder = path.parent / QUARANTINE
        folder.mkdir(exist_ok=True)
        stamp = format_moment(utc_now()).replace(":", "").replace("-", "")
        line = data[:end].count(b"\n") + 1
        target = folder / f"{path.stem}.{stamp}.line{line}.torn"
        qfd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        try:
            try:
                torn, written = data[end:], 0
                while written < len(torn):  # a short write must not lose quarantined bytes
                    written += os.write(qfd, torn[written:])
                os.fchmod(qfd, 0o644)
                os.fsync(qfd)
            finally:
                os.close(qfd)
            os.link(temp, target)  # never replaces an existing quarantine file
        finally:
            os.unlink(temp)
        _fsync_dir(folder)
        os.ftruncate(fd, end)
        os.fsync(fd)
        if isinstance(read_journal(path), dict):  # ours, and now settled; others stay
            pending_path(path).unlink(missing_ok=True)
        return target
