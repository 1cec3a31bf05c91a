"""SPEC "Computation": milestones (state from the latest event) and composites (weighted)."""

import datetime as dt

from compute_factory import D, day, milestone, project, target

from mibtrack.compute import build_report

# The programme starts 2024-01-01; the milestone is due 2024-06-30.


def ms(ledger, t, *objectives, which="ms"):
    proj = project(*(objectives or (milestone(),)))
    report = build_report(proj, ledger.entries, day(t))
    return next(o for o in report.objectives if o.id == which)


# --------------------------------------------------------------------------- milestones

def test_no_event_before_due_is_on_track(ledger):
    r = ms(ledger, "2024-03-01")
    assert (r.status, r.state, r.progress, r.expected) == ("on-track", None, D(0), D(0))
    assert (r.late_days, r.done_date, r.actual, r.target) == (None, None, None, None)


def test_before_the_programme_start_it_is_not_started(ledger):
    assert ms(ledger, "2023-12-31").status == "not-started"


def test_done_on_time(ledger):
    ledger.event("ms", "done", "2024-06-20")
    r = ms(ledger, "2024-07-31")
    assert (r.status, r.state, r.done_date) == ("achieved", "done", day("2024-06-20"))
    assert r.late_days == 0  # done before due: 0, never negative
    assert (r.progress, r.expected, r.variance_points) == (D(1), D(1), D(0))


def test_done_on_the_due_date_is_on_time(ledger):
    ledger.event("ms", "done", "2024-06-30")
    assert ms(ledger, "2024-06-30").late_days == 0


def test_done_late_is_missed_until_done_then_achieved_with_late_days(ledger):
    ledger.event("ms", "done", "2024-07-10")
    assert ms(ledger, "2024-07-05").status == "missed"  # t > due, not done yet
    r = ms(ledger, "2024-07-10")
    assert (r.status, r.late_days) == ("achieved", 10)  # 2024-07-10 − 2024-06-30


def test_an_at_risk_event_makes_it_at_risk(ledger):
    ledger.event("ms", "at-risk", "2024-03-01")
    assert ms(ledger, "2024-02-28").status == "on-track"  # the event is not yet dated
    assert ms(ledger, "2024-03-01").status == "at-risk"


def test_slipped_to_a_date_not_after_due_is_at_risk(ledger):
    ledger.event("ms", "slipped", "2024-03-01", expected="2024-06-15")
    r = ms(ledger, "2024-03-02")
    assert (r.status, r.state, r.expected_date) == ("at-risk", "slipped", day("2024-06-15"))
    ledger.event("ms", "slipped", "2024-04-01", expected="2024-06-30")  # on due: still at-risk
    assert ms(ledger, "2024-04-01").status == "at-risk"


def test_slipped_past_due_is_off_track(ledger):
    ledger.event("ms", "slipped", "2024-03-01", expected="2024-07-15")
    assert ms(ledger, "2024-03-01").status == "off-track"


def test_past_due_and_not_done_is_missed_whatever_the_last_event(ledger):
    assert ms(ledger, "2024-06-30").status == "on-track"  # on the due date: not yet missed
    assert ms(ledger, "2024-07-01").status == "missed"
    ledger.event("ms", "slipped", "2024-05-01", expected="2024-09-01")
    r = ms(ledger, "2024-07-01")
    assert (r.status, r.expected) == ("missed", D(1))


def test_reopened_makes_it_not_done_again(ledger):
    ledger.event("ms", "done", "2024-05-01")
    ledger.event("ms", "reopened", "2024-05-10")
    assert ms(ledger, "2024-05-05").status == "achieved"
    r = ms(ledger, "2024-05-20")
    assert (r.status, r.state, r.progress, r.late_days) == ("on-track", "reopened", D(0), None)
    assert ms(ledger, "2024-07-01").status == "missed"


def test_ties_on_one_date_go_to_the_later_recorded(ledger):
    ledger.event("ms", "at-risk", "2024-05-01")
    ledger.event("ms", "done", "2024-05-01")
    assert ms(ledger, "2024-05-01").status == "achieved"
    ledger.event("ms", "reopened", "2024-05-01")
    assert ms(ledger, "2024-05-01").status == "on-track"


def test_a_corrected_event_date_counts(ledger):
    done = ledger.event("ms", "done", "2024-07-10")
    ledger.correct(done, date="2024-06-25")  # it was in fact done on time
    r = ms(ledger, "2024-07-31")
    assert (r.status, r.late_days) == ("achieved", 0)


