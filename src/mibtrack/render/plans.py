"""`mibtrack plans`: the recorded plan versions, what each changed and why — as plain text
lines (terminal, Markdown) and as a JSON document."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from ..values import canonical
from .text import literal

if TYPE_CHECKING:
    from ..compute.plans import PlanChange, Revision
    from ..plans import PlanBook

SCHEMA_VERSION = 1


def value_text(value: Any) -> str:
    """A declared value in a sentence: 300, 2026-05-12, [2024-12-31: 12000000], a, b."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(canonical(value), "f")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, BaseModel) and {"date", "value"} <= set(type(value).model_fields):
        return f"{value.date}: {value_text(value.value)}"  # type: ignore[attr-defined]
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(value_text(v) for v in value) + "]"
    return literal(str(value))


def change_text(change: PlanChange) -> str:
    """One change as a sentence: `objective startups: target 400 → 300`."""
    who = f"{change.subject} {literal(change.id)}" if change.subject != "program" else "programme"
    if change.change == "added":
        return f"{who} added"
    if change.change == "removed":
        return f"{who} removed"
    if change.change == "renamed":
        return f"{change.subject} {literal(change.to)} renamed from {literal(change.from_)}"
    return f"{who}: {change.field} {value_text(change.from_)} → {value_text(change.to)}"


def revision_text(revision: Revision) -> str:
    """How a revised objective differs from its original plan, for a report's line."""
    from .i18n import day, t

    what = "; ".join(f"{t(c.field) if c.field else ''} {value_text(c.from_)} → "
                     f"{value_text(c.to)}"
                     for c in revision.changes)
    version = (t("plan v{n}, decided {day}").format(n=revision.version,
                                                     day=day(revision.decided))
               if revision.version is not None else t("not recorded yet"))
    return f"{t('revised')} ({version}: {literal(revision.reason)}): {what}"


def plans_document(book: PlanBook, unrecorded: tuple[PlanChange, ...] | None,
                   file_sha: str) -> dict[str, Any]:
    """The JSON of `plans --json`."""
    versions = []
    for version in book.versions:
        e = version.entry
        versions.append({"version": version.number, "sha256": e.sha256, "decided": e.decided,
                         "recorded_at": e.recorded_at, "writer": e.writer, "reason": e.reason,
                         "entry": e.id, "changes": list(book.changes(version))})
    return {"schema_version": SCHEMA_VERSION, "objectives_sha256": file_sha,
            "unrecorded": unrecorded is not None,
            "unrecorded_changes": list(unrecorded or ()), "versions": versions}


def plans_lines(book: PlanBook, unrecorded: tuple[PlanChange, ...] | None) -> list[str]:
    """`plans` for people: each version, newest last, with why and what it changed."""
    lines: list[str] = []
    for version in book.versions:
        e = version.entry
        lines.append(f"v{version.number}  decided {e.decided}  recorded "
                     f"{e.recorded_at:%Y-%m-%d %H:%M} UTC by {literal(e.writer)}  "
                     f"{e.sha256[:12]}")
        lines.append(f"    why: {literal(e.reason)}")
        changes = book.changes(version)
        if version.number == 1:
            lines.append("    first recorded version")
        elif not changes:
            lines.append("    no declared value changed (the file's bytes did)")
        lines += [f"    - {change_text(c)}" for c in changes]
    if unrecorded is not None:
        lines.append("objectives.toml has changes not recorded yet (run `mibtrack replan "
                     "--reason R`):")
        lines += [f"    - {change_text(c)}" for c in unrecorded] or \
            ["    - no declared value changed (the file's bytes did)"]
    return lines
