"""What `mibtrack export` writes: the ledger as it stands, or every entry as recorded.

- **applied** (the default): corrections applied and voided entries dropped, one record per
  fact (observation, milestone event, note) with the columns `import` reads back, so an
  export imported into a fresh project gives the same facts.
- **raw**: every entry as recorded, corrections and voids included, with every ledger field.

Pure: entries in, plain records out; the CLI picks CSV or JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .csvio import EXPORT_COLUMNS
from .ledger.query import select
from .model import Entry, Project
from .render.documents import SCHEMA_VERSION, entry_record


def applied_entries(entries: Sequence[Entry], known_at: dt.datetime | None = None
                    ) -> list[tuple[Entry, dt.date, Any, bool]]:
    """The facts after corrections and voids, in ledger order: (original entry, effective
    date, effective value, corrected?). Folding is the compute layer's `effective_ledger`."""
    effective = _interim_effective_ledger(entries, known_at)
    by_id = {e.id: e for e in entries}
    facts: list[tuple[int, Entry, dt.date, Any, bool]] = []
    for group in (effective.observations, effective.milestone_events):
        for items in group.values():
            for item in items:
                value = getattr(item, "value", None)
                facts.append((item.rank, by_id[item.id], item.as_of, value, item.corrected))
    for items in effective.notes.values():
        for item in items:
            original = by_id[item.id]
            facts.append((item.rank, original, item.as_of, None, item.as_of != original.as_of))
    facts.sort(key=lambda fact: fact[0])
    return [fact[1:] for fact in facts]


@dataclass(frozen=True)
class _Fact:
    id: str
    as_of: dt.date
    rank: int
    corrected: bool
    value: Any = None


@dataclass(frozen=True)
class _Effective:
    observations: dict[str, list[_Fact]]
    milestone_events: dict[str, list[_Fact]]
    notes: dict[str, list[_Fact]]


def _interim_effective_ledger(entries: Sequence[Entry], known_at: dt.datetime | None
                              ) -> _Effective:
    """INTERIM stand-in for `mibtrack.compute.effective_ledger` (branch `compute`), to be
    swapped for it once merged: voids retract (a void of a void restores), the latest
    recorded correction wins for each field it sets."""
    known = sorted((e for e in entries if known_at is None or e.recorded_at <= known_at),
                   key=lambda e: (e.recorded_at, e.writer, e.seq))
    voids: dict[str, list[str]] = {}
    for e in known:
        if e.type == "void":
            voids.setdefault(e.target_entry, []).append(e.id)

    def retracted(entry_id: str, depth: int = 0) -> bool:
        return depth < 64 and any(not retracted(v, depth + 1) for v in voids.get(entry_id, ()))

    live = [e for e in known if not retracted(e.id)]
    new_value: dict[str, Any] = {}
    new_date: dict[str, dt.date] = {}
    for e in live:
        if e.type == "correction":
            if e.value is not None:
                new_value[e.target_entry] = e.value
            if e.date is not None:
                new_date[e.target_entry] = e.date
    out = _Effective({}, {}, {})
    groups = {"observation": out.observations, "milestone": out.milestone_events,
              "note": out.notes}
    for rank, e in enumerate(live):
        if e.type in groups:
            value = new_value.get(e.id, e.value) if e.type == "observation" else None
            fact = _Fact(e.id, new_date.get(e.id, e.as_of), rank,
                         e.id in new_date or (e.type == "observation" and e.id in new_value),
                         value)
            groups[e.type].setdefault(getattr(e, "metric", None) or e.objective, []).append(fact)
    return out


def applied_records(project: Project, entries: Sequence[Entry], *, metric: str | None = None,
                    objective: str | None = None, since: dt.date | None = None,
                    until: dt.date | None = None) -> list[dict[str, Any]]:
    """The applied view as records: export's CSV columns plus id, type, writer, recorded_at
    and `corrected`. Filters apply to the facts as corrected (a correction may move a date)."""
    about = None
    if metric is not None or objective is not None:
        about = {e.id for e in select(project, entries, metric=metric, objective=objective)}
    records = []
    for entry, as_of, value, corrected in applied_entries(entries):
        if about is not None and entry.id not in about:
            continue
        if (since is not None and as_of < since) or (until is not None and as_of > until):
            continue
        record: dict[str, Any] = {"id": entry.id, "type": entry.type, "date": as_of}
        for name in EXPORT_COLUMNS[1:]:
            record[name] = getattr(entry, name, None)
        if entry.type == "observation":
            record["value"] = value
        # A key names the content as first recorded: a corrected fact is imported under a
        # key derived from its corrected content instead.
        if corrected:
            record["key"] = None
        record.update({"corrected": corrected, "writer": entry.writer,
                       "recorded_at": entry.recorded_at})
        records.append(record)
    return records


def raw_records(project: Project, entries: Sequence[Entry], *, metric: str | None = None,
                objective: str | None = None, since: dt.date | None = None,
                until: dt.date | None = None) -> list[dict[str, Any]]:
    """Every entry as recorded (the same records as `log --json`, without voided_by…)."""
    chosen = select(project, entries, metric=metric, objective=objective, since=since,
                    until=until)
    return [entry_record(e) for e in chosen]


def export_document(records: list[dict[str, Any]], raw: bool) -> dict[str, Any]:
    """`export --format json`: one document with a schema_version."""
    return {"schema_version": SCHEMA_VERSION, "view": "raw" if raw else "applied",
            "entries": records}
