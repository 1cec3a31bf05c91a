"""Exceptions first: the objectives a board must look at, and why.

An *exception* is an objective that is at-risk, off-track or missed at the report's date.
For each one the board pack shows its owner, its status, the gap (in the metric's unit and
in days), its current reason, the next date to watch and since when it has been in that
state. Everything here is computed from the evaluator's results; renderers only format it.

"Since" is the first day of the current run of the status: the first day d such that the
objective has today's status on every day from d to the report's date. It is found without
evaluating every day: the status of an objective can only change on a *change day* (an
observation or milestone event, a plan vertex, the day after its due date, the day a
cadence's grace runs out — `change_days`), and between two change days it moves
monotonically through the severities (the plan moves one way between vertices while the
actual stays put), so evaluating each change day and the day before it, walking back, and
bisecting the one interval where the status changes, gives the same day as walking back
day by day (`since_by_days`, the definition; a property test holds them equal).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from mibtrack.model import (
    CADENCE_DAYS,
    CompositeObjective,
    MilestoneObjective,
    Objective,
    Project,
    TargetObjective,
)

if TYPE_CHECKING:
    from .ledger_state import EffectiveLedger
    from .report import AnyResult, Evaluator

#: The statuses that make an objective an exception, worst first.
EXCEPTION_STATUSES = ("missed", "off-track", "at-risk")

#: How far back a report's "recent notes" reach by default (a quarterly board).
RECENT_DAYS = {"month": 31, "quarter": 92, "year": 366}

_ONE_DAY = dt.timedelta(days=1)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DatedNote(_Record):
    """A note, or the note of a milestone event, dated in the report's period."""

    date: dt.date = Field(description="The day it is dated.")
    text: str = Field(description="The note (user text: render it literally).")
    source: str | None = Field(description="Where it comes from, when given.")
    kind: Literal["note", "milestone"] = Field(
        description="A note entry, or the note of a milestone event.")


class ExceptionItem(_Record):
    """One objective that is at-risk, off-track or missed, with what a board needs."""

    id: str = Field(description="Objective id.")
    kind: str = Field(description="target, milestone, composite (or limit).")
    title: str = Field(description="Title, as declared (user text).")
    status: Literal["missed", "off-track", "at-risk"] = Field(description="Its status.")
    rollup: bool = Field(description="A composite: listed after the leaves.")
    owner: str | None = Field(description="Owner, as declared.")
    group: str | None = Field(description="Reporting group, as declared.")
    unit: str | None = Field(description="The metric's unit (targets).")
    gap: Decimal | None = Field(
        description="Targets: the variance A − P in the metric's unit (negative = short); "
                    "limits: the headroom (negative outside).")
    gap_points: Decimal | None = Field(description="progress − expected.")
    days_behind: int | None = Field(
        description="Days behind: targets −schedule variance; a slipped milestone its "
                    "expected date − due; a missed one as_of − due; a breached limit "
                    "as_of − breached_since. Positive = late.")
    reason: str | None = Field(
        description="Its current reason (the result's `reason`: the note of its newest note "
                    "or milestone entry dated on or before as_of; user text).")
    worst_child: str | None = Field(
        description="A roll-up: the id of its most severe part (`worst_child`).")
    next_date: dt.date | None = Field(
        description="The next date to watch: a slipped milestone's expected date, else a "
                    "target's ETA when it has one, else the due date.")
    next_date_kind: Literal["expected", "eta", "due"] | None = Field(
        description="Which date next_date is.")
    due: dt.date | None = Field(description="The due date.")
    since: dt.date | None = Field(
        description="The first day of the current run of this status (see compute/"
                    "exceptions.py); None when it holds from before any evidence.")


# --------------------------------------------------------------------------- reasons & notes

