"""Reading feeds fast, without giving up any strictness.

The encoder writes one canonical form (fixed key order, compact JSON). An observation line
in that form is matched, with every check `decode` makes, by one regular expression run over
the whole feed: exactly the keys of an observation in their order (so no duplicate or
unknown key), no bare numbers but `v` and `seq` (so no NaN, no float), a plain decimal value
within the bounds (at most 15 integer digits and 6 places, no trailing zeros), well-formed
JSON strings (no raw control characters, only JSON escapes), a writer, metric and hashes by
their patterns; the calendar dates are then checked once per distinct day. A line that is
not matched — another entry type, another spelling, anything doubtful — is decoded the slow,
fully validated way, so it is accepted or refused exactly as before, with the same message.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import mmap
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from ..errors import ProjectError
from .codec import MAX_LINE_BYTES, decode

#: A JSON string's body: runs of plain characters between escapes ("unrolled": one class
#: run at a time instead of one alternation per character, 20% less regex time).
_STR = r'[^"\\\x00-\x1f]*(?:\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})[^"\\\x00-\x1f]*)*'
_VALUE = r"0|-?(?:0\.\d{0,5}[1-9]|[1-9]\d{0,14}(?:\.\d{0,5}[1-9])?)"
OBSERVATION = (
    r'^\{"v":1,"seq":([1-9]\d{0,17}),"type":"observation",'
    r'"writer":"([A-Za-z0-9][A-Za-z0-9._@+-]{0,127})",'
    r'"recorded_at":"((\d{4}-\d\d-\d\d)T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{6}Z)",'
    r'"as_of":"(\d{4}-\d\d-\d\d)","metric":"([A-Za-z0-9][A-Za-z0-9._-]{0,63})",'
    rf'"value":"({_VALUE})"(?:,"source":"{_STR}")?(?:,"note":"{_STR}")?'
    rf'(?:,"key":"({_STR})")?,"prev":"([0-9a-f]{{64}})"(?:,"sig":"[A-Za-z0-9+/]{{4,1998}}'
    rf'={{0,2}}")?,"id":"([0-9a-f]{{64}})"\}}$'
)
#: On bytes (for `verify`, which hashes the bytes; compiled on first use); UTF-8 is
#: checked on the whole feed. prev and id are any 64 bytes here: `fast_chain` compares them
#: with digests it computes, which only lowercase hex can equal.
OBSERVATION_BYTES_LOOSE_HEX = OBSERVATION.replace("[0-9a-f]{64}", '[^"]{64}').encode()
#: On decoded text (the whole feed is checked to be UTF-8 first), for `scan`; `prev` and `id`
#: are any 64 characters but a quote, checked to be lowercase hex a batch at a time
#: (`_hex_ok`): half the time of a character class.
OBSERVATION_LOOSE_HEX = re.compile(OBSERVATION.replace("[0-9a-f]{64}", '[^"]{64}'),
                                   re.ASCII | re.MULTILINE)
#: Longest line the fast path takes (characters, so bytes ≤ 4× this stay under the limit).
_FAST_MAX = MAX_LINE_BYTES // 4
_sha256 = hashlib.sha256


class Days:
    """ISO dates seen valid, each checked once."""

    def __init__(self) -> None:
        self.good: set[str] = set()

    def valid(self, text: str) -> bool:
        if text in self.good:
            return True
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            return False
        self.good.add(text)
        return True


def key_ok(raw: str | None) -> bool:
    """An idempotency key as the model wants it: 1 to 200 characters once unescaped."""
    if raw is None:
        return True
    return 1 <= len(json.loads(f'"{raw}"')) <= 200


@dataclass
class Scanned:
    """What a scan of a feed's bytes found."""

    lines: int  #: complete lines read (the line number of the last one, counted from start)
    end: int  #: offset after the last complete line
    torn_at: int | None  #: offset of a torn tail (bytes after the last newline), if any


#: Canonical observations, a batch at a time: rows of (seq, writer, recorded_at,
#: recorded day, as_of, metric, value, key, prev, id) texts, as `DailyFold.observe_rows` takes them.
ObserveRows = Callable[[list[tuple[str, ...]]], None]
_BATCH = 1 << 15
_PREV, _ID = itemgetter(8), itemgetter(9)


def _hex_ok(rows: list[tuple[str, ...]]) -> bool:
    """Are every row's prev and id lowercase hex (as the model's pattern wants)?"""
    blob = "".join(map(_PREV, rows)) + "".join(map(_ID, rows))
    try:
        return not blob.encode("ascii").translate(None, b"0123456789abcdef")
    except UnicodeEncodeError:
        return False


