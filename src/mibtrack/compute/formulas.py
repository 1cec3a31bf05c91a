"""The formulas of SPEC "Computation", as pure functions.

Actuals are exact decimals (sums under `DECIMAL_CONTEXT`). Everything that divides — the plan
between two vertices, progress, expected, the least-squares line — is kept as an exact
`Fraction` until it is output, and only then rounded to 6 places (ROUND_HALF_EVEN) by
`to_decimal`. This keeps statuses exact: r = progress / expected is compared with 1 and with
the at-risk threshold without any rounding, so "exactly at the threshold" is at-risk, always.
(With 40-digit decimals, a plan value like 200/3 rounds up and 0.9 × it can land above an
actual that is exactly on the threshold.)
"""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, localcontext
from fractions import Fraction
from typing import Literal

from mibtrack.model import CADENCE_DAYS
from mibtrack.values import DECIMAL_CONTEXT, canonical

from .ledger_state import EffectiveObservation

Direction = Literal["increase", "decrease"]
Aggregate = Literal["latest", "sum"]

#: Ratios and interpolated values are output with this many decimal places.
OUTPUT_PLACES = 6
_QUANTUM = Decimal(1).scaleb(-OUTPUT_PLACES)
_SCALE = 10 ** OUTPUT_PLACES


def to_decimal(value: Fraction | Decimal) -> Decimal:
    """Round to 6 places, half to even, exactly (no intermediate rounding); canonical form."""
    if isinstance(value, Decimal):
        with localcontext(DECIMAL_CONTEXT):
            return canonical(value.quantize(_QUANTUM, rounding=ROUND_HALF_EVEN))
    scaled = round(value * _SCALE)  # Fraction.__round__ rounds half to even, exactly
    return canonical(Decimal(f"{scaled}E-{OUTPUT_PLACES}"))  # exact, whatever the context


def reaches(value: Fraction | Decimal, level: Fraction | Decimal, direction: Direction) -> bool:
    """`value` is at or past `level` in the objective's direction."""
    return value >= level if direction == "increase" else value <= level


# --------------------------------------------------------------------------- actual A(t)

@dataclass(frozen=True, slots=True)
class MetricSeries:
    """A metric's actual A at each date that has an observation, ready for A(t) lookups.

    `latest`: A at a date is the value of that date's last-recorded observation.
    `sum`: A at a date is the running total of every observation dated on or before it.
    """

    aggregate: Aggregate
    dates: tuple[dt.date, ...]  #: distinct observation dates, ascending
    levels: tuple[Decimal, ...]  #: A at each of those dates

    @classmethod
    def build(cls, aggregate: Aggregate, observations: Sequence[EffectiveObservation]
              ) -> MetricSeries:
        """`observations` sorted by (as_of, rank), as `EffectiveLedger` holds them."""
        dates: list[dt.date] = []
        levels: list[Decimal] = []
        total = Decimal(0)
        with localcontext(DECIMAL_CONTEXT):
            for obs in observations:
                if aggregate == "sum":
                    total += obs.value
                    level = total
                else:
                    level = obs.value  # later in the tuple = later recorded on that date
                if dates and dates[-1] == obs.as_of:
                    levels[-1] = level
                else:
                    dates.append(obs.as_of)
                    levels.append(level)
        return cls(aggregate, tuple(dates), tuple(canonical(v) for v in levels))

    def _index(self, t: dt.date) -> int:
        return bisect.bisect_right(self.dates, t) - 1

    def actual(self, t: dt.date) -> Decimal | None:
        """A(t); None when no observation is dated on or before t."""
        i = self._index(t)
        return self.levels[i] if i >= 0 else None

    def last_observed(self, t: dt.date) -> dt.date | None:
        """The date of the newest observation on or before t."""
        i = self._index(t)
        return self.dates[i] if i >= 0 else None

    def points(self, first: dt.date, last: dt.date) -> tuple[tuple[dt.date, Decimal], ...]:
        """(date, A(date)) for every observation date in [first, last]."""
        lo = bisect.bisect_left(self.dates, first)
        hi = bisect.bisect_right(self.dates, last)
        return tuple(zip(self.dates[lo:hi], self.levels[lo:hi], strict=True))


