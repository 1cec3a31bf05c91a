"""Choosing entries for `log` and `export`: by metric, objective and fact date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from ..model import CompositeObjective, Entry, Project, TargetObjective


def _metrics_of(project: Project, objective_id: str) -> set[str]:
    """The metrics an objective bears on (a composite's through its children)."""
    objective = project.objective(objective_id)
    if isinstance(objective, TargetObjective):
        return {objective.metric}
    if isinstance(objective, CompositeObjective):
        found: set[str] = set()
        for child in objective.children:
            if child != objective_id:
                found |= _metrics_of(project, child)
        return found
    return set()


def _objectives_under(project: Project, objective_id: str) -> set[str]:
    objective = project.objective(objective_id)
    found = {objective_id}
    if isinstance(objective, CompositeObjective):
        for child in objective.children:
            if child not in found:
                found |= _objectives_under(project, child)
    return found


def select(project: Project, entries: Sequence[Entry], *, metric: str | None = None,
           objective: str | None = None, since: dt.date | None = None,
           until: dt.date | None = None) -> list[Entry]:
    """Entries about the metric/objective with a fact date in since..until, plus the
    corrections and voids that target them."""
    metrics = {metric} if metric else None
    objectives = None
    if objective:
        metrics = (metrics or set()) | _metrics_of(project, objective)
        objectives = _objectives_under(project, objective)

    renames = project.renames

    def about(entry: Entry) -> bool:
        if metrics is None and objectives is None:
            return True
        if entry.type == "observation":
            return metrics is not None and renames.metric(entry.metric) in metrics
        if entry.type in ("milestone", "note"):
            return objectives is not None and renames.objective(entry.objective) in objectives
        return False

    def dated(entry: Entry) -> bool:
        return (since is None or entry.as_of >= since) and (until is None or entry.as_of <= until)

    chosen_ids = {e.id for e in entries if e.type not in ("correction", "void") and about(e)
                  and dated(e)}
    chosen: list[Entry] = []
    for entry in entries:
        if entry.id in chosen_ids:
            chosen.append(entry)
        elif entry.type in ("correction", "void") and entry.target_entry in chosen_ids:
            chosen.append(entry)
            chosen_ids.add(entry.id)
        elif entry.type in ("correction", "void") and metrics is None and objectives is None \
                and dated(entry):
            chosen.append(entry)
    return chosen