def test_expected_is_one_from_the_due_date_on(ledger):
    assert ms(ledger, "2024-06-29").expected == D(0)
    assert ms(ledger, "2024-06-30").expected == D(1)


# --------------------------------------------------------------------------- composites

def composite(children=("t", "ms"), **fields):
    return {"id": "c", "title": "Proof point", "kind": "composite", "children": list(children),
            **fields}


# Child t: 0 → 100 over 2024-01-01..2024-04-10 (100 days); on 2024-02-20 (day 50) P = 50.
T100 = target(due="2024-04-10")


def test_composite_is_the_weighted_mean_and_the_worst_status(ledger):
    ledger.obs("m", "40", "2024-02-20")  # t: progress 0.4, expected 0.5, r 0.8 → off-track
    r = ms(ledger, "2024-02-20", T100, milestone(), composite(weights=[3, 1]), which="c")
    # ms: progress 0, expected 0, on-track
    assert r.progress == D("0.3")  # (3 × 0.4 + 1 × 0) / 4
    assert r.expected == D("0.375")  # (3 × 0.5 + 1 × 0) / 4
    assert r.variance_points == D("-0.075")
    assert r.status == "off-track"
    assert (r.children, r.weights) == (("t", "ms"), (D(3), D(1)))


def test_composite_clamps_each_child_to_one(ledger):
    ledger.obs("m", "150", "2024-02-20")  # t: progress 1.5, clamped to 1
    r = ms(ledger, "2024-02-20", T100, milestone(), composite(), which="c")
    assert r.progress == D("0.5")  # (1 + 0) / 2, not (1.5 + 0) / 2
    assert r.status == "on-track"  # worst of achieved and on-track


def test_composite_clamps_negative_progress_to_zero(ledger):
    ledger.obs("m", "-50", "2024-02-20")  # t: progress −0.5 → 0
    ledger.event("ms", "done", "2024-02-01")
    r = ms(ledger, "2024-02-20", T100, milestone(), composite(), which="c")
    assert r.progress == D("0.5")  # (0 + 1) / 2


def test_a_child_without_data_counts_as_no_progress(ledger):
    ledger.event("ms", "done", "2024-02-01")
    r = ms(ledger, "2024-02-20", T100, milestone(), composite(), which="c")
    assert r.progress == D("0.5")  # (0 + 1) / 2
    # R2: a composite goes at its own pace, no longer its worst child (revision 1: no-data).
    # expected = (50/365 + 0) / 2 (the milestone is expected from its due on): r > 1
    assert r.status == "on-track"
    assert r.worst_child is not None and r.worst_child.id == "t"
    assert r.children_by_status == {"no-data": 1, "achieved": 1}


def test_composite_is_achieved_when_all_children_are(ledger):
    ledger.obs("m", "100", "2024-02-20")
    ledger.event("ms", "done", "2024-02-01")
    r = ms(ledger, "2025-01-01", T100, milestone(), composite(due="2024-06-30"), which="c")
    assert (r.status, r.progress) == ("achieved", D(1))  # even past its own due


def test_composite_is_missed_past_its_own_due_unless_all_achieved(ledger):
    long = target(due="2024-12-31")  # 0 → 100 over 2024, due after the composite
    ledger.obs("m", "100", "2024-02-20")
    objectives = (long, milestone(due="2024-12-31"), composite(due="2024-06-30"))
    assert ms(ledger, "2024-06-30", *objectives, which="c").status == "on-track"
    assert ms(ledger, "2024-07-01", *objectives, which="c").status == "missed"


def test_composites_nest(ledger):
    ledger.event("ms", "done", "2024-02-01")
    inner = composite(children=("ms", "m2"), id="inner")
    outer = {"id": "c", "title": "Outer", "kind": "composite", "children": ["inner", "m3"],
             "weights": [1, 0]}
    r = ms(ledger, "2024-02-20", milestone(), milestone("m2"), milestone("m3"), inner, outer,
           which="c")
    assert r.progress == D("0.5")  # inner (1 + 0) / 2; m3 weighs nothing
    assert r.status == "on-track"


def test_a_composite_is_stale_when_a_child_is(ledger):
    metrics = {"m": {"id": "m", "unit": "jobs", "aggregate": "latest", "cadence": "monthly"}}
    ledger.obs("m", "10", "2024-01-01")
    proj = project(T100, milestone(), composite(), metrics=metrics)
    report = build_report(proj, ledger.entries, dt.date(2024, 3, 1))  # 60 days > 46.5
    assert [o.stale for o in report.objectives] == [True, False, True]
