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


def planned(vertices: Sequence[Vertex], t: dt.date) -> Fraction:
    """P(t): linear between vertices by calendar days; the first value before, the last after."""
    if t <= vertices[0][0]:
        return Fraction(vertices[0][1])
    for (d0, v0), (d1, v1) in zip(vertices, vertices[1:], strict=False):
        if t <= d1:
            return Fraction(v0) + (Fraction(v1) - Fraction(v0)) * (t - d0).days / (d1 - d0).days
    return Fraction(vertices[-1][1])


def first_date_reaching(vertices: Sequence[Vertex], level: Fraction | Decimal,
                        direction: Direction) -> dt.date | None:
    """The first whole date, from the plan's start on, on which P is at or past `level`."""
    level = Fraction(level)
    d0, v0 = vertices[0]
    if reaches(Fraction(v0), level, direction):
        return d0
    for (d0, v0), (d1, v1) in zip(vertices, vertices[1:], strict=False):
        f0, f1 = Fraction(v0), Fraction(v1)
        if reaches(f1, level, direction):
            # v0 + (v1 - v0) * x / span reaches level from x = (level - v0) * span / (v1 - v0)
            x = math.ceil((level - f0) * (d1 - d0).days / (f1 - f0))
            return d0 + dt.timedelta(days=max(0, x))
    return None


# --------------------------------------------------------------------------- ratios

def ratio(value: Fraction | Decimal, baseline: Decimal, goal: Decimal) -> Fraction:
    """(value − b) / (T − b): progress for A, expected for P(t)."""
    return (Fraction(value) - Fraction(baseline)) / (Fraction(goal) - Fraction(baseline))


def schedule_variance_days(vertices: Sequence[Vertex], actual: Decimal, t: dt.date,
                           direction: Direction) -> int | None:
    """SV = t′ − t, t′ the first date P reaches A (negative = behind plan by that many days).

    A that has not left the baseline gives t′ = s; A past T gives the date P reaches T.
    Both follow from clamping A into [b, T] and searching from s.
    """
    baseline, goal = Fraction(vertices[0][1]), Fraction(vertices[-1][1])
    level = Fraction(actual)
    if not reaches(level, baseline, direction) or level == baseline:
        level = baseline
    elif reaches(level, goal, direction):
        level = goal
    reached = first_date_reaching(vertices, level, direction)
    return None if reached is None else (reached - t).days


# --------------------------------------------------------------------------- forecast

@dataclass(frozen=True, slots=True)
class Line:
    """y = intercept + slope × x, x in days (proleptic ordinal), exact."""

    slope: Fraction
    intercept: Fraction
    first: dt.date  #: the first point the line was fitted through
    last: dt.date  #: the last point the line was fitted through

    def at(self, day: dt.date) -> Fraction:
        return self.intercept + self.slope * day.toordinal()


def least_squares(points: Sequence[tuple[dt.date, Decimal]]) -> Line | None:
    """The least-squares line through the points (distinct dates); None for fewer than two.

    Exact, in integers: each y is scaled to a whole number of its common denominator, so the
    sums need no Fraction arithmetic per point (thousands of points per metric).
    """
    if len(points) < 2:
        return None
    ratios = [value.as_integer_ratio() for _, value in points]
    den = math.lcm(*{d for _, d in ratios})
    ys = [num * (den // d) for num, d in ratios]
    xs = [day.toordinal() for day, _ in points]
    n = len(points)
    sum_x, sum_y = sum(xs), sum(ys)
    sxx = n * sum(x * x for x in xs) - sum_x * sum_x
    sxy = n * sum(x * y for x, y in zip(xs, ys, strict=True)) - sum_x * sum_y
    slope = Fraction(sxy, sxx * den)
    return Line(slope, Fraction(sum_y, n * den) - slope * Fraction(sum_x, n),
                points[0][0], points[-1][0])


def eta(line: Line, goal: Decimal, direction: Direction) -> dt.date | None:
    """The first whole date, from the line's first point on, at which it is at or past T.

    A line already at or past T at its first point gives that first point's date (the pace
    had the objective met from the start of the evidence). A flat line, or one going the
    wrong way, that is not past T there never reaches it: None. So is a date after 9999.
    """
    target = Fraction(goal)
    if reaches(line.at(line.first), target, direction):
        return line.first
    moving_towards = line.slope > 0 if direction == "increase" else line.slope < 0
    if not moving_towards:
        return None
    # intercept + slope·x reaches T from x = (T − intercept) / slope (either direction).
    x = math.ceil((target - line.intercept) / line.slope)
    if x > dt.date.max.toordinal():
        return None
    return dt.date.fromordinal(max(x, line.first.toordinal()))


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
