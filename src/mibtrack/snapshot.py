"""Daily actuals for `status`, `report` and `check`: read fast, kept incrementally.

Reading: corrections and voids first (a byte search for `target_entry`, then decoded), then
every feed streamed through `ledger.scan` into a `compute.daily.DailyFold`: memory stays
O(metrics × days), whatever the number of entries.

Only feeds `verify` accepts are read (`Ledger.accepted`): the others are left out, and
named (`Daily.left_out`).

The cache lives where no clone carries it: `<user cache>/projects/<id>/daily.json`, the
user cache being `$MIBTRACK_CACHE_DIR`, else `$XDG_CACHE_HOME/mibtrack`, else
`~/.cache/mibtrack`, and `<id>` a digest of the project folder's resolved path, device and
inode (usersecret.py). Its first line is an HMAC-SHA256, under this user's secret key, of
the project's identity and the body: a cache that does not authenticate (edited, copied from
another project or user, committed in git, or made before this rule: `.mibtrack/cache/` is
never read) is ignored and rebuilt. It holds the fold as of the ledger's state (with the
rules its corrections, voids and repeated keys resolved to, so that reading it back resolves
nothing: `DailyFold.from_state`), and for each feed the offset after its last complete
line, SHA-256 digests of every byte before it (one per 64 MiB chunk), and the feed's stat
(device, inode, size, mtime and ctime in ns) taken just before those bytes were read, with
the time it was taken. It is used only when
objectives.toml is byte for byte the one it was built with (its SHA-256 is kept), and when
every feed it knew still exists with its first `end` bytes unchanged — proven, like git's
index, in the cheapest way that is sound:
- the stat is the recorded one, and was not "racy" (mtime and ctime at least RACY_NS before
  the moment it was recorded; any later write changes ctime, which no user tool can set
  back — only root or a clock set back can — but a write within the same timestamp tick
  could leave it unchanged); or
- the recorded (non-racy) stat leads to the current one through the append receipts that
  `feed.append` leaves under the feed's lock (stat just before writing, stat just after
  fsync: `write_receipt`; each receipt file authenticated like the cache), so every change
  since was one of mibtrack's own appends; or
- else those bytes hash to the digests kept (a changed byte anywhere is noticed).
Every cached feed's chain was checked up to `end` when it was cached (the fold only ever
holds accepted feeds); the bytes appended since are checked from there (the first new line
must chain onto the line before `end`), and a feed the cache did not hold is checked whole.
Nothing appended since may be a correction or a void (those can change any earlier day).
With `[program] signatures = "required"`, the signatures of those appended lines are
verified (`Ledger.signature_breaks`): the cached lines were verified when cached, under the
same writers entries — a new `writers` entry, or a rejected line in a cached feed, means a
full read. Then only the bytes appended since are read. Anything else — a missing, unreadable,
unauthenticated or foreign cache file, a shorter or changed feed — means a full read, and
the cache is rewritten (`safefile.write_atomic`). The cache never fails a command (nor an
append): errors writing it are ignored. Reports as known at a moment (`--known-at`) always
read in full.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mmap
import os
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .compute.daily import DailyFold
from .errors import ProjectError
from .gcpause import paused
from .ledger import Ledger
from .ledger import scan as scan_module
from .ledger.feed import Break, TornTail, pending_path, steady
from .ledger.scan import (
    amendment_lines,
    keyed_facts,
    keys_recorded_elsewhere,
    named_by,
    scan,
)
from .ledger.scan import cpus as _cpus
from .ledger.store import feed_problem
from .model import Project
from .safefile import stat_key

if TYPE_CHECKING:  # imported when first needed (threading, logging: start-up time)
    from concurrent.futures import ThreadPoolExecutor

CACHE_FILE = "daily.json"
RECEIPTS = "receipts"
#: 9: plain copies kept as bits (`DailyFold.copies`); 8: keyed copies kept beside the cache
#: (`KeyedFile`); 7: the rules resolved kept; 6: keyed copies kept compactly (columns); 5:
#: documented observations
CACHE_VERSION = 9
#: The keyed copies a cache keeps beside it: keyed-<128 random bits>.json, authenticated
#: by their SHA-256 in the cache (see `KeyedFile`).
KEYED_PREFIX = "keyed-"
_KEYED_NAME = re.compile(r"keyed-[0-9a-f]{32}\.json").fullmatch
#: A file of keyed copies no cache names is removed once this old (seconds): another
#: process may have just written it for the cache it is about to save.
KEYED_KEPT_S = 600
CHUNK = 64 << 20
#: A stat whose mtime or ctime is this close to the moment it was recorded proves nothing
#: (filesystems with 1 or 2 s timestamps included): the feed is hashed instead.
RACY_NS = 2_000_000_000
#: The moment a stat is taken (ns since the epoch, the clock file timestamps come from).
_clock = time.time_ns
#: Receipts kept per feed (the newest): enough for many appends between two reports.
MAX_RECEIPTS = 64
#: Bytes read since the cached state above which the cache is rewritten (see `_update`).
SAVE_BYTES = 1 << 20


@dataclass
class Daily:
    """What a report needs from the ledger, and the torn tails to warn about."""

    fold: DailyFold
    torn: list[TornTail]
    #: Feeds `verify` rejects: left out of every figure, named to the user.
    left_out: list[Break] = field(default_factory=list)
    #: Batch journals that are not honoured (named, left alone).
    notices: list[str] = field(default_factory=list)


def _trusted(mark: dict[str, Any]) -> bool:
    """A recorded stat that proves something: not racily close to when it was taken."""
    key = mark.get("stat")
    return key is not None and mark["at"] - max(key[3], key[4]) >= RACY_NS


def _hash_range(view: Any, at: int, stop: int) -> list[str]:
    """SHA-256 of each CHUNK of view[at:stop] (at is a multiple of CHUNK), without copies."""
    from .ledger.scan import SLICE, release

    digests = []
    with memoryview(view) as whole:
        for k in range(at, stop, CHUNK):
            digest, end = hashlib.sha256(), min(k + CHUNK, stop)
            for piece in range(k, end, SLICE):  # a slice at a time, given back once hashed:
                digest.update(whole[piece:min(piece + SLICE, end)])  # memory stays flat
                release(view, piece, min(piece + SLICE, end))
            digests.append(digest.hexdigest())
    return digests


def _digests(ends: dict[Path, int], kept: dict[str, list[str]] | None = None
             ) -> dict[str, list[str]]:
    """SHA-256 of each CHUNK of each feed's first `end` bytes, mapped (no copy) and two
    chunks at a time (hashlib releases the GIL: two cores). `kept`: digests already known
    for a feed's first chunks (only full chunks are reused)."""
    kept = kept or {}
    jobs = [(path, at, min(at + CHUNK, end)) for path, end in ends.items()
            for at in range(len(kept.get(path.name, ())) * CHUNK, end, CHUNK)]
    if len(jobs) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(2) as pool:
            found = list(pool.map(_chunk_digest, jobs))
    else:
        found = [_chunk_digest(job) for job in jobs]
    out: dict[str, list[str]] = {path.name: list(kept.get(path.name, ())) for path in ends}
    for (path, _, _), digest in zip(jobs, found, strict=True):
        out[path.name].append(digest)
    return out


