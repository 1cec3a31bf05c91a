"""The ledger: exact stored bytes, hash chains, torn tails, quarantine, concurrent writers."""

import datetime as dt
import hashlib
import json
import multiprocessing
from decimal import Decimal
from pathlib import Path

import pytest

from mibtrack.errors import IntegrityError, ProjectError
from mibtrack.ledger import GENESIS, Ledger, draft
from mibtrack.ledger.codec import id_matches


def obs(value: str, day: str = "2025-01-01", **extra: str) -> dict:
    return draft("observation", as_of=dt.date.fromisoformat(day), metric="jobs",
                 value=Decimal(value), **extra)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    (tmp_path / "ledger").mkdir()
    return Ledger(tmp_path / "ledger")


def test_each_line_chains_to_the_exact_bytes_of_the_one_before(ledger: Ledger) -> None:
    ledger.append("alice", [obs("1"), obs("2")])
    ledger.append("alice", [obs("3")])
    lines = (ledger.root / "alice.jsonl").read_bytes().split(b"\n")[:-1]
    fields = [json.loads(line) for line in lines]
    assert [f["seq"] for f in fields] == [1, 2, 3]
    assert fields[0]["prev"] == GENESIS
    assert fields[1]["prev"] == hashlib.sha256(lines[0]).hexdigest()
    assert fields[2]["prev"] == hashlib.sha256(lines[1]).hexdigest()
    # the id is the SHA-256 of the line as written before the id
    body = lines[2][: lines[2].index(b',"id":')] + b"}"
    assert fields[2]["id"] == hashlib.sha256(body).hexdigest()
    assert all(id_matches(line) for line in lines)


def test_values_are_stored_as_exact_decimal_text(ledger: Ledger) -> None:
    [appended] = ledger.append("alice", [obs("30e6")])
    line = (ledger.root / "alice.jsonl").read_text()
    assert '"value":"30000000"' in line
    assert appended.entry.value == Decimal("30000000")


def test_feeds_merge_in_recorded_order_then_writer_then_seq(ledger: Ledger) -> None:
    ledger.append("bob", [obs("1")])
    ledger.append("alice", [obs("2")])
    ledger.append("bob", [obs("3")])
    assert [e.value for e in ledger.read().entries] == [1, 2, 3]


def test_verify_is_clean_then_catches_a_changed_byte_in_the_newest_entry(ledger: Ledger) -> None:
    ledger.append("alice", [obs("1"), obs("2")])
    assert [v.problem for v in ledger.verify()] == [None]
    path = ledger.root / "alice.jsonl"
    path.write_bytes(path.read_bytes().replace(b'"value":"2"', b'"value":"3"'))
    [verdict] = ledger.verify()
    assert verdict.problem.line == 2
    assert "do not match its id" in verdict.problem.problem


def test_verify_catches_a_deleted_line(ledger: Ledger) -> None:
    ledger.append("alice", [obs("1"), obs("2"), obs("3")])
    path = ledger.root / "alice.jsonl"
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join([lines[0], lines[2], b""]))
    [verdict] = ledger.verify()
    assert verdict.problem.line == 2
    assert "chain broken" in verdict.problem.problem


def test_a_torn_tail_never_hides_the_good_entries(ledger: Ledger) -> None:
    ledger.append("alice", [obs("1"), obs("2")])
    path = ledger.root / "alice.jsonl"
    good = path.read_bytes()
    torn = b'{"v":1,"seq":3,"type":"observ'
    path.write_bytes(good + torn)
    content = ledger.read()
    assert [e.value for e in content.entries] == [1, 2]
    assert [(t.line, t.size) for t in content.torn] == [(3, len(torn))]
    assert "torn last line" in ledger.verify()[0].problem.problem
    with pytest.raises(IntegrityError, match="torn line"):
        ledger.append("alice", [obs("3")])
    assert path.read_bytes() == good + torn, "a refused append writes nothing"


def test_repair_quarantines_the_torn_bytes_exactly_and_twice_changes_nothing(
        ledger: Ledger) -> None:
    ledger.append("alice", [obs("1")])
    path = ledger.root / "alice.jsonl"
    good = path.read_bytes()
    torn = b'{"v":1,"seq":2,"type":"observation","wri'
    path.write_bytes(good + torn)
    [moved] = ledger.repair()
    assert moved.parent == ledger.root / "quarantine"
    assert not moved.name.endswith(".jsonl")
    assert moved.read_bytes() == torn
    assert path.read_bytes() == good
    assert ledger.repair() == []
    assert path.read_bytes() == good
    ledger.append("alice", [obs("2")])
    assert [v.problem for v in ledger.verify()] == [None]


