"""The JSON documents of the inspection commands, as plain dicts over the domain records."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..model import Entry, Project

if TYPE_CHECKING:
    from ..compute.show import ShowReport

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


def show_document(report: ShowReport) -> dict[str, Any]:
    """`show --json`: the objective, its record, plan vs actual by quarter, its entries."""
    entries = report.entries
    return {
        "schema_version": SCHEMA_VERSION,
        "as_of": report.as_of,
        "known_at": report.known_at,
        "objective": report.objective,
        "result": report.result,
        "history": [{"date": p.date, "status": p.result.status, "actual": p.result.actual,
                     "planned": p.result.planned, "variance": p.result.variance,
                     "progress": p.result.progress, "expected": p.result.expected}
                    for p in report.history],
        "entries": [entry_record(e, entries) for e in entries],
        "trend": report.trend,
    }
