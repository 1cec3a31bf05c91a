"""Reading feeds fast, without giving up any strictness.

Canonical observation lines (nearly all of a big ledger) are read by the compiled strict
reader `ledger.lines` (msgspec), which is held equal to the model by a property test; its
per-value rules run once per distinct value, and `prev`/`id` are checked to be lowercase
hex a batch of lines at a time. Any other line (another entry type, another spelling,
anything doubtful) is decoded by `codec.decode`, so it is accepted or refused exactly as
before, with the same message. Feeds are read a slice at a time, so memory does not grow
with the feed.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import re
from array import array
from collections import Counter
from collections.abc import Callable, Container, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from pathlib import Path
from typing import Any, BinaryIO

from ..errors import ProjectError
from ..safefile import stat_key
from .codec import MAX_LINE_BYTES, decode

_sha256 = hashlib.sha256


@dataclass
class Scanned:
    """What a scan of a feed's bytes found."""

    lines: int  #: complete lines read (the line number of the last one, counted from start)
    end: int  #: offset after the last complete line
    torn_at: int | None  #: offset of a torn tail (bytes after the last newline), if any


#: Canonical observations, a batch at a time: rows of (seq, writer, recorded_at,
#: recorded day, as_of, metric, value, key, prev, id), as `DailyFold.observe_rows` takes them.
ObserveRows = Callable[[list[tuple[Any, ...]]], None]
#: Bytes read at a time (whole lines): memory stays flat in the feed's size.
SLICE = 4 << 20
#: Told the size of each slice of feed read (by any reader here): a progress display sets
#: it (the CLI does, on a terminal); None tells no one. Readers forked to other processes
#: are counted by their parent as each one's work comes back.
progress: Callable[[int], None] | None = None


def silent_reader() -> None:
    """A forked reader's start (its pool's initializer): its parent tells the progress as
    each piece comes back; the child's copy of the parent's progress bar would otherwise
    start and draw over the parent's, each with its own count."""
    global progress
    progress = None


def _told(size: int) -> None:
    if progress is not None:
        progress(size)


