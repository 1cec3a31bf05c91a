"""`show`'s value (SPEC "show"): computed once in the library, so the terminal and the JSON
document print the same quarter ends, chart days and trend."""

from compute_factory import D, Ledger, day, milestone, project, target

from mibtrack.compute import Evaluator, effective_ledger
from mibtrack.compute.show import build_show, chart_dates

PROJECT = project(target("jobs"), milestone("launch", due="2024-06-30"))


def _evaluator() -> tuple[Evaluator, Ledger]:
    ledger = Ledger()
    ledger.obs("m", "10", "2024-01-11")
    wrong = ledger.obs("m", "99", "2024-01-15")
    ledger.obs("m", "30", "2024-02-10")
    ledger.void(wrong)
    ledger.event("launch", "slipped", "2024-03-01", expected="2024-07-31")
    return Evaluator(PROJECT, effective_ledger(ledger.entries)), ledger


def test_quarter_ends_up_to_the_as_of_day_each_with_its_record() -> None:
    evaluator, ledger = _evaluator()
    jobs = PROJECT.objective("jobs")
    shown = build_show(PROJECT, evaluator, jobs, day("2024-05-15"), None,
                       tuple(ledger.entries))
    assert [p.date for p in shown.history] == [day("2024-03-31"), day("2024-05-15")]
    # latest metric: 30 from 2024-02-10 (the 99 was voided)
    assert [p.result.actual for p in shown.history] == [D(30), D(30)]
    assert shown.result == evaluator.evaluate("jobs", day("2024-05-15"))
    assert shown.chart == () and shown.trend is None  # no chart asked; not a milestone


def test_the_chart_days_are_spread_evenly_from_start_to_due() -> None:
    evaluator, ledger = _evaluator()
    shown = build_show(PROJECT, evaluator, PROJECT.objective("jobs"), day("2024-05-15"),
                       None, (), chart_columns=5)
    # 2024-01-01 to 2024-12-31 is 365 days: 0, 91.25, 182.5, 273.75, 365 days in
    assert [p.date for p in shown.chart] == [day("2024-01-01"), day("2024-04-01"),
                                            day("2024-07-01"), day("2024-10-01"),
                                            day("2024-12-31")]
    assert chart_dates(shown.result, day("2024-05-15"), 5) == tuple(p.date for p in shown.chart)
    for point in shown.chart:
        assert point.result == evaluator.evaluate("jobs", point.date)


def test_a_milestone_carries_its_trend_and_no_chart() -> None:
    evaluator, _ = _evaluator()
    shown = build_show(PROJECT, evaluator, PROJECT.objective("launch"), day("2024-04-15"),
                       None, (), chart_columns=5, period="month")
    assert shown.chart == ()
    assert shown.trend is not None
    # month ends from the programme's start: forecast the due date, then the slip
    assert [(p.reporting_date, p.forecast_date) for p in shown.trend.points] == [
        (day("2024-01-31"), day("2024-06-30")), (day("2024-02-29"), day("2024-06-30")),
        (day("2024-03-31"), day("2024-07-31")), (day("2024-04-15"), day("2024-07-31"))]
