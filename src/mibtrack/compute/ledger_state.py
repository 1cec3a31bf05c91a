"""THE definition of what the ledger says at (as-of, known-at).

The ledger is append-only: a wrong entry is superseded by a `correction` or retracted by a
`void`, never edited. `effective_ledger` folds those in, and every reader goes through it —
`status`, `report`, `check`, `show`, exports — directly or through `compute.daily.DailyFold`,
a fast path that takes its rules from `resolve` here and is held equal to `effective_ledger`
by a property test (tests/compute/test_fold_property.py):

- entries recorded after `known_at` do not exist (nor do their corrections and voids);
- a key names one fact in the whole ledger, across feeds (SPEC R2). Keyed facts
  (observations, milestone events, notes) with one key and the same content
  (`model.fact_content`) are copies of one version: it counts once, as its earliest recorded
  copy, and a correction or void of any copy applies to it. One key with other content is a
  conflict: of the versions not voided, the earliest recorded counts, the others do not;
- a void retracts its target; a void of a correction undoes that correction; a void of a
  void restores what the first void retracted;
- a correction supersedes its target's `value` and/or date (`as_of`); of several
  corrections of one entry, the latest recorded wins for each field it sets;
- a correction or void applies whatever the as-of date of a report;
- an entry re-recorded by `mibtrack recover` (`recovered_from`) stands for its original: a
  correction or void naming the original applies to it;
- an entry under an id named by a `renamed_from` counts for the id that claims it; one under
  an id neither declared nor claimed is an orphan (`orphans`): kept, warned about, never
  silently dropped.

"Latest recorded" is the ledger's deterministic order: recorded_at, then writer, then seq.
Entry types other than observation, milestone, note, correction and void (plan entries,
for instance) are not folded: they are ignored here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple, TypeVar

from mibtrack.model import (
    FACT_TYPES,
    Correction,
    Document,
    KeyedObservation,
    MilestoneEvent,
    MilestoneStatus,
    Note,
    Observation,
    Project,
    Renames,
    Void,
    fact_content,
    parse_evidence,
)

_NO_RENAMES = Renames()


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
    evidence: str | None = None  #: the entry's `evidence` field (model.parse_evidence)


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
    key: str | None = None
    evidence: str | None = None  #: the entry's `evidence` field (model.parse_evidence)


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
    evidence: str | None = None  #: the entry's `evidence` field (model.parse_evidence)


#: One of the effective facts (each sorted by (as_of, rank)).
_Fact = TypeVar("_Fact", EffectiveObservation, EffectiveMilestoneEvent, EffectiveNote)


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
    #: Keys whose versions disagree (see `KeyConflict`), in ledger order of their first entry.
    conflicts: tuple[KeyConflict, ...] = ()

    def observations_of(self, metric: str) -> tuple[EffectiveObservation, ...]:
        return self.observations.get(metric, ())

    def events_of(self, objective: str) -> tuple[EffectiveMilestoneEvent, ...]:
        return self.milestone_events.get(objective, ())

    def notes_of(self, objective: str) -> tuple[EffectiveNote, ...]:
        return self.notes.get(objective, ())

    def state_of(self, objective: str, t: dt.date) -> EffectiveMilestoneEvent | None:
        """A milestone's state at the end of day t: its latest event dated on or before t
        (of several on one day, the later recorded)."""
        state = None
        for event in self.events_of(objective):  # sorted by (as_of, rank)
            if event.as_of > t:
                break
            state = event
        return state

    def already_done(self, objective: str, t: dt.date, key: str | None = None
                     ) -> EffectiveMilestoneEvent | None:
        """The `done` event that makes recording `done` at t a second `done` (SPEC R2: a
        typing mistake), or None. A record repeating that very event by its key is not a
        second one (it is the idempotent no-op)."""
        state = self.state_of(objective, t)
        if state is None or state.status != "done" or (key is not None and state.key == key):
            return None
        return state


def _as_utc(moment: dt.datetime) -> dt.datetime:
    """Naive moments are read as UTC, as `--known-at` is; aware ones are converted to UTC."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


class Place(NamedTuple):
    """Where an entry is: its feed's file and line (its seq); written "bob.jsonl line 3"."""

    feed: str
    line: int

    def __str__(self) -> str:
        return f"{self.feed} line {self.line}"


