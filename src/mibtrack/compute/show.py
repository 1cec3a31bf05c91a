"""`show`'s value: one objective in depth, computed once; the terminal and the JSON document
only format it (before, each renderer called the evaluator itself, and the quarter ends
were worked out twice)."""

from __future__ import annotations

import datetime as dt

from mibtrack.model import Entry, MilestoneObjective, Objective, Project

from .report import AnyResult, Evaluator, ReportRecord, period_ends
from .trends import MilestoneTrend, Period, milestone_trend


class ShowPoint(ReportRecord):
    """The objective as it stood on one day."""

    date: dt.date
    """The day."""
    result: AnyResult
    """Its record on that day."""


class ShowReport(ReportRecord):
    """`mibtrack show OBJECTIVE`: the declaration, the record at the as-of day, plan vs
    actual at each quarter end, the chart's points, the entries bearing on it and, for a
    milestone, its trend."""

    as_of: dt.date
    """The as-of day."""
    known_at: dt.datetime | None
    """As the ledger knew it then (None: as known now)."""
    objective: Objective
    """The objective as declared in the plan version in force."""
    result: AnyResult
    """Its record at the as-of day."""
    history: tuple[ShowPoint, ...]
    """At each quarter end from its start to the as-of day (the day itself last)."""
    chart: tuple[ShowPoint, ...]
    """At the days the chart draws (none when no chart was asked for)."""
    entries: tuple[Entry, ...]
    """The ledger's entries bearing on it, as known at known_at."""
    trend: MilestoneTrend | None
    """A milestone's forecast date at each reporting date (None for other kinds)."""


def history_dates(project: Project, objective: Objective, day: dt.date) -> tuple[dt.date, ...]:
    """Quarter ends from the objective's start up to the as-of day (the day itself last)."""
    start = (project.start_of(objective) if objective.kind in ("target", "limit")
             else project.program.start)
    if day <= start:
        return (day,)
    return period_ends(start, day, "quarter")


def chart_dates(result: AnyResult, as_of: dt.date, columns: int) -> tuple[dt.date, ...]:
    """Evenly spaced days from the objective's start (or first observation) to its due date
    or the as-of day, whichever is later: where `show` draws plan and actual."""
    left = min([result.start or as_of] + [p.date for p in result.actual_series])
    right = max(d for d in (result.due, as_of) if d is not None)
    span = max(1, (right - left).days)
    return tuple(sorted({left + dt.timedelta(days=round(span * i / (columns - 1)))
                         for i in range(columns)}))


def build_show(project: Project, evaluator: Evaluator, objective: Objective, day: dt.date,
               known_at: dt.datetime | None, entries: tuple[Entry, ...],
               chart_columns: int | None = None, period: Period = "month") -> ShowReport:
    """Everything `show` prints, computed once. `chart_columns`: how many days the chart
    draws (the terminal's width decides; None: no chart); `period`: a milestone trend's
    reporting dates."""
    result = evaluator.evaluate(objective.id, day)
    days = history_dates(project, objective, day)
    history = evaluator.series(objective.id, days)
    chart: tuple[ShowPoint, ...] = ()
    if chart_columns is not None and result.kind in ("target", "limit"):
        drawn = chart_dates(result, day, chart_columns)
        chart = tuple(ShowPoint(date=d, result=r)
                      for d, r in zip(drawn, evaluator.series(objective.id, drawn),
                                      strict=True))
    trend = None
    if isinstance(objective, MilestoneObjective):
        trend = milestone_trend(evaluator, objective, project.program.start, day, period)
    return ShowReport(
        as_of=day, known_at=known_at, objective=objective, result=result,
        history=tuple(ShowPoint(date=d, result=r)
                      for d, r in zip(days, history, strict=True)),
        chart=chart, entries=entries, trend=trend)
