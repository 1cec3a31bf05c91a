"""Daily actuals for `status`, `report` and `check`: read fast, kept incrementally.

Reading: corrections and voids first (a byte search for `target_entry`, then decoded), then
every feed streamed through `ledger.scan` into a `compute.daily.DailyFold`: memory stays
O(metrics × days), whatever the number of entries.

The cache, `<project>/.mibtrack/cache/daily.json` (derived data: never commit it), holds the
fold as of the ledger's state, and for each feed the offset after its last complete line and
SHA-256 digests of every byte before it. It is used only when
- objectives.toml is byte for byte the one it was built with (its SHA-256 is kept),
- every feed it knew still exists and its first `end` bytes hash to the digests kept (one
  hashlib call per 64 MiB chunk, two chunks at a time: a changed byte anywhere is noticed;
  size and mtime alone would not prove it),
- nothing appended since is a correction or a void (those can change any earlier day).
Then only the bytes appended since are read. Anything else — a missing, unreadable, corrupt
or foreign cache file, a shorter or changed feed — means a full read, and the cache is
rewritten (temp file + rename). The cache never fails a command: errors writing it are
ignored. Reports as known at a moment (`--known-at`) always read in full.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .compute.daily import DailyFold
from .errors import ProjectError
from .ledger import Ledger
from .ledger.feed import TornTail
from .ledger.scan import amendment_lines, scan
from .model import Project

CACHE_DIR = Path(".mibtrack") / "cache"
CACHE_FILE = "daily.json"
CACHE_VERSION = 1
CHUNK = 64 << 20


@dataclass
class Daily:
    """What a report needs from the ledger, and the torn tails to warn about."""

    fold: DailyFold
    torn: list[TornTail]


def _digests(ends: dict[Path, int], kept: dict[str, list[str]] | None = None
             ) -> dict[str, list[str]]:
    """SHA-256 of each CHUNK of each feed's first `end` bytes, two chunks at a time
    (hashlib releases the GIL, so the two hashes run on two cores). `kept`: digests already
    known for a feed's first chunks (only full chunks are reused)."""
    kept = kept or {}
    jobs = [(path, at, min(at + CHUNK, end)) for path, end in ends.items()
            for at in range(len(kept.get(path.name, ())) * CHUNK, end, CHUNK)]
    with ThreadPoolExecutor(2) as pool:
        found = list(pool.map(_chunk_digest, jobs))
    out: dict[str, list[str]] = {path.name: list(kept.get(path.name, ())) for path in ends}
    for (path, _, _), digest in zip(jobs, found, strict=True):
        out[path.name].append(digest)
    return out


def _chunk_digest(job: tuple[Path, int, int]) -> str:
    path, at, stop = job
    with open(path, "rb") as handle:
        return hashlib.sha256(os.pread(handle.fileno(), stop - at, at)).hexdigest()


#: Above this many bytes to read, the reading is split in pieces read by two forked
#: processes (the per-line work is Python, so two cores need two processes). Off by default:
#: on the 2-CPU benchmark machine it was slower (1M entries: 5.6 s against 4.9 s in one
#: process; the two CPUs gave 1.3x on pure Python loops, less than fork + merge cost).
PARALLEL_BYTES = 1 << 62
_FORK_FOLD: DailyFold | None = None  # the empty fold each forked reader starts from


def _fold_feeds(fold: DailyFold, feeds: list[tuple[Path, int, int]],
                torn: list[TornTail]) -> dict[str, tuple[int, int]]:
    """Scan each (path, start offset, first line number); return name → (end, lines)."""
    sizes = {path: os.path.getsize(path) for path, _, _ in feeds}
    if sum(sizes[p] - start for p, start, _ in feeds) > PARALLEL_BYTES:
        try:
            return _fold_parallel(fold, feeds, sizes, torn)
        except ProjectError:
            pass  # read again in order, so the bad line is named exactly as before
    marks = {}
    for path, start, first in feeds:
        with open(path, "rb") as handle:
            handle.seek(start)
            data = handle.read()
        found = scan(path, data, fold.observe, fold.add, first_line=first, base=start)
        del data
        if found.torn_at is not None:
            size = os.path.getsize(path)
            torn.append(TornTail(path, found.lines + 1, found.torn_at, size - found.torn_at))
        marks[path.name] = (found.end, found.lines)
    return marks


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


