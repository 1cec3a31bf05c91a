"""What the ledger says once corrections and voids are applied, as known at a moment.

The ledger is append-only: a wrong entry is superseded by a `correction` or retracted by a
`void`, never edited. This module folds those in once, so `status`, `report --period`,
`show` and exports all read the same effective facts:

- entries recorded after `known_at` do not exist (nor do their corrections and voids);
- a void retracts its target; a void of a correction undoes that correction; a void of a
  void restores what the first void retracted;
- a correction supersedes its target's `value` and/or date (`as_of`); of several
  corrections of one entry, the latest recorded wins for each field it sets;
- a correction or void applies whatever the as-of date of a report.

"Latest recorded" is the ledger's deterministic order: recorded_at, then writer, then seq.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from mibtrack.model import Correction, MilestoneEvent, MilestoneStatus, Note, Observation, Void


def ledger_order(entry: object) -> tuple[dt.datetime, str, int]:
    """The ledger's deterministic order: when recorded, then writer, then position in feed."""
    return (_as_utc(entry.recorded_at), entry.writer, entry.seq)  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class EffectiveObservation:
    """An observation as it stands after corrections."""

    id: str  #: the original observation's entry id
    metric: str
    as_of: dt.date  #: the day the value holds (a correction may have moved it)
    value: Decimal  #: the value (a correction may have replaced it)
    recorded_at: dt.datetime  #: when the original observation was recorded
    rank: int  #: position in ledger order: of two on one day, the higher rank wins
    corrected: bool = False  #: True when a correction changed its value or date
    writer: str = ""
    source: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class EffectiveMilestoneEvent:
    """A milestone event as it stands after corrections (only its date can be corrected)."""

    id: str
    objective: str
    as_of: dt.date
    status: MilestoneStatus
    expected: dt.date | None  #: the expected date of a `slipped` event
    recorded_at: dt.datetime
    rank: int
    corrected: bool = False
    writer: str = ""
    note: str | None = None


@dataclass(frozen=True, slots=True)
class EffectiveNote:
    """A note on an objective, not voided."""

    id: str
    objective: str
    as_of: dt.date
    text: str
    recorded_at: dt.datetime
    rank: int
    writer: str = ""
    source: str | None = None


@dataclass(frozen=True, slots=True)
class EffectiveLedger:
    """The effective facts, grouped: observations by metric, events and notes by objective.

    Each tuple is sorted by (as_of, rank): by date, then in ledger order.
    """

    known_at: dt.datetime | None
    observations: dict[str, tuple[EffectiveObservation, ...]] = field(default_factory=dict)
    milestone_events: dict[str, tuple[EffectiveMilestoneEvent, ...]] = field(
        default_factory=dict)
    notes: dict[str, tuple[EffectiveNote, ...]] = field(default_factory=dict)

    def observations_of(self, metric: str) -> tuple[EffectiveObservation, ...]:
        return self.observations.get(metric, ())

    def events_of(self, objective: str) -> tuple[EffectiveMilestoneEvent, ...]:
        return self.milestone_events.get(objective, ())

    def notes_of(self, objective: str) -> tuple[EffectiveNote, ...]:
        return self.notes.get(objective, ())


def _as_utc(moment: dt.datetime) -> dt.datetime:
    """Naive moments are read as UTC, as `--known-at` is; aware ones are converted to UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def _retracted_ids(voids: Sequence[Void]) -> set[str]:
    """Ids retracted by an effective void. A void is effective unless itself retracted."""
    voids_of: dict[str, list[str]] = {}
    for void in voids:
        voids_of.setdefault(void.target_entry, []).append(void.id)
    memo: dict[str, bool] = {}

    def retracted(entry_id: str, seen: frozenset[str]) -> bool:
        if entry_id in memo:
            return memo[entry_id]
        if entry_id in seen:  # a cycle cannot be written (ids are hashes); stay safe anyway
            return False
        result = any(not retracted(v, seen | {entry_id}) for v in voids_of.get(entry_id, ()))
        memo[entry_id] = result
        return result

    targets = set(voids_of) | {v.id for v in voids}
    return {entry_id for entry_id in targets if retracted(entry_id, frozenset())}


def effective_ledger(entries: Iterable[object], known_at: dt.datetime | None = None
                     ) -> EffectiveLedger:
    """Fold corrections and voids into the entries recorded at or before `known_at`.

    `entries` are ledger Entry models of every type; they are put in ledger order here
    (recorded_at, writer, seq), so the caller's order does not matter.
    """
    cutoff = _as_utc(known_at) if known_at is not None else None
    known = sorted(
        (e for e in entries if cutoff is None or _as_utc(e.recorded_at) <= cutoff),  # type: ignore[attr-defined]
        key=ledger_order,
    )
    retracted = _retracted_ids([e for e in known if isinstance(e, Void)])
    live = [e for e in known if e.id not in retracted]  # type: ignore[attr-defined]

    # Latest recorded wins, field by field: walk corrections in ledger order.
    new_value: dict[str, Decimal] = {}
    new_date: dict[str, dt.date] = {}
    for entry in live:
        if isinstance(entry, Correction):
            if entry.value is not None:
                new_value[entry.target_entry] = entry.value
            if entry.date is not None:
                new_date[entry.target_entry] = entry.date

    observations: dict[str, list[EffectiveObservation]] = {}
    events: dict[str, list[EffectiveMilestoneEvent]] = {}
    notes: dict[str, list[EffectiveNote]] = {}
    for rank, entry in enumerate(live):
        if isinstance(entry, Observation):
            corrected = entry.id in new_value or entry.id in new_date
            observations.setdefault(entry.metric, []).append(EffectiveObservation(
                id=entry.id, metric=entry.metric,
                as_of=new_date.get(entry.id, entry.as_of),
                value=new_value.get(entry.id, entry.value),
                recorded_at=entry.recorded_at, rank=rank, corrected=corrected,
                writer=entry.writer, source=entry.source, note=entry.note,
            ))
        elif isinstance(entry, MilestoneEvent):
            # A correction's value has no meaning for an event; only its date applies.
            events.setdefault(entry.objective, []).append(EffectiveMilestoneEvent(
                id=entry.id, objective=entry.objective,
                as_of=new_date.get(entry.id, entry.as_of), status=entry.status,
                expected=entry.expected, recorded_at=entry.recorded_at, rank=rank,
                corrected=entry.id in new_date, writer=entry.writer, note=entry.note,
            ))
        elif isinstance(entry, Note):
            notes.setdefault(entry.objective, []).append(EffectiveNote(
                id=entry.id, objective=entry.objective,
                as_of=new_date.get(entry.id, entry.as_of), text=entry.note,
                recorded_at=entry.recorded_at, rank=rank, writer=entry.writer,
                source=entry.source,
            ))

    def by_date(items: list) -> tuple:
        return tuple(sorted(items, key=lambda item: (item.as_of, item.rank)))

    return EffectiveLedger(
        known_at=cutoff,
        observations={k: by_date(v) for k, v in sorted(observations.items())},
        milestone_events={k: by_date(v) for k, v in sorted(events.items())},
        notes={k: by_date(v) for k, v in sorted(notes.items())},
    )
