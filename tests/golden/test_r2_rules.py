"""SPEC revision 2's computation rules, one small programme per rule, through the CLI's JSON.

Each test writes its objectives.toml, records its ledger with `--date`, and checks
`status --json` (or `report`/`check`) field by field against figures worked by hand in the
comments. Day numbers count from the programme's start, 2024-01-01 (day 0).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

PROGRAM = """\
[program]
name = "Golden programme"
code = "GLD"
start = 2024-01-01
end = 2030-12-31
currency = "EUR"
"""

#: Every objective's JSON carries these (null when they do not apply): SPEC "Commands".
SPEC_FIELDS = {
    "id", "kind", "status", "actual", "planned", "progress", "expected", "variance",
    "variance_points", "schedule_variance_days", "forecast_at_due", "eta", "stale",
    "above_range", "late_days", "evaluated_at", "forecast_low", "forecast_high", "p_meet",
    "below_range", "reason", "owner", "group", "min", "max", "within", "headroom",
    "breached_since", "breaches", "expected_date", "worst_child", "children_by_status",
    "target", "target_min", "target_max",
}


@pytest.fixture
def programme(project: Path):  # noqa: ANN201
    """programme(toml) replaces the test project's objectives.toml (after [program])."""

    def write(body: str) -> None:
        (project / "objectives.toml").write_text(PROGRAM + body, encoding="utf-8")

    return write


@pytest.fixture
def record(cli):  # noqa: ANN001, ANN201
    def run(*args: str) -> str:
        result = cli(*args)
        assert result.code == 0, result.err
        return result.out.strip()

    return run


def status(cli, as_of: str) -> dict:  # noqa: ANN001
    result = cli("status", "--json", "--as-of", as_of)
    assert result.code == 0, result.err
    return json.loads(result.out)


def objective(cli, as_of: str, objective_id: str) -> dict:  # noqa: ANN001
    found = [o for o in status(cli, as_of)["objectives"] if o["id"] == objective_id]
    assert len(found) == 1
    assert SPEC_FIELDS <= set(found[0]), SPEC_FIELDS - set(found[0])
    return found[0]


# --------------------------------------------------------------------------- 1. step plans

STEP = """
[metrics.delegations]
unit = "delegations"
aggregate = "sum"

[[objectives]]
id = "delegations"
title = "Two delegations a year"
kind = "target"
metric = "delegations"
target = 4
due = 2025-12-31
plan = "step"
checkpoints = [
  { date = 2024-06-30, value = 1 },
  { date = 2024-12-31, value = 2 },
  { date = 2025-06-30, value = 3 },
]
"""


def test_a_step_plan_holds_each_checkpoint_from_its_date_on(cli, programme, record) -> None:
    programme(STEP)
    record("record", "delegations", "1", "--date", "2024-03-15")
    # Day before the first checkpoint: P = b = 0, expected 0 (counts as on plan).
    # A linear plan would already expect 1 × 180/181 there.
    before = objective(cli, "2024-06-29", "delegations")
    assert (before["planned"], before["expected"], before["status"]) == (0, 0, "on-track")
    assert before["progress"] == 0.25                       # (1 − 0) / (4 − 0)
    # On the checkpoint's date P = 1: progress 0.25 = expected 0.25, r = 1, on-track.
    on = objective(cli, "2024-06-30", "delegations")
    assert (on["planned"], on["expected"], on["status"]) == (1, 0.25, "on-track")
    # From 2024-12-31 P = 2: expected 0.5, r = 0.25 / 0.5 = 0.5 → off-track.
    behind = objective(cli, "2024-12-31", "delegations")
    assert (behind["planned"], behind["expected"], behind["status"]) == (2, 0.5, "off-track")
    assert behind["variance"] == -1                         # 1 − 2
    assert behind["variance_points"] == -0.25               # 0.25 − 0.5
    # The step plan first reaches A = 1 on 2024-06-30, 184 days before 2024-12-31
    # (Jul 31 + Aug 31 + Sep 30 + Oct 31 + Nov 30 + Dec 31).
    assert behind["schedule_variance_days"] == -184
    # Before s the plan is b; from d on it is T.
    assert objective(cli, "2023-12-31", "delegations")["planned"] == 0
    assert objective(cli, "2026-03-01", "delegations")["planned"] == 4


