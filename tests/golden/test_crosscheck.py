"""SPEC revision 2, worked by hand a second time, through `--json` (an independent check of
the golden tests: each scenario is small enough to redo on paper; the working is beside it)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

HEAD = """\
[program]
name = "Cross-check"
code = "XC"
start = 2024-01-01
end = 2030-12-31
"""


@pytest.fixture
def programme(project: Path, cli):  # noqa: ANN001, ANN201
    """programme(toml_body) writes objectives.toml; returns a `status --json` reader."""

    def write(body: str):  # noqa: ANN202
        (project / "objectives.toml").write_text(HEAD + body, encoding="utf-8")

        def status(as_of: str) -> dict:
            result = cli("status", "--as-of", as_of, "--json")
            assert result.code == 0, result.err
            doc = json.loads(result.out)
            return {o["id"]: o for o in doc["objectives"]} | {"_doc": doc}

        return status

    return write


def num(value: object) -> Decimal:
    return Decimal(str(value))


def test_evaluation_date_holds_until_the_next_report_is_due(programme, cli) -> None:
    status = programme("""
[metrics.jobs]
unit = "jobs"
aggregate = "latest"
cadence = "quarterly"

[[objectives]]
id = "jobs"
title = "100 jobs in 2024"
kind = "target"
metric = "jobs"
target = 100
due = 2025-01-01
""")
    assert cli("record", "jobs", "25", "--date", "2024-03-31").code == 0
    # t = 2024-04-20, L = 2024-03-31, t − L = 20 ≤ 92: τ = L.
    # P(τ) = 100 × 90/366 = 24.590163… → planned 24.590164; variance 25 − 24.590164 = 0.409836
    # expected 0.245902, progress 0.25 ≥ expected: on-track; variance points 0.004098.
    # SV: P(t′) ≥ 25 first at 92 days (100 × 92/366 = 25.13) → t′ = 2024-04-02, t′ − τ = 2.
    jobs = status("2024-04-20")["jobs"]
    assert jobs["evaluated_at"] == "2024-03-31"
    assert jobs["status"] == "on-track"
    assert num(jobs["planned"]) == Decimal("24.590164")
    assert num(jobs["variance"]) == Decimal("0.409836")
    assert num(jobs["expected"]) == Decimal("0.245902")
    assert num(jobs["variance_points"]) == Decimal("0.004098")
    assert jobs["schedule_variance_days"] == 2
    # t = 2024-07-15: t − L = 106 > 92, the next report is due: τ = t.
    # P(t) = 100 × 196/366 = 53.551913; r = 0.25 / 0.535519 = 0.47 < 0.9: off-track.
    jobs = status("2024-07-15")["jobs"]
    assert jobs["evaluated_at"] == "2024-07-15"
    assert num(jobs["planned"]) == Decimal("53.551913")
    assert jobs["status"] == "off-track"


def test_anchored_forecast_with_its_interval(programme, cli) -> None:
    status = programme("""
[metrics.funds]
unit = "EUR"
aggregate = "sum"

[[objectives]]
id = "funds"
title = "100 by the end of June"
kind = "target"
metric = "funds"
target = 100
due = 2024-06-29
""")
    for date, value in (("2024-01-31", "10"), ("2024-03-01", "10"), ("2024-03-31", "20")):
        assert cli("record", "funds", value, "--date", date).code == 0
    # Points (x in days from 2024-01-31): (0, 10), (30, 20), (60, 40); n = 3.
    # x̄ = 30, ȳ = 70/3, Sxx = 1800, Sxy = 900 → β = 1/2; LS line 25/3 + x/2.
    # Residuals 5/3, −10/3, 5/3 → Σ = 50/3, s² = 50/3 / (3 − 2) = 16.667, s = 4.082483.
    # Anchored at L = 60, A_L = 40: F(d = 150) = 40 + 45 = 85.
    # se = s·√(1 + 90²/1800) = 4.082483 × √5.5 = 9.574271; q(0.9, 1 df) = 3.077684.
    # low = 85 − 29.466576 = 55.533424; high = 114.466576.
    # p_meet = 1 − CDF_t1((100 − 85)/9.574271 = 1.566700) = 1 − (½ + atan(1.5667)/π) = 0.180830.
    # ETA: 40 + (x − 60)/2 ≥ 100 first at x = 180 → 2024-07-29 (after t, after due).
    funds = status("2024-03-31")["funds"]
    assert num(funds["forecast_at_due"]) == Decimal("85")
    assert num(funds["forecast_low"]) == Decimal("55.533424")
    assert num(funds["forecast_high"]) == Decimal("114.466576")
    assert num(funds["p_meet"]) == Decimal("0.18083")
    assert funds["eta"] == "2024-07-29"


def test_step_plan_holds_each_checkpoint_from_its_date(programme, cli) -> None:
    status = programme("""