def _chunk_digest(job: tuple[Path, int, int]) -> str:
    path, at, stop = job
    with open(path, "rb") as handle:
        if stop - at < (1 << 16):
            return hashlib.sha256(os.pread(handle.fileno(), stop - at, at)).hexdigest()
        try:
            with steady(handle), mmap.mmap(handle.fileno(), stop,
                                           access=mmap.ACCESS_READ) as view:
                return _hash_range(view, at, stop)[0]
        except ValueError:  # shorter than `stop` by now: not the bytes that were hashed
            return ""


# -- append receipts (written by `feed.append` through `Workspace.ledger`)

def receipt_path(folder: Path, feed: Path) -> Path:
    return folder / RECEIPTS / f"{feed.name}.json"


def _sealed(identity: bytes, what: bytes, body: bytes) -> bytes:
    """`body` behind a first line authenticating it for this project (usersecret.tag)."""
    from .usersecret import tag

    mac = tag(what, identity, body)
    if mac is None:
        raise OSError(0, "no usable per-user key")
    return mac.encode() + b"\n" + body


def _unsealed(identity: bytes, what: bytes, raw: bytes) -> bytes | None:
    from .usersecret import tag_ok

    mac, _, body = raw.partition(b"\n")
    return body if tag_ok(mac, what, identity, body) else None


def write_receipt(root: Path, feed: Path, before: os.stat_result,
                  after: os.stat_result) -> None:
    """Note, under the feed's lock, that mibtrack itself grew `feed` from stat `before`
    (taken just before writing) to `after` (just after fsync). Only when the project has a
    cache; never raises."""
    from .usersecret import project_folder, project_identity

    try:
        folder = project_folder(root)
        if folder is None or not (folder / CACHE_FILE).is_file():
            return
        identity = project_identity(root)
        target = receipt_path(folder, feed)
        pairs = (_receipts(identity, target)
                 + [[stat_key(before), stat_key(after)]])[-MAX_RECEIPTS:]
        target.parent.mkdir(mode=0o700, exist_ok=True)
        _write_private(target, _sealed(identity, b"receipts " + feed.name.encode(),
                                       json.dumps(pairs, separators=(",", ":")).encode()))
    except Exception:  # a receipt is an optimisation, never a failure
        pass


