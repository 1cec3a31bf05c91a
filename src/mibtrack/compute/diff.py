"""What changed between two moments: two reports (as known at `since` and at `until`) and
the entries recorded in between, reduced to what moved.

Pure: the reports, the entries and the plan versions come in; a typed `DiffReport` goes out
for `render/` to show. `got_worse` is the one rule `check --since` also uses.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Final, Literal

from pydantic import Field

from mibtrack import __version__
from mibtrack.model import Correction, MilestoneEvent, Note, Observation, PlanEntry, Void

from .plans import PlanChange, PlanRecord
from .report import ObjectiveResult, Report
from .status import severity_rank

#: Bumped when a field of the diff changes meaning or goes away (adding one does not).
DIFF_SCHEMA_VERSION: Final = 1


def _rank(status: str) -> int:
    """Severity for "which way did it move": not-started counts as on-track (starting is
    no news), so only a real worsening is worse."""
    return severity_rank("on-track" if status == "not-started" else status)


def got_worse(before: str | None, after: str) -> bool:
    """Did an objective's status get worse (an objective new since counts from on-track)?"""
    return _rank(after) < _rank(before or "on-track")


class StatusChange(PlanRecord):
    """An objective whose status moved."""

    id: str
    """Objective id (as in the later report)."""
    title: str
    """Its title (user text)."""
    from_: str | None = Field(default=None, serialization_alias="from", alias="from")
    """Status before (None: the objective did not exist then)."""
    to: str
    """Status after."""
    direction: Literal["worse", "better", "moved"]
    """worse or better by severity (starting counts as neither), else moved."""
    reason: str | None = None
    """The objective's current reason (its newest note or milestone note), when it has one."""


class ValueChange(PlanRecord):
    """An objective whose figures moved (actual, variance, progress, forecast at due)."""

    id: str
    """Objective id."""
    unit: str | None
    """The metric's unit (targets)."""
    field: str
    """actual, variance, progress, expected or forecast_at_due."""
    from_: Decimal | None = Field(serialization_alias="from", alias="from")
    """The value before (None: did not exist)."""
    to: Decimal | None
    """The value after."""


class EntryItem(PlanRecord):
    """An entry recorded in the period, in a few words."""

    id: str
    """Entry id."""
    type: str
    """Entry type."""
    recorded_at: dt.datetime
    """When it was recorded."""
    writer: str
    """Who recorded it."""
    as_of: dt.date
    """The day the fact holds."""
    about: str | None
    """The metric, objective or entry it is about."""
    value: str | None
    """The value, status or new value, as text."""
    text: str | None
    """Reason, note or source (user text)."""


class PlanRevision(PlanRecord):
    """A plan version recorded in the period."""

    version: int
    """Its number (1 = first recorded)."""
    sha256: str
    """Its SHA-256."""
    decided: dt.date
    """When it was decided."""
    reason: str
    """Why."""
    changes: tuple[PlanChange, ...]
    """What it changed from the version before."""


class Side(PlanRecord):
    """One end of the comparison."""

    as_of: dt.date
    """The state at the end of this day."""
    known_at: dt.datetime | None
    """As known at this moment (None: now)."""
    generated_at: dt.datetime | None
    """When that report's ledger was read."""
    plan_version: str | None
    """The plan version it used."""
    ledger_head: str | None
    """Its ledger head."""


class DiffReport(PlanRecord):
    """What moved between `before` (as known at since) and `after` (as known at until)."""

    schema_version: Literal[1] = DIFF_SCHEMA_VERSION
    """Version of this document's shape."""
    mibtrack_version: str = __version__
    """Provenance: the version of mibtrack that computed it."""
    as_of: dt.date
    """The later end's as-of date."""
    known_at: dt.datetime | None
    """The later end's known-at (--until; None: now)."""
    since: dt.datetime
    """The earlier moment (--since)."""
    until: dt.datetime | None
    """The later moment (--until; None: now)."""
    generated_at: dt.datetime | None
    """Provenance of the later end (see Report)."""
    plan_version: str | None
    """Provenance of the later end."""
    ledger_head: str | None
    """Provenance of the later end."""
    before: Side
    """The earlier end."""
    after: Side
    """The later end."""
    summary: dict[str, int]
    """How many items each section holds."""
    got_worse: tuple[StatusChange, ...]
    """Objectives whose status got worse, worst first."""
    got_better: tuple[StatusChange, ...]
    """Objectives whose status got better."""
    status_moved: tuple[StatusChange, ...]
    """Other status moves (e.g. started)."""
    values_moved: tuple[ValueChange, ...]
    """Figures that moved, by objective."""
    plan_revisions: tuple[PlanRevision, ...]
    """Plan versions recorded in the period."""
    new_evidence: tuple[EntryItem, ...]
    """Observations and milestone events recorded in the period."""
    corrections: tuple[EntryItem, ...]
    """Corrections recorded in the period."""
    voids: tuple[EntryItem, ...]
    """Voids recorded in the period."""
    notes: tuple[EntryItem, ...]
    """Notes recorded in the period."""

    @property
    def empty(self) -> bool:
        return not any(self.summary.values())


