"""The board pack as a workbook (XlsxWriter, imported only here): what a programme office
hands to a funder who lives in spreadsheets.

Sheets:
- `Summary`: a header row, then one row per objective, its id in column A: the exceptions
  first (at-risk, off-track, missed; leaves then roll-ups), then the others by group, in the
  funder's layout (baseline, checkpoint, target, actual, planned, forecast with its interval
  when there is one, status, reason, owner, source, since, next date);
- `Plan vs actual`: each objective at each period end beside the plan;
- `Evidence`: the facts behind the figures (observations, milestone events, notes), each
  with the documents it names (paths relative to the project's folder);
- `About`: the programme, the dates the report holds for, the counts by status.

Cells are typed (numbers are numbers, dates are dates), headers are frozen and filtered,
statuses are coloured and spelled out. The same report gives the same bytes: the workbook's
creation date is the report's own moment, never the clock.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from . import cells
from .i18n import day, french, t
from .text import literal

if TYPE_CHECKING:
    from ..compute import ObjectiveResult, Report
    from .periodic import PeriodicView

#: Fill and text colour per status (the word is always written too).
STATUS_FILL = {
    "achieved": ("#c8e6c9", "#1b5e20"), "on-track": ("#e8f5e9", "#1b5e20"),
    "at-risk": ("#fff3cd", "#7a4f00"), "off-track": ("#f8d7da", "#b00020"),
    "missed": ("#8b0000", "#ffffff"), "no-data": ("#ede7f6", "#6a1b9a"),
    "not-started": ("#eeeeee", "#555555"),
}

#: What `import FILE.xlsx` reads is the CSV's columns; this is what the report writes.
SUMMARY_COLUMNS = (
    "Id", "Title", "Group", "Owner", "Status", "Exception since", "Unit", "Baseline",
    "Checkpoint date", "Checkpoint", "Target", "Target max", "Actual", "Planned now",
    "Variance", "Progress", "Expected", "Forecast at due", "Forecast low", "Forecast high",
    "Due", "Next date", "Days behind", "Reason", "Source",
)

FRENCH_HEADINGS = {
    "Id": "Identifiant", "Exception since": "Point d'attention depuis le",
    "Checkpoint date": "Date du jalon intermédiaire", "Target max": "Cible haute",
    "Planned now": "Prévu à date", "Due": "Échéance", "Next date": "Prochaine date",
    "Days behind": "Retard (jours)", "Forecast low": "Prévision basse",
    "Forecast high": "Prévision haute",
}

#: The sheets' names in French (a sheet name cannot hold `/`, so not the labels' `t`).
_FRENCH_SHEETS = {"Summary": "Synthèse", "Plan vs actual": "Prévu et réalisé",
                  "Evidence": "Pièces", "About": "À propos"}


def _sheet(name: str) -> str:
    """A sheet's name in the report's language: a French board opens `Synthèse`."""
    return _FRENCH_SHEETS[name] if french() else name


def heading(name: str) -> str:
    if french() and name in FRENCH_HEADINGS:
        return FRENCH_HEADINGS[name]
    return t(name)


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


class _Writer:
    """Typed cell writing with the workbook's formats."""

    def __init__(self, workbook: Any, currency: str) -> None:
        self.book = workbook
        self.currency = currency
        date_format = "dd/mm/yyyy" if french() else "yyyy-mm-dd"
        self.header = workbook.add_format({"bold": True, "bg_color": "#1f4e9c",
                                           "font_color": "#ffffff", "text_wrap": True,
                                           "valign": "top", "border": 1})
        self.date = workbook.add_format({"num_format": date_format, "valign": "top"})
        self.text = workbook.add_format({"text_wrap": True, "valign": "top"})
        self.number = workbook.add_format({"num_format": "#,##0.##", "valign": "top"})
        self.integer = workbook.add_format({"num_format": "#,##0", "valign": "top"})
        money = '#,##0 "€"' if french() else '"€"#,##0'
        self.money = workbook.add_format({"num_format": money if currency == "EUR"
                                          else "#,##0", "valign": "top"})
        self.percent = workbook.add_format({"num_format": "0%", "valign": "top"})
        self.title = workbook.add_format({"bold": True, "font_size": 14})
        self.bold = workbook.add_format({"bold": True})
        self.status = {s: workbook.add_format({"bg_color": bg, "font_color": fg, "bold": True,
                                               "valign": "top", "border": 1})
                       for s, (bg, fg) in STATUS_FILL.items()}

    def put(self, sheet: Any, row: int, col: int, value: Any, fmt: Any = None) -> None:
        """None is an empty cell; dates are dates; numbers numbers; text literal and never
        a formula (XlsxWriter's write_string)."""
        if value is None:
            sheet.write_blank(row, col, None, fmt)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value, fmt)
        elif isinstance(value, dt.datetime):
            sheet.write_datetime(row, col, value.replace(tzinfo=None), fmt or self.date)
        elif isinstance(value, dt.date):
            sheet.write_datetime(row, col, dt.datetime.combine(value, dt.time()),
                                 fmt or self.date)
        elif isinstance(value, (int, Decimal, float)):
            sheet.write_number(row, col, float(value), fmt or self.number)
        else:
            sheet.write_string(row, col, literal(str(value)), fmt or self.text)

    def amount_format(self, unit: str | None) -> Any:
        return self.money if unit and unit.upper() == self.currency.upper() else self.number

    def table(self, sheet: Any, headers: Sequence[str], rows: Sequence[Sequence[Any]],
              widths: Sequence[int]) -> None:
        """A header row (frozen, filtered) and typed rows; formats given as (value, fmt)."""
        for col, (name, width) in enumerate(zip(headers, widths, strict=True)):
            sheet.write_string(0, col, name, self.header)
            sheet.set_column(col, col, width)
        for r, row in enumerate(rows, start=1):
            for col, cell in enumerate(row):
                value, fmt = cell if isinstance(cell, tuple) else (cell, None)
                self.put(sheet, r, col, value, fmt)
        sheet.freeze_panes(1, 1)
        sheet.autofilter(0, 0, max(1, len(rows)), len(headers) - 1)


