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
from typing import Any

from .csvio import EXPORT_COLUMNS
from .ledger.query import select
from .model import Entry, Project


def applied_entries(entries: Sequence[Entry], known_at: dt.datetime | None = None,
                    renames: Any = None) -> list[tuple[Entry, dt.date, Any, bool]]:
    """The facts after corrections, voids and keys, in ledger order: (original entry,
    effective date, effective value, corrected?). Folding is the compute layer's
    `effective_ledger`."""
    from .compute import effective_ledger

    effective = effective_ledger(entries, known_at, renames)
    by_id = {e.id: e for e in entries}
    facts: list[tuple[int, Entry, dt.date, Any, bool]] = []
    for group in (effective.observations, effective.milestone_events):
        for items in group.values():
            for item in items:
                value = getattr(item, "value", None)
                facts.append((item.rank, by_id[item.id], item.as_of, value, item.corrected))
    for notes in effective.notes.values():
        for note in notes:
            original = by_id[note.id]
            facts.append((note.rank, original, note.as_of, None, note.as_of != original.as_of))
    facts.sort(key=lambda fact: fact[0])
    return [fact[1:] for fact in facts]


def applied_records(project: Project, entries: Sequence[Entry], *, metric: str | None = None,
                    objective: str | None = None, since: dt.date | None = None,
                    until: dt.date | None = None) -> list[dict[str, Any]]:
    """The applied view as records: export's CSV columns plus id, type, writer, recorded_at
    and `corrected`. Filters apply to the facts as corrected (a correction may move a date)."""
    about = None
    if metric is not None or objective is not None:
        about = {e.id for e in select(project, entries, metric=metric, objective=objective)}
    records = []
    renames = project.renames
    for entry, as_of, value, corrected in applied_entries(entries, None, renames):
        if about is not None and entry.id not in about:
            continue
        if (since is not None and as_of < since) or (until is not None and as_of > until):
            continue
        record: dict[str, Any] = {"id": entry.id, "type": entry.type, "date": as_of}
        for name in EXPORT_COLUMNS[1:]:
            record[name] = getattr(entry, name, None)
        if entry.type == "observation":
            record["value"] = value
            record["metric"] = renames.metric(entry.metric)
        else:  # a renamed objective's entries are exported under its declared id
            record["objective"] = renames.objective(entry.objective)  # type: ignore[union-attr]
        # A key names the content as first recorded: a corrected fact is imported under a
        # key derived from its corrected content instead.
        if corrected:
            record["key"] = None
        record.update({"corrected": corrected, "writer": entry.writer,
                       "recorded_at": entry.recorded_at})
        records.append(record)
    return records


def raw_entries(project: Project, entries: Sequence[Entry], *, metric: str | None = None,
                objective: str | None = None, since: dt.date | None = None,
                until: dt.date | None = None) -> list[Entry]:
    """Every entry as recorded that the filters choose (`render.documents.entry_record`
    makes each the record `log --json` shows, without voided_by…)."""
    return list(select(project, entries, metric=metric, objective=objective, since=since,
                       until=until))
