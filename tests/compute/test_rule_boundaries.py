"""The rules of SPEC "Computation" at their edges: each test here kills a mutant that the
rest of the suite let live (docs/mutation.md, `tools/mutate.py`).

Unless said otherwise a target goes from 0 to 100 over 100 days, 2024-01-01 → 2024-04-10,
so P(day k) = k (day 0 is 2024-01-01, day 50 2024-02-20, day 110 2024-04-20).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from compute_factory import D, Ledger, day, milestone, project, target

from mibtrack.compute import build_report, effective_ledger, ratio
from mibtrack.compute import report as report_module
from mibtrack.compute.formulas import eta, forecast
from mibtrack.compute.parts import Part
from mibtrack.compute.report import Evaluator, build_report_from_ledger, period_ends
from mibtrack.model import Project

DUE = "2024-04-10"  # day 100


def result(ledger, t, *objectives, **options):
    proj = project(*(objectives or (target(due=DUE),)), **options)
    return build_report(proj, ledger.entries, day(t)).objectives[0]


# --------------------------------------------------------------------------- ETA


def test_an_eta_on_the_calendars_last_day_is_given_and_one_day_later_is_none():
    # Two points one day apart, 0 then 1: β = 1 a day, anchored at 9999-12-21 with A_L = 1.
    fc = forecast([(dt.date(9999, 12, 20), D(0)), (dt.date(9999, 12, 21), D(1))])
    t = dt.date(9999, 12, 21)
    # T = 11: F reaches it 10 days after the anchor, on 9999-12-31, the last date there is.
    assert eta(fc, D(11), "increase", t, D(1)) == dt.date(9999, 12, 31)
    # T = 12: 11 days after the anchor, 10000-01-01, which no calendar date is: no ETA.
    assert eta(fc, D(12), "increase", t, D(1)) is None


def test_an_eta_is_never_on_or_before_the_as_of_date():
    # β = 1 a day from 0 on 2024-01-01 to 1 on 2024-01-02; T = 3 is reached by F on
    # 2024-01-04, but t is 2024-01-10: the ETA is the first date after t, 2024-01-11.
    fc = forecast([(dt.date(2024, 1, 1), D(0)), (dt.date(2024, 1, 2), D(1))])
    assert eta(fc, D(3), "increase", dt.date(2024, 1, 10), D(1)) == dt.date(2024, 1, 11)
    # With t = 2024-01-02 the bound does not bind: F(2024-01-04) = 1 + 2 = 3.
    assert eta(fc, D(3), "increase", dt.date(2024, 1, 2), D(1)) == dt.date(2024, 1, 4)


# --------------------------------------------------------------------------- forecast line


def test_after_due_the_forecast_line_runs_to_the_newest_point(ledger):
    # 5 on day 10 and 55 on day 110 (ten days after due): β = 50 / 100 = 0.5 a day,
    # anchored at day 110 with A_L = 55. The chart line goes from the first point to
    # max(due, L) = day 110, where F = A_L = 55 (ending at due would give 50).
    ledger.obs("m", "5", "2024-01-11")
    ledger.obs("m", "55", "2024-04-20")
    r = result(ledger, "2024-04-30")
    assert [(p.date, p.value) for p in r.forecast_line] == [
        (day("2024-01-11"), D(5)), (day("2024-04-20"), D(55))]


def test_before_due_the_forecast_line_runs_to_due(ledger):
    # 5 on day 10, 10 on day 20: β = 0.5 a day, F(day 100) = 10 + 0.5 × 80 = 50.
    ledger.obs("m", "5", "2024-01-11")
    ledger.obs("m", "10", "2024-01-21")
    r = result(ledger, "2024-02-20")
    assert [(p.date, p.value) for p in r.forecast_line] == [
        (day("2024-01-11"), D(5)), (day(DUE), D(50))]


# --------------------------------------------------------------------------- status by r


def test_expected_zero_is_on_plan_even_with_the_actual_behind_the_baseline(ledger):
    # 50 → 100; on the start day P = b, so expected = 0; the actual 40 gives progress
    # (40 − 50) / (100 − 50) = −0.2 < expected. SPEC: "expected ≤ 0 counts as on plan".
    ledger.obs("m", "40", "2024-01-01")
    r = result(ledger, "2024-01-01", target(baseline=50, due=DUE))
    assert (r.expected, r.progress, r.status) == (D(0), D("-0.2"), "on-track")


def test_the_at_risk_threshold_defaults_to_nine_tenths(ledger):
    # No `at_risk` in [program]: r = 0.45 / 0.5 = 0.9 is at-risk; a day later,
    # 0.449999 against 0.51 is not.
    proj = Project.model_validate({
        "program": {"name": "P", "code": "P", "start": "2024-01-01", "end": "2033-12-31",
                    "currency": "EUR"},
        "metrics": {"m": {"id": "m", "unit": "jobs", "aggregate": "latest"}},
        "objectives": [target(due=DUE)],
    })
    assert proj.program.at_risk == D("0.9")
    ledger.obs("m", "45", "2024-02-20")
    assert build_report(proj, ledger.entries, day("2024-02-20")).objectives[0].status \
        == "at-risk"
    ledger.obs("m", "44.999999", "2024-02-21")  # r = 0.449999 / 0.51 ≈ 0.88 < 0.9
    assert build_report(proj, ledger.entries, day("2024-02-21")).objectives[0].status \
        == "off-track"


# --------------------------------------------------------------------------- this round's
# survivors (tools/mutate.py over the merged code: docs/mutation.md)


def test_a_decrease_with_a_flat_or_rising_trend_has_no_eta():
    # A decrease from 100 to 0: a flat trend (β = 0) and a slowly rising one (β = 0.1 a
    # day, less than one) move away from T, so F never reaches it: no ETA (a β ≤ 0 or a
    # β < 1 test would divide by zero or give tomorrow).
    t = dt.date(2024, 1, 11)
    flat = forecast([(dt.date(2024, 1, 1), D(80)), (t, D(80))])
    rising = forecast([(dt.date(2024, 1, 1), D(80)), (t, D(81))])
    assert eta(flat, D(0), "decrease", t, D(80)) is None
    assert eta(rising, D(0), "decrease", t, D(81)) is None


def test_on_the_due_day_the_forecast_at_due_and_its_interval_are_null(ledger):
    # Three points (5, 10, 16 on days 10, 20, 30): with n ≥ 3 an interval exists while
    # t < due; on the due day itself F(d) is no forecast any more (SPEC: "while t < d").
    for value, when in (("5", "2024-01-11"), ("10", "2024-01-21"), ("16", "2024-01-31")):
        ledger.obs("m", value, when)
    before = result(ledger, "2024-04-09")
    assert before.forecast_at_due is not None and before.forecast_low is not None
    on_due = result(ledger, DUE)
    assert (on_due.forecast_at_due, on_due.forecast_low, on_due.forecast_high,
            on_due.p_meet) == (None, None, None, None)


def test_a_note_dated_on_the_as_of_day_is_the_reason_and_is_listed(ledger):
    # The reason is the newest note or milestone entry dated on or before t: one dated t
    # itself counts, and the notes listed include it.
    ledger.obs("m", "5", "2024-01-11")
    ledger.note("t", "older", "2024-02-01")
    ledger.note("t", "supplier late", "2024-02-20")
    r = result(ledger, "2024-02-20")
    assert r.reason == "supplier late"
    assert [n.text for n in r.notes] == ["supplier late", "older"]


CEILING = {"id": "cap", "title": "At most 50", "kind": "limit", "metric": "m", "max": 50,
           "start": "2024-01-01", "due": DUE}
FLOOR = {"id": "floor", "title": "At least 10", "kind": "limit", "metric": "m", "min": 10,
         "start": "2024-01-01", "due": DUE}


def test_a_limit_holds_on_its_bound_and_is_judged_on_its_own_first_and_last_day(ledger):
    # A value exactly on a bound is inside (within, headroom 0): a ceiling of 50 with 50,
    # a floor of 10 with 10. On the start day a limit with data is started; on the due
    # day it is still judged as running (on-track), with no forecast "at due" left.
    ledger.obs("m", "50", "2024-01-01")
    cap = result(ledger, "2024-01-01", CEILING)
    assert (cap.status, cap.within, cap.headroom) == ("on-track", True, D(0))
    ledger.obs("m", "45", "2024-02-01")  # two points: a forecast exists before due
    assert result(ledger, "2024-04-09", CEILING).forecast_at_due is not None
    on_due = result(ledger, DUE, CEILING)
    assert (on_due.status, on_due.forecast_at_due) == ("on-track", None)
    floor = Ledger()
    floor.obs("m", "10", "2024-02-01")
    low = result(floor, "2024-02-01", FLOOR)
    assert (low.status, low.within, low.headroom) == ("on-track", True, D(0))


def test_a_decreasing_range_exactly_at_its_far_end_is_not_below_it(ledger):
    # 100 down to the range 20–40: 20 is inside the range, 19 past its far end.
    objective = target(target=None, target_min=20, target_max=40, baseline=100,
                       direction="decrease", due=DUE)
    ledger.obs("m", "20", "2024-02-01")
    assert result(ledger, "2024-02-01", objective).below_range is False
    ledger.obs("m", "19", "2024-02-02")
    assert result(ledger, "2024-02-02", objective).below_range is True


# --------------------------------------------------------------------------- issue 12's last
# survivors (docs/mutation.md "This round")


def test_a_milestone_is_running_from_the_programme_s_first_day(ledger):
    # The programme starts 2024-01-01: a milestone with no event is not started the day
    # before, and on-track on the first day itself.
    assert result(ledger, "2023-12-31", milestone()).status == "not-started"
    assert result(ledger, "2024-01-01", milestone()).status == "on-track"


def test_a_figure_exactly_on_a_limit_s_bound_is_no_breach(ledger):
    # Floor 10: 10 on 2024-02-01, then 12; ceiling 50 on another metric: 50, then 45. After
    # the due day (2024-04-10) no figure was below 10 or above 50: both achieved, 0
    # breaches. A figure 0.000001 past the bound is one breach: missed.
    metrics = {"m": {"id": "m", "unit": "jobs", "aggregate": "latest"},
               "c": {"id": "c", "unit": "EUR", "aggregate": "latest"}}
    ledger.obs("m", "10", "2024-02-01")
    ledger.obs("m", "12", "2024-03-01")
    ledger.obs("c", "50", "2024-02-01")
    ledger.obs("c", "45", "2024-03-01")
    floor, cap = FLOOR, {**CEILING, "metric": "c"}
    for objective in (floor, cap):
        r = result(ledger, "2024-04-30", objective, metrics=metrics)
        assert (r.status, r.breaches) == ("achieved", 0)
    ledger.obs("m", "9.999999", "2024-02-15")
    ledger.obs("c", "50.000001", "2024-02-15")
    for objective in (floor, cap):
        r = result(ledger, "2024-04-30", objective, metrics=metrics)
        assert (r.status, r.breaches) == ("missed", 1)


def test_a_figure_dated_before_a_limit_s_start_is_no_breach(ledger):
    # Ceiling 50 from 2024-02-01 to 2024-04-10. 60 on 2024-01-15 is outside, but dated
    # before the start: on 2024-02-10 the limit is off-track (A = 60, outside since
    # 2024-01-15) with 0 breaches (no figure dated 2024-02-01..02-10); 40 on 2024-03-01 is
    # inside, so after due no figure dated from the start on was outside: achieved.
    cap = {**CEILING, "start": "2024-02-01"}
    ledger.obs("m", "60", "2024-01-15")
    r = result(ledger, "2024-02-10", cap)
    assert (r.status, r.breaches, r.breached_since) == ("off-track", 0, day("2024-01-15"))
    ledger.obs("m", "40", "2024-03-01")
    r = result(ledger, "2024-04-30", cap)
    assert (r.status, r.breaches) == ("achieved", 0)


def test_the_report_lists_every_stale_metric_and_a_part_only_its_objectives(ledger):
    # m, s and q are monthly and last observed on 2024-01-01: on 2024-03-01 (60 days >
    # 31 + 15.5) all three are stale. t (group A) reads m, u (group B) reads s; q belongs
    # to no objective. The whole report lists m, q, s; the part "group A" only m.
    metrics = {i: {"id": i, "unit": "x", "aggregate": a, "cadence": "monthly"}
               for i, a in (("m", "latest"), ("s", "sum"), ("q", "sum"))}
    for metric in metrics:
        ledger.obs(metric, "5", "2024-01-01")
    proj = project(target(group="A"), target("u", metric="s", group="B"), metrics=metrics)
    state = effective_ledger(ledger.entries)
    whole = build_report_from_ledger(proj, state, day("2024-03-01"))
    assert [s.metric for s in whole.stale_metrics] == ["m", "q", "s"]
    part = build_report_from_ledger(proj, state, day("2024-03-01"), part=Part(group="A"))
    assert [s.metric for s in part.stale_metrics] == ["m"]


def test_a_figure_on_the_start_day_is_the_evaluation_date_within_its_cadence(ledger):
    # m is monthly; 5 on the start day 2024-01-01 and t = 2024-01-21, 20 days later (≤ 31):
    # the report is not due yet, so τ = L = 2024-01-01 (s ≤ L ≤ t), P(τ) = 0 and expected
    # 0: on-track. τ = t would give expected 0.2 against progress 0.05: off-track.
    metrics = {"m": {"id": "m", "unit": "jobs", "aggregate": "latest", "cadence": "monthly"}}
    ledger.obs("m", "5", "2024-01-01")
    r = result(ledger, "2024-01-21", metrics=metrics)
    assert (r.evaluated_at, r.expected, r.progress, r.status) == (
        day("2024-01-01"), D(0), D("0.05"), "on-track")


def test_the_exported_ratio_is_the_report_s_progress_and_expected(ledger):
    # 50 → 100 over 100 days; 60 on day 40 (2024-02-10), where P = 50 + 50 × 0.4 = 70:
    # progress = (60 − 50) / (100 − 50) = 0.2, expected = (70 − 50) / 50 = 0.4, as
    # `compute.ratio` gives them.
    ledger.obs("m", "60", "2024-02-10")
    r = result(ledger, "2024-02-10", target(baseline=50, due=DUE))
    assert (r.progress, r.expected, r.planned) == (D("0.2"), D("0.4"), D(70))
    assert ratio(D(60), D(50), D(100)) == Fraction(1, 5) == r.progress
    assert ratio(r.planned, D(50), D(100)) == Fraction(2, 5) == r.expected


def test_a_figure_the_day_before_due_is_no_late_achievement(ledger):
    # 100 on 2024-04-09, then 90 on the due day 2024-04-10: A(d) = 90 misses T = 100, and
    # no figure dated after due (d, t] meets it: missed on 2024-04-20. The 100 of the day
    # before is not an achievement "one day early" (late_days −1).
    ledger.obs("m", "100", "2024-04-09")
    ledger.obs("m", "90", DUE)
    r = result(ledger, "2024-04-20")
    assert (r.status, r.late_days) == ("missed", None)


def test_the_evaluator_s_memo_of_statuses_stays_bounded_and_changes_no_status(
        ledger, monkeypatch):
    # `since` asks statuses at many days: the memos (statuses, shared states, composites)
    # start again past VERDICTS_KEPT, so they never hold much more (one question adds at
    # most a state and a status per objective it reads, and a composite's entry). Asked on
    # 200 days with a bound of 40, never more than 80 are kept, and each status is what a
    # fresh evaluator gives: for three targets with no cadence (a new state every day), and
    # for them rolled up (x = a + b, y = x + c) under a chain of four composites.
    monkeypatch.setattr(report_module, "VERDICTS_KEPT", 40)
    composite = {"kind": "composite", "title": "Roll-up", "due": DUE}
    chain = [{**composite, "id": f"z{i}", "children": [f"z{i - 1}" if i > 1 else "y"]}
             for i in range(1, 5)]
    targets = (target("a"), target("b"), target("c"))
    for k in range(0, 100, 10):
        ledger.obs("m", str(k), (day("2024-01-01") + dt.timedelta(days=k)).isoformat())
    state = effective_ledger(ledger.entries)
    for proj in (project(*targets), project(
            *targets, {**composite, "id": "x", "children": ["a", "b"]},
            {**composite, "id": "y", "children": ["x", "c"]}, *chain)):
        evaluator = Evaluator(proj, state)
        kept = []
        for k in range(200):
            t = day("2024-01-01") + dt.timedelta(days=k)
            for o in proj.objectives:
                assert evaluator.status(o.id, t) == Evaluator(proj, state).status(o.id, t)
                kept.append(len(evaluator._verdicts) + len(evaluator._states)
                            + len(evaluator._composites))
        assert max(kept) <= 80


def test_the_period_ends_from_a_day_to_itself_are_that_day():
    # `report --period` from 2024-05-15 as of 2024-05-15: no period has ended before it,
    # and the period in progress ends on the as-of day itself, so one column, that day.
    assert period_ends(day("2024-05-15"), day("2024-05-15"), "quarter") == (day("2024-05-15"),)
