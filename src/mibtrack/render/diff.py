"""`mibtrack diff` for people: what moved, grouped so a director reads it in a minute —
worse first, then better, figures, plan revisions, evidence, corrections, voids, notes.
Empty sections are left out."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from ..values import format_moment, rounded
from .cells import STATUS_MARK, percent
from .plans import change_text, value_text
from .text import literal

if TYPE_CHECKING:
    from ..compute.diff import DiffReport, EntryItem, StatusChange, ValueChange


def _moment(moment: object | None) -> str:
    return "now" if moment is None else f"{moment:%Y-%m-%d %H:%M} UTC"


def _status(change: StatusChange) -> str:
    before = change.from_ or "new"
    line = (f"  {STATUS_MARK.get(change.to, '')} {literal(change.id)}: {before} → {change.to}"
            f"  ({literal(change.title)})")
    if change.reason and change.to in ("missed", "off-track", "at-risk"):
        line += f" — {literal(change.reason)}"
    return line


def _figure(change: ValueChange) -> str:
    if change.field in ("progress", "expected"):
        return f"{change.field} {percent(change.from_)} → {percent(change.to)}"
    unit = f" {literal(change.unit)}" if change.unit else ""

    def shown(value: Decimal | None) -> str:
        if value is None or change.field == "actual":
            return value_text(value)
        return value_text(rounded(value, Decimal("0.01")))

    return f"{change.field} {shown(change.from_)} → {shown(change.to)}{unit}"


def _entry(item: EntryItem) -> str:
    about = literal(item.about) if item.about else ""
    if item.type in ("correction", "void"):
        about = f"{'fixes' if item.type == 'correction' else 'voids'} {about[:12]}"
    parts = [f"  {item.as_of} {item.type} {about}".rstrip()]
    if item.value:
        parts.append(literal(item.value))
    line = " ".join(parts)
    if item.text:
        line += f" — {literal(item.text)}"
    return line + f" [{literal(item.writer)}]"


def diff_lines(diff: DiffReport) -> list[str]:
    after = "now" if diff.until is None else _moment(diff.until)
    lines = [f"What changed: as known at {_moment(diff.since)} (as of {diff.before.as_of}) "
             f"→ {after} (as of {diff.after.as_of})"]
    if diff.empty:
        return lines + ["nothing moved"]
    for title, changes in (("Got worse", diff.got_worse), ("Got better", diff.got_better),
                           ("Status moved", diff.status_moved)):
        if changes:
            lines.append(f"{title} ({len(changes)})")
            lines += [_status(c) for c in changes]
    if diff.values_moved:
        by_objective: dict[str, list[ValueChange]] = {}
        for change in diff.values_moved:
            by_objective.setdefault(change.id, []).append(change)
        count = len(by_objective)
        lines.append(f"Figures moved ({count} objective{'s' if count != 1 else ''})")
        lines += [f"  {literal(oid)}: " + "; ".join(_figure(c) for c in changes)
                  for oid, changes in by_objective.items()]
    if diff.plan_revisions:
        lines.append(f"Plan revised ({len(diff.plan_revisions)})")
        for revision in diff.plan_revisions:
            lines.append(f"  v{revision.version} decided {revision.decided}: "
                         f"{literal(revision.reason)}")
            lines += [f"    - {change_text(c)}" for c in revision.changes]
    for title, items in (("New evidence", diff.new_evidence), ("Corrections", diff.corrections),
                         ("Voids", diff.voids), ("Notes", diff.notes)):
        if items:
            lines.append(f"{title} ({len(items)})")
            lines += [_entry(i) for i in items]
    generated = format_moment(diff.generated_at) if diff.generated_at else "—"
    lines.append(f"generated at {generated}, plan {(diff.plan_version or '—')[:12]}, "
                 f"ledger head {(diff.ledger_head or '—')[:12]}, mibtrack "
                 f"{diff.mibtrack_version}")
    return lines
