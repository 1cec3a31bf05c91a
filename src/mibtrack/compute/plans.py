"""What a plan version changed, and how an objective stands against its original plan.

Pure: two or more parsed versions of objectives.toml (`Project`s) in, typed changes out.
An objective or metric is followed across versions by its id, or by `renamed_from` (a
rename is not a revision of the plan: only what it declares counts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mibtrack.model import Objective, Project

#: Declared keys that say what an objective is called or who owns it, not what it
#: commits to: a change to them alone is not a revision of the plan.
NOT_PLAN = frozenset({"id", "title", "description", "source", "owner", "tags", "group",
                      "renamed_from"})
#: Keys never compared (identity).
IDENTITY = frozenset({"id", "renamed_from"})


class PlanRecord(BaseModel):
    """Immutable, strict; `from` is written `from_` in Python (a keyword)."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class PlanChange(PlanRecord):
    """One difference between a plan version and the one before it."""

    subject: Literal["program", "metric", "objective"]
    """What changed: the programme, a metric or an objective."""
    id: str
    """The metric's or objective's id in the newer version (the removed id when removed;
    the programme's code for the programme)."""
    change: Literal["added", "removed", "renamed", "changed"]
    """added, removed, renamed (from the old id to the new), or a declared value changed."""
    field: str | None
    """The key that changed (e.g. target, due, checkpoints); None when added or removed;
    `id` for a rename."""
    from_: Any = Field(default=None, serialization_alias="from", alias="from")
    """The value before (None when added)."""
    to: Any = None
    """The value after (None when removed)."""


class Revision(PlanRecord):
    """How an objective's plan differs from its original (its first recorded declaration
    at or after the baseline version)."""

    from_: Decimal | dt.date | None = Field(serialization_alias="from", alias="from")
    """The original target T (a range: its near end); a milestone's original due date."""
    to: Decimal | dt.date | None
    """The target (or due date) in the version in force."""
    decided: dt.date | None
    """When the version that last changed the objective was decided (None: the change is
    in objectives.toml, not recorded yet)."""
    reason: str
    """Why, as recorded with that version."""
    version: int | None
    """That version's number (1 = the first recorded; None when not recorded yet)."""
    plan_version: str
    """That version's SHA-256 (of objectives.toml's bytes when not recorded yet)."""
    changes: tuple[PlanChange, ...]
    """Every declared value that differs from the original (target, due, checkpoints…)."""


@dataclass(frozen=True)
class VersionInfo:
    """A recorded plan version, as `plans` lists it."""

    number: int | None
    sha256: str
    entry_id: str
    writer: str
    recorded_at: dt.datetime | None
    decided: dt.date | None
    reason: str


def _declared(item: Any, skip: frozenset[str]) -> dict[str, Any]:
    return {k: getattr(item, k) for k in type(item).model_fields if k not in skip}


def _renamed_from(item: Any) -> tuple[str, ...]:
    return tuple(getattr(item, "renamed_from", None) or ())


def _match(old: dict[str, Any], new: dict[str, Any]) -> dict[str, str]:
    """new id → old id for everything in `new` that `old` knew (same id, or renamed)."""
    found: dict[str, str] = {}
    for new_id, item in new.items():
        if new_id in old:
            found[new_id] = new_id
            continue
        for old_id in _renamed_from(item):
            if old_id in old and old_id not in new:
                found[new_id] = old_id
                break
    return found


def _field_changes(subject: Any, ident: str, before: dict[str, Any], after: dict[str, Any]
                   ) -> list[PlanChange]:
    changes = []
    for key in dict.fromkeys([*before, *after]):
        old, new = before.get(key), after.get(key)
        if old != new and not (old in (None, ()) and new in (None, ())):
            changes.append(PlanChange(subject=subject, id=ident, change="changed", field=key,
                                      from_=old, to=new))
    return changes


def _objective_fields(o: Any, metric_names: dict[str, str], skip: frozenset[str]
                      ) -> dict[str, Any]:
    """An objective's declared values; its metric under the newest name it has."""
    fields = _declared(o, skip)
    if "metric" in fields:
        fields["metric"] = metric_names.get(fields["metric"], fields["metric"])
    return fields