def scan(path: Path, data: bytes, observe_rows: ObserveRows, add: Callable[[object], None],
         first_line: int = 1, base: int = 0) -> Scanned:
    """Feed every complete line of `data` (the feed's bytes from offset `base`, at a line
    start) to `observe_rows` (fast canonical observations, in batches) or `add` (every other
    entry, decoded)."""
    end = data.rfind(b"\n") + 1
    torn = base + end if end < len(data) else None
    number = first_line - 1
    try:
        text = data[:end].decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is None:  # the slow path finds and names the bad line
        for line in data[:end].split(b"\n")[:-1]:
            number += 1
            add(decode(line, f"{path}:{number}"))
        return Scanned(number, base + end, torn)
    del data
    days = Days()
    good = days.good
    pos = batch_at = 0
    rows: list[tuple[str, ...]] = []
    keep = rows.append

    def slow(chunk: str) -> None:
        nonlocal number
        for line in chunk.split("\n")[:-1]:
            number += 1
            add(decode(line.encode("utf-8"), f"{path}:{number}"))

    def flush(stop: int) -> None:
        """Fold the batch: the consecutive lines text[batch_at:stop], all matched."""
        nonlocal number
        if _hex_ok(rows):
            number += len(rows)
            observe_rows(rows)
        else:  # some prev or id is not lowercase hex: those lines are decoded, and refused
            for row, line in zip(rows, text[batch_at:stop].split("\n"), strict=False):
                if _hex_ok([row]):
                    number += 1
                    observe_rows([row])
                else:
                    slow(line + "\n")
        rows.clear()

    for match in OBSERVATION_LOOSE_HEX.finditer(text):
        start, stop = match.span()
        if start != pos:
            flush(pos)
            slow(text[pos:start])
        if not rows:
            batch_at = start
        pos = stop + 1
        row = match.groups()
        if (stop - start > _FAST_MAX
                or (row[4] not in good and not days.valid(row[4]))
                or (row[3] not in good and not days.valid(row[3]))
                or (row[7] is not None and not key_ok(row[7]))):
            flush(start)
            slow(text[start:pos])
            continue
        keep(row)
        if len(rows) >= _BATCH:
            flush(pos)
    flush(pos)
    if pos < len(text):
        slow(text[pos:])
    return Scanned(number, base + end, torn)


def amendment_lines(path: Path, start: int = 0) -> list[object]:
    """The corrections and voids of a feed from offset `start`, found by a byte search for
    their `target_entry` field; a line that does not decode is left for the full read."""
    found: list[object] = []
    needle = b'"target_entry"'
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size <= start:
            return found
        from ..snapshot import steady

        with steady(handle), mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            at = view.find(needle, start)
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
                if entry is not None and entry.type in ("correction", "void"):
                    found.append(entry)
                at = view.find(needle, last)
    return found


def _valid_day(text: bytes, good: set[bytes]) -> bool:
    try:
        dt.date.fromisoformat(text.decode())
    except ValueError:
        return False
    good.add(text)
    return True


def fast_chain(path: Path, writer: str, start: int = 0, first: int = 1
               ) -> tuple[int, object] | None:
    """`feed.check_chain` for a feed whose lines are all in order: (entries, None), or
    (entries, torn-tail Break). Canonical observation lines are checked by one regex match
    and two hashes; other lines exactly as `check_chain` does. At the first doubt (any
    break, unreadable file, invalid UTF-8) it gives None, and `check_chain` is run to name
    the problem exactly as before. From byte `start` with line number `first` (see
    `check_chain`), the line before `start` trusted."""
    from .codec import GENESIS, id_matches, parse_fields
    from .feed import Break, _read_regular, _recorded_at, line_before, split_lines

    try:
        data = _read_regular(path)
        data[start:].decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    lines, end = split_lines(data[start:])
    size = len(data) - start
    prev = (_sha256(line_before(data, start)).hexdigest() if start else GENESIS).encode()
    newest = ((_recorded_at(line_before(data, start)) or "") if start else "").encode()
    del data
    own = writer.encode()
    good: set[bytes] = set()  # dates seen valid
    # prev and id are matched as any 64 bytes: each must equal a SHA-256 hex digest computed
    # here, which only lowercase hex can (so the strict pattern's check is kept, for free)
    match = re.compile(OBSERVATION_BYTES_LOOSE_HEX, re.MULTILINE).match
    hash_of = _sha256
    for number, line in enumerate(lines, start=first):
        found = match(line) if len(line) <= MAX_LINE_BYTES else None
        if found is not None:
            seq, who, moment, recorded_day, day, _, _, key, line_prev, entry_id = found.groups()
            if (line_prev != prev or who != own or int(seq) != number or moment < newest
                    or hash_of(line[:-73] + b"}").hexdigest().encode() != entry_id
                    or (day not in good and not _valid_day(day, good))
                    or (recorded_day not in good and not _valid_day(recorded_day, good))
                    or (key is not None and not key_ok(key.decode()))):
                return None
        else:
            try:
                fields = parse_fields(line)
                decode(line, f"{path}:{number}")
            except (ValueError, ProjectError):
                return None
            if (not id_matches(line) or fields.get("prev") != prev.decode()
                    or fields.get("seq") != number or fields.get("writer") != writer
                    or fields["recorded_at"].encode() < newest):
                return None
            moment = fields["recorded_at"].encode()
        newest = moment  # recorded_at never decreases along a feed
        prev = hash_of(line).hexdigest().encode()
    if end < size:
        return len(lines), Break(path, first + len(lines), f"torn last line ({size - end} "
                                 "bytes of an interrupted write) — run `mibtrack repair`",
                                 torn=True)
    return len(lines), None