def actual_latest(observations: Sequence[EffectiveObservation], t: dt.date) -> Decimal | None:
    """A(t) of a level: the latest-dated observation on or before t (ties: later recorded)."""
    return MetricSeries.build("latest", observations).actual(t)


def actual_sum(observations: Sequence[EffectiveObservation], t: dt.date) -> Decimal | None:
    """A(t) of a flow: the sum of all observations dated on or before t (before start too)."""
    return MetricSeries.build("sum", observations).actual(t)


# --------------------------------------------------------------------------- plan P(t)

Vertex = tuple[dt.date, Decimal]


def plan_vertices(start: dt.date, baseline: Decimal, checkpoints: Sequence[Vertex],
                  due: dt.date, goal: Decimal) -> tuple[Vertex, ...]:
    """The plan's corners: (s, b), each checkpoint, (d, T)."""
    return ((start, baseline), *checkpoints, (due, goal))


PlanShape = Literal["linear", "step"]


def planned(vertices: Sequence[Vertex], t: dt.date, shape: PlanShape = "linear") -> Fraction:
    """P(t). `linear`: straight between vertices by calendar days; `step` (R2): each
    vertex's value from its date on (b before the first checkpoint, T from due on). Both:
    the first value (b) before the start, the last (T) after due."""
    if t <= vertices[0][0]:
        return Fraction(vertices[0][1])
    if shape == "step":
        value = vertices[0][1]
        for day, level in vertices[1:]:
            if t < day:
                break
            value = level
        return Fraction(value)
    for (d0, v0), (d1, v1) in zip(vertices, vertices[1:], strict=False):
        if t <= d1:
            return Fraction(v0) + (Fraction(v1) - Fraction(v0)) * (t - d0).days / (d1 - d0).days
    return Fraction(vertices[-1][1])


def first_date_reaching(vertices: Sequence[Vertex], level: Fraction | Decimal,
                        direction: Direction, shape: PlanShape = "linear") -> dt.date | None:
    """The first whole date, from the plan's start on, on which P is at or past `level`."""
    level = Fraction(level)
    d0, v0 = vertices[0]
    if reaches(Fraction(v0), level, direction):
        return d0
    if shape == "step":  # P only changes on a vertex's date
        return next((day for day, value in vertices[1:]
                     if reaches(Fraction(value), level, direction)), None)
    for (d0, v0), (d1, v1) in zip(vertices, vertices[1:], strict=False):
        f0, f1 = Fraction(v0), Fraction(v1)
        if reaches(f1, level, direction):
            # v0 + (v1 - v0) * x / span reaches level from x = (level - v0) * span / (v1 - v0)
            x = math.ceil((level - f0) * (d1 - d0).days / (f1 - f0))
            return d0 + dt.timedelta(days=max(0, x))
    return None


def evaluation_date(cadence: str | None, last_observed: dt.date | None, start: dt.date,
                    t: dt.date) -> dt.date:
    """τ, "as at the last report" (R2): the newest observation's date L when the metric
    declares a cadence, s ≤ L ≤ t and t − L is at most one cadence (31, 92 or 366 days: the
    next report is not due yet); otherwise t (the report is due: the plan moves on)."""
    if cadence is None or last_observed is None:
        return t
    if start <= last_observed <= t and (t - last_observed).days <= CADENCE_DAYS[cadence]:
        return last_observed
    return t


# --------------------------------------------------------------------------- ratios

def ratio(value: Fraction | Decimal, baseline: Decimal, goal: Decimal) -> Fraction:
    """(value − b) / (T − b): progress for A, expected for P(t)."""
    return (Fraction(value) - Fraction(baseline)) / (Fraction(goal) - Fraction(baseline))