def test_an_invalid_complete_line_leaves_its_feed_out(ledger: Ledger) -> None:
    ledger.append("alice", [obs("1")])
    path = ledger.root / "alice.jsonl"
    path.write_bytes(path.read_bytes() + b'{"v":1,"value":NaN}\n')
    # verify rejects the feed, so no reading command counts it: it is left out, by line
    content = ledger.read()
    assert content.entries == []
    assert [(b.path.name, b.line) for b in content.left_out] == [("alice.jsonl", 2)]
    assert "not a ledger entry" in content.left_out[0].problem


@pytest.mark.parametrize(("line", "why"), [
    (b'{"a":1,"a":2}', "duplicate key"),
    (b'{"value":NaN}', "NaN"),
    (b'{"value":1.5}', "bare number"),
    (b"[" * 100000 + b"]" * 100000, "nested"),
    (b'{"v":1}' + b" " * (1 << 20), "over the"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_ledger_lines_are_parsed_strictly(line: bytes, why: str) -> None:
    from mibtrack.ledger.codec import decode

    with pytest.raises(ProjectError, match=why):
        decode(line, "f.jsonl:1")


def _append_many(root: str, writer: str, count: int) -> None:
    ledger = Ledger(Path(root))
    for i in range(count):
        ledger.append(writer, [obs(str(i))])


def test_several_processes_appending_to_one_feed_lose_nothing(ledger: Ledger) -> None:
    workers = [multiprocessing.get_context("fork").Process(
        target=_append_many, args=(str(ledger.root), "shared", 40)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert all(w.exitcode == 0 for w in workers)
    entries = ledger.read().entries
    assert len(entries) == 160
    assert sorted(e.seq for e in entries) == list(range(1, 161))
    assert [v.problem for v in ledger.verify()] == [None]


def test_idempotent_keys(ledger: Ledger) -> None:
    [first] = ledger.append("alice", [obs("5", key="hr-2025-q1")])
    [again] = ledger.append("bob", [obs("5", key="hr-2025-q1")])
    assert again.already and again.entry.id == first.entry.id
    assert not (ledger.root / "bob.jsonl").exists()
    from mibtrack.errors import UsageError

    with pytest.raises(UsageError, match="already recorded with other content"):
        ledger.append("alice", [obs("6", key="hr-2025-q1")])
    assert len(ledger.read().entries) == 1


def _record_keyed(root: str, key: str) -> None:
    Ledger(Path(root)).append("cron", [obs("1", key=key)])


def test_concurrent_runs_of_one_keyed_record_write_it_once(ledger: Ledger) -> None:
    """A cron job and its retry running at once must not double-count a sum."""
    context = multiprocessing.get_context("fork")
    for round_ in range(8):
        runs = [context.Process(target=_record_keyed, args=(str(ledger.root), f"k{round_}"))
                for _ in range(3)]
        for run in runs:
            run.start()
        for run in runs:
            run.join(30)
        assert all(run.exitcode == 0 for run in runs)
    assert sorted(e.key for e in ledger.read().entries) == [f"k{n}" for n in range(8)]


@pytest.mark.parametrize(("field", "value", "why"), [
    ("recorded_at", "2026-01-01T00:00:00", "must be UTC text"),
    ("recorded_at", 1700000000, "must be UTC text"),
    ("as_of", 0, "must be a date written YYYY-MM-DD"),
    ("as_of", "2025-01-01T00:00", "must be a date written YYYY-MM-DD"),
    ("seq", True, "must be a whole number"),
    ("v", True, "must be a whole number"),
])
def test_entry_fields_are_strictly_typed(field: str, value: object, why: str) -> None:
    """A naive timestamp could not be ordered with the others (it crashed `log`)."""
    from mibtrack.ledger.codec import decode

    line = {"v": 1, "seq": 1, "type": "note", "writer": "w",
            "recorded_at": "2026-01-01T00:00:00.000000Z", "as_of": "2025-01-01",
            "objective": "launch", "note": "x", "prev": GENESIS, "id": GENESIS, field: value}
    with pytest.raises(ProjectError, match=why):
        decode(json.dumps(line).encode(), "f.jsonl:1")