def test_plan_must_be_linear_or_step(cli, programme) -> None:
    programme(STEP.replace('plan = "step"', 'plan = "stairs"'))
    result = cli("validate")
    assert result.code == 3
    assert "plan" in result.err and result.err.count("\n") == 1


# --------------------------------------------------------------------------- 2. τ

QUARTERLY = """
[metrics.jobs]
unit = "jobs"
aggregate = "latest"
cadence = "quarterly"

[metrics.plain]
unit = "jobs"
aggregate = "latest"

[[objectives]]
id = "jobs"
title = "100 jobs by 2026"
kind = "target"
metric = "jobs"
target = 100
due = 2026-01-01

[[objectives]]
id = "plain"
title = "100 jobs, no cadence"
kind = "target"
metric = "plain"
target = 100
due = 2026-01-01
"""


def test_a_quarterly_metric_is_judged_as_at_its_last_report(cli, programme, record) -> None:
    programme(QUARTERLY)
    record("record", "jobs", "51", "--date", "2025-01-01")
    record("record", "plain", "51", "--date", "2025-01-01")
    # s = 2024-01-01, d = 2026-01-01: 731 days. 2025-01-01 is day 366.
    # At the report: P(τ) = 100 × 366/731 = 50.0683994…; progress 0.51 ≥ 0.500684: on-track.
    # 2025-04-03 is 92 days after the report (Jan 31 + Feb 28 + Mar 31 + 2 = 92 ≤ one
    # quarter): the next report is not due, so τ stays 2025-01-01.
    held = objective(cli, "2025-04-03", "jobs")
    assert held["evaluated_at"] == "2025-01-01"
    assert held["planned"] == 50.068399
    assert held["expected"] == 0.500684                     # 366/731
    assert held["variance"] == 0.931601                     # 51 − 50.0683994…
    assert held["status"] == "on-track"
    # The plan reaches 51 on the first day with 100·k/731 ≥ 51: k = 373 (2025-01-08),
    # 7 days after τ.
    assert held["schedule_variance_days"] == 7
    # 93 days after the report it is due: τ = t = 2025-04-04, day 459.
    # P = 45900/731 = 62.7906976…; expected 0.627907; r = 0.51 / 0.627907 = 0.81 → off-track.
    due = objective(cli, "2025-04-04", "jobs")
    assert due["evaluated_at"] == "2025-04-04"
    assert (due["planned"], due["expected"], due["status"]) == (62.790698, 0.627907,
                                                               "off-track")
    assert due["schedule_variance_days"] == -86             # 373 − 459
    # Without a cadence, τ = t: at 2025-04-03 (day 458) P = 62.6539…, r = 0.81 → off-track.
    plain = objective(cli, "2025-04-03", "plain")
    assert plain["evaluated_at"] == "2025-04-03"
    assert (plain["planned"], plain["status"]) == (62.653899, "off-track")


def test_evaluated_at_is_null_without_data_before_start_and_for_other_kinds(
        cli, programme, record) -> None:
    programme(QUARTERLY + """
[[objectives]]
id = "launch"
title = "Launch"
kind = "milestone"
due = 2024-06-30
""")
    assert objective(cli, "2024-03-01", "jobs")["evaluated_at"] is None       # no-data
    assert objective(cli, "2023-12-01", "jobs")["evaluated_at"] is None       # not-started
    assert objective(cli, "2024-03-01", "launch")["evaluated_at"] is None     # milestone
    # An observation before s does not anchor τ (L must be on or after s).
    record("record", "jobs", "5", "--date", "2023-12-15")
    early = objective(cli, "2024-01-10", "jobs")
    assert early["evaluated_at"] == "2024-01-10"


# --------------------------------------------------------------------------- 3. after due

AFTER_DUE = """
[metrics.a]
unit = "jobs"
aggregate = "latest"

[metrics.b]
unit = "jobs"
aggregate = "latest"

[metrics.c]
unit = "jobs"
aggregate = "latest"

[[objectives]]
id = "met-at-due"
title = "100 by mid-2025"
kind = "target"
metric = "a"
target = 100
due = 2025-06-30

[[objectives]]
id = "met-late"
title = "100 by mid-2025, late"
kind = "target"
metric = "b"
target = 100
due = 2025-06-30

[[objectives]]
id = "never"
title = "100 by mid-2025, never"
kind = "target"
metric = "c"
target = 100
due = 2025-06-30
"""