def _fold_piece(job: tuple[Path, int, int]) -> tuple[DailyFold, int, int, int | None]:
    path, start, stop = job
    assert _FORK_FOLD is not None
    fold = _FORK_FOLD.empty_like()
    with open(path, "rb") as handle:
        data = os.pread(handle.fileno(), stop - start, start)
    found = scan(path, data, fold.observe, fold.add, first_line=1, base=start)
    return fold, found.lines, found.end, found.torn_at


def _fold_parallel(fold: DailyFold, feeds: list[tuple[Path, int, int]],
                   sizes: dict[Path, int], torn: list[TornTail]) -> dict[str, tuple[int, int]]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _FORK_FOLD
    jobs = []
    for path, start, _ in feeds:
        share = (sizes[path] - start) * 4 // max(1, sum(sizes[p] - s for p, s, _ in feeds))
        jobs += _pieces(path, start, sizes[path], max(1, share))
    _FORK_FOLD = fold
    try:
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            results = list(pool.map(_fold_piece, jobs))
    finally:
        _FORK_FOLD = None
    lines: dict[Path, int] = {path: first - 1 for path, _, first in feeds}
    ends: dict[Path, int] = {path: start for path, start, _ in feeds}
    for (path, _, _), (part, count, end, torn_at) in zip(jobs, results, strict=True):
        fold.merge(part)
        lines[path] += count
        ends[path] = end
        if torn_at is not None:
            torn.append(TornTail(path, lines[path] + 1, torn_at, sizes[path] - torn_at))
    return {path.name: (ends[path], lines[path]) for path, _, _ in feeds}


def _aggregates(project: Project) -> dict[str, str]:
    return {m: metric.aggregate for m, metric in project.metrics.items()}


def read_daily(project: Project, ledger: Ledger, known_at: dt.datetime | None = None
               ) -> Daily:
    """A full read, no cache."""
    paths = ledger.feed_paths()
    amendments = [e for p in paths for e in amendment_lines(p)]
    while True:
        fold = DailyFold(_aggregates(project), amendments, known_at)
        torn: list[TornTail] = []
        _fold_feeds(fold, [(p, 0, 1) for p in paths], torn)
        if not fold.unexpected_amendments():
            return Daily(fold, torn)
        # A correction or void written in an unusual spelling: fold again knowing it.
        amendments = [e for e in fold.others if e.type in ("correction", "void")]  # type: ignore[attr-defined]