_VALUE_FIELDS = ("actual", "variance", "progress", "expected", "forecast_at_due")


def _side(report: Report) -> Side:
    return Side(as_of=report.as_of, known_at=report.known_at, generated_at=report.generated_at,
                plan_version=report.plan_version, ledger_head=report.ledger_head)


def _reason(result: ObjectiveResult) -> str | None:
    reason = getattr(result, "reason", None)
    if reason:
        return str(reason)
    return result.notes[0].text if result.notes else None


def _item(entry: object) -> EntryItem | None:
    e = entry
    common = dict(id=e.id, type=e.type, recorded_at=e.recorded_at,  # type: ignore[attr-defined]
                  writer=e.writer, as_of=e.as_of)  # type: ignore[attr-defined]
    if isinstance(e, Observation):
        return EntryItem(**common, about=e.metric, value=format(e.value, "f"),
                         text=e.source or e.note)
    if isinstance(e, MilestoneEvent):
        value = e.status + (f" → {e.expected}" if e.expected else "")
        return EntryItem(**common, about=e.objective, value=value, text=e.note or e.source)
    if isinstance(e, Correction):
        value = " ".join(p for p in (f"value {format(e.value, 'f')}" if e.value is not None
                                     else "", f"date {e.date}" if e.date else "") if p)
        return EntryItem(**common, about=e.target_entry, value=value, text=e.reason)
    if isinstance(e, Void):
        return EntryItem(**common, about=e.target_entry, value=None, text=e.reason)
    if isinstance(e, Note):
        return EntryItem(**common, about=e.objective, value=None, text=e.note)
    return None


def build_diff(before: Report, after: Report, since: dt.datetime, until: dt.datetime | None,
               recorded: Iterable[object], revisions: Sequence[PlanRevision] = ()) -> DiffReport:
    """The diff of two reports; `recorded`: the entries recorded after `since` and at or
    before the later report's moment; `revisions`: plan versions recorded then."""
    was = {r.id: r for r in before.objectives}
    worse: list[StatusChange] = []
    better: list[StatusChange] = []
    moved: list[StatusChange] = []
    values: list[ValueChange] = []
    for r in after.objectives:
        old = was.get(r.id)
        if old is None or old.status != r.status:
            before_status = old.status if old is not None else None
            direction: Literal["worse", "better", "moved"] = (
                "worse" if got_worse(before_status, r.status)
                else "better" if _rank(r.status) > _rank(before_status or "on-track")
                else "moved")
            change = StatusChange(id=r.id, title=r.title, from_=before_status, to=r.status,
                                  direction=direction, reason=_reason(r))
            {"worse": worse, "better": better, "moved": moved}[direction].append(change)
        if old is None:
            continue  # new since: its status says so, its figures did not move
        for name in _VALUE_FIELDS:  # each kind of result has those that apply to it
            then, now = getattr(old, name, None), getattr(r, name, None)
            if then != now:
                values.append(ValueChange(id=r.id, unit=getattr(r, "unit", None), field=name,
                                          from_=then, to=now))
    worse.sort(key=lambda c: _rank(c.to))
    entries = [e for e in recorded if not isinstance(e, PlanEntry)]
    items = [(e, _item(e)) for e in entries]
    evidence = tuple(i for e, i in items if i and isinstance(e, (Observation, MilestoneEvent)))
    corrections = tuple(i for e, i in items if i and isinstance(e, Correction))
    voids = tuple(i for e, i in items if i and isinstance(e, Void))
    notes = tuple(i for e, i in items if i and isinstance(e, Note))
    sections: dict[str, Sequence[object]] = {
        "got_worse": worse, "got_better": better, "status_moved": moved,
        "values_moved": values, "plan_revisions": revisions, "new_evidence": evidence,
        "corrections": corrections, "voids": voids, "notes": notes}
    return DiffReport(
        as_of=after.as_of, known_at=after.known_at, since=since, until=until,
        generated_at=after.generated_at, plan_version=after.plan_version,
        ledger_head=after.ledger_head, before=_side(before), after=_side(after),
        summary={name: len(items) for name, items in sections.items()},
        got_worse=tuple(worse), got_better=tuple(better), status_moved=tuple(moved),
        values_moved=tuple(values), plan_revisions=tuple(revisions), new_evidence=evidence,
        corrections=corrections, voids=voids, notes=notes)