def _checkpoint(r: ObjectiveResult, as_of: dt.date) -> tuple[dt.date | None, Decimal | None]:
    """The plan's next checkpoint from the as-of date on, else its last one."""
    inner = list(getattr(r, "plan_points", ())[1:-1])
    if not inner:
        return None, None
    coming = [p for p in inner if p.date >= as_of]
    chosen = coming[0] if coming else inner[-1]
    return chosen.date, chosen.value


def _summary_rows(report: Report, w: _Writer) -> list[list[Any]]:
    from ..compute.parts import sections

    exceptions = {e.id: e for e in report.exceptions}
    by_id = {r.id: r for r in report.objectives}
    ordered = [by_id[e.id] for e in report.exceptions]
    for section in sections(report.objectives, report.program.groups):
        ordered += [r for r in section.results if r.id not in exceptions]
    rows = []
    for r in ordered:
        e = exceptions.get(r.id)
        unit_fmt = w.amount_format(r.unit)
        checkpoint_date, checkpoint = _checkpoint(r, report.as_of)
        reason = cells.reason_of(report, r)
        rows.append([
            r.id, r.title, r.group, r.owner, (cells.status_label(r.status), w.status[r.status]),
            e.since if e is not None else None, r.unit,
            (getattr(r, "baseline", None), unit_fmt), checkpoint_date, (checkpoint, unit_fmt),
            (r.target if r.target is not None else
             r.target_min if r.target_min is not None else r.min, unit_fmt),
            (r.target_max if r.target_max is not None else r.max, unit_fmt),
            (r.actual, unit_fmt), (r.planned, unit_fmt),
            (r.variance if r.kind != "limit" else r.headroom, unit_fmt),
            (r.progress, w.percent), (r.expected, w.percent),
            (r.forecast_at_due, unit_fmt), (r.forecast_low, unit_fmt),
            (r.forecast_high, unit_fmt), r.due,
            e.next_date if e is not None else (r.eta or r.due),
            (e.days_behind, w.integer) if e is not None else None, reason, r.source,
        ])
    return rows


