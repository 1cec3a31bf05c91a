"""SPEC "Computation": actual A(t) (latest and sum) and the plan P(t)."""

from fractions import Fraction

from compute_factory import D, Ledger, day

from mibtrack.compute import (
    MetricSeries,
    actual_latest,
    actual_sum,
    effective_ledger,
    plan_vertices,
    planned,
    to_decimal,
)


def obs_of(ledger, metric="m"):
    return effective_ledger(ledger.entries).observations_of(metric)


# --------------------------------------------------------------------------- latest

def test_latest_is_the_latest_dated_observation_on_or_before_t(ledger):
    ledger.obs("m", "10", "2024-01-05")
    ledger.obs("m", "30", "2024-01-10")
    ledger.obs("m", "20", "2024-01-08")  # recorded last, but dated in between
    obs = obs_of(ledger)
    assert actual_latest(obs, day("2024-01-04")) is None
    assert actual_latest(obs, day("2024-01-05")) == D(10)  # an entry dated t counts
    assert actual_latest(obs, day("2024-01-09")) == D(20)
    assert actual_latest(obs, day("2024-01-10")) == D(30)
    assert actual_latest(obs, day("2030-01-01")) == D(30)


def test_latest_ties_on_one_date_go_to_the_later_recorded(ledger):
    ledger.obs("m", "30", "2024-01-10")
    ledger.obs("m", "25", "2024-01-10")  # recorded an hour later: the revised figure
    assert actual_latest(obs_of(ledger), day("2024-01-10")) == D(25)


def test_latest_ties_across_writers_follow_ledger_order():
    import datetime as dt
    same = dt.datetime(2024, 2, 1, 9, tzinfo=dt.UTC)
    alice, bob = Ledger("alice"), Ledger("bob")
    bob.obs("m", "7", "2024-01-10", recorded_at=same)
    alice.obs("m", "6", "2024-01-10", recorded_at=same)
    # same recorded_at: writer decides, "bob" sorts after "alice", so bob's is the later
    obs = effective_ledger(alice.entries + bob.entries).observations_of("m")
    assert actual_latest(obs, day("2024-01-10")) == D(7)


# --------------------------------------------------------------------------- sum

def test_sum_adds_every_observation_on_or_before_t_including_before_start(ledger):
    ledger.obs("s", "5", "2023-12-15")  # before any objective's start: still counts
    ledger.obs("s", "10", "2024-01-05")
    ledger.obs("s", "2.5", "2024-01-10")
    obs = obs_of(ledger, "s")
    assert actual_sum(obs, day("2023-12-14")) is None
    assert actual_sum(obs, day("2023-12-15")) == D(5)
    assert actual_sum(obs, day("2024-01-09")) == D(15)  # 5 + 10
    assert actual_sum(obs, day("2024-01-10")) == D("17.5")  # 5 + 10 + 2.5


def test_sum_is_exact(ledger):
    for i in range(1000):
        ledger.obs("s", "0.10", f"2024-01-{1 + i % 28:02d}")
    # 1000 × 0.10 = 100 exactly, not 99.99999999999986
    assert actual_sum(obs_of(ledger, "s"), day("2024-12-31")) == D(100)


def test_the_series_holds_one_level_per_observation_date(ledger):
    ledger.obs("s", "1", "2024-01-01")
    ledger.obs("s", "2", "2024-01-01")
    ledger.obs("s", "4", "2024-01-03")
    series = MetricSeries.build("sum", obs_of(ledger, "s"))
    assert series.dates == (day("2024-01-01"), day("2024-01-03"))
    assert series.levels == (D(3), D(7))  # running totals: 1 + 2, then + 4
    assert series.points(day("2024-01-02"), day("2024-12-31")) == ((day("2024-01-03"), D(7)),)
    assert series.last_observed(day("2024-01-02")) == day("2024-01-01")


# --------------------------------------------------------------------------- plan

# (2024-01-01, 0) → checkpoint (2024-01-11, 40) → (2024-01-31, 100)
VERTICES = plan_vertices(day("2024-01-01"), D(0), [(day("2024-01-11"), D(40))],
                         day("2024-01-31"), D(100))


def test_plan_is_the_baseline_before_start_and_the_target_after_due():
    assert planned(VERTICES, day("2023-06-01")) == 0
    assert planned(VERTICES, day("2024-01-01")) == 0
    assert planned(VERTICES, day("2024-01-31")) == 100
    assert planned(VERTICES, day("2031-01-01")) == 100


def test_plan_interpolates_by_calendar_days_through_checkpoints():
    assert planned(VERTICES, day("2024-01-04")) == 12  # 40 × 3/10
    assert planned(VERTICES, day("2024-01-06")) == 20  # 40 × 5/10
    assert planned(VERTICES, day("2024-01-11")) == 40  # the checkpoint itself
    assert planned(VERTICES, day("2024-01-21")) == 70  # 40 + 60 × 10/20


def test_plan_counts_calendar_days_across_a_leap_february():
    vertices = plan_vertices(day("2024-02-01"), D(0), [], day("2024-03-01"), D(29))
    assert planned(vertices, day("2024-02-29")) == 28  # 29 days in Feb 2024: 29 × 28/29


def test_plan_of_a_decrease_goes_down():
    vertices = plan_vertices(day("2024-01-01"), D(100), [], day("2024-01-31"), D(40))
    assert planned(vertices, day("2024-01-11")) == 80  # 100 − 60 × 10/30


def test_plan_is_exact_and_rounded_only_for_output():
    vertices = plan_vertices(day("2024-01-01"), D(0), [], day("2024-01-04"), D(1))
    assert planned(vertices, day("2024-01-02")) == Fraction(1, 3)
    assert to_decimal(planned(vertices, day("2024-01-02"))) == D("0.333333")
    assert to_decimal(planned(vertices, day("2024-01-03"))) == D("0.666667")


def test_output_rounding_is_half_to_even_at_six_places():
    assert to_decimal(Fraction(1, 2_000_000)) == D(0)  # 0.0000005 → 0.000000
    assert to_decimal(Fraction(3, 2_000_000)) == D("0.000002")  # 0.0000015 → 0.000002
    assert to_decimal(Fraction(-3, 2_000_000)) == D("-0.000002")
    assert to_decimal(D("12000000.0000000")) == D(12000000)
    assert str(to_decimal(Fraction(1, 2))) == "0.5"  # canonical: no trailing zeros


def test_output_rounding_is_exact_for_large_values():
    # 23 integer digits + 6 places: more than the default 28-digit decimal context holds
    assert to_decimal(Fraction(10**22) + Fraction(1, 3)) == D("10000000000000000000000.333333")
