"""Milestone trend analysis (MTA): each milestone's expected date at each reporting date.

At each reporting date R (month ends, or quarter/year ends, up to the as-of date) the
milestone is evaluated as at R by `Evaluator` — its state, expected date and done date
are the milestone rules' own (compute/report.py), not a second copy — and its forecast
date is the done date once done, else its expected date, else its due date. A line that
stays level is on schedule; one that climbs is slipping; it ends where it meets the
diagonal (forecast = reporting date), done.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from mibtrack.model import MilestoneObjective

from .plans import PlanRecord

if TYPE_CHECKING:
    from .report import Evaluator

Period = Literal["month", "quarter", "year"]


class TrendPoint(PlanRecord):
    """The milestone as seen at one reporting date."""

    reporting_date: dt.date
    """The reporting date (a period's last day, or the as-of date)."""
    forecast_date: dt.date
    """When it was then expected: done date once done, else expected date, else due."""
    state: str | None
    """Its latest event by then: done, at-risk, slipped, reopened (None: no event yet)."""
    status: str
    """Its status at that date."""


class MilestoneTrend(PlanRecord):
    """One milestone's forecast dates across reporting dates (the MTA table)."""

    id: str
    """Objective id."""
    title: str
    """Its title (user text)."""
    due: dt.date
    """Its due date, as declared."""
    period: Period
    """month, quarter or year."""
    points: tuple[TrendPoint, ...]
    """One per reporting date, oldest first, up to the first at which it was done."""
    slips: int
    """How many times the forecast date moved later."""
    done: dt.date | None
    """When it was done, if it was by the last reporting date."""


def milestone_trend(evaluator: Evaluator, objective: MilestoneObjective, first: dt.date,
                    last: dt.date, period: Period = "month") -> MilestoneTrend:
    """The MTA table of one milestone, reporting dates from `first` to `last`."""
    from .report import period_ends

    points: list[TrendPoint] = []
    done = None
    for day in period_ends(first, last, period):
        r = evaluator.evaluate(objective.id, day)
        forecast = (getattr(r, "done_date", None) or getattr(r, "expected_date", None)
                    or objective.due)
        state = getattr(r, "state", None)
        points.append(TrendPoint(reporting_date=day, forecast_date=forecast, state=state,
                                 status=r.status))
        if state == "done":
            done = forecast
            break
    slips = sum(1 for a, b in zip(points, points[1:], strict=False)
                if b.forecast_date > a.forecast_date)
    return MilestoneTrend(id=objective.id, title=objective.title, due=objective.due,
                          period=period, points=tuple(points), slips=slips, done=done)


def milestone_trends(evaluator: Evaluator, first: dt.date, last: dt.date,
                     period: Period = "month") -> tuple[MilestoneTrend, ...]:
    """The MTA table of every milestone of the project, in declaration order."""
    return tuple(milestone_trend(evaluator, o, first, last, period)
                 for o in evaluator.project.objectives if isinstance(o, MilestoneObjective))
