"""CSV for spreadsheets: a header row, one row per objective (or per objective and period),
numbers as plain decimal text, and no text cell a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ..values import canonical, format_moment, neutralise
from .text import literal

if TYPE_CHECKING:
    from ..compute import Report
    from .periodic import PeriodicView

COLUMNS = ("id", "kind", "group", "title", "status", "stale", "unit", "actual", "target",
           "target_min", "target_max", "baseline", "planned", "variance", "progress",
           "expected", "variance_points", "schedule_variance_days", "forecast_at_due", "eta",
           "start", "due", "last_observed", "above_range", "state", "expected_date",
           "done_date", "late_days", "owner", "source", "reason", "evaluated_at",
           "forecast_low", "forecast_high", "p_meet", "below_range", "min", "max", "within",
           "headroom", "breached_since", "breaches", "original_target", "revision",
           "evidence")
#: The provenance stamp, the same on every row (a CSV has no other place for it).
STAMP_COLUMNS = ("generated_at", "plan_version", "ledger_head", "mibtrack_version")

PERIOD_COLUMNS = ("id", "period", "date", "unit", "status", "actual", "planned", "variance",
                  "progress", "expected", "variance_points", "state")

def safe_text(text: str) -> str:
    """User text shown literally and never run as a formula: a leading = + - @ tab or CR
    gets a ' in front (the usual spreadsheet escape, shared with `export`)."""
    return neutralise(literal(text))


def cell(value: Any) -> str | int:
    """Numbers as numbers (plain decimal text, -5 stays -5); text made safe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        from .i18n import plain_number

        return plain_number(canonical(value))  # 1234.5, or 1234,5 in French
    if isinstance(value, dt.datetime):  # as the ledger and export write a moment
        return format_moment(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return safe_text(str(value))


def render_csv(report: Report, periods: PeriodicView | None = None) -> str:
    """Columns named as in JSON (scripts read them); in French, `;` between cells and the
    decimal comma, as a French spreadsheet opens it."""
    from .i18n import french

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", delimiter=";" if french() else ",")
    stamp = [cell(getattr(report, name)) for name in STAMP_COLUMNS]
    if periods is None:
        from .cells import revised

        writer.writerow(COLUMNS + STAMP_COLUMNS)
        for result in report.objectives:
            writer.writerow([cell(revised(result) or None) if name == "revision"
                             else cell(" ".join(e.path for e in result.evidence) or None)
                             if name == "evidence"
                             else cell(getattr(result, name, None)) for name in COLUMNS]
                            + stamp)
    else:
        writer.writerow(PERIOD_COLUMNS + STAMP_COLUMNS)
        for row in periods.rows:
            r = row.result
            values = {"id": r.id, "period": periods.period, "date": row.end, "unit": r.unit}
            writer.writerow([cell(values[name] if name in values else getattr(r, name, None))
                             for name in PERIOD_COLUMNS] + stamp)
    return buffer.getvalue()
