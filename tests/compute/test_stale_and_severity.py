"""SPEC "Computation": staleness by cadence, and the severity order `check` relies on."""

import datetime as dt

import pytest
from compute_factory import day, project, target

from mibtrack.compute import SEVERITY, at_or_past, build_report, is_stale, severity_rank, worst

LAST = day("2024-01-01")


def after(days):
    return LAST + dt.timedelta(days=days)


# --------------------------------------------------------------------------- staleness

@pytest.mark.parametrize(("cadence", "fresh", "stale"), [
    ("monthly", 46, 47),  # 31 + 15.5 = 46.5: 46 days old is fine, 47 is older than that
    ("quarterly", 138, 139),  # 92 + 46 = 138: exactly 138 is not older, 139 is
    ("yearly", 549, 550),  # 366 + 183 = 549
])
def test_stale_strictly_after_a_cadence_and_a_half(cadence, fresh, stale):
    assert not is_stale(cadence, LAST, after(fresh))
    assert is_stale(cadence, LAST, after(stale))


def test_no_observation_or_no_cadence_is_never_stale():
    assert not is_stale("monthly", None, after(1000))
    assert not is_stale(None, LAST, after(1000))


def test_report_flags_stale_metrics_from_the_newest_observation_on_or_before_t(ledger):
    metrics = {
        "m": {"id": "m", "unit": "jobs", "aggregate": "latest", "cadence": "monthly"},
        "s": {"id": "s", "unit": "EUR", "aggregate": "sum", "cadence": "quarterly"},
        "q": {"id": "q", "unit": "x", "aggregate": "sum", "cadence": "yearly"},
    }
    ledger.obs("m", "10", "2024-01-01")
    ledger.obs("m", "12", "2024-03-01")  # after t: does not refresh m on 2024-02-20
    ledger.obs("s", "5", "2024-01-01")
    proj = project(target(due="2024-12-31"), metrics=metrics)
    report = build_report(proj, ledger.entries, day("2024-02-20"))
    # m: 50 days old > 46.5 → stale; s: 50 ≤ 138 → fresh; q: never observed → not stale
    assert [(s.metric, s.cadence, s.last_observed, s.age_days) for s in report.stale_metrics] \
        == [("m", "monthly", day("2024-01-01"), 50)]
    assert report.objectives[0].stale is True
    assert build_report(proj, ledger.entries, day("2024-03-01")).stale_metrics == ()


# --------------------------------------------------------------------------- severity

def test_severity_worst_first():
    assert SEVERITY == ("missed", "off-track", "at-risk", "no-data", "on-track",
                        "not-started", "achieved")
    assert [severity_rank(s) for s in SEVERITY] == list(range(7))


def test_at_or_past_is_what_check_fail_on_means():
    assert at_or_past("missed", "off-track")
    assert at_or_past("off-track", "off-track")
    assert not at_or_past("at-risk", "off-track")
    assert at_or_past("at-risk", "at-risk")
    assert not at_or_past("no-data", "at-risk")
    assert at_or_past("missed", "missed") and not at_or_past("off-track", "missed")


def test_worst():
    assert worst(["achieved", "no-data", "on-track"]) == "no-data"
    assert worst(["not-started", "achieved"]) == "not-started"
    assert worst(["on-track", "missed", "at-risk"]) == "missed"


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError, match="unknown status 'late'"):
        at_or_past("late", "missed")
    with pytest.raises(ValueError):
        worst([])