def _fast_chain_job(job: tuple[Path, str]) -> tuple[int, object] | None:
    return fast_chain(*job)


def fast_chains(jobs: list[tuple[Path, str]]) -> list[tuple[int, object] | None]:
    """`fast_chain` of each (path, writer); large ledgers are checked by two processes."""
    total = 0
    for path, _ in jobs:
        try:
            total += path.stat().st_size
        except OSError:
            pass
    if len(jobs) < 2 or total < (16 << 20):
        return [fast_chain(*job) for job in jobs]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(_fast_chain_job, jobs))


#: A line's key field: `"key":"…"` (a quote inside a JSON string is escaped, so this cannot
#: match inside text; the string's body unrolled: one class run at a time). Keys are
#: compared as written: the encoder writes one spelling.
_KEY_FIELD = re.compile(rb'"key"[ \t]*:[ \t]*("[^"\\\n]*(?:\\.[^"\\\n]*)*")')
#: Cheap test that a feed holds any key at all (a needle ending in a rare byte).
_KEY_NEEDLE = b'"key'


def _complete(view: bytes | mmap.mmap) -> int:
    """Offset after the last complete line (a torn tail is not an entry)."""
    return view.rfind(b"\n") + 1


def repeated_key_entries(paths: list[Path]) -> list[object]:
    """Every entry whose key is recorded more than once in the whole ledger (in one feed or
    across feeds), decoded: the keyed entries `DailyFold` must be given up front. One pass
    counts the keys (skipped for a feed holding none), a second decodes the lines of the
    repeated ones; a line that does not decode is left for the full read to name."""
    from collections import Counter

    counts: Counter[bytes] = Counter()
    holding = []
    for path in paths:
        with _mapped(path) as view:
            if view is None or view.find(_KEY_NEEDLE) < 0:
                continue
            holding.append(path)
            counts.update(m[1] for m in _KEY_FIELD.finditer(view, 0, _complete(view)))
    repeated = {key for key, count in counts.items() if count > 1}
    if not repeated:
        return []
    found: list[object] = []
    for path in holding:
        with _mapped(path) as view:
            if view is None:
                continue
            for match in _KEY_FIELD.finditer(view, 0, _complete(view)):
                if match[1] in repeated:
                    first = view.rfind(b"\n", 0, match.start()) + 1
                    last = view.find(b"\n", match.end())
                    try:
                        found.append(decode(view[first:last], str(path)))
                    except ProjectError:
                        pass
    return found


#: Above this many keyed lines appended since a cache was saved, the cache is not updated
#: (a full read finds repeated keys in one pass): each is otherwise searched for in every feed.
KEYS_SEARCHED = 32


def keys_recorded_elsewhere(paths: list[Path], ranges: dict[Path, int]) -> tuple[bool | None, int]:
    """Is a key of the lines appended since `ranges` (path → offset read up to) recorded
    anywhere else in the ledger? (None: too many keys were appended to tell cheaply), and
    how many keyed lines were appended. Each appended key is searched for as written."""
    appended: list[bytes] = []
    for path, start in ranges.items():
        with _mapped(path) as view:
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
        with _mapped(path) as view:
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


class _mapped:  # noqa: N801 - used as a context manager like open()
    """A feed mapped read-only (None when empty or unreadable), under a shared lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = None
        self.view = None
        self.lock = None

    def __enter__(self) -> mmap.mmap | None:
        from ..snapshot import steady

        try:
            self.handle = open(self.path, "rb")  # noqa: SIM115
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
