"""SPEC "Computation" for a target objective: progress, expected, variance, status, SV, forecast.

Unless said otherwise the objective goes from 0 to 100 over 100 days, 2024-01-01 → 2024-04-10
(31 + 29 + 31 + 9 days), so P(day k) = k: day 50 is 2024-02-20, day 30 2024-01-31.
"""

from compute_factory import D, day, project, target

from mibtrack.compute import build_report

DUE = "2024-04-10"  # day 100
DAY = {0: "2024-01-01", 10: "2024-01-11", 20: "2024-01-21", 30: "2024-01-31",
       50: "2024-02-20", 60: "2024-03-01", 68: "2024-03-09", 70: "2024-03-11",
       95: "2024-04-05", 100: DUE, 101: "2024-04-11"}


def result(ledger, t, *objectives, at_risk="0.9", known_at=None, metrics=None):
    objectives = objectives or (target(due=DUE),)
    proj = project(*objectives, at_risk=at_risk, metrics=metrics)
    return build_report(proj, ledger.entries, day(t), known_at).objectives[0]


# --------------------------------------------------------------------------- ratios

def test_progress_expected_and_variance_of_an_increase(ledger):
    ledger.obs("m", "45", DAY[50])
    r = result(ledger, DAY[50])
    assert r.actual == D(45)
    assert r.planned == D(50)  # 100 × 50/100
    assert r.progress == D("0.45")  # (45 − 0) / (100 − 0)
    assert r.expected == D("0.5")  # (50 − 0) / (100 − 0)
    assert r.variance == D(-5)  # 45 − 50
    assert r.variance_points == D("-0.05")  # 0.45 − 0.5


def test_progress_and_expected_of_a_decrease(ledger):
    # 100 → 40: P(day 50) = 100 − 60 × 50/100 = 70
    ledger.obs("m", "73", DAY[50])
    r = result(ledger, DAY[50], target(baseline=100, target=40, direction="decrease", due=DUE))
    assert r.planned == D(70)
    assert r.progress == D("0.45")  # (73 − 100) / (40 − 100) = −27 / −60
    assert r.expected == D("0.5")  # (70 − 100) / (40 − 100)
    assert r.variance == D(3)  # 73 − 70: above plan is behind for a decrease
    assert r.status == "at-risk"  # r = 0.45 / 0.5 = 0.9


def test_a_range_is_planned_to_its_low_end(ledger):
    # 200–500 jobs: T = target_min = 200; P(day 50) = 200 × 50/100 = 100
    ledger.obs("m", "150", DAY[50])
    r = result(ledger, DAY[50], target(target=None, target_min=200, target_max=500, due=DUE))
    assert (r.target, r.target_min, r.target_max, r.goal) == (None, D(200), D(500), D(200))
    assert r.planned == D(100)
    assert r.progress == D("0.75")  # 150 / 200
    assert r.expected == D("0.5")  # 100 / 200
    assert r.status == "on-track"
    assert r.above_range is False


def test_a_range_is_achieved_at_its_low_end_and_flagged_above_its_high_end(ledger):
    rng = target(target=None, target_min=200, target_max=500, due=DUE)
    ledger.obs("m", "200", DAY[50])
    r = result(ledger, DAY[50], rng)
    assert (r.status, r.above_range) == ("achieved", False)
    ledger.obs("m", "500", DAY[60])
    assert result(ledger, DAY[60], rng).above_range is False  # 500 is in the range
    ledger.obs("m", "501", DAY[70])
    r = result(ledger, DAY[70], rng)
    assert (r.status, r.above_range) == ("achieved", True)
    assert r.progress == D("2.505")  # 501 / 200: progress is not clamped


def test_above_range_does_not_apply_to_a_single_target(ledger):
    ledger.obs("m", "150", DAY[50])
    assert result(ledger, DAY[50]).above_range is None


# --------------------------------------------------------------------------- statuses

def test_r_exactly_at_the_threshold_is_at_risk_and_just_below_is_off_track(ledger):
    ledger.obs("m", "45", DAY[50])  # r = 0.45 / 0.5 = 0.9 = at_risk
    assert result(ledger, DAY[50]).status == "at-risk"
    ledger.obs("m", "44.999999", DAY[50])  # r = 0.89999998
    assert result(ledger, DAY[50]).status == "off-track"


def test_the_threshold_is_exact_even_when_the_plan_is_not_a_decimal(ledger):
    # 0 → 100 over 3 days: P(day 2) = 200/3, expected = 2/3, and 0.9 × 2/3 = 0.6 exactly
    obj = target(due="2024-01-04")
    ledger.obs("m", "60", "2024-01-03")
    r = result(ledger, "2024-01-03", obj)
    assert r.expected == D("0.666667")  # shown rounded...
    assert r.status == "at-risk"  # ...but decided exactly: 0.6 / (2/3) = 0.9
    ledger.obs("m", "59.999999", "2024-01-03")
    assert result(ledger, "2024-01-03", obj).status == "off-track"


