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


def amendments(everything: Sequence[Entry]) -> dict[str, dict[str, list[str]]]:
    """For each entry that later entries void or correct, their ids (ledger order): one
    pass, so that `log --json` over 300,000 entries is not 300,000 passes."""
    found: dict[str, dict[str, list[str]]] = {}
    for e in everything:
        if e.type in ("void", "correction") and e.target_entry is not None:
            slot = found.setdefault(e.target_entry, {"voided_by": [], "corrected_by": []})
            slot["voided_by" if e.type == "void" else "corrected_by"].append(e.id)
    return found


def entry_status(entry: Entry, amended: dict[str, dict[str, list[str]]]) -> dict[str, Any]:
    """Which later entries void or correct this one (ids), as `log` shows them."""
    slot = amended.get(entry.id)
    return {"voided_by": list(slot["voided_by"]) if slot else [],
            "corrected_by": list(slot["corrected_by"]) if slot else []}


def entry_record(entry: Entry, amended: dict[str, dict[str, list[str]]] | None = None
                 ) -> dict[str, Any]:
    """An entry's fields as the JSON documents show them; with `amended` (`amendments`),
    which entries void or correct it."""
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
    if amended is not None:
        record.update(entry_status(entry, amended))
    return record


def entries_document(chosen: Sequence[Entry], everything: Sequence[Entry]) -> dict[str, Any]:
    amended = amendments(everything)
    return {"schema_version": SCHEMA_VERSION,
            "entries": [entry_record(e, amended) for e in chosen]}


def export_document(records: list[dict[str, Any]], raw: bool) -> dict[str, Any]:
    """`export --format json`: one document with a schema_version."""
    return {"schema_version": SCHEMA_VERSION, "view": "raw" if raw else "applied",
            "entries": records}


def show_document(report: ShowReport) -> dict[str, Any]:
    """`show --json`: the objective, its record, plan vs actual by quarter, its entries."""
    entries = report.entries
    amended = amendments(entries)
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
        "entries": [entry_record(e, amended) for e in entries],
        "trend": report.trend,
    }