[metrics.delegations]
unit = "delegations"
aggregate = "sum"

[[objectives]]
id = "delegations"
title = "Two delegations a year"
kind = "target"
metric = "delegations"
target = 6
due = 2026-12-31
plan = "step"
checkpoints = [{ date = 2024-12-31, value = 2 }, { date = 2025-12-31, value = 4 }]
""")
    assert cli("record", "delegations", "1", "--date", "2024-04-10").code == 0
    assert cli("record", "delegations", "1", "--date", "2024-10-02").code == 0
    # As of 2025-06-30: P = 2 (the 2024-12-31 checkpoint holds until 2025-12-31).
    # A = 2 → progress 2/6, expected 2/6: on-track, variance 0.
    # SV: P first reaches 2 on 2024-12-31; τ = t = 2025-06-30 → −181.
    d = status("2025-06-30")["delegations"]
    assert d["status"] == "on-track"
    assert num(d["planned"]) == 2
    assert num(d["variance"]) == 0
    assert d["schedule_variance_days"] == -181
    # Before the first checkpoint the plan is the baseline: as of 2024-06-30, P = 0,
    # expected 0 (counts as on plan).
    d = status("2024-06-30")["delegations"]
    assert num(d["planned"]) == 0 and d["status"] == "on-track"


def test_the_verdict_at_due_stands(programme, cli) -> None:
    status = programme("""
[metrics.size]
unit = "people"
aggregate = "latest"

[metrics.late]
unit = "people"
aggregate = "latest"

[[objectives]]
id = "size"
title = "A delegation of 10"
kind = "target"
metric = "size"
target = 10
due = 2025-06-30

[[objectives]]
id = "late"
title = "Ten, but late"
kind = "target"
metric = "late"
target = 10
due = 2025-06-30
""")
    for args in (("size", "10", "--date", "2025-06-01"), ("size", "5", "--date", "2025-08-01"),
                 ("late", "8", "--date", "2025-06-01"), ("late", "12", "--date", "2025-07-15"),
                 ("late", "5", "--date", "2025-08-01")):
        assert cli("record", *args).code == 0
    report = status("2025-09-01")
    # size: A(d) = 10 meets T: achieved, late_days 0, whatever came after.
    assert report["size"]["status"] == "achieved" and report["size"]["late_days"] == 0
    # late: A(d) = 8; met at 2025-07-15 in (d, t]: achieved 15 days late.
    assert report["late"]["status"] == "achieved" and report["late"]["late_days"] == 15
    # As of 2025-07-01 the late one had not met T yet: missed, late_days null.
    early = status("2025-07-01")
    assert early["late"]["status"] == "missed" and early["late"]["late_days"] is None


def test_a_floor_that_must_hold_all_along(programme, cli) -> None:
    status = programme("""
[metrics.share]
unit = "%"
aggregate = "latest"