def test_on_track_at_or_above_plan(ledger):
    ledger.obs("m", "50", DAY[50])
    assert result(ledger, DAY[50]).status == "on-track"  # r = 1
    ledger.obs("m", "70", DAY[50])
    assert result(ledger, DAY[50]).status == "on-track"  # r = 1.4


def test_the_threshold_comes_from_the_program(ledger):
    ledger.obs("m", "40", DAY[50])  # r = 0.4 / 0.5 = 0.8
    assert result(ledger, DAY[50]).status == "off-track"
    assert result(ledger, DAY[50], at_risk="0.8").status == "at-risk"


def test_expected_zero_counts_as_on_plan(ledger):
    ledger.obs("m", "0", DAY[0])  # at s: P = b, expected = 0, progress = 0
    r = result(ledger, DAY[0])
    assert (r.expected, r.progress, r.status) == (D(0), D(0), "on-track")


def test_not_started_before_start_even_with_data(ledger):
    ledger.obs("m", "10", "2023-12-01")
    r = result(ledger, "2023-12-31")
    assert r.status == "not-started"
    assert r.actual == D(10) and r.expected == D(0)  # values are still given


def test_achieved_as_soon_as_the_actual_meets_the_target(ledger):
    ledger.obs("m", "100", DAY[30])
    assert result(ledger, DAY[30]).status == "achieved"
    assert result(ledger, "2025-01-01").status == "achieved"  # after due too


def test_missed_after_due_and_not_before(ledger):
    ledger.obs("m", "90", DAY[60])
    assert result(ledger, DAY[100]).status == "at-risk"  # t = d: 0.9 / 1
    assert result(ledger, DAY[101]).status == "missed"


def test_no_data_and_missed_beats_no_data(ledger):
    r = result(ledger, DAY[50])
    assert r.status == "no-data"
    assert (r.actual, r.progress, r.variance, r.variance_points) == (None, None, None, None)
    assert r.schedule_variance_days is None and r.last_observed is None
    assert (r.planned, r.expected) == (D(50), D("0.5"))  # the plan exists without data
    assert result(ledger, DAY[101]).status == "missed"


def test_a_decrease_is_achieved_at_or_below_its_target(ledger):
    obj = target(baseline=100, target=40, direction="decrease", due=DUE)
    ledger.obs("m", "40", DAY[50])
    assert result(ledger, DAY[50], obj).status == "achieved"
    ledger.obs("m", "41", DAY[60])
    assert result(ledger, DAY[60], obj).status == "on-track"  # (41−100)/(−60) ≥ 0.6


# --------------------------------------------------------------------------- schedule variance

def sv(ledger, value, t=DAY[50], obj=None):
    ledger.obs("m", value, t)
    return result(ledger, t, obj or target(due=DUE)).schedule_variance_days


def test_schedule_variance_behind_is_negative(ledger):
    assert sv(ledger, "30") == -20  # P reaches 30 on day 30; 30 − 50


def test_schedule_variance_ahead_is_positive(ledger):
    assert sv(ledger, "70") == 20  # P reaches 70 on day 70


def test_schedule_variance_takes_the_first_whole_date_at_or_past(ledger):
    assert sv(ledger, "30.5") == -19  # P(30) = 30 < 30.5 ≤ P(31)


def test_schedule_variance_at_or_below_the_baseline_is_measured_from_start(ledger):
    assert sv(ledger, "0") == -50  # A has not left b: t′ = s
    assert sv(ledger, "-5") == -50


def test_schedule_variance_past_the_target_is_the_date_the_plan_reaches_it(ledger):
    assert sv(ledger, "150") == 50  # t′ = d (day 100); 100 − 50


def test_schedule_variance_of_a_decrease(ledger):
    # P(k) = 100 − 0.6k reaches 82 when k ≥ 30
    obj = target(baseline=100, target=40, direction="decrease", due=DUE)
    assert sv(ledger, "82", obj=obj) == -20


def test_schedule_variance_follows_checkpoints(ledger):
    # (day 0, 0) → (day 10, 50) → (day 100, 100): P reaches 25 on day 5
    obj = target(due=DUE, checkpoints=[{"date": DAY[10], "value": 50}])
    assert sv(ledger, "25", obj=obj) == -45


# --------------------------------------------------------------------------- forecast

