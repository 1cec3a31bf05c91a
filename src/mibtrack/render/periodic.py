"""The periodic view (`report --period month|quarter|year`), like hledger's -M/-Q/-Y: each
objective's value at the end of each period beside the plan and the variance.

Span: from the objective's start (a target's `start`, else the programme's start) up to the
report's as-of date; the last period is the one in progress, cut at the as-of date (see
`compute.period_ends`). An objective that has not started by the as-of date has no rows.
Every number comes from `compute.period_series`; nothing here computes one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..compute.report import PERIODS as PERIODS

if TYPE_CHECKING:
    from ..compute import AnyResult, Evaluator, Report

#: The fields each period row shows, in order (all from AnyResult).
ROW_FIELDS = ("status", "actual", "planned", "variance", "progress", "expected",
              "variance_points", "state")


@dataclass(frozen=True, slots=True)
class PeriodRow:
    """One objective at the end of one period."""

    objective: str
    """Objective id."""
    end: dt.date
    """Last day of the period (the as-of date for the period in progress)."""
    result: AnyResult
    """The objective evaluated at the end of that day."""


@dataclass(frozen=True, slots=True)
class PeriodicView:
    """Period rows for every objective, in declaration order then date order."""

    period: str
    """month, quarter or year."""
    rows: tuple[PeriodRow, ...]
    """One per (objective, period end)."""

    def of(self, objective_id: str) -> tuple[PeriodRow, ...]:
        return tuple(r for r in self.rows if r.objective == objective_id)


def span_start(result: AnyResult, report: Report) -> dt.date:
    """Where an objective's periodic rows begin."""
    return result.start or report.program.start


def periodic_view(evaluator: Evaluator, report: Report, period: str) -> PeriodicView:
    from ..compute import period_series
    from ..compute.report import period_ends

    if period not in PERIODS:
        raise ValueError(f"unknown period {period!r}")
    rows: list[PeriodRow] = []
    for result in report.objectives:
        first = span_start(result, report)
        ends = period_ends(first, report.as_of, period)
        series = period_series(evaluator, result.id, first, report.as_of,
                               period)
        rows.extend(PeriodRow(result.id, end, r) for end, r in zip(ends, series, strict=True))
    return PeriodicView(period, tuple(rows))


def periodic_document(view: PeriodicView) -> dict[str, Any]:
    """The JSON form: added to the report document under `periods`."""
    return {"period": view.period,
            "rows": [{"id": r.objective, "date": r.end,
                      **{name: getattr(r.result, name, None) for name in ROW_FIELDS}}
                     for r in view.rows]}
