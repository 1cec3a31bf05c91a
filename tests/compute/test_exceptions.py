"""Exceptions first: which objectives, in which order, with their gap, reason, next date and
since when — and the fast "since" held equal to its day-by-day definition."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from compute_factory import Ledger, day, milestone, project, target
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mibtrack.compute import Evaluator, build_report, effective_ledger
from mibtrack.compute.exceptions import change_days, since, since_by_days

ONE = dt.timedelta(days=1)



def _recorded(start: dt.date, observed: dict[str, list[tuple[int, int]]],
              events: list[tuple[int, str, int]]) -> Ledger:
    """A ledger of the drawn observations (by metric: day offset, value) and milestone
    events of `ms` (day offset, status, how many days a slip moves it)."""
    led = Ledger()
    for metric, points in observed.items():
        for offset, value in points:
            led.obs(metric, str(value), str(start + dt.timedelta(days=offset)))
    for offset, status, slip in events:
        on = start + dt.timedelta(days=offset)
        led.event("ms", status, str(on),
                  expected=str(on + dt.timedelta(days=slip)) if status == "slipped" else None)
    return led

def test_the_exceptions_are_the_objectives_at_risk_off_track_or_missed_leaves_first() -> None:
    p = project(
        target("jobs", target=100, start="2024-01-01", due="2024-12-31"),
        milestone("launch", due="2024-06-30"),
        milestone("building", due="2025-06-30"),
        {"id": "both", "title": "Both", "kind": "composite", "children": ["jobs", "launch"]},
        target("fine", metric="s", target=100, start="2024-01-01", due="2024-12-31"),
    )
    led = Ledger()
    # jobs: 20 on 2024-03-01; plan at 2024-07-01 is 100 × 182/365 = 49.86: r = 0.40, off-track
    led.obs("m", "20", "2024-03-01")
    led.obs("s", "90", "2024-06-01")  # fine: 90 vs plan 49.86, on-track
    led.event("building", "slipped", "2024-05-01", expected="2025-09-30")
    led.note("building", "co-financing to be voted in the 2025 budget", "2024-05-02")
    report = build_report(p, led.entries, day("2024-07-01"))
    ids = [(e.id, e.status) for e in report.exceptions]
    # launch was due 2024-06-30 and nothing is done: missed; building slipped past due:
    # off-track; the composite comes last, as a roll-up, at its own pace: progress
    # (0.2 + 0) / 2 = 0.1 against expected (0.498630 + 1) / 2 = 0.749: off-track
    assert ids == [("launch", "missed"), ("jobs", "off-track"), ("building", "off-track"),
                   ("both", "off-track")]
    by_id = {e.id: e for e in report.exceptions}
    building = by_id["building"]
    assert building.reason == "co-financing to be voted in the 2025 budget"
    # expected 2025-09-30 − due 2025-06-30 = 92 days late; the next date is the expected one
    assert building.days_behind == 92
    assert (building.next_date, building.next_date_kind) == (day("2025-09-30"), "expected")
    assert building.since == day("2024-05-01")  # off-track from the day it slipped
    launch = by_id["launch"]
    assert launch.days_behind == 1 and launch.since == day("2024-07-01")  # due + 1
    jobs = by_id["jobs"]
    assert jobs.unit == "jobs"
    # variance 20 − 100 × 182/365 = 20 − 49.863014 = −29.863014
    assert jobs.gap == Decimal("-29.863014")
    assert jobs.rollup is False and by_id["both"].rollup is True
    assert by_id["both"].worst_child == "launch" and jobs.worst_child is None


def test_since_finds_the_first_day_of_the_run_between_observations() -> None:
    # 0 → 100 over 2024 (366 days): with 40 observed on 2024-03-01 the plan passes 40 at
    # day 146.4 (2024-05-26 is day 146: plan 39.89 ≤ 40, on-track), so the objective is
    # at-risk from 2024-05-27 (plan 40.16: r = 0.996) until 40 ≤ 0.9 × plan, i.e. plan ≥
    # 44.44 at day 162.7: off-track from 2024-06-12 (day 163, plan 44.54)
    p = project(target("t", target=100, start="2024-01-01", due="2024-12-31"))
    led = Ledger()
    led.obs("m", "40", "2024-03-01")
    ledger = effective_ledger(led.entries)
    evaluator = Evaluator(p, ledger)
    assert evaluator.evaluate("t", day("2024-05-26")).status == "on-track"
    assert evaluator.evaluate("t", day("2024-05-27")).status == "at-risk"
    assert evaluator.evaluate("t", day("2024-06-11")).status == "at-risk"
    assert evaluator.evaluate("t", day("2024-06-12")).status == "off-track"
    report = build_report(p, led.entries, day("2024-06-05"))
    assert [(e.status, e.since) for e in report.exceptions] == [("at-risk", day("2024-05-27"))]
    report = build_report(p, led.entries, day("2024-08-01"))
    assert [(e.status, e.since) for e in report.exceptions] == [("off-track", day("2024-06-12"))]


def test_recent_notes_are_those_of_the_report_s_period_milestone_notes_included() -> None:
    p = project(milestone("ms", due="2025-06-30"))
    led = Ledger()
    led.note("ms", "old news", "2024-01-10")
    for n in range(7):  # more than the five newest a card used to show
        led.note("ms", f"week {n}", f"2024-06-{n + 1:02d}")
    led.event("ms", "at-risk", "2024-06-20")
    report = build_report(p, led.entries, day("2024-06-30"))
    # a quarter back from 2024-06-30: from 2024-06-30 − 91 days = 2024-03-31
    assert report.notes_from == day("2024-03-31")
    texts = [n.text for n in report.recent_notes["ms"]]
    assert texts == [f"week {n}" for n in range(6, -1, -1)]


# ------------------------------------------------------------------ the fast path's proof

observation = st.tuples(st.integers(min_value=-30, max_value=400),
                        st.integers(min_value=0, max_value=140))
event = st.tuples(st.integers(min_value=-10, max_value=400),
                  st.sampled_from(["done", "at-risk", "slipped", "reopened"]),
                  st.integers(min_value=-50, max_value=200))


@settings(max_examples=40, deadline=None)
# the plan rises to 150 on 2024-06-30 then falls to 100: with 95 observed on 2024-04-30 the
# objective turns at-risk, off-track (r < 0.9 once the plan passes 105.6), at-risk again
@example(obs=[(120, 95)], events=[], cadence=None, checkpoint=150, t=351, aggregate="latest")
@given(obs=st.lists(observation, max_size=6), events=st.lists(event, max_size=3),
       cadence=st.sampled_from([None, "monthly", "quarterly"]),
       checkpoint=st.integers(min_value=0, max_value=150),
       t=st.integers(min_value=0, max_value=420), aggregate=st.sampled_from(["latest", "sum"]))
def test_since_equals_walking_back_day_by_day(obs, events, cadence, checkpoint, t,
                                              aggregate) -> None:
    start = day("2024-01-01")
    metrics = {"m": {"id": "m", "unit": "jobs", "aggregate": aggregate,
                     **({"cadence": cadence} if cadence else {})}}
    p = project(target("t", target=100, start="2024-01-01", due="2024-12-31",
                       checkpoints=[{"date": "2024-06-30", "value": checkpoint}]),
                milestone("ms", due="2024-09-30"),
                {"id": "c", "title": "C", "kind": "composite", "children": ["t", "ms"]},
                metrics=metrics, start="2024-01-01", end="2026-12-31")
    led = _recorded(start, {"m": obs}, events)
    ledger = effective_ledger(led.entries)
    evaluator = Evaluator(p, ledger)
    when = start + dt.timedelta(days=t)
    floor = start - dt.timedelta(days=40)
    for objective in p.objectives:
        def status_at(d: dt.date, oid: str = objective.id) -> str:
            return evaluator.evaluate(oid, d).status

        assert since(status_at, when, floor, change_days(p, ledger, objective)) == \
            since_by_days(status_at, when, floor), objective.id


@settings(max_examples=30, deadline=None)
@given(obs=st.lists(observation, max_size=6), events=st.lists(event, max_size=3),
       days=st.lists(st.integers(min_value=-20, max_value=1200), min_size=1, max_size=6),
       aggregate=st.sampled_from(["latest", "sum"]))
def test_status_alone_is_always_the_status_of_the_full_record(obs, events, days,
                                                              aggregate) -> None:
    # `since` asks `Evaluator.status` (no record built) at many days; it must be the status
    # the report shows, for every kind, a composite of composites included
    start = day("2024-01-01")
    p = project(target("t", target=100, start="2024-01-01", due="2024-12-31",
                       checkpoints=[{"date": "2024-06-30", "value": 60}]),
                target("d", target=20, baseline=150, direction="decrease",
                       start="2024-01-01", due="2025-06-30"),
                {"id": "l", "title": "L", "kind": "limit", "metric": "m", "min": 40,
                 "max": 120},
                milestone("ms", due="2024-09-30"),
                {"id": "c", "title": "C", "kind": "composite", "children": ["t", "ms", "l"],
                 "weights": [2, 1, 1]},
                {"id": "top", "title": "Top", "kind": "composite", "children": ["c", "d"]},
                metrics={"m": {"id": "m", "unit": "jobs", "aggregate": aggregate,
                               "cadence": "monthly"}},
                start="2024-01-01", end="2026-12-31")
    led = _recorded(start, {"m": obs}, events)
    ledger = effective_ledger(led.entries)
    alone, full = Evaluator(p, ledger), Evaluator(p, ledger)
    for offset in days:
        when = start + dt.timedelta(days=offset)
        for objective in reversed(p.objectives):  # roll-ups first: children not yet known
            assert alone.status(objective.id, when) == \
                full.evaluate(objective.id, when).status, (objective.id, when)


def test_since_is_exact_for_a_long_run_of_daily_observations() -> None:
    # 3 a day against a plan of 10000 over 2024-2027 (6.8 a day): off-track from the second
    # day on (2024-01-02: 6 vs a plan of 6.8, r = 0.88 < 0.9) for almost three years
    p = project(target("t", target=10000, start="2024-01-01", due="2027-12-31"),
                metrics={"m": {"id": "m", "unit": "jobs", "aggregate": "latest",
                               "cadence": "monthly"}})
    led = Ledger()
    when, value = day("2024-01-01"), 0
    while when <= day("2026-11-30"):
        value += 3
        led.obs("m", str(value), str(when))
        when += ONE
    ledger = effective_ledger(led.entries)
    evaluator = Evaluator(p, ledger)
    t = day("2026-11-30")
    status_at = lambda d: evaluator.evaluate("t", d).status  # noqa: E731
    changes = change_days(p, ledger, p.objectives[0])
    found = since(status_at, t, day("2023-12-31"), changes)
    assert found == day("2024-01-02")
    # every change day is walked (striding over some missed an interrupted run): at most
    # a change day and the day before it each, never more
    assert len(evaluator._memo) <= 2 * len(changes) + 1
    assert since_by_days(status_at, t, day("2023-12-31")) == found  # the definition agrees


@settings(max_examples=25, deadline=None)
@given(obs=st.lists(observation, max_size=8), limit_obs=st.lists(observation, max_size=6),
       events=st.lists(event, max_size=3),
       cadence=st.sampled_from([None, "monthly", "quarterly"]),
       checkpoint=st.integers(min_value=0, max_value=150),
       t=st.integers(min_value=0, max_value=560), aggregate=st.sampled_from(["latest", "sum"]))
def test_the_since_of_roll_ups_equals_walking_back_day_by_day(
        obs, limit_obs, events, cadence, checkpoint, t, aggregate) -> None:
    # The report's `since` (one Evaluator whose verdicts are shared across days and roll-ups,
    # change days found once per part) against the definition: a fresh evaluator's full
    # record, day by day, and against the previous implementation (`since` over the fresh
    # evaluator's statuses), for every exception, roll-ups sharing parts included.
    start = day("2024-01-01")
    metrics = {"m": {"id": "m", "unit": "jobs", "aggregate": aggregate,
                     **({"cadence": cadence} if cadence else {})},
               "g": {"id": "g", "unit": "EUR", "aggregate": "latest", "cadence": "monthly"}}
    p = project(target("t", target=100, start="2024-01-01", due="2024-12-31",
                       checkpoints=[{"date": "2024-06-30", "value": checkpoint}]),
                target("step", target=120, start="2024-02-01", due="2025-03-31", plan="step",
                       checkpoints=[{"date": "2024-05-31", "value": 40},
                                    {"date": "2024-10-31", "value": 90}]),
                {"id": "l", "title": "L", "kind": "limit", "metric": "g", "min": 40,
                 "max": 120, "due": "2025-02-28"},
                {"id": "l2", "title": "L2", "kind": "limit", "metric": "g", "min": 40,
                 "max": 120, "due": "2025-02-28"},  # alike: shares the first one's verdicts
                milestone("ms", due="2024-09-30"),
                {"id": "c", "title": "C", "kind": "composite", "children": ["t", "ms", "l"],
                 "weights": [2, 1, 1]},
                {"id": "both", "title": "Both", "kind": "composite",
                 "children": ["step", "l2", "ms"]},
                {"id": "top", "title": "Top", "kind": "composite", "children": ["c", "both"]},
                metrics=metrics, start="2024-01-01", end="2026-12-31")
    led = _recorded(start, {"m": obs, "g": limit_obs}, events)
    when = start + dt.timedelta(days=t)
    report = build_report(p, led.entries, when)
    ledger = effective_ledger(led.entries)
    reference = Evaluator(p, ledger)
    floor = start - ONE
    for item in report.exceptions:
        def status_at(d: dt.date, oid: str = item.id) -> str:
            return reference.evaluate(oid, d).status

        objective = p.objective(item.id)
        assert objective is not None
        assert item.since == since_by_days(status_at, when, floor), item.id
        assert item.since == since(status_at, when, floor, change_days(p, ledger, objective))
