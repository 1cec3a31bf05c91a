"""An import of many rows is held on disk, not in memory (`ledger.spool.Drafts`, the
batch's lines in `feed.Batch`), and journaled compactly. Each fast path is held here to
the definition it replaces: `Ledger.append` of a list (keys already recorded, refused
conflicts), the rows' own key rule (the first of a key kept, a repeat counted, other
content refused), and a batch kept in memory."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import mibtrack.ledger.feed as feeds
from mibtrack.errors import UsageError
from mibtrack.ledger import Ledger, draft
from mibtrack.ledger.spool import KEEP, RECORDED, REPEAT, Drafts
from support import begin_batch

NOW = dt.datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=dt.UTC)


def obs(value: str, day: str = "2025-01-01", **extra: str) -> dict:
    return draft("observation", as_of=dt.date.fromisoformat(day), metric="jobs",
                 value=Decimal(value), **extra)


def _ledger(root: Path) -> Ledger:
    (root / "ledger").mkdir(parents=True)
    return Ledger(root / "ledger")


def _drafts(rows: list[dict]) -> Drafts:
    drafts = Drafts()
    for line, row in enumerate(rows, start=2):
        drafts.add(line, row)
    return drafts


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeds, "utc_now", lambda: NOW)


# ----------------------------------------------------------------- the batch, in pieces

def test_a_batch_spilled_to_disk_is_byte_for_byte_the_batch_in_memory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [obs(str(i), key=f"k{i}", note="é" * (i % 7)) for i in range(200)]
    in_memory = _ledger(tmp_path / "a")
    entries = in_memory.append("alice", rows)
    monkeypatch.setattr(feeds, "SPILL_BYTES", 1000)  # ~3 lines: the temporary file is used
    spilled = _ledger(tmp_path / "b")
    with _drafts(rows) as drafts:
        written = spilled.import_drafts("alice", drafts)
    assert (spilled.root / "alice.jsonl").read_bytes() == \
        (in_memory.root / "alice.jsonl").read_bytes()
    assert (written.count, written.first, written.last) == \
        (200, entries[0].entry.id, entries[-1].entry.id)
    assert not list(spilled.root.glob("*.pending"))  # the journal went with the batch


def test_the_journal_of_a_batch_of_300000_lines_is_read_back(tmp_path: Path) -> None:
    """The first journal format was cut at 16 MB when read (~245,000 lines): an import of
    more rows cut short by a crash was not set aside. The journal now holds 32 bytes a
    line after its claims."""
    feed = tmp_path / "alice.jsonl"
    feed.write_bytes(b"")
    batch = b"".join(b'{"line":%d}\n' % i for i in range(300_000))
    begin_batch(feed, 0, batch)
    journal = feeds.read_journal(feed)
    assert isinstance(journal, dict), journal
    assert len(journal["lines"]) == 32 * 300_000
    assert journal["lines"][:32] == hashlib.sha256(b'{"line":0}').digest()
    cut = batch[:batch.index(b"\n", 1_000_000) + 1]  # the crash came after whole lines
    assert feeds.journal_claims(feed, journal, cut) is None  # honoured: set aside
    assert feeds.without_unfinished_batch(feed, cut) == b""
    other = cut.replace(b'{"line":7}', b'{"line":8}')  # not its batch: not honoured
    assert feeds.journal_claims(feed, journal, other) == "the lines after it are not its batch"
    assert feeds.journal_claims(feed, journal, batch) == "the batch it names is complete"


def test_a_journal_in_the_first_format_is_still_honoured(tmp_path: Path) -> None:
    """A crash under the previous version leaves its journal: the new one still reads it."""
    from mibtrack.usersecret import tag

    feed = tmp_path / "alice.jsonl"
    lines = [b'{"a":1}\n', b'{"a":2}\n', b'{"a":3}\n']
    body = {"size": 0, "length": sum(map(len, lines)),
            "sha256": hashlib.sha256(b"".join(lines)).hexdigest(),
            "lines": [hashlib.sha256(line[:-1]).hexdigest() for line in lines]}
    mac = tag(*feeds._journal_tag_parts(feed, body, b"mibtrack batch journal 1"))
    assert mac is not None
    feeds.pending_path(feed).write_bytes(json.dumps({**body, "tag": mac}).encode())
    assert feeds.without_unfinished_batch(feed, lines[0] + lines[1]) == b""
    forged = {**body, "tag": "0" * 64}
    feeds.pending_path(feed).write_bytes(json.dumps(forged).encode())
    assert feeds.without_unfinished_batch(feed, lines[0]) == lines[0]


def test_a_journal_whose_digests_were_changed_is_not_honoured(tmp_path: Path) -> None:
    feed = tmp_path / "alice.jsonl"
    batch = b'{"a":1}\n{"a":2}\n{"a":3}\n'
    begin_batch(feed, 0, batch)
    journal = feeds.pending_path(feed)
    data = bytearray(journal.read_bytes())
    data[-1] ^= 1  # a digest after the authenticated claims
    journal.write_bytes(bytes(data))
    assert "do not match" in str(feeds.read_journal(feed))
    assert feeds.without_unfinished_batch(feed, batch[:8]) == batch[:8]


# ------------------------------------------------- the rows' keys, held to the definition

def _definition(rows: list[dict]) -> tuple[list[int], int, list[tuple[int, int]]]:
    """The rule as `import` first stated it, one dict of keys: (rows kept, repeats,
    (line, line of the first) of each row whose key is on an earlier row with other
    content)."""
    seen: dict[str, tuple[int, dict]] = {}
    kept, repeats, conflicts = [], 0, []
    for line, row in enumerate(rows, start=2):
        if row["key"] in seen:
            first_line, first = seen[row["key"]]
            if first != row:
                conflicts.append((line, first_line))
            else:
                repeats += 1
            continue
        seen[row["key"]] = (line, row)
        kept.append(line)
    return kept, repeats, conflicts


_ROW = st.builds(lambda key, value, day: obs(str(value), f"2025-01-{day:02d}", key=key),
                 st.sampled_from(["a", "b", "c", "d", "é", "k" * 200]),
                 st.integers(0, 3), st.integers(1, 3))


@settings(max_examples=150, deadline=None)
@given(st.lists(_ROW, max_size=25))
def test_rows_sharing_a_key_are_judged_as_the_definition_judges_them(rows: list[dict]) -> None:
    from mibtrack.csvio import ImportPlan, _same_key

    plan = ImportPlan("f.csv", ",", ("metric", "value", "date", "key"))
    for line, row in enumerate(rows, start=2):
        plan.drafts.add(line, row)
    with plan.drafts:
        _same_key(plan)
        kept, repeats, conflicts = _definition(rows)
        drafts = plan.drafts
        assert plan.repeats == repeats
        assert sorted((p.line, int(p.message.split("line ")[1].split()[0]))
                      for p in plan.problems) == sorted(conflicts)
        conflicted = {line for line, _ in conflicts}
        assert [drafts.lines[i] for i in range(len(drafts))
                if drafts.skip[i] == KEEP and drafts.lines[i] not in conflicted] == kept
        assert all(s in (KEEP, REPEAT) for s in drafts.skip)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(recorded=st.lists(_ROW, max_size=8), rows=st.lists(_ROW, max_size=12))
def test_an_import_records_what_append_records_or_refuses_what_it_refuses(
        tmp_path_factory: pytest.TempPathFactory, recorded: list[dict],
        rows: list[dict]) -> None:
    """The same ledger (keys recorded by two writers), the same rows without repeats: the
    import writes the lines `Ledger.append` writes, or refuses the same key."""
    unique = list({row["key"]: row for row in reversed(rows)}.values())[::-1]
    results = []
    for way in ("append", "import"):
        ledger = _ledger(tmp_path_factory.mktemp(way))
        for i, row in enumerate(recorded):
            try:
                ledger.append("bob" if i % 2 else "carol", [row])
            except UsageError:
                pass  # a key recorded with other content: not recorded twice
        try:
            if way == "append":
                ledger.append("alice", unique)
            else:
                with _drafts(unique) as drafts:
                    ledger.import_drafts("alice", drafts)
                    assert all(s in (KEEP, RECORDED) for s in drafts.skip)
        except UsageError as exc:
            results.append(("refused", exc.kind, exc.key))
            continue
        feed = ledger.root / "alice.jsonl"
        results.append(("written", feed.read_bytes() if feed.exists() else b""))
    assert results[0] == results[1]


def test_a_key_recorded_with_other_content_names_the_files_line(cli, project: Path,
                                                                  tmp_path: Path) -> None:
    cli("record", "jobs", "40", "--date", "2025-03-31", "--key", "q1")
    path = tmp_path / "rows.csv"
    path.write_text("metric,value,date,key\n" + "".join(
        f"jobs,{i},2025-01-01,k{i}\n" for i in range(500)) + "jobs,41,2025-03-31,q1\n",
                    encoding="utf-8")
    before = list((project / "ledger").iterdir())
    result = cli("import", str(path))
    assert result.code == 2
    assert result.err.startswith(f"mibtrack: {path}:502: column key: key 'q1' was already "
                                 "recorded with other content (entry ")
    assert "tester.jsonl line 1)" in result.err
    assert sorted(p.name for p in (project / "ledger").iterdir()) == sorted(
        p.name for p in before)
    dry = cli("import", str(path), "--dry-run")
    assert dry.code == 2 and dry.err == result.err


def _enospc(*args, **kwargs):
    raise OSError(28, "No space left on device")


def test_no_room_for_the_checked_rows_is_one_line_and_nothing_written(
        cli, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from support import ledger_digest

    path = tmp_path / "rows.csv"
    path.write_text("metric,value,date\njobs,4,2025-01-01\n", encoding="utf-8")
    before = ledger_digest(project)
    monkeypatch.setattr("tempfile.TemporaryFile", _enospc)
    result = cli("import", str(path))
    assert result.code == 3
    assert result.err.count("\n") == 1 and "No space left on device" in result.err
    assert "nothing was imported" in result.err and "TMPDIR" in result.err
    assert ledger_digest(project) == before


def test_no_room_for_a_big_batch_leaves_the_feed_as_it_was(
        cli, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from support import ledger_digest

    cli("record", "jobs", "1", "--date", "2025-01-01")
    path = tmp_path / "rows.csv"
    path.write_text("metric,value,date\n" + "".join(
        f"jobs,{i},2025-01-02\n" for i in range(50)), encoding="utf-8")
    before = ledger_digest(project)
    real = __import__("tempfile").TemporaryFile
    monkeypatch.setattr(feeds, "SPILL_BYTES", 1000)  # the batch spills after a few lines
    monkeypatch.setattr("tempfile.TemporaryFile",
                        lambda *a, **k: _enospc() if k.get("dir") else real(*a, **k))
    result = cli("import", str(path))
    assert result.code == 3 and result.err.count("\n") == 1
    assert "cannot hold the batch being written" in result.err
    assert ledger_digest(project) == before
    assert not list((project / "ledger").glob("*.pending"))