def schedule_variance_days(vertices: Sequence[Vertex], actual: Decimal, tau: dt.date,
                           direction: Direction, shape: PlanShape = "linear") -> int | None:
    """SV = t′ − τ, t′ the first date P reaches A (negative = behind plan by that many days).

    A that has not left the baseline gives t′ = s; A past T gives the date P reaches T.
    Both follow from clamping A into [b, T] and searching from s.
    """
    baseline, goal = Fraction(vertices[0][1]), Fraction(vertices[-1][1])
    level = Fraction(actual)
    if not reaches(level, baseline, direction) or level == baseline:
        level = baseline
    elif reaches(level, goal, direction):
        level = goal
    reached = first_date_reaching(vertices, level, direction, shape)
    return None if reached is None else (reached - tau).days


# --------------------------------------------------------------------------- forecast

@dataclass(frozen=True, slots=True)
class Forecast:
    """The anchored projection F(x) = A_L + β·(x − L) (SPEC R2 "forecast"), exact.

    β is the least-squares slope through the points (one per distinct observation date from
    s to t, y = A at the end of that date); L is the newest point's date and A_L its value:
    "from where we are, at the pace so far". `sxx` and `sse` (Σ(x − x̄)² and the residuals'
    Σ² around the least-squares line) give the interval when there are 3 points or more.
    """

    slope: Fraction  #: β, in the metric's unit per day
    anchor: dt.date  #: L
    level: Fraction  #: A_L
    first: dt.date  #: the first point's date
    n: int  #: how many points
    sxx: Fraction
    sse: Fraction

    def at(self, day: dt.date) -> Fraction:
        """F(day)."""
        return self.level + self.slope * (day - self.anchor).days

    def standard_error(self, day: dt.date) -> Decimal | None:
        """se = s·√(1 + (day − L)²/Sxx), s² = Σres²/(n − 2); None under three points."""
        if self.n < 3:
            return None
        variance = self.sse / (self.n - 2) * (1 + Fraction((day - self.anchor).days ** 2)
                                               / self.sxx)
        with localcontext() as ctx:
            ctx.prec = 50
            return (Decimal(variance.numerator) / Decimal(variance.denominator)).sqrt()