[[objectives]]
id = "floor"
title = "Keep at least 40 %"
kind = "limit"
metric = "share"
min = 40
due = 2024-12-31
""")
    for date, value in (("2024-02-01", "45"), ("2024-05-01", "38"), ("2024-06-01", "39"),
                        ("2024-07-01", "42")):
        assert cli("record", "share", value, "--date", date).code == 0
    # 2024-06-15: A = 39 < 40: off-track, headroom −1, breach since its first outside
    # observation of this run, 2024-05-01.
    f = status("2024-06-15")["floor"]
    assert f["status"] == "off-track" and f["within"] is False
    assert num(f["headroom"]) == -1 and f["breached_since"] == "2024-05-01"
    # 2024-07-15: A = 42 inside (headroom 2) but the anchored line says 42 + β·183 with
    # β = Sxy/Sxx = −361/12781 = −0.028245 → F(due) = 36.83 < 40: at-risk.
    f = status("2024-07-15")["floor"]
    assert f["status"] == "at-risk" and f["within"] is True and num(f["headroom"]) == 2
    assert f["breached_since"] is None
    # After due: two observations (38 and 39) were outside: missed, breaches 2.
    f = status("2025-01-15")["floor"]
    assert f["status"] == "missed" and f["breaches"] == 2


def test_an_envelope_overrun_is_not_achieved(programme, cli) -> None:
    status = programme("""
[metrics.spend]
unit = "EUR"
aggregate = "sum"

[[objectives]]
id = "envelope"
title = "Stay within the €25–40M envelope"
kind = "limit"
metric = "spend"
min = 25_000_000
max = 40_000_000
""")
    assert cli("record", "spend", "30M", "--date", "2024-03-01").code == 0
    assert cli("record", "spend", "12.85M", "--date", "2024-09-01").code == 0
    # A = 42.85M > 40M: off-track (not "achieved 171 %"), headroom 40 − 42.85 = −2.85M.
    e = status("2024-10-01")["envelope"]
    assert e["status"] == "off-track" and e["within"] is False
    assert num(e["headroom"]) == Decimal("-2850000")
    assert e["breached_since"] == "2024-09-01"


def test_a_composite_goes_at_its_own_pace(programme, cli) -> None:
    status = programme("""
[metrics.jobs]
unit = "jobs"
aggregate = "latest"

[[objectives]]
id = "m1"
title = "Building opened"
kind = "milestone"
due = 2024-06-30

[[objectives]]
id = "t1"
title = "100 jobs"
kind = "target"
metric = "jobs"
target = 100
due = 2026-01-01

[[objectives]]
id = "proof"
title = "Proof point"
kind = "composite"
children = ["m1", "t1"]
due = 2028-11-06
""")
    assert cli("note", "m1", "co-financing to be voted", "--date", "2024-05-01").code == 0
    assert cli("milestone", "m1", "slipped", "--expected", "2025-06-30", "--date", "2024-06-01",
               "--note", "awaiting the vote").code == 0
    assert cli("record", "jobs", "60", "--date", "2024-12-31").code == 0
    report = status("2025-01-01")
    # m1: past due, not done: missed; reason = newest milestone/note entry's note ≤ t.
    assert report["m1"]["status"] == "missed"
    assert report["m1"]["reason"] == "awaiting the vote"
    assert report["m1"]["expected_date"] == "2025-06-30"
    # t1: P = 100 × 366/731, expected 0.500684, progress 0.6: on-track.
    assert report["t1"]["status"] == "on-track"
    # proof: progress (0 + 0.6)/2 = 0.3; expected (1 + 366/731)/2 = 0.750342; r = 0.40:
    # off-track by its own pace, not missed (its due is 2028).
    proof = report["proof"]
    assert proof["status"] == "off-track"
    assert num(proof["progress"]) == Decimal("0.3")
    assert num(proof["expected"]) == Decimal("0.750342")
    assert proof["worst_child"] == {"id": "m1", "status": "missed"}
    assert proof["children_by_status"].get("missed") == 1
    assert proof["children_by_status"].get("on-track") == 1
    assert sum(proof["children_by_status"].values()) == 2
    # Summary counts leaves only: one missed, one on-track; the roll-up is not counted.
    summary = report["_doc"]["summary"]
    assert summary["missed"] == 1 and summary["on-track"] == 1
    assert sum(summary.values()) == 2