def test_the_verdict_at_due_stands_and_late_achievement_counts_days(
        cli, programme, record) -> None:
    programme(AFTER_DUE)
    record("record", "a", "100", "--date", "2025-06-30")
    record("record", "a", "80", "--date", "2025-09-30")     # a later fall
    record("record", "b", "90", "--date", "2025-06-30")
    record("record", "b", "100", "--date", "2025-08-15")
    record("record", "b", "70", "--date", "2025-10-01")
    record("record", "c", "90", "--date", "2025-06-30")
    # While t ≤ d: achieved when A(t) meets T, late_days 0.
    at_due = objective(cli, "2025-06-30", "met-at-due")
    assert (at_due["status"], at_due["late_days"]) == ("achieved", 0)
    # After d, A(d) = 100 met T: achieved stands although A(t) = 80 (revision 1: missed).
    kept = objective(cli, "2025-12-31", "met-at-due")
    assert (kept["status"], kept["late_days"], kept["actual"]) == ("achieved", 0, 80)
    # A(d) = 90; A met T at the observation of 2025-08-15: 46 days late (Jul 31 + 15).
    assert objective(cli, "2025-08-14", "met-late")["status"] == "missed"
    assert objective(cli, "2025-08-14", "met-late")["late_days"] is None
    late = objective(cli, "2025-12-31", "met-late")
    assert (late["status"], late["late_days"]) == ("achieved", 46)
    # Never met: missed, late_days null; before due an unmet target has late_days null too.
    never = objective(cli, "2025-12-31", "never")
    assert (never["status"], never["late_days"]) == ("missed", None)
    assert objective(cli, "2025-06-01", "never")["late_days"] is None
    # After due the forecast at due is null (there is nothing left to forecast).
    assert never["forecast_at_due"] is None


RANGES = """
[metrics.jobs]
unit = "jobs"
aggregate = "latest"

[metrics.waste]
unit = "t"
aggregate = "latest"

[[objectives]]
id = "jobs"
title = "200–500 jobs"
kind = "target"
metric = "jobs"
target_min = 200
target_max = 500
due = 2026-12-31

[[objectives]]
id = "waste"
title = "Waste down to 10–20 t"
kind = "target"
metric = "waste"
direction = "decrease"
baseline = 50
target_min = 10
target_max = 20
due = 2026-12-31
"""


def test_ranges_say_when_past_their_far_end(cli, programme, record) -> None:
    programme(RANGES)
    record("record", "jobs", "600", "--date", "2025-01-01")
    record("record", "waste", "5", "--date", "2025-01-01")
    jobs = objective(cli, "2025-01-01", "jobs")
    # Increasing range: T = target_min = 200; A = 600 meets it, and is above 500.
    assert (jobs["status"], jobs["above_range"], jobs["below_range"]) == ("achieved", True, None)
    waste = objective(cli, "2025-01-01", "waste")
    # Decreasing range: T = target_max = 20; A = 5 meets it and is below 10.
    assert (waste["status"], waste["below_range"], waste["above_range"]) == (
        "achieved", True, False)
    record("record", "waste", "15", "--date", "2025-02-01")
    inside = objective(cli, "2025-02-01", "waste")
    assert (inside["status"], inside["below_range"]) == ("achieved", False)


# --------------------------------------------------------------------------- 4. limits

LIMITS = """
[metrics.share_pct]
unit = "%"
aggregate = "latest"

[metrics.envelope_meur]
unit = "MEUR"
aggregate = "latest"

[[objectives]]
id = "floor"
title = "Keep at least 40 % of French bioproduction actors"
kind = "limit"
metric = "share_pct"
min = 40
due = 2025-12-31

[[objectives]]
id = "envelope"
title = "Stay within the €25–40M envelope"
kind = "limit"
metric = "envelope_meur"
min = 25
max = 40
"""