@dataclass(frozen=True)
class KeyedFile:
    """The keyed copies of observations a cached fold keeps beside the cache, named and
    authenticated (their SHA-256) in the cache's sealed body: merged clones have hundreds
    of thousands, which a warm read never needs (an appended amendment or repeated key
    means a full read) and would otherwise decode every time (at 140,000: 33 MB of JSON,
    half of a warm `status`). Called, it reads them (`DailyFold.given`)."""

    path: Path
    sha256: str

    def __call__(self) -> Any:
        try:
            data = self.path.read_bytes()
        except OSError:
            data = b""
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise ProjectError(f"the cache file {self.path} changed while it was in use: "
                               "run the command again")
        return json.loads(data)


def _keep_keyed(folder: Path, keyed: Any) -> dict[str, str] | None:
    """The reference a cache's body keeps to its keyed copies (written beside it if new);
    None when there are none. Raises OSError when they cannot be kept."""
    if isinstance(keyed, KeyedFile):
        if not keyed.path.is_file():
            raise OSError("the keyed copies this cache was read with are gone")
        return {"file": keyed.path.name, "sha256": keyed.sha256}
    if not keyed or not keyed[0]:
        return None
    digest = hashlib.sha256()

    def pieces() -> Iterator[bytes]:  # a column at a time: never the whole text in memory
        for n, column in enumerate(keyed):
            piece = (b"," if n else b"[") + json.dumps(column, separators=(",", ":")).encode()
            digest.update(piece)
            yield piece
        digest.update(b"]")
        yield b"]"

    target = folder / f"{KEYED_PREFIX}{os.urandom(16).hex()}.json"
    _write_private(target, pieces())
    return {"file": target.name, "sha256": digest.hexdigest()}


def _keyed_file(folder: Path, reference: Any) -> KeyedFile | list[list[Any]]:
    """What a cache's reference names: its keyed copies' file (present, with the digest the
    cache says its bytes have) or, with none, no copies. Raises ValueError on a reference
    that is not one."""
    if reference is None:
        return [[], [], [], [], [], [], [], []]
    name, digest = str(reference["file"]), str(reference["sha256"])
    if not _KEYED_NAME(name) or not (folder / name).is_file():
        raise ValueError("inconsistent state")
    return KeyedFile(folder / name, digest)


def _drop_unnamed_keyed(folder: Path, kept: dict[str, str] | None) -> None:
    """Remove the keyed copies' files no cache names any more (once old enough that no
    other process can be about to name them)."""
    now = time.time()
    for path in folder.glob(f"{KEYED_PREFIX}*.json"):
        if kept is not None and path.name == kept["file"]:
            continue
        try:
            if now - path.stat().st_mtime > KEYED_KEPT_S:
                path.unlink()
        except OSError:
            pass


def _write_private(target: Path, data: bytes | Iterable[bytes]) -> None:
    from .safefile import write_atomic

    write_atomic(target, data, follow=False, mode=0o600)


def _receipts(identity: bytes, path: Path) -> list[list[list[int]]]:
    try:
        body = _unsealed(identity, b"receipts " + path.name[:-len(".json")].encode(),
                         path.read_bytes())
        if body is None:
            return []  # not ours: proves nothing
        pairs = json.loads(body)
        return [[[int(x) for x in b], [int(x) for x in a]] for b, a in pairs
                if len(b) == len(a) == 5]
    except Exception:
        return []


def _chain(pairs: list[list[list[int]]], start: list[int], end: list[int]) -> int:
    """How many receipts (appends) lead from stat `start` to stat `end`; 0: they do not."""
    after_of = {tuple(b): tuple(a) for b, a in pairs if a[2] >= b[2]}
    at, goal, steps = tuple(start), tuple(end), 0
    while at != goal:
        at = after_of.get(at)  # type: ignore[assignment]
        steps += 1
        if at is None or steps > len(pairs):
            return 0
    return steps


#: Above this many bytes to read, and with two CPUs or more, the reading is split in pieces
#: read by two forked processes (the per-line work is Python, so two cores need two
#: processes) while this one hashes the feeds. 1M entries (340 MB), 2 CPUs: 2.0 s against
#: 3.2 s in one process; below some tens of MB, fork and merge cost more than they save.
PARALLEL_BYTES = 64 << 20
#: Below this many bytes to read, digests are taken before the scan, not beside it.
_THREAD_BYTES = 4 << 20
_FORK_FOLD: DailyFold | None = None  # the empty fold each forked reader starts from


@dataclass
class FeedMark:
    """A feed as far as it was read: the offset after its last complete line, the line
    count, the digests of every byte before `end`, and the stat (with the moment it was
    taken) of the file those bytes were read from — None when it changed while read."""

    end: int
    lines: int
    digests: list[str] | None
    stat: list[int] | None
    at: int

    def state(self) -> dict[str, Any]:
        return {"end": self.end, "lines": self.lines, "digests": self.digests,
                "stat": self.stat, "at": self.at}


