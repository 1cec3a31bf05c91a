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


# --- the key index gathered while a chain is checked -------------------------------------

_KEYS = st.sampled_from(["k1", "k2", 'say "hi"', "back\\slash", "été", "k1 ", None])


def _keyed_feeds(root: Path, feeds: list[list[tuple[str | None, bool]]],
                 values: list[str] | None = None) -> list[Path]:
    """One feed per list, each row (key, a note rather than an observation), written by
    mibtrack's own appender (which, unlike `Ledger.append`, lets one key be recorded twice:
    what two clones merged by git hold)."""
    from mibtrack.ledger import draft
    from mibtrack.ledger.feed import append
    from mibtrack.values import parse_date, parse_value

    root.mkdir()
    paths = []
    for n, rows in enumerate(feeds):
        path = root / f"w{n}.jsonl"
        path.touch()
        if rows:
            append(path, f"w{n}", [
                draft("note", as_of=parse_date("2025-01-01"), objective="o", note="n", key=key)
                if note else
                draft("observation", as_of=parse_date("2025-01-02"), metric="m",
                      value=parse_value(values[i % len(values)] if values else str(i)),
                      key=key)
                for i, (key, note) in enumerate(rows)])
        paths.append(path)
    return paths


def _repeated_by_definition(paths: list[Path]) -> list[str]:
    """The ids of every entry whose key is recorded more than once, by decoding every line."""
    from collections import Counter

    entries = [decode(line, str(path)) for path in paths
               for line in path.read_bytes().splitlines()]
    counts = Counter(e.key for e in entries if e.key is not None)
    return [e.id for e in entries if e.key is not None and counts[e.key] > 1]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.tuples(_KEYS, st.booleans()), max_size=12), min_size=1, max_size=3))
def test_repeated_keys_from_the_chain_check_equal_those_found_by_decoding_every_line(
        feeds: list[list[tuple[str | None, bool]]]) -> None:
    import tempfile

    from mibtrack.ledger import scan as scan_module

    with tempfile.TemporaryDirectory() as scratch:
        paths = _keyed_feeds(Path(scratch) / "ledger", feeds)
        expected = _repeated_by_definition(paths)
        scan_module._KEYS_SEEN.clear()  # no chain checked: the keys are searched for
        searched = [e.id for e in scan_module.keyed_facts(paths, None).entries]
        checked = [scan_module.fast_chain(p, p.stem) for p in paths]
        assert all(c is not None for c in checked)
        assert set(scan_module._KEYS_SEEN) == set(paths)
        indexed = [e.id for e in scan_module.keyed_facts(paths, None).entries]
        assert searched == indexed == expected


def test_a_feed_changed_since_its_chain_was_checked_has_its_keys_searched_again(
        tmp_path: Path) -> None:
    from mibtrack.ledger import scan as scan_module

    paths = _keyed_feeds(tmp_path / "ledger", [[("a", False)], [("b", False)]])
    assert [scan_module.fast_chain(p, p.stem) for p in paths] == [(1, None), (1, None)]
    assert scan_module.keyed_facts(paths, None).entries == []
    other = _keyed_feeds(tmp_path / "other", [[("b", False)]])[0]
    paths[0].write_bytes(other.read_bytes())  # w0's feed, now with key "b" (a new stat)
    assert len(_repeated_by_definition(paths)) == 2
    assert len(scan_module.keyed_facts(paths, None).entries) == 2


def _chained(count: int, tmp_path: Path) -> Path:
    return _keyed_feeds(tmp_path / "ledger", [[(f"k{i % 7}", i % 11 == 0)
                                               for i in range(count)]])[0]


