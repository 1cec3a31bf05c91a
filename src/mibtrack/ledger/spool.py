"""The drafts of an import, kept on disk while the file is checked: memory flat in its rows.

An import of a million rows held a million draft dicts (730 bytes a row) and then their
million lines (twice). Here each good row's draft is written to an unnamed temporary file
as one JSON line, and memory keeps 33 bytes a row: where its draft is, its line in the
file, its key's hash, and whether it is to be written. Keys are compared exactly, by
reading back the drafts whose key hashes are equal.
"""

from __future__ import annotations

import os
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from typing import Any

import msgspec

from ..errors import ProjectError

_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.Decoder(dict[str, str]).decode

#: What `skip` holds for a draft: written, a repeat of an earlier row of the same file
#: (same key, same content), or already in the ledger (same key, same content).
KEEP, REPEAT, RECORDED = 0, 1, 2


class Drafts:
    """Good rows of one import, in file order, each with a key (given or derived)."""

    def __init__(self) -> None:
        try:
            self._file = tempfile.TemporaryFile()
        except OSError as exc:
            raise _no_room(exc) from None
        self._offsets = array("q", [0])
        self.lines = array("q")  # each draft's line in the imported file
        self._hashes = array("q")
        self.skip = bytearray()
        #: Drafts that mark a milestone done (checked against the ledger's fold).
        self.done: list[int] = []
        self._order: array[int] | None = None
        self._sorted: array[int] | None = None
        self._members = SortedHashes(array("q"))

    def add(self, line: int, draft: dict[str, str]) -> None:
        """Keep a good row's draft (every value text, a `key` among them)."""
        data = _encode(draft) + b"\n"
        try:
            self._file.write(data)
        except OSError as exc:
            raise _no_room(exc) from None
        self._offsets.append(self._offsets[-1] + len(data))
        self.lines.append(line)
        self._hashes.append(hash(draft["key"]))
        self.skip.append(KEEP)
        if draft["type"] == "milestone" and draft.get("status") == "done":
            self.done.append(len(self.lines) - 1)
        self._order = self._sorted = None

    def __len__(self) -> int:
        return len(self.lines)

    def draft(self, index: int) -> dict[str, str]:
        start, end = self._offsets[index], self._offsets[index + 1]
        try:
            self._file.flush()
            return _decode(os.pread(self._file.fileno(), end - start, start))
        except OSError as exc:
            raise _no_room(exc) from None

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(index, draft) of every draft, in file order, read in one pass."""
        try:
            self._file.flush()
            self._file.seek(0)
            for index, raw in enumerate(self._file):
                yield index, _decode(raw)
        except OSError as exc:
            raise _no_room(exc) from None

    def kept(self) -> Iterator[dict[str, str]]:
        """The drafts to write, in file order."""
        skip = self.skip
        return (draft for index, draft in self if not skip[index])

    @property
    def kept_count(self) -> int:
        return len(self.skip) - self.skip.count(REPEAT) - self.skip.count(RECORDED)

    def _index(self) -> tuple[array[int], array[int]]:
        """The drafts' indices in the order of their key hashes, and those hashes."""
        if self._order is None or self._sorted is None:
            hashes = self._hashes
            self._order = array("q", sorted(range(len(hashes)), key=hashes.__getitem__))
            self._sorted = array("q", (hashes[i] for i in self._order))
            self._members = SortedHashes(self._sorted)
        return self._order, self._sorted

    def same_key(self) -> Iterator[list[tuple[int, dict[str, str]]]]:
        """Groups of two or more drafts with one key, each in file order."""
        order, hashes = self._index()
        start = 0
        while start < len(order):
            end = start + 1
            while end < len(order) and hashes[end] == hashes[start]:
                end += 1
            if end - start > 1:
                by_key: dict[str, list[tuple[int, dict[str, str]]]] = {}
                for index in sorted(order[start:end]):
                    draft = self.draft(index)
                    by_key.setdefault(draft["key"], []).append((index, draft))
                yield from (group for group in by_key.values() if len(group) > 1)
            start = end

    def find(self, key: str) -> tuple[int, dict[str, str]] | None:
        """The first draft (in file order) holding `key`, or None."""
        order, hashes = self._index()
        h = hash(key)
        at = bisect_left(hashes, h)
        found = []
        while at < len(hashes) and hashes[at] == h:
            found.append(order[at])
            at += 1
        for index in sorted(found):
            draft = self.draft(index)
            if draft["key"] == key:
                return index, draft
        return None

    @property
    def hashes(self) -> SortedHashes:
        """The drafts' key hashes, to test a hash against."""
        self._index()
        return self._members

    def wants(self, key: str) -> bool:
        """Might a draft hold `key`? (False is certain; True is checked with `find`.)"""
        return hash(key) in self.hashes

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> Drafts:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _no_room(exc: OSError) -> ProjectError:
    return ProjectError(f"{tempfile.gettempdir()}: cannot keep the rows being checked in a "
                        f"temporary file ({exc.strerror or exc}); nothing was imported",
                        "free some space there, or set TMPDIR to a folder with room, then "
                        "run again")


class SortedHashes:
    """Membership in a sorted array of hashes (a set of a million ints costs 60 MB)."""

    __slots__ = ("values",)

    def __init__(self, values: array[int]) -> None:
        self.values = values

    def __contains__(self, h: object) -> bool:
        values = self.values
        at = bisect_left(values, h)  # type: ignore[call-overload]
        return at < len(values) and bool(values[at] == h)
