"""Invariants of SPEC revision 2's rules on random ledgers (hypothesis), and Student's t
against published quantiles."""

import datetime as dt
import math

import pytest
from compute_factory import Ledger, day, project, target
from hypothesis import example, given, settings
from hypothesis import strategies as st

from mibtrack.compute import build_report, student_t_cdf, student_t_quantile

START = dt.date(2024, 1, 1)

observations = st.lists(
    st.tuples(st.integers(0, 900), st.integers(0, 200)), min_size=0, max_size=12)


def ledger_of(points: list[tuple[int, int]], metric: str = "m") -> Ledger:
    ledger = Ledger()
    for offset, value in points:
        ledger.obs(metric, str(value), (START + dt.timedelta(days=offset)).isoformat())
    return ledger


@settings(max_examples=150, deadline=None)
@given(points=observations, t_offset=st.integers(-30, 1000),
       cadence=st.sampled_from([None, "monthly", "quarterly", "yearly"]),
       plan=st.sampled_from(["linear", "step"]))
# no figure on the due day itself: `no-data`, not yet a verdict (SPEC: "while t ≤ d")
@example(points=[], t_offset=546, cadence=None, plan="linear")
def test_target_results_keep_their_invariants(points, t_offset, cadence, plan) -> None:
    metrics = {"m": {"id": "m", "unit": "jobs", "aggregate": "latest", "cadence": cadence}}
    objective = target(due="2025-06-30", plan=plan,
                       checkpoints=[{"date": "2024-06-30", "value": 30},
                                    {"date": "2024-12-31", "value": 60}])
    t = START + dt.timedelta(days=t_offset)
    r = build_report(project(objective, metrics=metrics), ledger_of(points).entries,
                     t).objectives[0]
    assert (r.late_days is None) == (r.status != "achieved")
    assert (r.evaluated_at is None) == (r.status in ("not-started", "no-data"))
    if r.evaluated_at is not None:
        assert r.evaluated_at <= t
    assert r.eta is None or r.eta > t                       # never in the past
    if r.forecast_low is not None:
        assert r.forecast_low <= r.forecast_at_due <= r.forecast_high
        assert 0 <= r.p_meet <= 1
    if t >= day("2025-06-30"):
        assert r.forecast_at_due is None                    # "F(d) while t < d"
    if t > day("2025-06-30"):
        assert r.status in ("achieved", "missed")           # the verdict at due stands


@settings(max_examples=150, deadline=None)
@given(points=observations, t_offset=st.integers(-30, 1000),
       bounds=st.sampled_from([(40, None), (None, 120), (40, 120)]))
def test_limit_results_keep_their_invariants(points, t_offset, bounds) -> None:
    low, high = bounds
    limit = {"id": "l", "title": "Limit", "kind": "limit", "metric": "m", "due": "2025-06-30",
             **({"min": low} if low is not None else {}),
             **({"max": high} if high is not None else {})}
    t = START + dt.timedelta(days=t_offset)
    r = build_report(project(limit), ledger_of(points).entries, t).objectives[0]
    if r.actual is None:
        assert r.within is None and r.headroom is None
    else:
        assert r.within == (r.headroom >= 0)
        assert (r.breached_since is not None) == (not r.within)
        assert r.progress == (1 if r.within else 0) and r.expected == 1
    if r.status == "off-track":
        assert r.within is False
    if r.status == "missed":
        assert r.breaches and r.breaches > 0


@pytest.mark.parametrize(("df", "published"), [
    (1, 3.077684), (2, 1.885618), (3, 1.637744), (5, 1.475884), (10, 1.372184),
    (20, 1.325341), (30, 1.310415), (120, 1.288646)])
def test_student_t_quantile_matches_published_tables(df: int, published: float) -> None:
    assert abs(student_t_quantile(0.9, df) - published) < 1e-6


@settings(max_examples=200, deadline=None)
@given(x=st.floats(-50, 50), df=st.integers(1, 400))
@example(x=1.192092896e-07, df=3)  # 1 − x lost its digits when computed as 1.0 − x
def test_student_t_cdf_is_symmetric_and_inverts_its_quantile(x: float, df: int) -> None:
    assert math.isclose(student_t_cdf(x, df) + student_t_cdf(-x, df), 1.0, abs_tol=1e-12)
    p = student_t_cdf(x, df)
    if 1e-9 < p < 1 - 1e-9:
        assert math.isclose(student_t_cdf(student_t_quantile(p, df), df), p, abs_tol=1e-9)


def test_student_t_with_one_degree_is_cauchy_and_with_many_is_normal() -> None:
    # Cauchy: CDF(x) = 1/2 + atan(x)/π; the normal's 0.975 point is 1.959964.
    for x in (-10.0, -1.0, 0.3, 2.5):
        assert math.isclose(student_t_cdf(x, 1), 0.5 + math.atan(x) / math.pi, abs_tol=1e-12)
    assert abs(student_t_quantile(0.975, 1_000_000) - 1.959964) < 1e-5