def test_a_floor_over_time(cli, programme, record) -> None:
    programme(LIMITS)
    record("record", "share_pct", "45", "--date", "2024-03-31")
    # One point, inside: on-track; within, headroom 45 − 40 = 5; no breach.
    one = objective(cli, "2024-04-01", "floor")
    assert (one["status"], one["within"], one["headroom"]) == ("on-track", True, 5)
    assert (one["min"], one["max"], one["breaches"], one["breached_since"]) == (40, None, 0, None)
    assert (one["progress"], one["expected"]) == (1, 1)
    assert one["evaluated_at"] is None and one["late_days"] is None
    # Two points, 45 then 42 (91 days apart): β = −3/91 per day, anchored at 42 on
    # 2024-06-30; F(2025-12-31) = 42 − 3 × 549/91 = 23.90… < 40: inside but heading out.
    record("record", "share_pct", "42", "--date", "2024-06-30")
    two = objective(cli, "2024-07-01", "floor")
    assert (two["status"], two["within"], two["headroom"]) == ("at-risk", True, 2)
    assert two["forecast_at_due"] == 23.901099
    # Outside: off-track since the first observation of the current breach.
    record("record", "share_pct", "38", "--date", "2024-09-30")
    record("record", "share_pct", "39", "--date", "2024-12-31")
    out = objective(cli, "2025-01-15", "floor")
    assert (out["status"], out["within"], out["headroom"]) == ("off-track", False, -1)
    assert out["breached_since"] == "2024-09-30"
    assert (out["progress"], out["variance_points"]) == (0, -1)
    # Back inside, then after due: two observations (38, 39) were outside → missed.
    record("record", "share_pct", "44", "--date", "2025-03-31")
    record("record", "share_pct", "47", "--date", "2025-06-30")
    back = objective(cli, "2025-07-01", "floor")
    assert (back["within"], back["breached_since"], back["breaches"]) == (True, None, 2)
    ended = objective(cli, "2026-02-01", "floor")
    assert (ended["status"], ended["breaches"], ended["due"]) == ("missed", 2, "2025-12-31")


def test_an_envelope_and_a_limit_held_to_its_due(cli, programme, record) -> None:
    programme(LIMITS)
    record("record", "envelope_meur", "42.85", "--date", "2024-05-01")
    # €42.85M against €25–40M (revision 1 said "achieved 171 %"): outside, 2.85 over.
    env = objective(cli, "2024-05-02", "envelope")
    assert (env["status"], env["within"], env["headroom"]) == ("off-track", False, -2.85)
    assert (env["min"], env["max"], env["due"]) == (25, 40, "2030-12-31")  # programme end
    record("record", "envelope_meur", "30", "--date", "2024-06-01")
    # Inside: headroom = nearest bound: min(30 − 25, 40 − 30) = 5. Two points, 42.85 then 30
    # over 31 days: F(2030-12-31) is far below 25 → at-risk.
    inside = objective(cli, "2024-06-02", "envelope")
    assert (inside["status"], inside["headroom"], inside["breaches"]) == ("at-risk", 5, 1)
    # The floor with one inside observation before its due, read after due: achieved.
    record("record", "share_pct", "41", "--date", "2025-01-01")
    assert objective(cli, "2026-01-05", "floor")["status"] == "achieved"
    assert objective(cli, "2023-12-31", "floor")["status"] == "not-started"
    assert objective(cli, "2024-01-05", "envelope")["status"] == "no-data"


def test_a_limit_needs_a_bound_in_order_and_a_declared_metric(cli, programme) -> None:
    programme(LIMITS.replace("min = 25\nmax = 40", "min = 40\nmax = 25"))
    result = cli("validate")
    assert result.code == 3 and "min 40 must be below max 25" in result.err
    programme(LIMITS.replace("min = 40\n", ""))
    result = cli("validate")
    assert result.code == 3 and "a limit needs min, max or both" in result.err
    programme(LIMITS.replace('metric = "share_pct"', 'metric = "share"'))
    result = cli("validate")
    assert result.code == 3 and "metric 'share' is not declared" in result.err


# --------------------------------------------------------------------------- 5. composites

COMPOSITE = """
[metrics.jobs]
unit = "jobs"
aggregate = "latest"

[[objectives]]
id = "launch"
title = "Launch"
kind = "milestone"
due = 2024-03-31

[[objectives]]
id = "jobs"
title = "100 jobs by 2028"
kind = "target"
metric = "jobs"
target = 100
due = 2027-12-31

[[objectives]]
id = "programme"
title = "The programme"
kind = "composite"
children = ["launch", "jobs"]
"""