def dated_notes(ledger: EffectiveLedger, objective_id: str) -> list[tuple[dt.date, int, DatedNote]]:
    """Every note and milestone-event note of an objective, with (date, rank) to order by."""
    found = [(n.as_of, n.rank, DatedNote(date=n.as_of, text=n.text, source=n.source,
                                         kind="note"))
             for n in ledger.notes_of(objective_id)]
    found += [(e.as_of, e.rank, DatedNote(date=e.as_of, text=e.note, source=None,
                                          kind="milestone"))
              for e in ledger.events_of(objective_id) if e.note]
    found.sort(key=lambda item: (item[0], item[1]))
    return found


def recent_notes(ledger: EffectiveLedger, objective_id: str, t: dt.date,
                 first: dt.date) -> tuple[DatedNote, ...]:
    """Notes dated from `first` to t, newest first (all of them, not only the newest five)."""
    dated = [note for day, _, note in dated_notes(ledger, objective_id) if first <= day <= t]
    return tuple(reversed(dated))


def period_start(t: dt.date, period: str = "quarter") -> dt.date:
    """The first day of the report's period: one period back from t (t − 92 days + 1 for a
    quarter), so a quarterly board sees every note of the last quarter."""
    return t - dt.timedelta(days=RECENT_DAYS[period] - 1)


# --------------------------------------------------------------------------- since

def change_days(project: Project, ledger: EffectiveLedger, objective: Objective,
                observed: Callable[[str], Iterable[dt.date]] | None = None,
                known: dict[str, tuple[dt.date, ...]] | None = None
                ) -> tuple[dt.date, ...]:
    """The days on which the objective's status may differ from the day before's.
    `observed(metric_id)` gives a metric's observation dates (by default from `ledger`;
    the CLI's evaluator holds them in its metric series). `known`: the days already found,
    by objective id (filled in: roll-ups sharing parts find each part's days once)."""
    if known is not None and objective.id in known:
        return known[objective.id]
    if observed is None:
        def observed(metric_id: str) -> Iterable[dt.date]:
            return (o.as_of for o in ledger.observations_of(metric_id))

    days: set[dt.date] = {project.program.start}
    if isinstance(objective, TargetObjective):
        metric = project.metrics[objective.metric]
        start = project.start_of(objective)
        days |= {start, objective.due + _ONE_DAY}
        days |= {c.date for c in objective.checkpoints}
        grace = CADENCE_DAYS.get(metric.cadence or "", None)
        for when in observed(objective.metric):
            days.add(when)
            if grace is not None:
                days.add(when + dt.timedelta(days=grace + 1))
    elif isinstance(objective, MilestoneObjective):
        days.add(objective.due + _ONE_DAY)
        days |= {e.as_of for e in ledger.events_of(objective.id)}
    elif isinstance(objective, CompositeObjective):
        for child in objective.children:
            declared = project.objective(child)
            if declared is not None:
                days.update(change_days(project, ledger, declared, observed, known))
        if objective.due is not None:
            days.add(objective.due + _ONE_DAY)
    else:  # another kind (e.g. a limit): its metric's observations and its dates
        metric_id = getattr(objective, "metric", None)
        if metric_id is not None:
            days |= set(observed(metric_id))
        for name in ("start", "due"):
            value = getattr(objective, name, None)
            if value is not None:
                days |= {value, value + _ONE_DAY}
    found = tuple(sorted(days))
    if known is not None:
        known[objective.id] = found
    return found


StatusAt = Callable[[dt.date], str]


def since_by_days(status_at: StatusAt, t: dt.date, floor: dt.date) -> dt.date | None:
    """THE definition: walk back day by day from t while the status stays the same.
    None when it holds on every day down to `floor`."""
    current = status_at(t)
    day = t
    while day > floor:
        if status_at(day - _ONE_DAY) != current:
            return day
        day -= _ONE_DAY
    return None