class DailyCache:
    """The incremental cache of one project (see the module docstring)."""

    def __init__(self, root: Path, objectives_path: Path, ledger: Ledger) -> None:
        self.file = root / CACHE_DIR / CACHE_FILE
        self.objectives_path = objectives_path
        self.ledger = ledger

    def read(self, project: Project) -> Daily:
        try:
            toml_digest = hashlib.sha256(self.objectives_path.read_bytes()).hexdigest()
        except OSError:
            toml_digest = None
        state = self._load() if toml_digest else None
        if state is not None and state["objectives"] == toml_digest:
            daily = self._update(state)
            if daily is not None:
                return daily
        return self._cold(project, toml_digest)

    # -- full read, then save
    def _cold(self, project: Project, toml_digest: str | None) -> Daily:
        paths = self.ledger.feed_paths()
        amendments = [e for p in paths for e in amendment_lines(p)]
        while True:
            fold = DailyFold(_aggregates(project), amendments)
            torn: list[TornTail] = []
            marks = _fold_feeds(fold, [(p, 0, 1) for p in paths], torn)
            if not fold.unexpected_amendments():
                break
            amendments = [e for e in fold.others
                          if e.type in ("correction", "void")]  # type: ignore[attr-defined]
        if toml_digest is not None:
            digests = _digests({p: marks[p.name][0] for p in paths})
            feeds = {name: {"end": end, "lines": lines, "digests": digests[name]}
                     for name, (end, lines) in marks.items()}
            self._save(toml_digest, feeds, fold)
        return Daily(fold, torn)

    # -- incremental read
    def _update(self, state: dict[str, Any]) -> Daily | None:
        """The cached fold brought up to date, or None when only a full read will do."""
        paths = {p.name: p for p in self.ledger.feed_paths()}
        feeds: dict[str, dict[str, Any]] = state["feeds"]
        if not set(feeds) <= set(paths):
            return None
        ends = {}
        for name, mark in feeds.items():
            try:
                size = os.path.getsize(paths[name])
            except OSError:
                return None
            if size < mark["end"]:
                return None
            ends[paths[name]] = mark["end"]
        if _digests(ends) != {name: mark["digests"] for name, mark in feeds.items()}:
            return None  # a byte before the cached end changed: not a pure append
        fold: DailyFold = state["fold"]
        pending = [(paths[n], feeds[n]["end"] if n in feeds else 0,
                    feeds[n]["lines"] + 1 if n in feeds else 1) for n in sorted(paths)]
        pending = [job for job in pending if os.path.getsize(job[0]) > job[1]]
        if any(amendment_lines(path, start) for path, start, _ in pending):
            return None  # a correction or void may change any day already folded
        torn: list[TornTail] = []
        marks = _fold_feeds(fold, pending, torn)
        if fold.unexpected_amendments():
            return None
        changed = {n: m for n, m in marks.items() if m[0] != state["ends"].get(n)}
        if changed:
            # Digests cover 0..end in CHUNK pieces: full chunks are kept, the rest re-hashed.
            full = {n: feeds[n]["digests"][:feeds[n]["end"] // CHUNK]
                    for n in changed if n in feeds}
            fresh = _digests({paths[n]: end for n, (end, _) in changed.items()}, full)
            for name, (end, lines) in changed.items():
                feeds[name] = {"end": end, "lines": lines, "digests": fresh[name]}
            self._save(state["objectives"], feeds, fold)
        return Daily(fold, torn)

    # -- the file
    def _load(self) -> dict[str, Any] | None:
        """The cache's state, or None when it is absent, unreadable, corrupt or foreign."""
        try:
            raw = self.file.read_bytes()
            digest, _, body = raw.partition(b"\n")
            if hashlib.sha256(body).hexdigest().encode() != digest:
                return None
            data = json.loads(body)
            if data.get("version") != CACHE_VERSION:
                return None
            fold = DailyFold.from_state(data["fold"])
            feeds = {str(k): {"end": int(v["end"]), "lines": int(v["lines"]),
                              "digests": [str(d) for d in v["digests"]]}
                     for k, v in data["feeds"].items()}
            return {"objectives": str(data["objectives"]), "feeds": feeds, "fold": fold,
                    "ends": {k: v["end"] for k, v in feeds.items()}}
        except Exception:  # noqa: BLE001 - any damage means "no cache"
            return None

    def _save(self, toml_digest: str, feeds: dict[str, Any], fold: DailyFold) -> None:
        body = json.dumps({"version": CACHE_VERSION, "objectives": toml_digest,
                           "feeds": feeds, "fold": fold.to_state()},
                          separators=(",", ":")).encode()
        temp = self.file.with_name(f".{self.file.name}.{os.getpid()}.tmp")
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            temp.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
            os.replace(temp, self.file)
        except OSError:
            try:
                temp.unlink(missing_ok=True)
            except OSError:
                pass