def _fold_feeds(fold: DailyFold, feeds: list[tuple[Path, int, int]], torn: list[TornTail],
                kept: dict[str, list[str]] | None = None,
                proven: dict[str, list[int]] | None = None) -> dict[str, FeedMark]:
    """Scan each (path, start offset, first line number); return name → FeedMark. Each
    feed is mapped once; its digests (from the first chunk not in `kept`) are taken from
    the same mapped bytes by a second thread while this one scans. `proven`: the stat at
    which a feed's first `start` bytes were proven unchanged; its stat is kept only if it is
    still that one when read."""
    kept, proven = kept or {}, proven or {}
    sizes = {path: os.path.getsize(path) for path, _, _ in feeds}
    if sum(sizes[p] - start for p, start, _ in feeds) > PARALLEL_BYTES and _cpus() >= 2:
        try:
            return _fold_parallel(fold, feeds, sizes, torn, kept, proven)
        except ProjectError:
            pass  # read again in order, so the bad line is named exactly as before
    marks = {}
    if sum(sizes[p] - start for p, start, _ in feeds) < _THREAD_BYTES:
        for path, start, first in feeds:  # small: no thread to start (nor to import)
            marks[path.name] = _fold_one(fold, path, start, first, torn, None,
                                         kept.get(path.name, []), proven.get(path.name))
        return marks
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as hasher:
        for path, start, first in feeds:
            marks[path.name] = _fold_one(fold, path, start, first, torn, hasher,
                                         kept.get(path.name, []), proven.get(path.name))
    return marks