def _period_rows(periods: PeriodicView, w: _Writer) -> list[list[Any]]:
    rows = []
    for p in periods.rows:
        x = p.result
        unit_fmt = w.amount_format(x.unit)
        rows.append([p.objective, p.end, (cells.status_label(x.status), w.status[x.status]),
                     (x.actual, unit_fmt), (x.planned, unit_fmt), (x.variance, unit_fmt),
                     (x.progress, w.percent), (x.expected, w.percent), x.unit,
                     t(state) if (state := getattr(x, "state", None)) else None])
    return rows


def render_workbook(report: Report, periods: PeriodicView | None = None,
                    evidence: Sequence[dict[str, Any]] = ()) -> bytes:
    """The report as .xlsx bytes (deterministic for the same report)."""
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_urls": False,
                                        "strings_to_numbers": False})
    moment = report.known_at or dt.datetime.combine(report.as_of, dt.time(23, 59, 59))
    program = report.program
    title = f"{program.name} ({program.code}) — {t('Status as of')} {day(report.as_of)}"
    book.set_properties({"title": literal(title), "subject": "mibtrack board pack",
                         "author": "mibtrack", "created": moment.replace(tzinfo=None)})
    w = _Writer(book, program.currency)

    summary = book.add_worksheet(_sheet("Summary"))
    widths = [22, 40, 20, 16, 16, 12, 10, 14, 12, 14, 14, 14, 14, 14, 14, 10, 10, 14, 14, 14,
              12, 12, 10, 50, 40]
    w.table(summary, [heading(c) for c in SUMMARY_COLUMNS], _summary_rows(report, w), widths)
    summary.set_landscape()
    summary.fit_to_pages(1, 0)
    summary.repeat_rows(0)
    summary.set_header(f"&L&B{_header_text(title)}")

    plan = book.add_worksheet(_sheet("Plan vs actual"))
    if periods is not None:
        w.table(plan, [heading(c) for c in ("Id", "Period end", "Status", "Actual", "Plan",
                                            "Variance", "Progress", "Expected", "Unit",
                                            "State")],
                _period_rows(periods, w), [22, 12, 16, 14, 14, 14, 10, 10, 12, 12])
    else:
        plan.write_string(0, 0, t("Not started by the as-of date."), w.text)

    sheet = book.add_worksheet(_sheet("Evidence"))
    w.table(sheet, [heading(c) for c in ("Date", "Kind", "Metric", "Objective", "Value", "Unit",
                                         "State", "Expected", "Source", "Note", "Id",
                                         "Documents")],
            [[e.get("date"), t(e.get("type", "")), e.get("metric"), e.get("objective"),
              (e.get("value"), w.amount_format(e.get("unit"))), e.get("unit"),
              t(e["status"]) if e.get("status") else None, e.get("expected"), e.get("source"),
              e.get("note"), e.get("id"), "\n".join(e.get("documents", ())) or None]
             for e in evidence],
            [12, 12, 22, 22, 14, 10, 12, 12, 40, 50, 16, 60])

    about = book.add_worksheet(_sheet("About"))
    about.set_column(0, 0, 28)
    about.set_column(1, 1, 60)
    w.put(about, 0, 0, title, w.title)
    facts: list[tuple[str, Any]] = [
        (t("Programme"), f"{program.name} ({program.code})"),
        (t("Status as of"), report.as_of),
        (t("as known at") if report.known_at else t("as known now"),
         report.known_at.replace(tzinfo=None) if report.known_at else None),
    ]
    facts += [(t("Part"), ", ".join(f"{t(k)} {v}" for k, v in report.part.items()))] \
        if report.part else []
    facts += [(cells.status_label(s), n) for s, n in report.summary.items()]
    for index, (label, value) in enumerate(facts, start=2):
        w.put(about, index, 0, label, w.bold)
        w.put(about, index, 1, value, w.integer if isinstance(value, int) else None)
    book.close()
    return buffer.getvalue()


def _header_text(text: str) -> str:
    """Page-header text: `&` is a control character there."""
    return literal(text).replace("&", "&&")[:200]