def test_a_composite_goes_at_its_own_pace(cli, programme, record) -> None:
    programme(COMPOSITE)
    record("record", "jobs", "30", "--date", "2024-12-31")
    # launch: not done, past due → missed; progress 0, expected 1.
    # jobs: day 365 of 1460: P = 25, expected 0.25; A = 30, progress 0.3 → on-track.
    # programme: progress (0 + 0.3)/2 = 0.15, expected (1 + 0.25)/2 = 0.625,
    # r = 0.24 → off-track; not missed: its due is its latest child's, 2027-12-31.
    document = status(cli, "2024-12-31")
    prog = next(o for o in document["objectives"] if o["id"] == "programme")
    assert (prog["status"], prog["progress"], prog["expected"]) == ("off-track", 0.15, 0.625)
    assert prog["due"] == "2027-12-31"
    assert prog["worst_child"] == {"id": "launch", "status": "missed"}
    assert prog["children_by_status"] == {"missed": 1, "on-track": 1}
    # The summary counts the leaves; the composite is a roll-up, counted on its own.
    assert document["summary"] == {"missed": 1, "off-track": 0, "at-risk": 0, "no-data": 0,
                                   "on-track": 1, "not-started": 0, "achieved": 0}
    assert document["rollups"]["off-track"] == 1 and sum(document["rollups"].values()) == 1
    # check counts the late milestone once, never its composite.
    check = cli("check", "--as-of", "2024-12-31", "--json")
    assert check.code == 1 and json.loads(check.out)["breaches"] == ["launch"]


def test_composite_statuses_by_rule(cli, programme, record) -> None:
    programme(COMPOSITE.replace('children = ["launch", "jobs"]',
                                'children = ["launch", "jobs"]\nweights = [3, 1]'))
    # Before the programme: both children not-started → not-started.
    assert objective(cli, "2023-12-31", "programme")["status"] == "not-started"
    # Weighted: launch done (progress 1, expected 0 before its due), jobs no-data
    # (progress 0, expected 0.0205… = 30/1460 on 2024-01-31): progress 3/4 → on-track.
    record("milestone", "launch", "done", "--date", "2024-01-31")
    early = objective(cli, "2024-01-31", "programme")
    assert (early["progress"], early["status"]) == (0.75, "on-track")
    # expected = (3 × 0 + 1 × 30/1460) / 4 = 0.0051369…
    assert early["expected"] == 0.005137
    assert early["worst_child"] == {"id": "jobs", "status": "no-data"}
    # All achieved → achieved, even past its own due.
    record("record", "jobs", "100", "--date", "2025-06-30")
    assert objective(cli, "2029-01-01", "programme")["status"] == "achieved"


def test_a_composite_past_its_own_due_is_missed_and_no_data_rolls_up(
        cli, programme, record) -> None:
    programme(COMPOSITE.replace('children = ["launch", "jobs"]',
                                'children = ["launch", "jobs"]\ndue = 2024-06-30')
              + """
[metrics.other]
unit = "jobs"
aggregate = "latest"

[[objectives]]
id = "other"
title = "Other jobs"
kind = "target"
metric = "other"
target = 10
due = 2027-12-31

[[objectives]]
id = "blind"
title = "Nothing measured yet"
kind = "composite"
children = ["jobs", "other"]
""")
    record("milestone", "launch", "done", "--date", "2024-02-01")
    assert objective(cli, "2024-06-30", "programme")["status"] != "missed"
    assert objective(cli, "2024-07-01", "programme")["status"] == "missed"
    assert objective(cli, "2024-07-01", "blind")["status"] == "no-data"


# --------------------------------------------------------------------------- 6. forecast

FORECAST = """
[metrics.m]
unit = "jobs"
aggregate = "latest"

[metrics.s]
unit = "EUR"
aggregate = "sum"

[[objectives]]
id = "up"
title = "0 → 100 in 100 days"
kind = "target"
metric = "m"
target = 100
due = 2024-04-10

[[objectives]]
id = "down"
title = "100 → 40 in 100 days"
kind = "target"
metric = "m"
direction = "decrease"
baseline = 100
target = 40
due = 2024-04-10

[[objectives]]
id = "flow"
title = "100 raised in 100 days"
kind = "target"
metric = "s"
target = 100
due = 2024-04-10
"""