@dataclass(frozen=True, slots=True)
class KeyConflict:
    """One key recorded with other content: the versions not voided, earliest recorded
    first (that one counts). Each version is the ids of its copies, earliest first."""

    key: str
    versions: tuple[tuple[str, ...], ...]
    #: Where each version's first copy is.
    places: tuple[Place, ...]

    @property
    def used(self) -> str:
        return self.versions[0][0]

    def warning(self) -> str:
        others = ", ".join(f"{place} (entry {ids[0][:12]})" for place, ids
                           in zip(self.places[1:], self.versions[1:], strict=True))
        return (f"key {self.key!r} names different facts in {self.places[0]} (entry "
                f"{self.used[:12]}) and {others}: the earliest recorded, {self.places[0]}, "
                "is used; void the wrong one (`mibtrack void ENTRY --reason ...`)")


@dataclass(frozen=True, slots=True)
class KeyCopies:
    """One version of a keyed fact recorded more than once (clones merged by git): it counts
    once, as its earliest recorded copy (`ids[0]`)."""

    key: str
    ids: tuple[str, ...]
    places: tuple[Place, ...]  #: where each copy is

    def notice(self) -> str:
        return (f"key {self.key!r} recorded {len(self.ids)} times with the same content "
                f"({', '.join(map(str, self.places))}): counted once")


@dataclass(frozen=True, slots=True)
class Resolution:
    """How corrections, voids and keys resolve among the entries known at a moment."""

    #: Entries retracted by a void that counts (facts, corrections and voids alike).
    retracted: frozenset[str]
    #: Keyed facts that do not count: later copies, and versions that lost a conflict.
    dropped: frozenset[str]
    #: The value and date a counted fact's live corrections give it (latest recorded wins).
    new_value: dict[str, Decimal]
    new_date: dict[str, dt.date]
    #: Versions recorded more than once, for `verify`.
    duplicates: tuple[KeyCopies, ...]
    conflicts: tuple[KeyConflict, ...]

    @property
    def touched(self) -> frozenset[str]:
        """Every id whose fate is not "counts as recorded"."""
        return self.retracted | self.dropped | set(self.new_value) | set(self.new_date)


def _retracted_ids(voids: Sequence[tuple[str, str]]) -> set[str]:
    """Ids retracted by an effective void, from (void id, target id) pairs. A void is
    effective unless itself retracted."""
    voids_of: dict[str, list[str]] = {}
    for void_id, target in voids:
        voids_of.setdefault(target, []).append(void_id)
    memo: dict[str, bool] = {}

    def retracted(entry_id: str, seen: frozenset[str]) -> bool:
        if entry_id in memo:
            return memo[entry_id]
        if entry_id in seen:  # a cycle cannot be written (ids are hashes); stay safe anyway
            return False
        result = any(not retracted(v, seen | {entry_id}) for v in voids_of.get(entry_id, ()))
        memo[entry_id] = result
        return result

    targets = set(voids_of) | {void_id for void_id, _ in voids}
    return {entry_id for entry_id in targets if retracted(entry_id, frozenset())}