def _fold_one(fold: DailyFold, path: Path, start: int, first: int, torn: list[TornTail],
              hasher: ThreadPoolExecutor | None, kept: list[str], proven: list[int] | None
              ) -> FeedMark:
    at = _clock()  # before the stat: a write in the same tick as it counts as racy
    with open(path, "rb") as handle, steady(handle):
        before = os.fstat(handle.fileno())
        size = before.st_size
        # mapped, not read: scan takes a slice at a time, so memory stays flat
        data: Any = mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ) \
            if size > start else b""
        offset = start if data else 0
        end = (data.rfind(b"\n", offset) + 1 or offset) if data else start
        reuse = kept[:end // CHUNK]
        try:
            if hasher is None:
                fresh = _mapped_digests(handle.fileno(), len(reuse) * CHUNK, end)
                found = scan(path, data, fold.observe_rows, fold.add, first_line=first,
                             base=start - offset, start=offset)
            else:
                digests = hasher.submit(_mapped_digests, handle.fileno(),
                                        len(reuse) * CHUNK, end)
                try:
                    found = scan(path, data, fold.observe_rows, fold.add, first_line=first,
                                 base=start - offset, start=offset)
                finally:
                    fresh = digests.result()
        finally:
            if isinstance(data, mmap.mmap):
                data.close()
        del data
        after = os.fstat(handle.fileno())
    if found.torn_at is not None:
        torn.append(TornTail(path, found.lines + 1, found.torn_at, size - found.torn_at))
    same = stat_key(before) == stat_key(after) and proven in (None, stat_key(before))
    return FeedMark(found.end, found.lines, None if fresh is None else reuse + fresh,
                    stat_key(before) if same else None, at)


def _stat_or_none(path: Path) -> list[int] | None:
    try:
        return stat_key(os.stat(path))
    except OSError:
        return None


def _mapped_digests(fd: int, at: int, stop: int) -> list[str] | None:
    if stop <= at:
        return []
    try:
        with mmap.mmap(fd, stop, access=mmap.ACCESS_READ) as view:
            return _hash_range(view, at, stop)
    except ValueError:  # cut short meanwhile: no digests (the next read hashes or reads all)
        return None


def _pieces(path: Path, start: int, size: int, count: int) -> list[tuple[Path, int, int]]:
    """`count` byte ranges of a feed from `start`, each cut just after a newline."""
    cuts = [start]
    with open(path, "rb") as handle:
        for k in range(1, count):
            at = start + (size - start) * k // count
            handle.seek(at)
            line = handle.readline()
            at += len(line)
            if line.endswith(b"\n") and cuts[-1] < at < size:
                cuts.append(at)
    cuts.append(size)
    return [(path, a, b) for a, b in zip(cuts, cuts[1:], strict=False) if b > a]


def _reading_jobs(feeds: list[tuple[Path, int]], sizes: dict[Path, int]
                  ) -> list[tuple[Path, int, int]]:
    """The pieces forked readers take of each (feed, from offset): about four in all, each
    feed's share by its bytes to read."""
    total = max(1, sum(sizes[path] - start for path, start in feeds))
    jobs = []
    for path, start in feeds:
        jobs += _pieces(path, start, sizes[path], max(1, (sizes[path] - start) * 4 // total))
    return jobs


def _fold_piece(job: tuple[Path, int, int]) -> tuple[DailyFold, int, int, int | None]:
    path, start, stop = job
    assert _FORK_FOLD is not None
    fold = _FORK_FOLD.empty_like()
    with open(path, "rb") as handle, \
            mmap.mmap(handle.fileno(), stop, access=mmap.ACCESS_READ) as view:
        # mapped, a slice at a time: each reader's memory stays flat, however big its piece
        found = scan(path, view, fold.observe_rows, fold.add, first_line=1, start=start,
                     stop=stop)
    # only what `DailyFold.merge` reads goes back to the parent, which has the rest (the
    # given entries and the rules resolved from them: at 1M user-shaped, 13k entries per
    # piece sent back and held, 96 -> 226 MB in the parent)
    return fold.merge_part(), found.lines, found.end, found.torn_at


def _fold_parallel(fold: DailyFold, feeds: list[tuple[Path, int, int]],
                   sizes: dict[Path, int], torn: list[TornTail], kept: dict[str, list[str]],
                   proven: dict[str, list[int]]) -> dict[str, FeedMark]:
    """`_fold_feeds` by two forked readers; meanwhile this process takes the digests and
    the stats (kept only if unchanged from before the reading to after it)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _FORK_FOLD
    at = _clock()
    before = {path: _stat_or_none(path) for path, _, _ in feeds}
    jobs = _reading_jobs([(path, start) for path, start, _ in feeds], sizes)
    _FORK_FOLD = fold
    try:
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"),
                                 initializer=scan_module.silent_reader) as pool:
            running = pool.map(_fold_piece, jobs)
            digests = {path: _feed_digests(path, start, sizes[path], kept.get(path.name, []))
                       for path, start, _ in feeds}
            # each piece's fold is merged as it comes back, in the pieces' order, so this
            # process holds one at a time, not one per feed; into an empty fold first (merge
            # is associative), so a bad line met by a reader leaves `fold` as it was for the
            # reading again in order
            merged = fold.empty_like()
            results = []
            for (_, start, stop), (part, count, end, torn_at) in zip(jobs, running,
                                                                    strict=True):
                merged.merge(part)
                del part
                results.append((count, end, torn_at))
                if scan_module.progress is not None:
                    scan_module.progress(stop - start)
    finally:
        _FORK_FOLD = None
    fold.merge(merged)
    lines: dict[Path, int] = {path: first - 1 for path, _, first in feeds}
    ends: dict[Path, int] = {path: start for path, start, _ in feeds}
    for (path, _, _), (count, end, torn_at) in zip(jobs, results, strict=True):
        lines[path] += count
        ends[path] = end
        if torn_at is not None:
            torn.append(TornTail(path, lines[path] + 1, torn_at, sizes[path] - torn_at))
    marks = {}
    for path, _, _ in feeds:
        stat, (hashed_to, found) = before[path], digests[path]
        same = (stat is not None and stat == _stat_or_none(path) and stat[2] == sizes[path]
                and proven.get(path.name) in (None, stat))
        marks[path.name] = FeedMark(ends[path], lines[path],
                                    found if hashed_to == ends[path] else None,
                                    stat if same else None, at)
    return marks


def _feed_digests(path: Path, start: int, size: int, kept: list[str]
                  ) -> tuple[int, list[str] | None]:
    """(end, digests of the bytes before it): `end` is after the last newline at or after
    `start`, as `scan` finds it; full chunks already in `kept` are not hashed again."""
    try:
        with open(path, "rb") as handle, steady(handle):
            if size <= start:
                end = start
            else:
                with mmap.mmap(handle.fileno(), size, access=mmap.ACCESS_READ) as view:
                    end = view.rfind(b"\n", start) + 1 or start
            reuse = kept[:end // CHUNK]
            fresh = _mapped_digests(handle.fileno(), len(reuse) * CHUNK, end)
    except (OSError, ValueError):
        return -1, None
    return end, None if fresh is None else reuse + fresh


def _holds(path: Path, needle: bytes, start: int) -> bool:
    """Do a feed's bytes from `start` hold `needle`? (A byte search; True when unreadable:
    the full read names the problem.)"""
    try:
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size <= start:
                return False
            with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
                return view.find(needle, start) >= 0
    except (OSError, ValueError):
        return True


def _fold_aggregates(fold: DailyFold) -> dict[str, str]:
    return {**{m: "sum" for m in fold.sums}, **{m: "latest" for m in fold.latest}}


def _aggregates(project: Project) -> dict[str, str]:
    return {m: metric.aggregate for m, metric in project.metrics.items()}


def _given(paths: list[Path], more: Sequence[object] = ()
           ) -> tuple[list[object], dict[str, bytearray]]:
    """What the fold's rules depend on (see `DailyFold`): every correction and void (and
    `more`: those met folding, written in an unusual spelling), and every keyed entry whose
    key is recorded more than once but plain copies; and which lines are plain later copies
    (`scan.KeyedFacts`)."""
    amendments = [*(e for p in paths for e in amendment_lines(p)), *more]
    facts = keyed_facts(paths, named_by(amendments))
    return [*amendments, *facts.entries], facts.copies


def read_daily(project: Project, ledger: Ledger, known_at: dt.datetime | None = None
               ) -> Daily:
    """A full read, no cache."""
    with paused():
        return _read_daily(project, ledger, known_at)


def _read_daily(project: Project, ledger: Ledger, known_at: dt.datetime | None) -> Daily:
    paths, left_out = ledger.accepted()
    amendments, copies = _given(paths)
    while True:
        fold = DailyFold(_aggregates(project), amendments, known_at, project.renames, copies)
        torn: list[TornTail] = []
        _fold_feeds(fold, [(p, 0, 1) for p in paths], torn)
        if not fold.unexpected_amendments():
            return Daily(fold, torn, left_out)
        # A correction or void written in an unusual spelling: fold again knowing it.
        amendments, copies = _given(paths, [*fold.given, *fold.others,
                                            *fold.unexpected_recovered.values()])


def fold_every_entry(project: Project, paths: list[Path]
                     ) -> tuple[DailyFold, int, set[str]]:
    """`read_daily`'s fold of every entry of `paths` (feeds `verify` accepts), with how many
    entries there are and which of the ids that corrections and voids target were met (for
    `validate`: every entry streams by, none is held). Above PARALLEL_BYTES, two forked
    readers take a piece each at a time, as `read_daily`'s do."""
    with paused():
        return _fold_every_entry(project, paths)


def _fold_every_entry(project: Project, paths: list[Path]) -> tuple[DailyFold, int, set[str]]:
    amendments, copies = _given(paths)
    while True:
        targets = {e.target_entry for e in amendments  # type: ignore[attr-defined]
                   if e.type in ("correction", "void")}  # type: ignore[attr-defined]
        fold = DailyFold(_aggregates(project), amendments, None, project.renames, copies)
        found = None
        if (_cpus() >= 2 and sum(os.path.getsize(p) for p in paths) > PARALLEL_BYTES
                and not any(pending_path(p).exists() for p in paths)):
            try:
                found = _every_entry_parallel(fold, paths, targets)
            except ProjectError:
                pass  # read again in order, so the bad line is named exactly as before
        count, met = found if found is not None else _every_entry(fold, paths, targets)
        if not fold.unexpected_amendments():
            return fold, count, met
        # A correction or void written in an unusual spelling: fold again knowing it.
        amendments, copies = _given(paths, [*fold.given, *fold.others])


def _every_entry(fold: DailyFold, paths: list[Path], targets: set[str],
                 start: int = 0, stop: int | None = None) -> tuple[int, set[str]]:
    """Fold every line of `paths` (of one feed's bytes [start, stop) when given) into
    `fold`: (lines read, the ids of `targets` met)."""
    from .ledger.scan import scan_feed

    met: set[str] = set()

    def rows(batch: list[tuple[Any, ...]]) -> None:
        if targets:
            met.update(row[9] for row in batch if row[9] in targets)
        fold.observe_rows(batch)

    def add(entry: Any) -> None:
        if entry.id in targets:
            met.add(entry.id)
        fold.add(entry)

    if stop is None:
        return sum(scan_feed(path, rows, add).lines for path in paths), met
    [path] = paths
    with open(path, "rb") as handle, \
            mmap.mmap(handle.fileno(), stop, access=mmap.ACCESS_READ) as view:
        return scan(path, view, rows, add, start=start, stop=stop).lines, met


_FORK_TARGETS: set[str] = set()  # the targets each forked `_every_entry_piece` looks for


def _every_entry_piece(job: tuple[Path, int, int]) -> tuple[DailyFold, int, set[str]]:
    path, start, stop = job
    assert _FORK_FOLD is not None
    fold = _FORK_FOLD.empty_like()
    count, met = _every_entry(fold, [path], _FORK_TARGETS, start, stop)
    return fold.merge_part(), count, met


def _every_entry_parallel(fold: DailyFold, paths: list[Path], targets: set[str]
                          ) -> tuple[int, set[str]]:
    """`_every_entry` by two forked readers, each piece's fold merged as it comes back, in
    the pieces' order, into an empty fold first (a bad line leaves `fold` as it was)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _FORK_FOLD, _FORK_TARGETS
    jobs = _reading_jobs([(path, 0) for path in paths],
                         {path: os.path.getsize(path) for path in paths})
    _FORK_FOLD, _FORK_TARGETS = fold, targets
    try:
        merged, count, met = fold.empty_like(), 0, set()
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"),
                                 initializer=scan_module.silent_reader) as pool:
            for (_, start, stop), (part, lines, seen) in zip(
                    jobs, pool.map(_every_entry_piece, jobs), strict=True):
                merged.merge(part)
                count += lines
                met |= seen
                if scan_module.progress is not None:
                    scan_module.progress(stop - start)
    finally:
        _FORK_FOLD, _FORK_TARGETS = None, set()
    fold.merge(merged)
    return count, met


def read_daily_strict(project: Project, ledger: Ledger, known_at: dt.datetime | None = None
                      ) -> Daily:
    """The fully validated reader's entries folded by day: used while a feed has a batch
    journal (an import cut short), which only that reader knows how to set aside."""
    content = ledger.read()
    fold = DailyFold(_aggregates(project), content.entries, known_at, project.renames)
    for entry in content.entries:
        fold.add(entry)
    return Daily(fold, content.torn, content.left_out, content.notices)


class DailyCache:
    """The incremental cache of one project (see the module docstring)."""

    def __init__(self, root: Path, objectives_path: Path, ledger: Ledger) -> None:
        from .usersecret import project_folder, project_identity

        self.root = root
        self.folder = project_folder(root)  # None: no usable user cache, read in full
        self.identity = project_identity(root)
        self.file = None if self.folder is None else self.folder / CACHE_FILE
        self.objectives_path = objectives_path
        self.ledger = ledger

    def read(self, project: Project) -> Daily:
        with paused():
            return self._read(project)

    def _read(self, project: Project) -> Daily:
        try:
            toml_digest = hashlib.sha256(self.objectives_path.read_bytes()).hexdigest()
        except OSError:
            toml_digest = None
        state = self._load() if toml_digest else None
        # the digest is of a second read of objectives.toml: the fold must also have been
        # built for the metrics and aggregates of the project actually parsed
        if state is not None and state["objectives"] == toml_digest \
                and _fold_aggregates(state["fold"]) == _aggregates(project) \
                and state["fold"].renames == project.renames:
            daily = self._update(state)
            if daily is not None:
                return daily
        return self._cold(project, toml_digest)

    # -- full read, then save
    def _cold(self, project: Project, toml_digest: str | None) -> Daily:
        paths, left_out = self.ledger.accepted()
        amendments, copies = _given(paths)
        while True:
            fold = DailyFold(_aggregates(project), amendments, renames=project.renames,
                             copies=copies)
            torn: list[TornTail] = []
            marks = _fold_feeds(fold, [(p, 0, 1) for p in paths], torn)
            if not fold.unexpected_amendments():
                break
            amendments, copies = _given(paths, [*fold.given, *fold.others,
                                                *fold.unexpected_recovered.values()])
        if toml_digest is not None:
            self._save(toml_digest, marks, fold)
        return Daily(fold, torn, left_out)

    # -- incremental read
    def _update(self, state: dict[str, Any]) -> Daily | None:
        """The cached fold brought up to date, or None when only a full read will do."""
        fit, left_out = self.ledger.survey()
        paths = {p.name: p for p in fit}
        feeds: dict[str, FeedMark] = state["feeds"]
        if not set(feeds) <= set(paths):
            return None
        now: dict[str, tuple[list[int], int]] = {}  # name → (stat, when it was taken)
        hashed: dict[Path, int] = {}
        steps = 0  # the longest chain of receipts followed
        for name, mark in feeds.items():
            at = _clock()
            try:
                current = stat_key(os.stat(paths[name]))
            except OSError:
                return None
            if current[2] < mark.end:
                return None  # shorter: not an append
            now[name] = (current, at)
            if _trusted(mark.state()) and mark.stat is not None:  # (_trusted: it has one)
                if current == mark.stat:
                    continue  # proven by its stat
                chain = _chain(_receipts(self.identity,
                                         receipt_path(self.folder, paths[name])),  # type: ignore[arg-type]
                               mark.stat, current)
                if chain:
                    steps = max(steps, chain)
                    continue  # proven by mibtrack's own append receipts
            if mark.digests is None:
                return None
            hashed[paths[name]] = mark.end
        if hashed and _digests(hashed) != {p.name: feeds[p.name].digests for p in hashed}:
            return None  # a byte before the cached end changed: not a pure append
        save = False
        for path in hashed:  # proven by hashing: its stat, if still the same, proves next time
            mark, (current, at) = feeds[path.name], now[path.name]
            if current[2] == mark.end:
                same = _stat_or_none(path) == current
                mark.stat, mark.at = (current if same else None), at
                save = save or _trusted(mark.state())
        fold: DailyFold = state["fold"]
        pending = [(paths[n], feeds[n].end if n in feeds else 0,
                    feeds[n].lines + 1 if n in feeds else 1) for n in sorted(paths)]
        pending = [job for job in pending
                   if job[0].name not in now or now[job[0].name][0][2] > job[1]]
        # what verify would say of the bytes about to be read: a feed new to the cache is
        # checked whole (and left out if rejected), a cached one from where it was proven
        broken = []
        for path, start, first in list(pending):
            problem = feed_problem(path, path.name[:-len(".jsonl")], start, first)
            if problem is not None:
                if start:
                    return None  # a known feed went bad: the full read names it
                left_out.append(problem)
                broken.append(problem)
                pending.remove((path, start, first))
                del paths[path.name]
        if pending and self.ledger.signatures_required():
            refused = self._signatures(pending, paths, feeds, broken)
            if refused is None:
                return None
            for path, start, first in list(pending):
                if path in refused:
                    left_out.append(refused[path])
                    pending.remove((path, start, first))
                    del paths[path.name]
        if any(amendment_lines(path, start) for path, start, _ in pending):
            return None  # a correction or void may change any day already folded
        repeated, keyed = keys_recorded_elsewhere(list(paths.values()),
                                                  {path: start for path, start, _ in pending})
        if repeated is not False:
            return None  # a key recorded twice: which copy counts is the full read's to say
        save = save or keyed > 0  # so that the next read does not search for them again
        torn: list[TornTail] = []
        kept = {n: feeds[n].digests[:feeds[n].end // CHUNK]  # type: ignore[index]
                for n in feeds if feeds[n].digests is not None}
        marks = _fold_feeds(fold, pending, torn, kept,
                            {n: stat for n, (stat, _) in now.items()})
        if fold.unexpected_amendments():
            return None
        grown = sum(marks[path.name].end - start for path, start, _ in pending)
        changed = False
        for name, mark in marks.items():
            old = feeds.get(name)
            if old is None or old.state() != mark.state():
                feeds[name] = mark
                changed = True
        # Rewriting the cache costs more than hashing or reading a few KB again: it is
        # rewritten when that saves hashing next time, when much was hashed or read, or
        # before the receipts that prove the cached stats run out.
        if save or (changed and (sum(hashed.values()) + grown >= SAVE_BYTES
                                 or steps > MAX_RECEIPTS // 2)):
            self._save(state["objectives"], feeds, fold)
        return Daily(fold, torn, sorted(left_out, key=lambda b: b.path.name))

    def _signatures(self, pending: list[tuple[Path, int, int]], paths: dict[str, Path],
                    feeds: dict[str, FeedMark], broken: list[Break]
                    ) -> dict[Path, Break] | None:
        """Signatures required: what `verify` rejects in the bytes about to be read. The
        cached lines were judged when they were cached, under the same writers entries, so
        only the new ones are verified (the writers entries are replayed from every feed
        that holds one). A feed new to the cache whose signatures are rejected is left
        out; a rejection in a cached feed's new lines, or a new writers entry (it may
        change any verdict), means a full read (None), which judges every line."""
        for path, start, _ in pending:
            if _holds(path, b'"type":"writers"', start):
                return None
        reading = {path for path, _, _ in pending}
        judged = [path for path in paths.values()
                  if path in reading or _holds(path, b'"type":"writers"', 0)]
        proven = {paths[name]: (mark.end, mark.lines) for name, mark in feeds.items()
                  if name in paths}
        refused = self.ledger.signature_breaks(judged, broken, proven)
        if any(start for path, start, _ in pending if path in refused):
            return None
        return {path: found for path, found in refused.items() if path in reading}

    # -- the file
    def _load(self) -> dict[str, Any] | None:
        """The cache's state, or None when it is absent, unreadable, corrupt, foreign or
        not authenticated by this user's key for this project."""
        if self.file is None:
            return None
        try:
            body = _unsealed(self.identity, b"daily", self.file.read_bytes())
            if body is None:
                return None
            data = json.loads(body)
            if data.get("version") != CACHE_VERSION:
                return None
            data["fold"]["keyed"] = _keyed_file(self.file.parent, data["fold"]["keyed"])
            fold = DailyFold.from_state(data["fold"])
            feeds = {str(k): FeedMark(
                int(v["end"]), int(v["lines"]),
                None if v["digests"] is None else [str(d) for d in v["digests"]],
                None if v["stat"] is None else [int(x) for x in v["stat"]][:5],
                int(v["at"])) for k, v in data["feeds"].items()}
            if any(m.stat is not None and len(m.stat) != 5 for m in feeds.values()):
                return None
            return {"objectives": str(data["objectives"]), "feeds": feeds, "fold": fold}
        except Exception:
            return None

    def _save(self, toml_digest: str, feeds: dict[str, FeedMark], fold: DailyFold) -> None:
        if self.file is None or self.folder is None:
            return
        state = fold.to_state()
        try:
            state["keyed"] = kept = _keep_keyed(self.folder, state["keyed"])
            body = json.dumps({"version": CACHE_VERSION, "objectives": toml_digest,
                               "feeds": {n: m.state() for n, m in feeds.items()},
                               "fold": state}, separators=(",", ":")).encode()
            _write_private(self.file, _sealed(self.identity, b"daily", body))
            _drop_unnamed_keyed(self.folder, kept)
        except OSError:
            pass  # the cache never fails a command
