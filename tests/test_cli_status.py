"""status, report, show and check through the CLI: the JSON contract, reproducible
reports as known at a moment, terminal output that fits and carries no escape codes.

The test programme (tests/support.py): `jobs` latest, baseline 0, target 100, from
2024-01-01 to 2026-01-01 (731 days); `funding` sum to €10M by 2027-12-31; `launch` a
milestone due 2024-06-30.
"""

import json
import re

import pytest

CONTRACT = {"id", "kind", "status", "actual", "planned", "progress", "expected", "variance",
            "variance_points", "schedule_variance_days", "forecast_at_due", "eta", "stale"}


def objective(document: dict, objective_id: str) -> dict:
    return next(o for o in document["objectives"] if o["id"] == objective_id)


def status_json(cli, *args: str) -> dict:
    result = cli("status", "--json", *args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def test_status_json_carries_the_contract_fields(cli) -> None:
    document = status_json(cli, "--as-of", "2025-01-01")
    assert document["schema_version"] == 1
    assert document["as_of"] == "2025-01-01" and document["known_at"] is None
    assert [o["id"] for o in document["objectives"]] == ["jobs", "funding", "launch"]
    for item in document["objectives"]:
        assert CONTRACT <= set(item)
    assert "target" in objective(document, "jobs")
    assert "late_days" in objective(document, "launch")


def test_a_target_against_its_plan_worked_by_hand(cli) -> None:
    cli("record", "jobs", "40", "--date", "2025-01-01")
    jobs = objective(status_json(cli, "--as-of", "2025-01-01"), "jobs")
    # 366 of 731 days elapsed: P = 100 × 366/731 = 50.0683994…; A = 40.
    assert jobs["actual"] == 40
    assert jobs["planned"] == 50.068399
    assert jobs["progress"] == 0.4                 # (40 − 0) / (100 − 0)
    assert jobs["expected"] == 0.500684            # 366/731
    assert jobs["variance"] == -10.068399          # 40 − 50.0683994…
    assert jobs["variance_points"] == -0.100684    # 0.4 − 0.5006839…
    # The plan reaches 40 on the first day with 100·d/731 ≥ 40: d = 293, 2024-10-20,
    # which is 73 days before 2025-01-01.
    assert jobs["schedule_variance_days"] == -73
    assert jobs["forecast_at_due"] is None and jobs["eta"] is None   # one point only
    assert jobs["status"] == "off-track"           # r = 0.4/0.500684 = 0.80 < 0.9


def test_forecast_and_eta_worked_by_hand(cli) -> None:
    cli("record", "jobs", "40", "--date", "2025-01-01")
    cli("record", "jobs", "60", "--date", "2025-07-01")
    jobs = objective(status_json(cli, "--as-of", "2025-07-01"), "jobs")
    # Line through (2025-01-01, 40) and (2025-07-01, 60): 20 per 181 days.
    # At due (184 days on): 60 + 20 × 184/181 = 80.3314917…
    assert jobs["forecast_at_due"] == 80.331492
    # 100 is 40 above 60: 40 × 181/20 = 362 days after 2025-07-01.
    assert jobs["eta"] == "2026-06-28"


def test_sum_metric_adds_and_a_correction_applies(cli) -> None:
    first = cli("record", "funding_eur", "2.5M", "--date", "2025-01-01").out.strip()
    cli("record", "funding_eur", "1.5M", "--date", "2025-06-01")
    funding = objective(status_json(cli, "--as-of", "2025-12-31"), "funding")
    assert funding["actual"] == 4000000
    cli("correct", first[:10], "--value", "3M", "--reason", "signed amount was 3M")
    funding = objective(status_json(cli, "--as-of", "2025-12-31"), "funding")
    assert funding["actual"] == 4500000


def test_milestone_late_days(cli) -> None:
    cli("milestone", "launch", "done", "--date", "2024-09-15")
    launch = objective(status_json(cli, "--as-of", "2025-01-01"), "launch")
    # due 2024-06-30, done 2024-09-15: 77 days late
    assert (launch["status"], launch["late_days"], launch["progress"]) == ("achieved", 77, 1)


def test_report_as_known_at_a_moment_is_reproducible_byte_for_byte(cli) -> None:
    entry = cli("record", "jobs", "40", "--date", "2025-01-01").out.strip()
    cli("record", "funding_eur", "1M", "--date", "2025-01-01")
    log = json.loads(cli("log", "--json").out)["entries"]
    moment = log[-1]["recorded_at"]
    before = cli("report", "--as-of", "2025-06-30", "--known-at", moment, "--format", "json")
    assert before.code == 0 and json.loads(before.out)["known_at"] == moment
    # later evidence, a later correction and a later void change nothing known at `moment`
    cli("record", "jobs", "55", "--date", "2025-03-01")
    cli("correct", entry, "--value", "45", "--reason", "recount")
    cli("milestone", "launch", "done", "--date", "2024-07-01")
    after = cli("report", "--as-of", "2025-06-30", "--known-at", moment, "--format", "json")
    assert after.out == before.out
    now = json.loads(cli("report", "--as-of", "2025-06-30", "--format", "json").out)
    assert objective(now, "jobs")["actual"] == 55


def test_check_is_silent_when_all_is_well_and_exits_1_on_a_breach(cli) -> None:
    cli("record", "jobs", "100", "--date", "2025-01-01")
    cli("record", "funding_eur", "10M", "--date", "2025-01-01")
    cli("milestone", "launch", "done", "--date", "2024-06-01")
    quiet = cli("--quiet", "check", "--as-of", "2025-01-02")
    assert (quiet.code, quiet.out, quiet.err) == (0, "", "")
    jobs_entry = json.loads(cli("log", "--json").out)["entries"][0]["id"]
    cli("correct", jobs_entry, "--value", "20", "--reason", "the survey counted interns")
    breach = cli("check", "--as-of", "2025-01-02")
    assert breach.code == 1
    assert breach.out.startswith("off-track: jobs — 100 jobs by 2026")
    assert "1 objective at or past off-track" in breach.err
    document = json.loads(cli("check", "--as-of", "2025-01-02", "--json").out)
    assert document["ok"] is False and document["breaches"] == ["jobs"]


def test_check_fail_on_levels(cli) -> None:
    # nothing recorded: jobs and funding are no-data; launch is missed after its due date
    assert cli("check", "--as-of", "2024-07-01", "--fail-on", "missed").code == 1
    assert cli("check", "--as-of", "2024-06-01", "--fail-on", "missed").code == 0
    bad = cli("check", "--fail-on", "purple")
    assert bad.code == 2 and "--fail-on 'purple' is not a level" in bad.err


def test_check_stale_counts_stale_metrics(cli) -> None:
    cli("record", "jobs", "10", "--date", "2024-01-15")
    cli("milestone", "launch", "done", "--date", "2024-06-01")
    # quarterly cadence: stale once older than 92 + 46 = 138 days
    assert cli("check", "--as-of", "2024-06-01", "--fail-on", "missed", "--stale").code == 0
    stale = cli("check", "--as-of", "2024-06-30", "--fail-on", "missed", "--stale")
    assert stale.code == 1 and "stale: metric jobs last observed 2024-01-15" in stale.out


def test_bad_dates_exit_2(cli) -> None:
    for args in (("status", "--as-of", "2025-13-01"), ("status", "--known-at", "soon"),
                 ("report", "--format", "pdf"), ("show", "ghost")):
        result = cli(*args)
        assert result.code == 2 and len(result.err.splitlines()) == 1, args


@pytest.mark.parametrize("columns", [80, 200])
def test_status_fits_the_terminal_and_has_no_escape_codes(cli, monkeypatch,
                                                          columns: int) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    cli("record", "jobs", "40", "--date", "2025-01-01")
    out = cli("status", "--as-of", "2025-01-01").out
    assert "\x1b" not in out
    assert max(len(line) for line in out.splitlines()) <= columns
    assert re.search(r"^jobs .*▼ off-track", out, re.MULTILINE)
    assert ("100 jobs by 2026" in out) == (columns >= 160)


def test_show_lists_plan_history_and_evidence(cli) -> None:
    entry = cli("record", "jobs", "40", "--date", "2025-01-01").out.strip()
    result = cli("show", "jobs", "--as-of", "2025-01-01")
    assert result.code == 0
    assert "73 days behind plan" in result.out
    assert entry[:12] in result.out
    document = json.loads(cli("show", "jobs", "--as-of", "2025-01-01", "--json").out)
    assert document["result"]["actual"] == 40
    assert [h["date"] for h in document["history"]][:2] == ["2024-03-31", "2024-06-30"]
    assert document["history"][-1]["date"] == "2025-01-01"


def test_status_renders_at_every_terminal_width(cli, monkeypatch) -> None:
    cli("record", "jobs", "40", "--date", "2025-01-01")
    cli("record", "jobs", "55", "--date", "2025-03-01")
    for columns in range(60, 241, 7):
        monkeypatch.setenv("COLUMNS", str(columns))
        result = cli("status", "--as-of", "2025-03-01")
        assert result.code == 0, (columns, result.err)
        assert max(len(line) for line in result.out.splitlines()) <= max(columns, 80), columns


def test_many_rows_are_written_as_the_table_would_lay_them_out(cli, monkeypatch) -> None:
    # above PLAIN_ROWS objectives, status writes fixed-width lines itself (rich's layout of
    # 100k rows takes minutes): the same characters as the table from 80 columns on; below,
    # where rich shares the shortage among columns, its last columns give way
    from mibtrack.render import terminal

    cli("record", "jobs", "40", "--date", "2025-01-01")
    cli("record", "jobs", "55", "--date", "2025-03-01")
    cli("record", "funding", "2500000", "--date", "2025-02-01")
    for columns in (60, 80, 101, 160, 240):
        monkeypatch.setenv("COLUMNS", str(columns))
        monkeypatch.setattr(terminal, "PLAIN_ROWS", 1000)
        table = cli("status", "--as-of", "2025-03-01").out
        monkeypatch.setattr(terminal, "PLAIN_ROWS", 0)
        lines = cli("status", "--as-of", "2025-03-01").out
        if columns >= 80:
            assert lines == table, columns
        else:
            assert max(len(line) for line in lines.splitlines()) <= columns
            assert lines.splitlines()[:3] == table.splitlines()[:3]  # the report header