def resolve(known: Sequence[object]) -> Resolution:
    """The rules of corrections, voids and keys over `known`: the entries that exist at
    known-at, in ledger order. Only corrections, voids, keyed facts and recovered entries
    matter: any other entry may be left out (that is what lets `DailyFold` stream the
    rest)."""
    # Keys: the copies of one version alias its first entry (its representative).
    alias: dict[str, str] = {}
    versions: dict[str, dict[tuple[object, ...], list[str]]] = {}
    place: dict[str, Place] = {}
    feeds: dict[str, str] = {}  # writer → its feed's name, one string for all its places
    for entry in known:
        key = getattr(entry, "key", None)
        if key is None or entry.type not in FACT_TYPES:  # type: ignore[attr-defined]
            continue
        copies = versions.setdefault(key, {}).setdefault(fact_content(entry), [])
        if copies:
            alias[entry.id] = copies[0]  # type: ignore[attr-defined]
        writer = entry.writer  # type: ignore[attr-defined]
        feed = feeds.get(writer) or feeds.setdefault(writer, f"{writer}.jsonl")
        place[entry.id] = Place(feed, entry.seq)  # type: ignore[attr-defined]
        copies.append(entry.id)  # type: ignore[attr-defined]
    # A compact keyed observation is never a correction, a void nor a recovered entry: the
    # walks below skip them (merged clones give hundreds of thousands).
    known = [e for e in known if e.__class__ is not KeyedObservation]
    # An entry re-recorded by `recover` (a forked feed made whole) stands for its original:
    # a correction or void naming the original applies to it.
    recovered = {e.recovered_from: e.id for e in known  # type: ignore[attr-defined]
                 if getattr(e, "recovered_from", None) is not None}

    def target_of(entry_id: str) -> str:
        entry_id = recovered.get(entry_id, entry_id)
        return alias.get(entry_id, entry_id)

    voids = [(e.id, target_of(e.target_entry)) for e in known if isinstance(e, Void)]
    retracted = _retracted_ids(voids)
    dropped = set(alias)
    conflicts: list[KeyConflict] = []
    duplicates: list[KeyCopies] = []
    for key, by_content in versions.items():
        live = [tuple(ids) for ids in by_content.values() if ids[0] not in retracted]
        dropped.update(ids[0] for ids in live[1:])
        if len(live) > 1:
            conflicts.append(KeyConflict(key, tuple(live), tuple(place[ids[0]] for ids in live)))
        duplicates.extend(KeyCopies(key, tuple(ids), tuple(place[i] for i in ids))
                          for ids in by_content.values() if len(ids) > 1)
    # Latest recorded wins, field by field: walk the live corrections in ledger order.
    new_value: dict[str, Decimal] = {}
    new_date: dict[str, dt.date] = {}
    for entry in known:
        if isinstance(entry, Correction) and entry.id not in retracted:
            target = target_of(entry.target_entry)
            if entry.value is not None:
                new_value[target] = entry.value
            if entry.date is not None:
                new_date[target] = entry.date
    return Resolution(frozenset(retracted), frozenset(dropped), new_value, new_date,
                      tuple(duplicates), tuple(conflicts))


def known_in_order(entries: Iterable[object], known_at: dt.datetime | None) -> list[object]:
    """The entries recorded at or before `known_at` (all when None), in ledger order."""
    cutoff = _as_utc(known_at) if known_at is not None else None
    return sorted(
        (e for e in entries if cutoff is None or _as_utc(e.recorded_at) <= cutoff),  # type: ignore[attr-defined]
        key=ledger_order,
    )


def effective_ledger(entries: Iterable[object], known_at: dt.datetime | None = None,
                     renames: Renames | None = None, rules: Resolution | None = None
                     ) -> EffectiveLedger:
    """Fold corrections, voids and keys into the entries recorded at or before `known_at`;
    entries under a renamed id are filed under the id that claims it (`renames`). `rules`:
    `resolve` of these entries when the caller already has it (the fold resolved the same
    corrections, voids, recovered entries and repeated keys up front; their `duplicates`
    are not read here, and a fold read back from its cache does not keep them).

    `entries` are ledger Entry models of every type; they are put in ledger order here
    (recorded_at, writer, seq), so the caller's order does not matter.
    """
    renames = renames or _NO_RENAMES
    known = known_in_order(entries, known_at)
    rules = resolve(known) if rules is None else rules
    gone = rules.retracted | rules.dropped
    live = [e for e in known if e.id not in gone]  # type: ignore[attr-defined]
    new_value, new_date = rules.new_value, rules.new_date

    observations: dict[str, list[EffectiveObservation]] = {}
    events: dict[str, list[EffectiveMilestoneEvent]] = {}
    notes: dict[str, list[EffectiveNote]] = {}
    for rank, entry in enumerate(live):
        if isinstance(entry, Observation):
            corrected = entry.id in new_value or entry.id in new_date
            metric = renames.metric(entry.metric)
            observations.setdefault(metric, []).append(EffectiveObservation(
                id=entry.id, metric=metric,
                as_of=new_date.get(entry.id, entry.as_of),
                value=new_value.get(entry.id, entry.value),
                recorded_at=entry.recorded_at, rank=rank, corrected=corrected,
                writer=entry.writer, source=entry.source, note=entry.note,
                evidence=entry.evidence,
            ))
        elif isinstance(entry, MilestoneEvent):
            # A correction's value has no meaning for an event; only its date applies.
            objective = renames.objective(entry.objective)
            events.setdefault(objective, []).append(EffectiveMilestoneEvent(
                id=entry.id, objective=objective,
                as_of=new_date.get(entry.id, entry.as_of), status=entry.status,
                expected=entry.expected, recorded_at=entry.recorded_at, rank=rank,
                corrected=entry.id in new_date, writer=entry.writer, note=entry.note,
                key=entry.key, evidence=entry.evidence,
            ))
        elif isinstance(entry, Note):
            objective = renames.objective(entry.objective)
            notes.setdefault(objective, []).append(EffectiveNote(
                id=entry.id, objective=objective,
                as_of=new_date.get(entry.id, entry.as_of), text=entry.note,
                recorded_at=entry.recorded_at, rank=rank, writer=entry.writer,
                source=entry.source, evidence=entry.evidence,
            ))

    def by_date(items: list[_Fact]) -> tuple[_Fact, ...]:
        return tuple(sorted(items, key=lambda item: (item.as_of, item.rank)))

    return EffectiveLedger(
        known_at=None if known_at is None else _as_utc(known_at),
        observations={k: by_date(v) for k, v in sorted(observations.items())},
        milestone_events={k: by_date(v) for k, v in sorted(events.items())},
        notes={k: by_date(v) for k, v in sorted(notes.items())},
        conflicts=rules.conflicts,
    )