def compare(old: Project, new: Project) -> tuple[PlanChange, ...]:
    """Everything `new` changed from `old`: the programme's values, metrics and objectives
    added, removed, renamed or changed (targets, dues, checkpoints…)."""
    changes = _field_changes("program", new.program.code, _declared(old.program, IDENTITY),
                             _declared(new.program, IDENTITY))
    metric_match = _match(old.metrics, new.metrics)
    renamed_metric = {o: n for n, o in metric_match.items()}  # old id → new id
    for new_id, metric in new.metrics.items():
        old_id = metric_match.get(new_id)
        if old_id is None:
            changes.append(PlanChange(subject="metric", id=new_id, change="added", field=None))
            continue
        if old_id != new_id:
            changes.append(PlanChange(subject="metric", id=new_id, change="renamed",
                                      field="id", from_=old_id, to=new_id))
        changes += _field_changes("metric", new_id, _declared(old.metrics[old_id], IDENTITY),
                                  _declared(metric, IDENTITY))
    for old_id in old.metrics:
        if old_id not in renamed_metric:
            changes.append(PlanChange(subject="metric", id=old_id, change="removed", field=None))
    old_objectives = {o.id: o for o in old.objectives}
    new_objectives = {o.id: o for o in new.objectives}
    objective_match = _match(old_objectives, new_objectives)
    for new_id, objective in new_objectives.items():
        old_id = objective_match.get(new_id)
        if old_id is None:
            changes.append(PlanChange(subject="objective", id=new_id, change="added",
                                      field=None))
            continue
        if old_id != new_id:
            changes.append(PlanChange(subject="objective", id=new_id, change="renamed",
                                      field="id", from_=old_id, to=new_id))
        changes += _field_changes(
            "objective", new_id,
            _objective_fields(old_objectives[old_id], renamed_metric, IDENTITY),
            _objective_fields(objective, {}, IDENTITY))
    matched_old = set(objective_match.values())
    for old_id in old_objectives:
        if old_id not in matched_old:
            changes.append(PlanChange(subject="objective", id=old_id, change="removed",
                                      field=None))
    return tuple(changes)


def _plan_changes(old: Project, new: Project, old_id: str, new_id: str) -> list[PlanChange]:
    """What an objective commits to that differs between two versions (renames of its
    metric followed; title, owner and the like left out)."""
    renamed_metric = {o: n for n, o in _match(old.metrics, new.metrics).items()}
    before = next(o for o in old.objectives if o.id == old_id)
    after = next(o for o in new.objectives if o.id == new_id)
    return _field_changes("objective", new_id, _objective_fields(before, renamed_metric, NOT_PLAN),
                          _objective_fields(after, {}, NOT_PLAN))


def _headline(objective: Objective) -> Decimal | dt.date | None:
    """What `from`/`to` show: a target's T, a milestone's due date, else None."""
    if objective.kind == "target":
        return objective.goal
    if objective.kind == "milestone":
        return objective.due
    return None


@dataclass(frozen=True)
class Original:
    """An objective's original plan and, when the version in force differs, the revision."""

    original_target: Decimal | None
    revision: Revision | None


def revisions(versions: Sequence[tuple[VersionInfo, Project]], in_force: int, baseline: int
              ) -> dict[str, Original]:
    """For each objective of version `in_force` (an index into `versions`, oldest first):
    its original declaration — in version `baseline`, or where it first appeared after
    it — and the revision when that differs from the version in force."""
    out: dict[str, Original] = {}
    _, current = versions[in_force]
    step = -1 if baseline <= in_force else 1
    for objective in current.objectives:
        # follow the objective from the version in force towards the baseline
        ident, at, changed_at = objective.id, in_force, None
        while at != baseline:
            _, nearer = versions[at]
            _, further = versions[at + step]
            older, newer = (further, nearer) if step == -1 else (nearer, further)
            if step == -1:
                matched = _match({o.id: o for o in older.objectives},
                                 {o.id: o for o in newer.objectives}).get(ident)
            else:
                matched = next((n for n, o in _match({o.id: o for o in older.objectives},
                                                     {o.id: o for o in newer.objectives}
                                                     ).items() if o == ident), None)
            if matched is None:
                break  # not declared further back: `at` is where it first appeared
            if changed_at is None and _plan_changes(
                    *((further, nearer, matched, ident) if step == -1
                      else (nearer, further, ident, matched))):
                changed_at = at if step == -1 else at + step
            ident, at = matched, at + step
        _, original_project = versions[at]
        original = next(o for o in original_project.objectives if o.id == ident)
        headline = _headline(original)
        changes = _plan_changes(original_project, current, ident, objective.id) \
            if at != in_force else []
        revision = None
        if changes:
            info = versions[changed_at if changed_at is not None else in_force][0]
            revision = Revision(from_=headline, to=_headline(objective), decided=info.decided,
                                reason=info.reason, version=info.number,
                                plan_version=info.sha256, changes=tuple(changes))
        out[objective.id] = Original(
            original_target=headline if isinstance(headline, Decimal) and revision else None,
            revision=revision)
    return out
