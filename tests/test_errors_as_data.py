"""Errors are data: what a message names (file, line, key, entries, the kind of problem) is
also a field, and the hints and line numbers the CLI adds come from those fields."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from mibtrack.errors import ProjectError, UsageError
from mibtrack.ledger import Ledger, draft
from mibtrack.ledger.codec import decode


def obs(value: str, **extra: str) -> dict:
    return draft("observation", as_of=dt.date(2025, 1, 1), metric="jobs",
                 value=Decimal(value), **extra)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    (tmp_path / "ledger").mkdir()
    return Ledger(tmp_path / "ledger")


def test_a_key_recorded_with_other_content_names_the_key_and_the_entry(ledger: Ledger) -> None:
    [first] = ledger.append("alice", [obs("5", key="hr: 'q1'")])
    with pytest.raises(UsageError) as caught:
        ledger.append("alice", [obs("6", key="hr: 'q1'")])
    assert (caught.value.kind, caught.value.key, caught.value.ids) == (
        "key-conflict", "hr: 'q1'", (first.entry.id,))
    with pytest.raises(UsageError) as twice:
        ledger.append("alice", [obs("7", key="k"), obs("8", key="k")])
    assert (twice.value.kind, twice.value.key) == ("key-conflict", "k")


def test_an_invalid_entry_gives_its_problem_apart_from_its_place() -> None:
    # The place may itself hold ": " (a folder name): the problem is a field, not a split.
    with pytest.raises(ProjectError) as caught:
        decode(b'{"v":1,"type":"observation"}', "a: b/alice.jsonl:3")
    error = caught.value
    assert error.kind == "invalid-entry"
    assert error.message == f"a: b/alice.jsonl:3: invalid ledger entry: {error.detail}"
    assert not error.detail.startswith("a: b")


def test_each_break_says_its_kind(ledger: Ledger) -> None:
    ledger.append("alice", [obs("1"), obs("2")])
    path = ledger.root / "alice.jsonl"
    good = path.read_bytes()
    path.write_bytes(good + b'{"v":1,"seq":3')
    [torn] = ledger.verify()
    assert (torn.problem.kind, torn.problem.line) == ("torn", 3)
    first, second = good.splitlines(keepends=True)
    path.write_bytes(first + second + second.replace(b'"seq":2', b'"seq":3'))
    [changed] = ledger.verify()
    assert changed.problem.kind == "chain" and changed.problem.line == 3
    path.write_bytes(first + b"<<<<<<< HEAD\n" + second)
    [marker] = ledger.verify()
    assert (marker.problem.kind, marker.problem.line) == ("conflict-marker", 2)


def test_an_import_key_conflict_is_pointed_at_its_csv_line(cli, project: Path) -> None:
    assert cli("record", "jobs", "5", "--date", "2025-01-01", "--key", "it's: q1").code == 0
    csv = project / "rows.csv"
    csv.write_text("metric,value,date,key\njobs,6,2025-01-02,other\n"
                   "jobs,7,2025-01-01,it's: q1\n", encoding="utf-8")
    for extra in ((), ("--dry-run",)):
        result = cli("import", str(csv), *extra)
        assert result.code == 2
        assert result.err.startswith(f"mibtrack: {csv}:3: column key: key \"it's: q1\" was "
                                     "already recorded with other content"), result.err