def release(data: Any, start: int, stop: int) -> None:
    """Give back the pages of a mapped feed's bytes [start, stop) once read: they stay in
    the page cache, but not in this process's memory, which so stays flat however big the
    feed (a mapped page read once would otherwise count until the mapping is closed)."""
    if isinstance(data, mmap.mmap):
        first = -(-start // mmap.PAGESIZE) * mmap.PAGESIZE if start else 0
        last = stop // mmap.PAGESIZE * mmap.PAGESIZE
        if last > first:
            try:
                data.madvise(mmap.MADV_DONTNEED, first, last - first)
            except (AttributeError, OSError, ValueError):  # not on this system: no matter
                pass


def line_slices(data: Any, end: int, start: int = 0, size: int = SLICE
                ) -> Iterator[tuple[int, list[bytes]]]:
    """(offset, the complete lines of `data[offset:…]`) a slice of about `size` bytes at a
    time, up to `end` (just after a newline)."""
    at = start
    while at < end:
        stop = min(end, at + size)
        if stop < end:
            stop = data.rfind(b"\n", at, stop) + 1
            if stop <= at:  # one line longer than a slice
                stop = data.find(b"\n", at + size, end) + 1
        chunk = data[at:stop]
        lines = chunk.split(b"\n")
        lines.pop()
        yield at, lines
        _told(stop - at)
        release(data, at, stop)
        at = stop


def scan(path: Path, data: Any, observe_rows: ObserveRows, add: Callable[[object], None],
         first_line: int = 1, base: int = 0, start: int = 0, stop: int | None = None
         ) -> Scanned:
    """Feed every complete line of `data[start:stop]` (`data`: the feed's bytes from offset
    `base`, as bytes or a mapping; `start` at a line start) to `observe_rows` (canonical
    observations, in batches) or `add` (every other entry, decoded)."""
    from . import lines as reader

    stop = len(data) if stop is None else stop
    end = data.rfind(b"\n", start, stop) + 1 or start
    torn = base + end if end < stop else None
    number = first_line - 1
    strict, canonical, line_ok = reader.decode_struct, reader.encode, reader.CHECKS.line_ok
    refused = reader.REFUSED
    rows: list[tuple[Any, ...]] = []  # checked observations not yet folded…
    held: list[bytes] = []  # …and their lines, from line `batch_at`
    batch_at = number + 1

    def flush() -> None:
        if not rows:
            return
        if _hex_ok(rows):
            observe_rows(rows[:])
        else:  # some prev or id is not lowercase hex: the model refuses that line
            for offset, (row, line) in enumerate(zip(rows, held, strict=True)):
                if _hex_ok([row]):
                    observe_rows([row])
                else:
                    add(decode(line, f"{path}:{batch_at + offset}"))
        rows.clear()
        held.clear()

    for _, lines in line_slices(data, end, start):
        for line in lines:
            number += 1
            try:
                o = strict(line)
            except refused:
                o = None
            if (o is not None and canonical(o) == line and len(line) <= MAX_LINE_BYTES
                    and line_ok(o)):
                if not rows:
                    batch_at = number
                rows.append((o.seq, o.writer, o.recorded_at, o.recorded_at[:10], o.as_of,
                             o.metric, o.value, o.key, o.prev, o.id))
                held.append(line)
                continue
            flush()
            add(decode(line, f"{path}:{number}"))
        flush()
    return Scanned(number, base + end, torn)


def scan_feed(path: Path, observe_rows: ObserveRows, add: Callable[[object], None]
              ) -> Scanned:
    """`scan` of a whole feed, mapped (memory does not grow with it); the lines of a batch
    append that never completed (see `feed.without_unfinished_batch`) are set aside."""
    from .feed import pending_path, without_unfinished_batch

    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size == 0:
            return Scanned(0, 0, None)
        if pending_path(path).exists():
            return scan(path, without_unfinished_batch(path, handle.read()), observe_rows, add)
        from .feed import steady

        with steady(handle), mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            return scan(path, view, observe_rows, add)


_PREV, _ID = itemgetter(8), itemgetter(9)


def _hex_ok(rows: list[tuple[Any, ...]]) -> bool:
    """Are every row's prev and id lowercase hex (as the model's pattern wants)?"""
    blob = "".join(map(_PREV, rows)) + "".join(map(_ID, rows))
    try:
        return not blob.encode("ascii").translate(None, b"0123456789abcdef")
    except UnicodeEncodeError:
        return False


def amendment_lines(path: Path, start: int = 0) -> list[object]:
    """The corrections and voids of a feed from offset `start`, found by a byte search for
    their `target_entry` field, and the entries `recover` re-recorded (`recovered_from`:
    a correction of the original applies to them); a line that does not decode is left
    for the full read."""
    found: dict[int, object] = {}
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size <= start:
            return []
        from .feed import steady

        st = os.fstat(handle.fileno())
        with steady(handle), mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            for needle in (b'"target_entry"', b'"recovered_from"'):
                if start == 0 and lacks(path, st, view, needle):
                    continue
                at = find_released(view, needle, start)
                while at >= 0:
                    first = view.rfind(b"\n", start, at) + 1 if at > start else start
                    first = max(first, start)
                    last = view.find(b"\n", at)
                    if last < 0:
                        break  # a torn tail
                    try:
                        entry = decode(view[first:last], f"{path}")
                    except ProjectError:
                        entry = None
                    if entry is not None and first not in found and (
                            entry.type in ("correction", "void")
                            or entry.recovered_from is not None):
                        found[first] = entry
                    at = find_released(view, needle, last)
    return [found[at] for at in sorted(found)]


def find_released(view: mmap.mmap, needle: bytes, start: int) -> int:
    """`view.find(needle, start)`, a slice at a time, giving back the pages searched (a
    search through a whole mapped feed would otherwise keep it all in this process's
    memory)."""
    size = len(view)
    at = start
    while at < size:
        stop = min(size, at + SLICE)
        found = view.find(needle, at, min(size, stop + len(needle) - 1))
        if found >= 0:
            return found
        release(view, at, stop)
        at = stop
    return -1


#: Fields some readers look for in a feed's bytes before reading it: a signature, a writers
#: entry, a document, a plan version, an amendment, a re-recorded entry. The chain check
#: notes which of them a feed's bytes hold (`KeyIndex.holds`), so that those searches,
#: each through the whole feed, are skipped while the feed is unchanged (`lacks`).
NEEDLES = (b'"sig":"', b'"type":"writers"', b'"evidence":"', b'"type":"plan"',
           b'"target_entry"', b'"recovered_from"')
_BIT = {needle: 1 << n for n, needle in enumerate(NEEDLES)}


def _held(data: bytes | bytearray) -> int:
    """The bits of the NEEDLES found in `data`."""
    return sum(bit for needle, bit in _BIT.items() if needle in data)


#: The parts a key index is kept in, by the low bits of each key's hash (equal keys share
#: them): the repeated keys are counted one part at a time.
PARTS = 64
#: Past this many keys held in memory, a key index moves them to a temporary file (16
#: bytes a key): ten million keyed lines would otherwise hold 160 MB.
SPILL_KEYS = 1 << 18


class KeyIndex:
    """The keys of a feed's complete lines as hashes of the key (as decoded), kept in
    `PARTS` parts by their low bits (equal keys share them), with the offset of each one's
    line: what `keyed_facts` needs, 16 bytes a keyed line, moved to an unnamed temporary
    file past `SPILL_KEYS` (memory then holds one part at a time, when read). Gathered while
    `fast_chain` checks the feed (a second pass over its bytes otherwise), or by a byte
    search. `holds`: the bits of the NEEDLES the feed's bytes hold, torn tail included
    (None: not noted)."""

    __slots__ = ("_file", "_held", "_spill_at", "_spilled", "hashes", "holds", "offsets")

    def __init__(self, holds: int | None = 0) -> None:
        self.hashes = [array("q") for _ in range(PARTS)]
        self.offsets = [array("q") for _ in range(PARTS)]
        self.holds = holds
        self._held = 0  # keys in memory
        self._spill_at: int | None = SPILL_KEYS  # None: no room for the file, never again
        self._file: Any = None  # the temporary file of spilled parts…
        self._spilled: list[list[tuple[int, int]]] = []  # …each part's (offset, count)s

    def add(self, key: str, at: int) -> None:
        h = hash(key)
        self.hashes[h % PARTS].append(h)
        self.offsets[h % PARTS].append(at)
        self._held += 1
        if self._spill_at is not None and self._held >= self._spill_at:
            self._spill()

    def extend(self, other: KeyIndex) -> None:
        for k in range(PARTS):
            hashes, offsets = other.part(k)
            self.hashes[k].extend(hashes)
            self.offsets[k].extend(offsets)
            self._held += len(hashes)
            if self._spill_at is not None and self._held >= self._spill_at:
                self._spill()
        self.holds = None if self.holds is None or other.holds is None \
            else self.holds | other.holds

    def part(self, k: int) -> tuple[array[int], array[int]]:
        """The hashes and the offsets of part `k` (those spilled read back)."""
        if self._file is None:
            return self.hashes[k], self.offsets[k]
        hashes, offsets = array("q"), array("q")
        size = hashes.itemsize
        # read at an offset, never seek: a forked reader shares the file's position
        for at, count in self._spilled[k]:
            data = os.pread(self._file.fileno(), 2 * size * count, at)
            if len(data) != 2 * size * count:
                raise OSError(f"the key index's temporary file was cut short at {at}")
            hashes.frombytes(data[:size * count])
            offsets.frombytes(data[size * count:])
        hashes.extend(self.hashes[k])
        offsets.extend(self.offsets[k])
        return hashes, offsets

    def _spill(self) -> None:
        """Move the keys held in memory to the temporary file (with no room for them there,
        they stay in memory)."""
        import tempfile

        try:
            if self._file is None:
                self._file = tempfile.TemporaryFile()
                self._spilled = [[] for _ in range(PARTS)]
            for k in range(PARTS):
                if self.hashes[k]:
                    at = self._file.seek(0, os.SEEK_END)
                    self.hashes[k].tofile(self._file)
                    self.offsets[k].tofile(self._file)
                    self._file.flush()  # (no room shows here, not at a later read)
                    self._spilled[k].append((at, len(self.hashes[k])))
                    self.hashes[k], self.offsets[k] = array("q"), array("q")
        except OSError:
            self._spill_at = None
            return
        self._held = 0

    def __getstate__(self) -> dict[str, Any]:
        """Sent to another process (a forked reader's, back to its parent): whole."""
        parts = [self.part(k) for k in range(PARTS)]
        return {"hashes": [h for h, _ in parts], "offsets": [o for _, o in parts],
                "holds": self.holds, "_held": sum(len(h) for h, _ in parts),
                "_spill_at": self._spill_at, "_file": None, "_spilled": []}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            setattr(self, name, value)


def lacks(path: Path, st: os.stat_result, view: Any, needle: bytes) -> bool:
    """Is `needle` (one of NEEDLES) nowhere in the feed's bytes (`view`, stat `st`)? As the
    chain check noted it if the feed is unchanged since, else by a byte search."""
    seen = _KEYS_SEEN.get(path)
    if seen is not None and seen[1].holds is not None and seen[0] == stat_key(st):
        return not seen[1].holds & _BIT[needle]
    return find_released(view, needle, 0) < 0


#: What `_chain` finds in a feed's bytes: ((entries, torn-tail Break or None), their key
#: index, the feed's stat when checked); None: a doubt (`check_chain` names the problem).
Checked = tuple[tuple[int, object], KeyIndex, list[int]] | None
#: The key index of each feed `fast_chain` checked whole in this process, with the stat it
#: was taken at: `keyed_facts` reuses it while the feed's stat is unchanged.
_KEYS_SEEN: dict[Path, tuple[list[int], KeyIndex]] = {}


def fast_chain(path: Path, writer: str, start: int = 0, first: int = 1
               ) -> tuple[int, object] | None:
    """`feed.check_chain` for a feed whose lines are all in order: (entries, None), or
    (entries, torn-tail Break); None at the first doubt, and `check_chain` is run to name
    the problem exactly as before (see `_chain`). From byte `start` (a line start) with line
    number `first`, the line before `start` trusted. A feed checked whole leaves its key
    index for `keyed_facts`."""
    found = _chain(path, writer, start, first)
    if found is None:
        return None
    result, keys, stamp = found
    if start == 0:
        _KEYS_SEEN[path] = (stamp, keys)
    return result


def _chain(path: Path, writer: str, start: int = 0, first: int | None = 1,
           stop: int | None = None) -> Checked:
    """The chain of `path[start:stop]` (`stop` a line start, else to the last complete
    line; `first`: the line number at `start`, None to count the lines before it). Canonical
    observation lines are read by the strict reader (`ledger.lines`) and checked with two
    hashes (`prev` and `id` must equal digests computed here, so they are lowercase hex);
    other lines exactly as `check_chain` does. The feed is mapped and read a slice at a time
    (flat memory); a link, FIFO or device is never opened. Any break, an unreadable file:
    None."""
    import stat

    from . import lines as reader
    from .codec import GENESIS, id_matches, parse_fields
    from .feed import Break, _recorded_at, line_before

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    keys = KeyIndex()
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None
        stamp = stat_key(st)
        size = st.st_size
        if size == 0:
            return ((0, None), keys, stamp) if start == 0 else None
        view = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    with view:
        end = view.rfind(b"\n") + 1 if stop is None else stop
        if start > end or (stop is not None and (stop > size or view[stop - 1] != 10)):
            return None
        if first is None:
            first = 1 + count_lines(view, start)
        before = line_before(view, start)  # type: ignore[arg-type]  # bytes-like
        prev = _sha256(before).hexdigest() if start else GENESIS
        newest = (_recorded_at(before) or "") if start else ""
        read, line_ok = reader.read, reader.CHECKS.line_ok
        hash_of = _sha256
        add_key = keys.add
        holds = 0
        number = first - 1
        for at, lines in line_slices(view, end, start):
            for line in lines:
                number += 1
                obs = read(line) if len(line) <= MAX_LINE_BYTES else None
                if obs is not None:
                    moment, key = obs.recorded_at, obs.key
                    if (obs.prev != prev or obs.writer != writer or obs.seq != number
                            or moment < newest or not line_ok(obs)
                            or hash_of(line[:-73] + b"}").hexdigest() != obs.id):
                        return None
                    if obs.sig is not None:
                        holds |= 1  # (the struct's other fields hold no NEEDLE)
                else:
                    holds |= _held(line)
                    try:
                        fields = parse_fields(line)
                        decode(line, f"{path}:{number}")
                    except (ValueError, ProjectError):
                        return None
                    moment, key = fields["recorded_at"], fields.get("key")
                    if (not id_matches(line) or fields.get("prev") != prev
                            or fields.get("seq") != number or fields.get("writer") != writer
                            or moment < newest):
                        return None
                if key is not None:
                    add_key(key, at)
                at += len(line) + 1
                newest = moment  # recorded_at never decreases along a feed
                prev = hash_of(line).hexdigest()
        if stop is None and end < size:
            holds |= _held(view[end:])  # what a search of the whole feed would find
    keys.holds = holds
    checked = number - first + 1
    if stop is None and end < size:
        return (checked, Break(path, number + 1, f"torn last line ({size - end} bytes "
                               "of an interrupted write) — run `mibtrack repair`", "torn")
                ), keys, stamp
    return (checked, None), keys, stamp


def count_lines(view: Any, stop: int) -> int:
    """Newlines in view[:stop], a slice at a time (no copy of the whole, pages given back)."""
    count = 0
    with memoryview(view) as whole:
        for at in range(0, stop, SLICE):
            piece = whole[at:min(at + SLICE, stop)]
            count += bytes(piece).count(b"\n")
            piece.release()
            release(view, at, min(at + SLICE, stop))
    return count


def _chain_job(job: tuple[Path, str, int, int | None]) -> Checked:
    path, writer, start, stop = job
    return _chain(path, writer, start, None if start else 1, stop)


#: Below this many bytes in all, one process checks every feed (forking costs more).
PARALLEL_BYTES = 16 << 20
#: A feed above this size is checked in pieces by both processes (each piece's first line
#: number counted, the line before it trusted only because the piece before checks it).
PIECE = 32 << 20


def _pieces(path: Path, size: int, count: int) -> list[tuple[int, int | None]]:
    """`path` cut into `count` byte ranges [start, stop) at line starts (stop None: to the
    end); fewer when lines are long."""
    if count < 2:
        return [(0, None)]
    cuts = [0]
    with mapped(path) as view:
        if view is None:
            return [(0, None)]
        for k in range(1, count):
            cut = view.find(b"\n", size * k // count) + 1
            if cut > cuts[-1] and cut < size:
                cuts.append(cut)
    return [(a, b) for a, b in zip(cuts, cuts[1:], strict=False)] + [(cuts[-1], None)]


def fast_chains(jobs: list[tuple[Path, str]]) -> list[tuple[int, object] | None]:
    """`fast_chain` of each (path, writer); a large ledger is checked by two processes,
    its big feeds in pieces (so that one big feed keeps both busy)."""
    sizes = []
    for path, _ in jobs:
        try:
            sizes.append(path.stat().st_size)
        except OSError:
            sizes.append(0)
    if sum(sizes) < PARALLEL_BYTES or cpus() < 2:
        return [fast_chain(*job) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pieces: list[tuple[Path, str, int, int | None]] = []
    for (path, writer), size in zip(jobs, sizes, strict=True):
        pieces += [(path, writer, start, stop)
                   for start, stop in _pieces(path, size, -(-size // PIECE))]
    if len(pieces) < 2:
        return [fast_chain(*job) for job in jobs]
    # each piece's key index is merged into its feed's as it comes back (the pieces of a
    # big ledger hold 16 bytes a keyed line: all of them at once, 160 MB at 10M)
    parts: dict[Path, list[tuple[tuple[int, object], list[int]] | None]] = {}
    indexes: dict[Path, KeyIndex] = {}
    size_of = {path: size for (path, _), size in zip(jobs, sizes, strict=True)}
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork"),
                             initializer=silent_reader) as pool:
        for (path, _, start, stop), found in zip(pieces, pool.map(_chain_job, pieces),
                                                 strict=True):
            if found is not None:
                indexes.setdefault(path, KeyIndex()).extend(found[1])
            parts.setdefault(path, []).append(None if found is None else (found[0], found[2]))
            del found
            _told((stop if stop is not None else size_of[path]) - start)
    done: list[tuple[int, object] | None] = []
    for path, _ in jobs:
        found_parts = parts.get(path, [])
        if not found_parts or any(p is None for p in found_parts):
            done.append(None)
            continue
        checked = [p for p in found_parts if p is not None]
        stamps = {tuple(p[1]) for p in checked}
        if len(stamps) > 1:  # changed while checked: let check_chain look again
            done.append(None)
            continue
        _KEYS_SEEN[path] = (checked[0][1], indexes[path])
        done.append((sum(p[0][0] for p in checked), checked[-1][0][1]))
    return done


def cpus() -> int:
    """The CPUs this process may run on (forked readers are worth it from two)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


#: A line's key field: `"key":"…"` (a quote inside a JSON string is escaped, so this cannot
#: match inside text; the string's body unrolled: one class run at a time). Keys are
#: compared as written: the encoder writes one spelling.
_KEY_FIELD = re.compile(rb'"key"[ \t]*:[ \t]*("[^"\\\n]*(?:\\.[^"\\\n]*)*")')
#: Cheap test that a feed holds any key at all (a needle ending in a rare byte).
_KEY_NEEDLE = b'"key'


def _complete(view: bytes | mmap.mmap) -> int:
    """Offset after the last complete line (a torn tail is not an entry)."""
    return view.rfind(b"\n") + 1


@dataclass
class KeyedFacts:
    """What the rules of keys need from the keyed lines of a ledger (`keyed_facts`)."""

    #: Every entry whose key is recorded more than once, decoded, but `copies`.
    entries: list[object]
    #: Plain copies: writer → a bitmap of the seqs of its lines that count for nothing,
    #: being later copies of a fact whose every copy is a canonical observation with the
    #: same content that no correction, void or recovered entry names. The rules
    #: (`ledger_state.resolve`) say the earliest copy counts and the later ones do not, and
    #: nothing else of them: so they are never held, only these bits (merged clones: every
    #: key two offices imported, hundreds of thousands at 1M rows). The fold skips them.
    copies: dict[str, bytearray]
    #: With `keyed_facts(..., plain=N)`: the N plain keys first recorded (all with N None),
    #: each as (key, its copies earliest recorded first: ((recorded_at, writer, seq, id),
    #: ...)), in ledger order, for `verify` to list…
    plain: list[tuple[str, tuple[tuple[str, str, int, str], ...]]]
    #: …and how many plain keys there are.
    plain_keys: int = 0


def named_by(amendments: Iterable[object]) -> set[str]:
    """The ids corrections and voids target and recovered entries stand for (and are):
    keyed copies any of these name are not plain (`keyed_facts`)."""
    named: set[str] = set()
    for e in amendments:
        if e.type in ("correction", "void"):  # type: ignore[attr-defined]
            named.add(e.target_entry)  # type: ignore[attr-defined]
        if getattr(e, "recovered_from", None) is not None:
            named.update((e.id, e.recovered_from))  # type: ignore[attr-defined]
    return named


def keyed_facts(paths: list[Path], named: Container[str] | None,
                plain: int | None = 0) -> KeyedFacts:
    """The keyed entries `DailyFold` must be given up front: every entry whose key is
    recorded more than once, decoded (a canonical observation as a compact
    `lines.KeyedObservation`), but, with `named` (the ids corrections and voids target and
    recovered entries stand for), plain copies (`KeyedFacts.copies`). Each feed's key index
    (`KeyIndex`: 8-byte hashes of its keys, a million keys take 16 MB, not the keys
    themselves) is the one `fast_chain` gathered when it checked the feed, if the feed has
    not changed since, else found by a byte search; the hashes are counted and the lines
    whose key's hash repeats decoded one part (`PARTS`) at a time (memory: one part), and
    those whose key repeats kept. A line that does not decode is left for the full read to name.
    `plain`: list the copies of that many plain keys, the first recorded (None: every one;
    `KeyedFacts.plain`), in memory bounded by that many."""
    indexes: list[tuple[Path, KeyIndex]] = []
    for path in paths:
        keys = key_index(path)
        if keys is not None:
            indexes.append((path, keys))
    kept: list[tuple[int, int, object]] = []  # (the feed's rank, seq, entry)
    copies: dict[str, bytearray] = {}
    listed = _Earliest(plain)
    for k in range(PARTS):  # keys whose hashes share their low bits: equal keys do
        tally = Counter(chain.from_iterable(keys.part(k)[0] for _, keys in indexes))
        maybe = {h for h, n in tally.items() if n > 1}
        del tally
        if not maybe:
            continue
        # their lines' offsets in each feed: the lines of one part of the keys are decoded
        # and held at a time
        part: list[list[int]] = [[] for _ in indexes]
        for rank, (_, keys) in enumerate(indexes):
            for h, at in zip(*keys.part(k), strict=True):
                if h in maybe:
                    part[rank].append(at)
        del maybe
        _keyed_part(indexes, part, named, kept, copies, listed)
    kept.sort(key=itemgetter(0, 1))
    return KeyedFacts([entry for _, _, entry in kept], copies, listed.first(), listed.count)


class _Earliest:
    """The plain keys `keyed_facts` lists: `most` of them, the first recorded (all when
    None), and how many there are; a heap, so memory stays bounded by `most`."""

    def __init__(self, most: int | None) -> None:
        self.most, self.count = most, 0
        self.kept: list[Any] = []  # (the first copy's order or a _Later of it, key, copies)

    def add(self, key: str, ordered: tuple[tuple[str, str, int, str], ...]) -> None:
        import heapq

        self.count += 1
        if self.most is None:
            self.kept.append((ordered[0], key, ordered))
        elif self.most > 0:  # a max-heap by the first copy's order, of the `most` earliest
            item = (_Later(ordered[0]), key, ordered)
            if len(self.kept) < self.most:
                heapq.heappush(self.kept, item)
            elif ordered[0] < self.kept[0][0].order:
                heapq.heapreplace(self.kept, item)

    def first(self) -> list[tuple[str, tuple[tuple[str, str, int, str], ...]]]:
        """The keys kept, in the order of their first copies (`ordered[0]`)."""
        return sorted(((key, ordered) for _, key, ordered in self.kept),
                      key=lambda item: item[1][0])


class _Later:
    """An order compared backwards (heapq keeps the smallest first)."""

    __slots__ = ("order",)

    def __init__(self, order: tuple[str, str, int, str]) -> None:
        self.order = order

    def __lt__(self, other: _Later) -> bool:
        return self.order > other.order


def _keyed_part(indexes: list[tuple[Path, KeyIndex]], part: list[list[int]],
                named: Container[str] | None, kept: list[tuple[int, int, object]],
                copies: dict[str, bytearray], listed: _Earliest) -> None:
    """`keyed_facts` of the lines at `part` (each feed's offsets): what they are added to
    `kept` (the feed's rank, seq, entry), `copies` and `listed`."""
    from . import lines as reader

    found: dict[str, list[tuple[int, Any]]] = {}  # key → (the feed's rank, line read)
    for rank, (path, _) in enumerate(indexes):
        starts = sorted(part[rank])
        if not starts:
            continue
        with mapped(path) as view:
            if view is None:
                continue
            done = 0  # the lines are spread over the whole feed: give its pages back
            for at in starts:
                if at - done > SLICE:
                    release(view, done, at)
                    done = at
                line = view[at:view.find(b"\n", at)]
                obs: Any = reader.read_checked(line) if len(line) <= MAX_LINE_BYTES \
                    else None
                if obs is None or obs.key is None:
                    try:
                        obs = decode(line, str(path))
                    except ProjectError:
                        continue
                if obs.key is not None:
                    found.setdefault(obs.key, []).append((rank, obs))
    for key, lines in found.items():
        if len(lines) < 2:
            continue
        if named is not None and _plain(lines, named):
            ordered = sorted((obs.recorded_at, obs.writer, obs.seq, obs.id)
                             for _, obs in lines)  # ledger order: the earliest counts
            for _, writer, seq, _ in ordered[1:]:
                bits = copies.setdefault(writer, bytearray())
                if len(bits) <= seq >> 3:
                    bits.extend(bytes((seq >> 3) + 1 - len(bits)))
                bits[seq >> 3] |= 1 << (seq & 7)
            listed.add(key, tuple(ordered))
            continue
        kept += [(rank, obs.seq, reader.to_keyed(obs, key)
                  if isinstance(obs, reader.ObservationLine) else obs)
                 for rank, obs in lines]


def _plain(lines: list[tuple[int, Any]], named: Container[str]) -> bool:
    """Are these copies of one key all canonical observations (read by the strict reader)
    with the same content, none named by a correction, void or recovered entry?"""
    from .lines import ObservationLine, content

    same = None
    for _, obs in lines:
        if type(obs) is not ObservationLine or obs.id in named:
            return False
        if same is None:
            same = content(obs)
        elif content(obs) != same:
            return False
    return True


def key_index(path: Path) -> KeyIndex | None:
    """The keys of a feed: as `fast_chain` found them if the feed's stat is the one it was
    checked at, else by searching its bytes for key fields (None: no key, or unreadable)."""
    seen = _KEYS_SEEN.get(path)
    if seen is not None:
        try:
            st = os.stat(path, follow_symlinks=False)
        except OSError:
            return None
        if seen[0] == stat_key(st):
            return seen[1]
    with mapped(path) as view:
        if view is None or view.find(_KEY_NEEDLE) < 0:
            return None
        keys = KeyIndex(holds=None)  # (what a search finds is keys only)
        for match in _key_fields(view):
            literal = match[1]
            try:
                key = (literal[1:-1].decode() if b"\\" not in literal
                       else json.loads(literal))
            except ValueError:
                continue  # not a key the model reads: the full read names the line
            keys.add(key, view.rfind(b"\n", 0, match.start()) + 1)
        return keys


def _key_fields(view: mmap.mmap) -> Any:
    """Every key field of a mapped feed's complete lines, searched a slice of whole lines
    at a time, the pages searched given back (a key field never spans two lines)."""
    end = _complete(view)
    at = 0
    while at < end:
        stop = min(end, at + SLICE)
        if stop < end:
            stop = view.rfind(b"\n", at, stop) + 1 or view.find(b"\n", at + SLICE, end) + 1
        yield from _KEY_FIELD.finditer(view, at, stop)
        release(view, at, stop)
        at = stop


#: Above this many keyed lines appended since a cache was saved, the cache is not updated
#: (a full read finds repeated keys in one pass): each is otherwise searched for in every feed.
KEYS_SEARCHED = 32


def keys_recorded_elsewhere(paths: list[Path], ranges: dict[Path, int]) -> tuple[bool | None, int]:
    """Is a key of the lines appended since `ranges` (path → offset read up to) recorded
    anywhere else in the ledger? (None: too many keys were appended to tell cheaply), and
    how many keyed lines were appended. Each appended key is searched for as written."""
    appended: list[bytes] = []
    for path, start in ranges.items():
        with mapped(path) as view:
            if view is None or view.find(_KEY_NEEDLE, start) < 0:
                continue
            appended += [m[0] for m in _KEY_FIELD.finditer(view, start, _complete(view))]
    if not appended:
        return False, 0
    if len(appended) > KEYS_SEARCHED:
        return None, len(appended)
    if len(set(appended)) < len(appended):
        return True, len(appended)
    total = 0
    for path in paths:
        with mapped(path) as view:
            if view is not None:
                stop = _complete(view)
                total += sum(_count(view, field, stop) for field in appended)
    return total > len(appended), len(appended)


def _count(view: mmap.mmap, needle: bytes, stop: int) -> int:
    """Occurrences of `needle` in view[:stop] (an mmap has find, not count)."""
    count, at = 0, view.find(needle, 0, stop)
    while at >= 0:
        count += 1
        at = view.find(needle, at + len(needle), stop)
    return count


class mapped:
    """A feed mapped read-only (None when empty or unreadable), under a shared lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle: BinaryIO | None = None
        self.view: mmap.mmap | None = None
        self.lock: AbstractContextManager[None] | None = None

    def __enter__(self) -> mmap.mmap | None:
        from .feed import steady

        try:
            self.handle = open(self.path, "rb")
            if os.fstat(self.handle.fileno()).st_size == 0:
                return None
            self.lock = steady(self.handle)
            self.lock.__enter__()
            self.view = mmap.mmap(self.handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return None
        return self.view

    def __exit__(self, *exc: object) -> None:
        if self.view is not None:
            self.view.close()
        if self.lock is not None:
            self.lock.__exit__(None, None, None)
        if self.handle is not None:
            self.handle.close()
