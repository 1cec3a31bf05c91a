"""The fast line check (`ledger.scan`) accepts and refuses exactly what `decode` does."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mibtrack.compute.daily import DailyFold
from mibtrack.errors import ProjectError
from mibtrack.ledger.codec import GENESIS, decode, encode, sha256
from mibtrack.ledger.scan import scan


def _feed(count: int) -> list[bytes]:
    lines, prev = [], GENESIS
    for seq in range(1, count + 1):
        line = encode({"v": 1, "seq": seq, "type": "observation", "writer": "w",
                       "recorded_at": f"2024-01-01T00:00:{seq % 60:02d}.000000Z",
                       "as_of": "2024-01-02", "metric": "m", "value": f"{seq}.5",
                       "prev": prev})
        lines.append(line)
        prev = sha256(line[:-1])
    return lines


def _fold(path: Path, data: bytes) -> DailyFold:
    fold = DailyFold({"m": "sum"})
    scan(path, data, fold.observe_rows, fold.add)
    return fold


def test_sums_match_and_lines_are_counted(tmp_path: Path) -> None:
    lines = _feed(50)
    fold = DailyFold({"m": "sum"})
    found = scan(tmp_path / "w.jsonl", b"".join(lines), fold.observe_rows, fold.add)
    assert found.lines == 50 and found.torn_at is None
    assert fold.sums["m"]["2024-01-02"] == sum(seq * 1_000_000 + 500_000 for seq in range(1, 51))


@pytest.mark.parametrize("field", ["prev", "id"])
@pytest.mark.parametrize("bad", ["A", "g", "é", " "])
def test_prev_and_id_must_be_lowercase_hex(tmp_path: Path, field: str, bad: str) -> None:
    """prev and id are matched loosely and checked a batch at a time: a bad one is still
    refused with decode's own message, on its own line."""
    lines = _feed(40)
    line = lines[29].decode()
    at = line.index(f'"{field}":"') + len(field) + 4
    lines[29] = (line[:at] + bad + line[at + 1:]).encode()
    path = tmp_path / "w.jsonl"
    with pytest.raises(ProjectError) as caught:
        decode(lines[29][:-1], f"{path}:30")
    with pytest.raises(ProjectError) as scanned:
        _fold(path, b"".join(lines))
    assert scanned.value.message == caught.value.message


def test_readers_tell_the_progress_hook_every_byte_they_read(tmp_path: Path) -> None:
    """Each slice a reader takes is told to `scan.progress` (what the CLI's bar shows): a
    feed of 3 lines is told its 3 lines' bytes, once by `scan`, once by `verify`."""
    from mibtrack.ledger import Ledger
    from mibtrack.ledger import scan as scan_module

    folder = tmp_path / "ledger"
    folder.mkdir()
    prev, data = GENESIS, b""
    for seq in (1, 2, 3):
        line = encode({"v": 1, "seq": seq, "type": "observation", "writer": "w",
                       "recorded_at": "2025-01-01T00:00:00.000000Z", "as_of": "2025-01-01",
                       "metric": "m", "value": str(seq), "prev": prev})
        prev = sha256(line[:-1])
        data += line
    (folder / "w.jsonl").write_bytes(data + b'{"torn')  # a torn tail is not read
    told: list[int] = []
    scan_module.progress = told.append
    try:
        scan_module.scan(folder / "w.jsonl", data, lambda rows: None, lambda entry: None)
        assert sum(told) == len(data)
        told.clear()
        Ledger(folder).verify()
        assert sum(told) == len(data)
    finally:
        scan_module.progress = None


def test_a_fold_with_a_whole_second_moment_reads_back_from_its_state() -> None:
    """pydantic dumps 10:07:00.000000Z as 10:07:00Z, which the ledger's strict moment
    refuses: the cached fold must keep the ledger's form, or the cache never loads."""
    line = encode({"v": 1, "seq": 1, "type": "note", "writer": "w", "objective": "launch",
                   "recorded_at": "2026-11-01T10:07:00.000000Z", "as_of": "2026-11-01",
                   "note": "board", "prev": GENESIS})
    fold = DailyFold({"m": "sum"})
    fold.add(decode(line[:-1], "w.jsonl:1"))
    again = DailyFold.from_state(fold.to_state())
    assert again.others == fold.others


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300), st.integers(0, 320), st.sampled_from([b"ab", b"abc", b"a"]),
       st.integers(1, 40))
def test_the_released_search_finds_what_find_finds(body, start, needle, slice_size) -> None:
    """`find_released` searches a slice at a time (giving pages back): it must find exactly
    what one `find` over the whole mapping finds, a needle across a slice boundary too."""
    import mmap
    import tempfile

    from mibtrack.ledger import scan as scan_module

    data = body + b"zz"  # never empty (a mapping cannot be)
    with tempfile.TemporaryFile() as handle:
        handle.write(data)
        handle.flush()
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
            saved, scan_module.SLICE = scan_module.SLICE, slice_size
            try:
                assert scan_module.find_released(view, needle, start) == data.find(needle, start)
            finally:
                scan_module.SLICE = saved