def test_a_big_feed_checked_in_pieces_by_two_processes_equals_one_check(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each piece starts at a line, counts the lines before it and trusts the line before
    (which the piece before checks): the count, the torn tail and the key index are the
    whole feed's."""
    from mibtrack.ledger import scan as scan_module

    path = _chained(300, tmp_path)
    whole = scan_module.fast_chain(path, "w0")
    assert whole == (300, None)
    one = sorted(zip(*(list(a) for a in (*scan_module._KEYS_SEEN[path][1].hashes,
                                          *scan_module._KEYS_SEEN[path][1].offsets)),
                     strict=False))
    monkeypatch.setattr(scan_module, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(scan_module, "PIECE", path.stat().st_size // 7)
    assert len(scan_module._pieces(path, path.stat().st_size, 7)) == 7
    scan_module._KEYS_SEEN.clear()
    assert scan_module.fast_chains([(path, "w0")]) == [whole]
    index = scan_module._KEYS_SEEN[path][1]
    pieces = sorted(zip(*(list(a) for a in (*index.hashes, *index.offsets)), strict=False))
    assert pieces == one
    assert sorted(sum(map(list, index.offsets), [])) == [
        at for at in range(path.stat().st_size)
        if at == 0 or path.read_bytes()[at - 1:at] == b"\n"]  # every line has a key

    with path.open("ab") as out:
        out.write(b'{"v":1,"seq":301')  # an interrupted write
    [torn] = scan_module.fast_chains([(path, "w0")])
    assert torn is not None and torn[0] == 300
    assert torn[1] == scan_module.fast_chain(path, "w0")[1]


@pytest.mark.parametrize("line", [1, 150, 299])
def test_a_broken_line_in_any_piece_is_a_doubt_for_check_chain(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, line: int) -> None:
    from mibtrack.ledger import scan as scan_module
    from mibtrack.ledger.feed import check_chain

    path = _chained(300, tmp_path)
    lines = path.read_bytes().splitlines(keepends=True)
    assert b'"key":"k' in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(b'"key":"k', b'"key":"x', 1)  # the id no longer fits
    path.write_bytes(b"".join(lines))
    monkeypatch.setattr(scan_module, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(scan_module, "PIECE", path.stat().st_size // 5)
    assert scan_module.fast_chains([(path, "w0")]) == [None]
    assert check_chain(path, "w0")[1].line == line


def test_only_the_parent_tells_the_progress_when_readers_are_forked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Forked readers inherit the parent's progress hook (its bar): each would start its own
    copy and draw over the parent's. Their pool starts them silent; the parent tells every
    byte as each piece comes back, exactly once: checked here by the process that is told."""
    import os

    from mibtrack.ledger import scan as scan_module

    path = _chained(300, tmp_path)
    monkeypatch.setattr(scan_module, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(scan_module, "PIECE", path.stat().st_size // 4)
    log = tmp_path / "told"

    def told(size: int) -> None:
        with log.open("a") as out:  # a file, so a forked child's call is seen too
            out.write(f"{os.getpid()} {size}\n")

    monkeypatch.setattr(scan_module, "progress", told)
    assert scan_module.fast_chains([(path, "w0")]) == [(300, None)]
    calls = [line.split() for line in log.read_text().splitlines()]
    assert {pid for pid, _ in calls} == {str(os.getpid())}
    assert sum(int(size) for _, size in calls) == path.stat().st_size


_TEXTS = st.sampled_from(["plain", '"sig":"x"', '"type":"plan"', '"evidence":"a.pdf"',
                          '"target_entry"', "été"])
_ROWS = st.lists(st.tuples(st.sampled_from(["observation", "note", "void", "signed"]),
                           _TEXTS), max_size=10)


@settings(max_examples=60, deadline=None)
@given(feeds=st.lists(_ROWS, min_size=1, max_size=3),
       tail=st.sampled_from([b"", b'{"v":1,"sig":"', b'{"type":"plan"', b"torn"]),
       pieces=st.booleans())
def test_what_the_chain_check_notes_a_feed_holds_is_what_a_byte_search_finds(
        feeds: list[list[tuple[str, str]]], tail: bytes, pieces: bool) -> None:
    """`lacks` answers from the chain check's note while the feed is unchanged: the same
    answer as searching the feed's bytes (user text cannot fake a field: its quotes are
    escaped; a torn tail is searched too)."""
    import mmap
    import os
    import tempfile

    from mibtrack.ledger import draft
    from mibtrack.ledger import scan as scan_module
    from mibtrack.ledger.feed import append
    from mibtrack.values import parse_date, parse_value

    day = parse_date("2025-01-01")
    with tempfile.TemporaryDirectory() as scratch:
        paths = []
        for n, rows in enumerate(feeds):
            path = Path(scratch) / f"w{n}.jsonl"
            path.touch()
            for kind, text in rows:
                made = {"observation": draft("observation", as_of=day, metric="m",
                                             value=parse_value("1"), source=text),
                        "signed": draft("observation", as_of=day, metric="m",
                                        value=parse_value("2")),
                        "note": draft("note", as_of=day, objective="o", note=text),
                        "void": draft("void", as_of=day, target_entry="a" * 64,
                                      reason=text)}[kind]
                append(path, f"w{n}", [made],
                       sign=(lambda body: "QUJD") if kind == "signed" else None)
            with path.open("ab") as out:
                out.write(tail)
            paths.append(path)
        scan_module._KEYS_SEEN.clear()
        if pieces:  # every feed in pieces, checked by two processes
            saved = scan_module.PARALLEL_BYTES, scan_module.PIECE
            scan_module.PARALLEL_BYTES, scan_module.PIECE = 0, 400
            try:
                scan_module.fast_chains([(p, p.stem) for p in paths])
            finally:
                scan_module.PARALLEL_BYTES, scan_module.PIECE = saved
        else:
            for path in paths:
                scan_module.fast_chain(path, path.stem)
        for path in paths:
            assert scan_module._KEYS_SEEN[path][1].holds is not None  # the note is used
            with path.open("rb") as handle:
                if os.fstat(handle.fileno()).st_size == 0:
                    continue
                st_ = os.fstat(handle.fileno())
                with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as view:
                    for needle in scan_module.NEEDLES:
                        assert scan_module.lacks(path, st_, view, needle) == \
                            (scan_module.find_released(view, needle, 0) < 0), needle


@settings(max_examples=40, deadline=None)
@given(st.lists(st.lists(st.tuples(_KEYS, st.booleans()), max_size=12), min_size=1, max_size=3),
       st.lists(st.sampled_from(["1", "1.5", "-2", "1000000", "0.000001"]), min_size=1,
                max_size=3),
       st.data())
def test_the_rules_of_keys_from_compact_records_equal_those_from_the_model(
        feeds: list[list[tuple[str | None, bool]]], values: list[str],
        data: st.DataObject) -> None:
    """Merged clones hold hundreds of thousands of keyed copies, read as compact records
    (`KeyedObservation`) with their own content and no amendment walk in `resolve`: the
    rules (which copies count, which conflict, what a correction or void of any copy does)
    must be those resolved from every line decoded by the model."""
    import tempfile

    from mibtrack.compute.ledger_state import known_in_order, resolve
    from mibtrack.ledger import draft
    from mibtrack.ledger import scan as scan_module
    from mibtrack.ledger.feed import append
    from mibtrack.values import parse_date, parse_value

    with tempfile.TemporaryDirectory() as scratch:
        paths = _keyed_feeds(Path(scratch) / "ledger", feeds, values)
        models = [decode(line, str(path)) for path in paths
                  for line in path.read_bytes().splitlines()]
        if models:  # an office corrects or voids some of them, whichever copy it sees
            targets = data.draw(st.lists(st.sampled_from([e.id for e in models]), max_size=4))
            office = paths[0].parent / "office.jsonl"
            office.touch()
            append(office, "office", [
                draft("void", as_of=parse_date("2025-02-01"), target_entry=target,
                      reason="twice") if n % 2 else
                draft("correction", as_of=parse_date("2025-02-01"), target_entry=target,
                      value=parse_value(str(100 + n)), reason="typo")
                for n, target in enumerate(targets)])
            amendments = [decode(line, str(office))
                          for line in office.read_bytes().splitlines()]
        else:
            amendments = []
        scan_module._KEYS_SEEN.clear()
        compact = scan_module.keyed_facts(paths, None).entries
        by_model = {e.id: e for e in models}
        assert {e.id for e in compact} == set(_repeated_by_definition(paths))
        assert resolve(known_in_order([*compact, *amendments], None)) == resolve(
            known_in_order([*(by_model[e.id] for e in compact), *amendments], None))


_ROWS = st.lists(st.tuples(st.sampled_from([f"k{n}" for n in range(12)]),
                           st.sampled_from(["1", "1.5", "-2", "1000000"]),
                           st.sampled_from([False, False, False, True])),
                 min_size=1, max_size=8)


@settings(max_examples=200, deadline=None)
@given(_ROWS, st.lists(st.lists(st.integers(0, 7), max_size=8), min_size=2, max_size=3),
       st.data())
def test_verify_lists_plain_copies_as_the_rules_list_them(
        rows: list[tuple[str, str, bool]], picks: list[list[int]], data: st.DataObject) -> None:
    """`verify` lists the copies of plain keys as it reads them, the others as `resolve`
    resolves them: the same findings, in the same order, as all of them resolved. Each
    feed imports some rows of one export (the same row in two feeds: copies; two rows with
    one key: a conflict; a note: never plain), and an office corrects or voids some."""
    import tempfile

    from mibtrack.compute.ledger_state import known_in_order, resolve
    from mibtrack.ledger import Ledger, draft
    from mibtrack.ledger import scan as scan_module
    from mibtrack.ledger.feed import append
    from mibtrack.values import parse_date, parse_value
    from mibtrack.verification import _conflict_text, _key_findings

    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "ledger"
        root.mkdir()
        for n, chosen in enumerate(picks):
            path = root / f"w{n}.jsonl"
            path.touch()
            if chosen:
                append(path, f"w{n}", [
                    draft("note", as_of=parse_date("2025-01-01"), objective="o", note=value,
                          key=key) if note else
                    draft("observation", as_of=parse_date("2025-01-02"), metric="m",
                          value=parse_value(value), key=key)
                    for key, value, note in (rows[i % len(rows)] for i in chosen)])
        paths = sorted(root.glob("*.jsonl"))
        ids = [decode(line, str(path)).id for path in paths
               for line in path.read_bytes().splitlines()]
        if ids:
            targets = data.draw(st.lists(st.sampled_from(ids), max_size=2))
            office = root / "office.jsonl"
            office.touch()
            append(office, "office", [
                draft("void", as_of=parse_date("2025-02-01"), target_entry=target,
                      reason="twice") if n % 2 else
                draft("correction", as_of=parse_date("2025-02-01"), target_entry=target,
                      value=parse_value("7"), reason="typo")
                for n, target in enumerate(targets)])
        scan_module._KEYS_SEEN.clear()
        ledger = Ledger(root)
        listed, count = _key_findings(ledger)
        assert (listed, count) == _key_findings(ledger, plain=False)
        for shown in (0, 1, 2, 3):  # what the terminal builds: the first ones, and the count
            assert _key_findings(ledger, shown=shown) == (
                tuple([f for f in listed if f.kind == "duplicate"][:shown]
                      + [f for f in listed if f.kind == "conflict"]), count)
            assert _key_findings(ledger, plain=False, shown=shown) == \
                _key_findings(ledger, shown=shown)
        # the definition's own findings: every copy resolved, in the order resolve lists them
        rules = resolve(known_in_order(
            [*scan_module.keyed_facts(paths + [root / "office.jsonl"], None).entries,
             *(e for p in sorted(root.glob("*.jsonl")) for e in
               scan_module.amendment_lines(p))], None))
        assert [(f.kind, f.key, tuple(e.id for e in f.entries), f.text) for f in listed] == [
            *(("duplicate", c.key, c.ids, c.notice()) for c in rules.duplicates),
            *(("conflict", c.key, tuple(ids[0] for ids in c.versions)) + (
                _conflict_text(c),) for c in rules.conflicts)]
        assert count == len(rules.duplicates)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.text(min_size=1, max_size=8), st.integers(0, 1 << 40)),
                max_size=60), st.integers(1, 7))
def test_a_key_index_moved_to_its_temporary_file_reads_back_as_held(
        keys: list[tuple[str, int]], spill_at: int) -> None:
    """Past SPILL_KEYS keys an index keeps them in a temporary file (ten million keyed
    lines: 160 MB otherwise); each part reads back as the index that held them all, in the
    order they were added, merged from pieces or sent to another process."""
    import pickle

    from mibtrack.ledger import scan as scan_module

    held = scan_module.KeyIndex()
    for key, at in keys:
        held.add(key, at)
    saved, scan_module.SPILL_KEYS = scan_module.SPILL_KEYS, spill_at
    try:
        spilled, merged = scan_module.KeyIndex(), scan_module.KeyIndex()
        for key, at in keys:
            spilled.add(key, at)
        half = len(keys) // 2
        for piece in (keys[:half], keys[half:]):
            one = scan_module.KeyIndex()
            for key, at in piece:
                one.add(key, at)
            merged.extend(one)
        sent = pickle.loads(pickle.dumps(spilled))
        for k in range(scan_module.PARTS):
            assert spilled.part(k) == merged.part(k) == sent.part(k) == held.part(k)
        assert (spilled._file is not None) == (len(keys) >= spill_at)
    finally:
        scan_module.SPILL_KEYS = saved


def test_repeated_keys_are_found_as_well_from_a_spilled_index_or_with_no_room_for_one(
        tmp_path: Path, monkeypatch) -> None:
    import tempfile

    from mibtrack.ledger import scan as scan_module

    paths = _keyed_feeds(tmp_path / "ledger", [
        [(f"k{i % 9}", i % 5 == 0) for i in range(40)], [(f"k{i % 4}", False) for i in range(9)]])
    expected = _repeated_by_definition(paths)
    assert len(expected) > 20
    monkeypatch.setattr(scan_module, "SPILL_KEYS", 3)
    scan_module._KEYS_SEEN.clear()
    assert [e.id for e in scan_module.keyed_facts(paths, None).entries] == expected  # searched
    assert all(scan_module.fast_chain(p, p.stem) is not None for p in paths)  # indexed
    assert scan_module._KEYS_SEEN[paths[0]][1]._file is not None
    assert [e.id for e in scan_module.keyed_facts(paths, None).entries] == expected

    def no_room(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(tempfile, "TemporaryFile", no_room)
    scan_module._KEYS_SEEN.clear()
    assert all(scan_module.fast_chain(p, p.stem) is not None for p in paths)
    assert scan_module._KEYS_SEEN[paths[0]][1]._file is None  # kept in memory instead
    assert [e.id for e in scan_module.keyed_facts(paths, None).entries] == expected
