"""Rich renderables for people at a terminal. The only library module that imports rich;
every piece of user-typed text goes through `literal` (no markup, no escapes)."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.table import Table
from rich.text import Text

from ..model import Entry, Project
from .text import amount, literal

STATUS_STYLE = {
    "achieved": "bold green", "on-track": "green", "at-risk": "yellow", "off-track": "bold red",
    "missed": "bold white on red", "no-data": "magenta", "not-started": "dim",
}


def _table(title: str | None = None) -> Table:
    return Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False,
                 show_edge=False, header_style="bold")


def objectives_table(project: Project) -> Table:
    program = project.program
    table = _table(literal(f"{program.name} ({program.code}), {program.start} → {program.end}"))
    for column in ("id", "kind", "title", "goal", "due"):
        table.add_column(column, overflow="fold")
    for objective in project.objectives:
        if objective.kind == "target":
            unit = project.metrics[objective.metric].unit
            if objective.is_range:
                goal = f"{amount(objective.target_min, unit, program.currency)}–" \
                       f"{amount(objective.target_max, unit, program.currency)}"
            else:
                goal = amount(objective.target, unit, program.currency)
            goal = f"{objective.metric}: {goal}"
        elif objective.kind == "composite":
            goal = " + ".join(objective.children)
        else:
            goal = "done"
        table.add_row(Text(literal(objective.id)), objective.kind, Text(literal(objective.title)),
                      Text(literal(goal)), str(objective.due or ""))
    return table


def entries_table(chosen: Sequence[Entry], everything: Sequence[Entry], project: Project) -> Table:
    voided = {e.target_entry for e in everything if e.type == "void"}
    corrected = {e.target_entry for e in everything if e.type == "correction"}
    table = _table()
    for column in ("id", "as of", "type", "about", "value", "writer", "source / note"):
        table.add_column(column, overflow="fold")
    currency = project.program.currency
    for entry in chosen:
        if entry.type == "observation":
            unit = project.metrics[entry.metric].unit if entry.metric in project.metrics else None
            about, value = entry.metric, amount(entry.value, unit, currency)
        elif entry.type == "milestone":
            about = entry.objective
            value = entry.status + (f" → {entry.expected}" if entry.expected else "")
        elif entry.type == "correction":
            about = f"fixes {entry.target_entry[:12]}"
            value = " ".join(p for p in (
                f"value {entry.value}" if entry.value is not None else "",
                f"date {entry.date}" if entry.date else "") if p)
        elif entry.type == "void":
            about, value = f"voids {entry.target_entry[:12]}", ""
        else:
            about, value = entry.objective, ""
        text = entry.reason if entry.type in ("correction", "void") else None
        detail = " · ".join(literal(p) for p in (entry.source, entry.note, text) if p)
        mark = " (void)" if entry.id in voided else " (corrected)" if entry.id in corrected else ""
        style = "dim strike" if entry.id in voided else None
        table.add_row(Text(entry.id[:12] + mark, style=style), str(entry.as_of), entry.type,
                      Text(literal(about)), Text(literal(value)), Text(literal(entry.writer)),
                      Text(detail))
    if not chosen:
        table.add_row("(no entries)", "", "", "", "", "", "")
    return table
