"""The JSON documents of the inspection commands, as plain dicts over the domain records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..model import Entry, Project

SCHEMA_VERSION = 1


def objectives_document(project: Project) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "program": project.program,
        "metrics": list(project.metrics.values()),
        "objectives": [{**o.model_dump(), "start": project.start_of(o)} if o.kind == "target"
                       else o for o in project.objectives],
    }


def entry_status(entry: Entry, everything: Sequence[Entry]) -> dict[str, Any]:
    """Which later entries void or correct this one (ids), as `log` shows them."""
    voided_by = [e.id for e in everything if e.type == "void" and e.target_entry == entry.id]
    corrected_by = [e.id for e in everything
                    if e.type == "correction" and e.target_entry == entry.id]
    return {"voided_by": voided_by, "corrected_by": corrected_by}


def entry_record(entry: Entry, everything: Sequence[Entry] = ()) -> dict[str, Any]:
    record: dict[str, Any] = {"id": entry.id, "type": entry.type, "writer": entry.writer,
                              "seq": entry.seq, "as_of": entry.as_of,
                              "recorded_at": entry.recorded_at}
    for name in ("metric", "value", "objective", "status", "expected", "target_entry", "date",
                 "reason", "source", "note", "key"):
        if name in type(entry).model_fields:
            record[name] = getattr(entry, name)
    record["prev"] = entry.prev
    if everything:
        record.update(entry_status(entry, everything))
    return record


def entries_document(chosen: Sequence[Entry], everything: Sequence[Entry]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION,
            "entries": [entry_record(e, everything) for e in chosen]}