def test_forecast_interval_with_three_points(cli, programme, record) -> None:
    programme(FORECAST)
    for date, value in (("2024-01-01", "0"), ("2024-01-11", "10"), ("2024-01-21", "30")):
        record("record", "m", value, "--date", date)
    up = objective(cli, "2024-02-20", "up")
    # Points (day 0, 0), (10, 10), (20, 30): x̄ = 10, ȳ = 40/3, Sxx = 200, Sxy = 300,
    # β = 1.5/day; anchored at L = day 20, A_L = 30: F(d = day 100) = 30 + 1.5 × 80 = 150.
    assert up["forecast_at_due"] == 150
    # Residuals about the least-squares line ŷ = 40/3 + 1.5(x − 10): 5/3, −10/3, 5/3;
    # s² = (25 + 100 + 25)/9 / (3 − 2) = 50/3; se² = 50/3 × (1 + 80²/200) = 550.
    # q = t₀.₉ with 1 df = tan(0.4π) = 3.0776835… (Student's t with 1 df is Cauchy).
    se, q = math.sqrt(550), math.tan(0.4 * math.pi)
    assert up["forecast_low"] == pytest.approx(150 - q * se, abs=1e-6)     # 77.82…
    assert up["forecast_high"] == pytest.approx(150 + q * se, abs=1e-6)    # 222.18…
    # p_meet = 1 − CDF((100 − 150)/se) = 1/2 + atan(50/se)/π (Cauchy CDF) = 0.8604…
    assert up["p_meet"] == pytest.approx(0.5 + math.atan(50 / se) / math.pi, abs=1e-6)
    # ETA: 30 + 1.5k ≥ 100 from k = 47: day 67 = 2024-03-08.
    assert up["eta"] == "2024-03-08"


def test_forecast_of_a_decrease_with_four_points(cli, programme, record) -> None:
    programme(FORECAST)
    for date, value in (("2024-01-01", "100"), ("2024-01-11", "95"), ("2024-01-21", "85"),
                        ("2024-01-31", "82")):
        record("record", "m", value, "--date", date)
    down = objective(cli, "2024-01-31", "down")
    # x = 0, 10, 20, 30; y = 100, 95, 85, 82: x̄ = 15, ȳ = 90.5, Sxx = 500, Sxy = −320,
    # β = −0.64; F(day 100) = 82 − 0.64 × 70 = 37.2.
    assert down["forecast_at_due"] == 37.2
    # ŷ = 90.5 − 0.64(x − 15): 100.1, 93.7, 87.3, 80.9; residuals −0.1, 1.3, −2.3, 1.1;
    # Σ² = 8.2, s² = 4.1; se² = 4.1 × (1 + 70²/500) = 44.28.
    # q = t₀.₉ with 2 df: x/√(2 + x²) = 0.8 → x = √(1.28/0.36) = 1.8856181…
    se, q = math.sqrt(44.28), math.sqrt(1.28 / 0.36)
    assert down["forecast_low"] == pytest.approx(37.2 - q * se, abs=1e-6)
    assert down["forecast_high"] == pytest.approx(37.2 + q * se, abs=1e-6)
    # Decrease: p_meet = CDF((40 − 37.2)/se); with 2 df CDF(z) = 1/2 + z/(2√(2 + z²)).
    z = 2.8 / se
    assert down["p_meet"] == pytest.approx(0.5 + z / (2 * math.sqrt(2 + z * z)), abs=1e-6)
    # ETA: 82 − 0.64k ≤ 40 from k = 65.625 → 66: day 96 = 2024-04-06.
    assert down["eta"] == "2024-04-06"


def test_a_sum_forecasts_its_running_total_and_a_straight_line_has_no_spread(
        cli, programme, record) -> None:
    programme(FORECAST)
    record("record", "s", "5", "--date", "2023-12-01")      # counts in A, not as a point
    for date in ("2024-01-11", "2024-01-21", "2024-01-31"):
        record("record", "s", "10", "--date", date)
    flow = objective(cli, "2024-02-20", "flow")
    # Points (10, 15), (20, 25), (30, 35): β = 1, F(100) = 35 + 70 = 105 (never below A).
    assert (flow["actual"], flow["forecast_at_due"]) == (35, 105)
    # On a straight line se = 0: the interval is the point, p_meet = 1 (105 ≥ 100).
    assert (flow["forecast_low"], flow["forecast_high"], flow["p_meet"]) == (105, 105, 1)
    assert flow["eta"] == "2024-04-05"                      # 35 + k ≥ 100 from k = 65