def test_forecast_is_anchored_at_the_newest_point_with_the_least_squares_slope(ledger):
    # R2 changed this (revision 1 read the least-squares line itself: 148.333333 at due,
    # ETA day 68): the projection now starts from where we are, A_L, at the pace so far.
    ledger.obs("m", "0", DAY[0])
    ledger.obs("m", "10", DAY[10])
    ledger.obs("m", "30", DAY[20])
    r = result(ledger, DAY[50])
    # x̄ = 10, ȳ = 40/3; Sxx = 100 + 0 + 100 = 200;
    # Sxy = (−10)(−40/3) + 0 + 10(50/3) = 300; β = 1.5 per day; L = day 20, A_L = 30
    # at due: 30 + 1.5 × (100 − 20) = 150
    assert r.forecast_at_due == D("150")
    # 30 + 1.5 (x − 20) ≥ 100 ⇔ x ≥ 20 + 46.67 → day 67 (after t = day 50)
    assert r.eta == day("2024-03-08")
    # from the first point (day 0: 30 − 30 = 0) to due
    assert [(p.date, p.value) for p in r.forecast_line] == [
        (day(DAY[0]), D("0")), (day(DUE), D("150"))]


def test_forecast_never_adds_start_and_ignores_points_before_it(ledger):
    ledger.obs("m", "500", "2023-12-01")  # before s: not a point of the fit
    ledger.obs("m", "10", DAY[10])
    ledger.obs("m", "20", DAY[20])
    ledger.obs("m", "30", DAY[30])
    r = result(ledger, DAY[50])
    # y = k through (10, 10), (20, 20), (30, 30); had (s, b) = (0, 0) been added, the same
    assert r.forecast_at_due == D(100)
    assert r.eta == day(DUE)


def test_forecast_of_a_sum_fits_the_running_total(ledger):
    ledger.obs("s", "5", "2023-12-01")  # counts in the total, not as a point
    for k in (10, 20, 30):
        ledger.obs("s", "10", DAY[k])
    r = result(ledger, DAY[50], target(metric="s", due=DUE))
    # points (10, 15), (20, 25), (30, 35): y = k + 5
    assert r.actual == D(35)
    assert r.forecast_at_due == D(105)
    assert r.eta == day(DAY[95])  # k + 5 ≥ 100


def test_forecast_uses_only_points_up_to_t(ledger):
    ledger.obs("m", "10", DAY[10])
    ledger.obs("m", "20", DAY[20])
    ledger.obs("m", "0", DAY[60])  # after t
    assert result(ledger, DAY[50]).forecast_at_due == D(100)


def test_fewer_than_two_points_give_no_forecast(ledger):
    ledger.obs("m", "10", DAY[10])
    ledger.obs("m", "12", DAY[10])  # same date: still one point
    r = result(ledger, DAY[50])
    assert (r.forecast_at_due, r.eta, r.forecast_line) == (None, None, ())


def test_a_flat_line_has_a_forecast_but_no_eta(ledger):
    ledger.obs("m", "40", DAY[10])
    ledger.obs("m", "40", DAY[20])
    r = result(ledger, DAY[50])
    assert (r.forecast_at_due, r.eta) == (D(40), None)


def test_a_line_going_away_from_the_target_has_no_eta(ledger):
    ledger.obs("m", "40", DAY[10])
    ledger.obs("m", "30", DAY[20])
    r = result(ledger, DAY[50])
    assert r.forecast_at_due == D(-50)  # 40 − 1 × 90
    assert r.eta is None


def test_no_eta_once_the_actual_meets_the_target(ledger):
    # R2: an ETA is never in the past (revision 1 gave the line's first point, day 10).
    ledger.obs("m", "120", DAY[10])
    ledger.obs("m", "110", DAY[20])
    assert result(ledger, DAY[50]).eta is None  # A = 110 already meets 100


def test_eta_of_a_decrease(ledger):
    obj = target(baseline=100, target=40, direction="decrease", due=DUE)
    ledger.obs("m", "90", DAY[10])
    ledger.obs("m", "80", DAY[20])
    assert result(ledger, DAY[50], obj).eta == day(DAY[60])  # 100 − k ≤ 40


def test_an_eta_beyond_the_calendar_is_none(ledger):
    ledger.obs("m", "0", DAY[10])
    ledger.obs("m", "0.000001", DAY[20])  # 100 reached in 10^9 days
    assert result(ledger, DAY[50]).eta is None


# --------------------------------------------------------------------------- chart data

def test_chart_series_and_plan_points(ledger):
    ledger.obs("m", "5", "2023-12-01")
    ledger.obs("m", "20", DAY[20])
    ledger.obs("m", "99", DAY[60])  # after t
    r = result(ledger, DAY[50], target(due=DUE, checkpoints=[{"date": DAY[10], "value": 5}]))
    assert [(p.date, p.value) for p in r.actual_series] == [
        (day("2023-12-01"), D(5)), (day(DAY[20]), D(20))]
    assert [(p.date, p.value) for p in r.plan_points] == [
        (day(DAY[0]), D(0)), (day(DAY[10]), D(5)), (day(DUE), D(100))]
    assert r.last_observed == day(DAY[20])
