"""The JSON documents of the inspection commands, as plain dicts over the domain records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..model import Entry, Objective, Project

if TYPE_CHECKING:
    from ..compute import Evaluator

SCHEMA_VERSION = 1


def objectives_document(project: Project) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "program": project.program,
        "metrics": list(project.metrics.values()),
        "objectives": [{**o.model_dump(), "start": project.start_of(o)}
                       if o.kind == "target" else
                       {**o.model_dump(), "start": project.start_of(o), "due": project.due_of(o)}
                       if o.kind == "limit" else o for o in project.objectives],
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
                 "sha256", "decided", "reason", "source", "note", "key", "action", "principal",
                 "public_key", "valid_after", "valid_before", "recovered_from"):
        if name in type(entry).model_fields:
            record[name] = getattr(entry, name)
    if entry.evidence:
        from ..model import parse_evidence

        record["evidence"] = [{"name": d.name, "size": d.size, "sha256": d.sha256,
                               "path": d.relpath} for d in parse_evidence(entry.evidence)]
    record["prev"] = entry.prev
    if everything:
        record.update(entry_status(entry, everything))
    return record


def entries_document(chosen: Sequence[Entry], everything: Sequence[Entry]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION,
            "entries": [entry_record(e, everything) for e in chosen]}


def export_document(records: list[dict[str, Any]], raw: bool) -> dict[str, Any]:
    """`export --format json`: one document with a schema_version."""
    return {"schema_version": SCHEMA_VERSION, "view": "raw" if raw else "applied",
            "entries": records}


def history_dates(project: Project, objective: Objective, day: dt.date) -> tuple[dt.date, ...]:
    """Quarter ends from the objective's start up to the as-of day (the day itself last)."""
    start = (project.start_of(objective) if objective.kind in ("target", "limit")
             else project.program.start)
    if day <= start:
        return (day,)
    from ..compute import period_ends

    return period_ends(start, day, "quarter")


def show_document(project: Project, objective: Objective, evaluator: Evaluator, day: dt.date,
                  known_at: dt.datetime | None, entries: Sequence[Entry]) -> dict[str, Any]:
    history = evaluator.series(objective.id, history_dates(project, objective, day))
    return {
        "schema_version": SCHEMA_VERSION,
        "as_of": day,
        "known_at": known_at,
        "objective": objective,
        "result": evaluator.evaluate(objective.id, day),
        "history": [{"date": d, "status": r.status, "actual": r.actual, "planned": r.planned,
                     "variance": r.variance, "progress": r.progress, "expected": r.expected}
                    for d, r in zip(history_dates(project, objective, day), history,
                                    strict=True)],
        "entries": [entry_record(e, entries) for e in entries],
    }
