"""`log` and `export` by when entries were recorded: --recorded-since/--recorded-until
(what a report at a moment did not see yet) and --known-at (the ledger as known then)."""

from __future__ import annotations

import csv
import io
import json


def entries(cli, command: str, *args: str) -> list[dict]:
    extra = ("--format", "json") if command == "export" else ("--json",)
    result = cli(command, *extra, *args)
    assert result.code == 0, result.err
    return json.loads(result.out)["entries"]


def test_log_and_export_by_recording_moment(cli) -> None:
    first = cli("record", "jobs", "40", "--date", "2025-01-01").out.strip()
    moment = entries(cli, "log")[0]["recorded_at"]
    second = cli("record", "jobs", "50", "--date", "2025-02-01").out.strip()
    fix = cli("correct", first[:10], "--value", "45", "--reason", "recount").out.strip()
    # recorded after `moment`: the second record and the correction, not the first
    assert [e["id"] for e in entries(cli, "log", "--recorded-since", moment)] == [second, fix]
    middle = entries(cli, "log")[1]["recorded_at"]
    assert [e["id"] for e in entries(cli, "log", "--recorded-since", moment,
                                     "--recorded-until", middle)] == [second]
    # as known at `moment`: only the first, not yet corrected
    [known] = entries(cli, "log", "--known-at", moment)
    assert known["id"] == first and known["corrected_by"] == []
    applied = entries(cli, "export", "--known-at", moment)
    assert [(e["id"], e["value"], e["corrected"]) for e in applied] == [(first, 40, False)]
    now = entries(cli, "export")
    assert [(e["value"], e["corrected"]) for e in now] == [(45, True), (50, False)]
    assert [e["id"] for e in entries(cli, "export", "--raw", "--recorded-since", moment)] == [
        second, fix]
    # a date means from the start of that day: everything here was recorded today
    today = moment[:10]
    assert len(entries(cli, "log", "--recorded-since", today)) == 3
    assert entries(cli, "log", "--recorded-until", "2020-01-01") == []
    rows = list(csv.DictReader(io.StringIO(cli("export", "--recorded-since", moment).out)))
    assert [r["value"] for r in rows] == ["50"]  # the corrected first fact was recorded before


def test_bad_recording_moments_are_refused(cli) -> None:
    for args in (("--recorded-since", "soon"), ("--recorded-until", "2025-13-01"),
                 ("--known-at", "x"),
                 ("--recorded-since", "2025-02-01", "--recorded-until", "2025-01-01")):
        result = cli("log", *args)
        assert result.code == 2 and result.err.count("\n") == 1, (args, result.err)
