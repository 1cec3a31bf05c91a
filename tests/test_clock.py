"""R2: clocks only move forward in a feed — `record` refuses a clock behind the feed (exit 2,
saying by how much), `verify` reports a recorded_at that goes back (exit 4, feed and line)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from mibtrack.ledger import encode, sha256
from mibtrack.ledger.codec import parse_fields
from support import ledger_digest


def set_clock(monkeypatch: pytest.MonkeyPatch, moment: str) -> None:
    """The writer's clock (what `recorded_at` is taken from), like faketime would set it."""
    fixed = dt.datetime.fromisoformat(moment)
    monkeypatch.setattr("mibtrack.ledger.feed.utc_now", lambda: fixed)


@pytest.mark.parametrize("command", [
    ("record", "jobs", "5", "--date", "2025-01-01"),
    ("milestone", "launch", "done", "--date", "2024-06-01"),
    ("note", "jobs", "survey late", "--date", "2025-01-01"),
])
def test_an_append_behind_the_feeds_clock_is_refused_saying_by_how_much(
        cli, project: Path, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]) -> None:
    set_clock(monkeypatch, "2026-03-01T12:00:00+00:00")
    assert cli("record", "jobs", "4", "--date", "2025-01-01").code == 0
    before = ledger_digest(project)
    # the clock set back by 1 day, 2 hours, 3 minutes and 4.5 seconds
    set_clock(monkeypatch, "2026-02-28T09:56:55.500000+00:00")
    result = cli(*command)
    assert result.code == 2
    assert result.err.strip() == (
        "mibtrack: the clock (2026-02-28T09:56:55.500000Z) is behind the newest entry "
        f"of {project / 'ledger' / 'tester.jsonl'} (2026-03-01T12:00:00.000000Z) by "
        "1 d 2 h 3 min 4.5 s — set this machine's clock right (NTP), then record again: "
        "recorded_at never goes back in a feed")
    assert ledger_digest(project) == before


def test_correct_void_and_import_are_refused_too(cli, project: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    set_clock(monkeypatch, "2026-03-01T12:00:00+00:00")
    entry = cli("record", "jobs", "4", "--date", "2025-01-01").out.strip()
    set_clock(monkeypatch, "2026-03-01T11:59:59+00:00")  # one second behind
    before = ledger_digest(project)
    csv = tmp_path / "rows.csv"
    csv.write_text("metric,value,date\njobs,7,2025-02-01\n", encoding="utf-8")
    for command in (("correct", entry, "--value", "5", "--reason", "typo"),
                    ("void", entry, "--reason", "twice"), ("import", str(csv))):
        result = cli(*command)
        assert result.code == 2, command
        assert "behind the newest entry" in result.err and "by 1 s —" in result.err
    assert ledger_digest(project) == before


def test_the_same_moment_again_is_not_going_back(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    set_clock(monkeypatch, "2026-03-01T12:00:00+00:00")
    assert cli("record", "jobs", "4", "--date", "2025-01-01").code == 0
    assert cli("record", "jobs", "5", "--date", "2025-01-01").code == 0
    assert cli("verify").code == 0


def rewrite_moment(feed: Path, line_number: int, moment: str) -> None:
    """Set one line's recorded_at and re-hash the chain from there, as a forger (or a copy
    of entries written by a wrong clock) would: only the clock rule can see it."""
    lines = feed.read_bytes().split(b"\n")[:-1]
    out, prev = [], "0" * 64
    for number, line in enumerate(lines, start=1):
        fields = parse_fields(line)
        fields.pop("id")
        fields["prev"] = prev
        if number == line_number:
            fields["recorded_at"] = moment
        new = encode(fields)
        out.append(new)
        prev = sha256(new[:-1])
    feed.write_bytes(b"".join(out))


def test_verify_reports_a_recorded_at_that_goes_back(cli, project: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    for moment in ("2026-03-01T12:00:00+00:00", "2026-03-02T12:00:00+00:00",
                   "2026-03-03T12:00:00+00:00"):
        set_clock(monkeypatch, moment)
        assert cli("record", "jobs", "4", "--date", "2025-01-01").code == 0
    feed = project / "ledger" / "tester.jsonl"
    assert cli("verify").code == 0
    # line 3 now claims 2026-03-01T00:00:00Z: 1 d 12 h before line 2's moment
    rewrite_moment(feed, 3, "2026-03-01T00:00:00.000000Z")
    result = cli("verify")
    assert result.code == 4
    assert ("line 3: recorded_at 2026-03-01T00:00:00.000000Z goes back 1 d 12 h 0 s before "
            "line 2's 2026-03-02T12:00:00.000000Z (a clock set back)") in result.out
    assert result.err.startswith(f"mibtrack: 1 of 1 feeds broken; first: {feed}:3: "
                                 "recorded_at")
    assert cli("validate").code == 4


def test_an_observation_line_going_back_is_caught_by_the_fast_check_too(
        cli, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Observation lines go through scan's one-regex fast check: it must see it as well."""
    from mibtrack.ledger.feed import check_chain
    from mibtrack.ledger.scan import fast_chain

    for moment in ("2026-03-01T12:00:00+00:00", "2026-03-02T12:00:00+00:00"):
        set_clock(monkeypatch, moment)
        assert cli("record", "jobs", "4", "--date", "2025-01-01").code == 0
    feed = project / "ledger" / "tester.jsonl"
    assert fast_chain(feed, "tester") == (2, None)
    rewrite_moment(feed, 2, "2026-03-01T11:59:59.999999Z")
    assert fast_chain(feed, "tester") is None  # doubt: check_chain names the problem
    count, problem = check_chain(feed, "tester")
    assert count == 1 and problem is not None and problem.line == 2
    assert "goes back 0.000001 s" in problem.problem