def test_two_points_give_a_forecast_and_no_interval_and_an_eta_is_never_past(
        cli, programme, record) -> None:
    programme(FORECAST)
    record("record", "m", "50", "--date", "2024-01-11")
    record("record", "m", "90", "--date", "2024-01-21")
    up = objective(cli, "2024-02-20", "up")
    # β = 4/day from 90 on day 20: F(100) = 410. No interval under three points.
    assert up["forecast_at_due"] == 410
    assert (up["forecast_low"], up["forecast_high"], up["p_meet"]) == (None, None, None)
    # F reaches 100 on day 23 (90 + 4 × 2.5), before t = day 50: the ETA is the first date
    # after t, day 51 = 2024-02-21, never a date in the past.
    assert up["eta"] == "2024-02-21"
    record("record", "m", "100", "--date", "2024-02-21")
    assert objective(cli, "2024-02-21", "up")["eta"] is None  # A has met T
    # After due, no forecast at due.
    assert objective(cli, "2024-04-10", "up")["forecast_at_due"] is None


# --------------------------------------------------------------------------- 7. reasons

REASONS = """
[metrics.jobs]
unit = "jobs"
aggregate = "latest"

[[objectives]]
id = "jobs"
title = "100 jobs by 2026"
kind = "target"
metric = "jobs"
target = 100
due = 2026-01-01

[[objectives]]
id = "launch"
title = "Launch"
kind = "milestone"
due = 2024-06-30
"""


def test_the_reason_is_the_newest_note_and_shown_beside_trouble(cli, programme, record) -> None:
    programme(REASONS)
    record("milestone", "launch", "slipped", "--date", "2024-03-01", "--expected",
           "2024-09-30", "--note", "Supplier delayed the clean room")
    record("record", "jobs", "10", "--date", "2025-01-01")
    record("note", "jobs", "Hiring freeze until the budget vote", "--date", "2024-12-15")
    record("note", "jobs", "A note dated later", "--date", "2025-02-01")
    launch = objective(cli, "2024-04-01", "launch")
    # Slipped past due: off-track; expected_date is the slipped-to date.
    assert (launch["status"], launch["expected_date"]) == ("off-track", "2024-09-30")
    assert launch["reason"] == "Supplier delayed the clean room"
    jobs = objective(cli, "2025-01-01", "jobs")
    assert jobs["status"] == "off-track"                    # 0.1 vs 0.5007 expected
    assert jobs["reason"] == "Hiring freeze until the budget vote"   # not the later note
    # A milestone that never slipped expects its due date.
    record("milestone", "launch", "done", "--date", "2024-05-01")
    assert objective(cli, "2024-05-01", "launch")["expected_date"] == "2024-09-30"
    assert objective(cli, "2024-02-01", "launch")["expected_date"] == "2024-06-30"
    # Every format shows the reason beside what is in trouble.
    table = cli("status", "--as-of", "2025-01-01")
    assert "Hiring freeze until the budget vote" in table.out
    for fmt in ("table", "markdown", "csv", "html"):
        out = cli("report", "--as-of", "2025-01-01", "--format", fmt).out
        assert "Hiring freeze until the budget vote" in out, fmt


# --------------------------------------------------------------------------- 8. the schemas

def test_the_schemas_describe_every_kind_of_result(cli, programme, record) -> None:
    import jsonschema

    programme(COMPOSITE + LIMITS + STEP)
    record("record", "jobs", "30", "--date", "2024-12-31")
    record("record", "share_pct", "38", "--date", "2024-09-30")
    record("milestone", "launch", "slipped", "--date", "2024-03-01", "--expected",
           "2024-05-01", "--note", "late")
    for kind, args in (("status", ("status", "--json")), ("report", ("report", "--format",
                                                                     "json")),
                       ("check", ("check", "--json"))):
        schema = json.loads(cli("schema", "--kind", kind).out)
        document = json.loads(cli(*args, "--as-of", "2025-01-01").out)
        assert {o["kind"] for o in document["objectives"]} == {"target", "limit", "milestone",
                                                              "composite"}
        jsonschema.Draft202012Validator(schema).validate(document)