@dataclass(frozen=True, slots=True)
class Documented:
    """A counted fact that names evidence documents: what a report lists behind a figure."""

    entry: str  #: the fact's entry id
    date: dt.date  #: the day it holds (as corrected)
    kind: str  #: "observation", "milestone" or "note"
    documents: tuple[Document, ...]


#: By metric, by day: the documented observations that make that day's level (a `sum`
#: metric: every one dated that day; a `latest` one: the day's winner, when documented),
#: in ledger order.
DayDocuments = dict[str, dict[dt.date, tuple[Documented, ...]]]


def metric_documents(ledger: EffectiveLedger, aggregates: Mapping[str, str]) -> DayDocuments:
    """THE definition of which documents stand behind each metric's level on each day
    (`daily.DailyFold.documents` is its streaming copy, held equal by a property test).
    Only declared metrics (`aggregates`: metric -> "latest" or "sum") are listed."""
    found: DayDocuments = {}
    for metric, items in ledger.observations.items():
        aggregate = aggregates.get(metric)
        if aggregate is None:
            continue
        days: dict[dt.date, list[EffectiveObservation]] = {}
        for item in items:  # sorted by (as_of, rank)
            days.setdefault(item.as_of, []).append(item)
        for day, on_day in days.items():
            counted = on_day if aggregate == "sum" else on_day[-1:]
            documented = tuple(Documented(o.id, day, "observation", parse_evidence(o.evidence))
                               for o in counted if o.evidence)
            if documented:
                found.setdefault(metric, {})[day] = documented
    return found


@dataclass(frozen=True, slots=True, order=True)
class Orphan:
    """Entries that count for nothing: their metric or objective is neither declared nor
    named by a `renamed_from` (SPEC R2: evidence never vanishes silently)."""

    kind: str  #: "metric" or "objective"
    id: str
    count: int  #: how many effective entries (not voided, keyed copies once)
    newest: dt.date  #: the newest as_of among them

    def warning(self) -> str:
        what = "entry" if self.count == 1 else "entries"
        table = "[metrics]" if self.kind == "metric" else "[[objectives]]"
        return (f"{self.count} {what} under {self.kind} '{self.id}' (newest dated "
                f"{self.newest}) count for nothing: objectives.toml does not declare it; "
                f"declare it under {table}, or add renamed_from = [\"{self.id}\"] to the "
                f"{self.kind} it became")


def orphans(ledger: EffectiveLedger, project: Project) -> tuple[Orphan, ...]:
    """The orphans of an effective ledger folded with the project's renames."""
    found = []
    for metric, items in ledger.observations.items():
        if metric not in project.metrics:
            found.append(Orphan("metric", metric, len(items), max(o.as_of for o in items)))
    declared = {o.id for o in project.objectives}
    objectives: dict[str, list[dt.date]] = {}
    group: Mapping[str, Sequence[EffectiveMilestoneEvent | EffectiveNote]]
    for group in (ledger.milestone_events, ledger.notes):
        for objective, facts in group.items():
            if objective not in declared:
                objectives.setdefault(objective, []).extend(i.as_of for i in facts)
    found += [Orphan("objective", o, len(days), max(days)) for o, days in objectives.items()]
    return tuple(sorted(found))