def forecast(points: Sequence[tuple[dt.date, Decimal]]) -> Forecast | None:
    """The anchored forecast through the points (distinct dates, ascending); None under two.

    Exact, in integers: each y is scaled to a whole number of a common denominator, x is
    days from the first point, so sums need no Fraction arithmetic per point.
    """
    n = len(points)
    if n < 2:
        return None
    ratios = [value.as_integer_ratio() for _, value in points]
    den = math.lcm(*{d for _, d in ratios})
    ys = [num * (den // d) for num, d in ratios]
    origin = points[0][0]
    xs = [(day - origin).days for day, _ in points]
    sum_x, sum_y = sum(xs), sum(ys)
    sxx = Fraction(n * sum(x * x for x in xs) - sum_x * sum_x, n)
    sxy = Fraction(n * sum(x * y for x, y in zip(xs, ys, strict=True)) - sum_x * sum_y, n)
    syy = Fraction(n * sum(y * y for y in ys) - sum_y * sum_y, n)
    slope = sxy / sxx  # scaled by den
    sse = max(Fraction(0), syy - slope * sxy) / (den * den)
    anchor, level = points[-1]
    return Forecast(slope=slope / den, anchor=anchor, level=Fraction(level), first=origin,
                    n=n, sxx=sxx, sse=sse)


def eta(fc: Forecast, goal: Decimal, direction: Direction, t: dt.date,
        actual: Decimal | None) -> dt.date | None:
    """The first whole date after t on which F is at or past T, when A(t) has not met T and
    β moves toward T; otherwise None (also past 9999). Never on or before t."""
    if actual is None or reaches(actual, goal, direction):
        return None
    moving_towards = fc.slope > 0 if direction == "increase" else fc.slope < 0
    if not moving_towards:
        return None
    # A_L + β·k reaches T from k = (T − A_L) / β on (dividing by β < 0 flips ≤ to ≥).
    k = math.ceil((Fraction(goal) - fc.level) / fc.slope)
    day = max(fc.anchor.toordinal() + k, t.toordinal() + 1)
    if day > dt.date.max.toordinal():
        return None
    return dt.date.fromordinal(day)


@dataclass(frozen=True, slots=True)
class Interval:
    """The 80 % interval of the value at due and the chance it reaches T."""

    low: Decimal
    high: Decimal
    p_meet: Decimal


def forecast_interval(fc: Forecast, due: dt.date, goal: Decimal | None,
                      direction: Direction) -> Interval | None:
    """F(d) ∓ q·se, q the 0.9 quantile of Student's t with n − 2 degrees of freedom, and
    p_meet = P(value at d reaches T) under that distribution (se = 0: 1 or 0). None under
    three points. With no goal (a limit), p_meet is 0 (unused)."""
    se = fc.standard_error(due)
    if se is None:
        return None
    centre = fc.at(due)
    with localcontext() as ctx:
        ctx.prec = 50
        centre_dec = Decimal(centre.numerator) / Decimal(centre.denominator)
        spread = Decimal(student_t_quantile(0.9, fc.n - 2)) * se
        low, high = centre_dec - spread, centre_dec + spread
    if goal is None:
        p = 0.0
    elif se == 0:
        p = 1.0 if reaches(centre, goal, direction) else 0.0
    else:
        z = float((Decimal(goal) - centre_dec) / se)
        below = student_t_cdf(z, fc.n - 2)
        p = 1.0 - below if direction == "increase" else below
    return Interval(low=to_decimal(low), high=to_decimal(high),
                    p_meet=to_decimal(Decimal(repr(min(1.0, max(0.0, p))))))


# --------------------------------------------------------------------------- Student's t

def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz)."""
    tiny, eps = 1e-300, 1e-16
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 10_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < eps:
            break
    return h


def regularized_incomplete_beta(a: float, b: float, x: float, y: float | None = None
                                ) -> float:
    """I_x(a, b), by its continued fraction (on the side where it converges fast). `y` is
    1 − x when the caller knows it more exactly than `1.0 - x` would give (x near 1)."""
    y = 1.0 - x if y is None else y
    if x <= 0.0:
        return 0.0
    if y <= 0.0:
        return 1.0
    log_front = (math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
                 + a * math.log(x) + b * math.log(y))
    front = math.exp(log_front)
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, y) / b


def student_t_cdf(x: float, df: int) -> float:
    """P(T ≤ x) for Student's t with `df` degrees of freedom."""
    if x == 0.0:
        return 0.5
    square = x * x
    tail = 0.5 * regularized_incomplete_beta(df / 2.0, 0.5, df / (df + square),
                                             square / (df + square))
    return 1.0 - tail if x > 0 else tail


@functools.lru_cache(maxsize=256)
def student_t_quantile(p: float, df: int) -> float:
    """The x with P(T ≤ x) = p (0 < p < 1), by bisection on the CDF to float precision."""
    if not 0.0 < p < 1.0:
        raise ValueError("p must be strictly between 0 and 1")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -student_t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while student_t_cdf(high, df) < p:
        low, high = high, high * 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        if middle in (low, high):
            break
        if student_t_cdf(middle, df) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2.0


# --------------------------------------------------------------------------- staleness

def stale_after_days(cadence: str) -> Fraction:
    """A cadence plus half a cadence: monthly 46.5, quarterly 138, yearly 549 days."""
    return Fraction(CADENCE_DAYS[cadence]) * Fraction(3, 2)


def is_stale(cadence: str | None, last_observed: dt.date | None, t: dt.date) -> bool:
    """Stale when the newest observation on or before t is older than 1.5 cadences.

    "Older than" is strict, in whole days: an age of exactly 138 days is not stale for a
    quarterly metric, 139 is (monthly: 46 fine, 47 stale; yearly: 549 fine, 550 stale).
    No cadence, or no observation yet, is never stale.
    """
    if cadence is None or last_observed is None:
        return False
    return (t - last_observed).days > stale_after_days(cadence)