def since(status_at: StatusAt, t: dt.date, floor: dt.date,
          changes: Sequence[dt.date]) -> dt.date | None:
    """`since_by_days`, evaluating only change days, the days before them, and a bisection
    in the one interval where the status changes (see the module docstring). Every change
    day is walked: striding over some (a month, then two…) missed a run that was
    interrupted and resumed within a stride, and the property test found one."""
    current = status_at(t)
    # segments [c_i, c_{i+1} − 1]; walk them back from the one holding t
    starts = [c for c in changes if floor < c <= t]
    right = t  # the status is `current` on every day from `right` to t
    for start in reversed(starts):
        if start < right:
            if status_at(start) != current:
                return _bisect(status_at, current, start, right)
            right = start
        if status_at(start - _ONE_DAY) != current:
            return start
        right = start - _ONE_DAY
    if right > floor and status_at(floor) != current:
        return _bisect(status_at, current, floor, right)
    return None


def _bisect(status_at: StatusAt, current: str, low: dt.date, high: dt.date) -> dt.date:
    """The first day in (low, high] with `current` status, given low has another status and
    every day from high on has it, and the status is monotone in between."""
    while (high - low).days > 1:
        middle = low + dt.timedelta(days=(high - low).days // 2)
        if status_at(middle) == current:
            high = middle
        else:
            low = middle
    return high


# --------------------------------------------------------------------------- the list

def find_exceptions(project: Project, ledger: EffectiveLedger, evaluator: Evaluator,
                    results: Iterable[AnyResult], t: dt.date) -> tuple[ExceptionItem, ...]:
    """The exceptions among `results` (ObjectiveResult at t): leaves first, then roll-ups,
    each worst status first, in declaration order within a status.

    `evaluator` is the report's `Evaluator` (memoised evaluations, metric series)."""
    order = {status: rank for rank, status in enumerate(EXCEPTION_STATUSES)}
    chosen = [r for r in results if r.status in order]
    chosen.sort(key=lambda r: (r.kind == "composite", order[r.status]))
    items = []
    known: dict[str, tuple[dt.date, ...]] = {}
    for r in chosen:
        objective = project.objective(r.id)
        assert objective is not None
        items.append(_item(project, ledger, evaluator, objective, r, t, known))
    return tuple(items)


def _item(project: Project, ledger: EffectiveLedger, evaluator: Evaluator,
          objective: Objective, r: AnyResult, t: dt.date,
          known: dict[str, tuple[dt.date, ...]] | None = None) -> ExceptionItem:
    expected_date = getattr(r, "expected_date", None)
    days_behind: int | None = None
    if r.kind == "milestone":
        if r.status == "missed" and r.due is not None and t > r.due:
            days_behind = (t - r.due).days
        elif r.state == "slipped" and expected_date is not None and r.due is not None:
            days_behind = max(0, (expected_date - r.due).days)
    elif r.status == "missed" and r.due is not None and t > r.due:
        days_behind = (t - r.due).days
    elif r.kind == "limit":
        breached = getattr(r, "breached_since", None)
        days_behind = None if breached is None else (t - breached).days
    elif r.schedule_variance_days is not None:
        days_behind = -r.schedule_variance_days
    eta = getattr(r, "eta", None)
    if r.kind == "milestone" and r.state == "slipped" and expected_date is not None:
        next_date, next_kind = expected_date, "expected"
    elif eta is not None and r.status != "missed":
        next_date, next_kind = eta, "eta"
    elif r.due is not None:
        next_date, next_kind = r.due, "due"
    else:
        next_date, next_kind = None, None
    status_at: StatusAt = lambda day: evaluator.status(r.id, day)  # noqa: E731

    def observed(metric_id: str) -> Iterable[dt.date]:
        return evaluator.metric_series(metric_id).dates

    return ExceptionItem(
        id=r.id, kind=r.kind, title=r.title, status=r.status, rollup=r.kind == "composite",
        owner=r.owner, group=r.group, unit=getattr(r, "unit", None),
        gap=getattr(r, "headroom", None) if r.kind == "limit" else getattr(r, "variance", None),
        gap_points=getattr(r, "variance_points", None), days_behind=days_behind,
        reason=r.reason, worst_child=worst.id if (worst := getattr(r, "worst_child", None))
        else None, next_date=next_date,
        next_date_kind=next_kind, due=r.due,
        since=since(status_at, t, project.program.start - _ONE_DAY,
                    change_days(project, ledger, objective, observed, known)),
    )
