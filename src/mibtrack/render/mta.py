"""Milestone trend analysis charts: reporting date across, forecast date up, the diagonal
where they meet. Inline SVG written as plain text (no plotting library) for the HTML report,
a character grid for the terminal, and the table as CSV rows. Drawing only: every date is
one the MilestoneTrend holds."""

from __future__ import annotations

import csv
import datetime as dt
import io
from html import escape
from typing import TYPE_CHECKING

from .i18n import day, plural, t
from .text import literal

if TYPE_CHECKING:
    from ..compute.trends import MilestoneTrend

LINE, DONE, DUE, DIAGONAL, GRID = "#1f4e9c", "#1b7837", "#b30000", "#595959", "#d0d0d0"
CSV_COLUMNS = ("id", "reporting_date", "forecast_date", "state", "status", "due")


def _span(trend: MilestoneTrend) -> tuple[dt.date, dt.date]:
    """One date range for both axes, so the diagonal is a true 45°."""
    dates = [p.reporting_date for p in trend.points] + [p.forecast_date for p in trend.points]
    lo, hi = min(dates + [trend.due]), max(dates + [trend.due])
    if hi <= lo:
        hi = lo + dt.timedelta(days=30)
    return lo, hi


def _ticks(lo: dt.date, hi: dt.date, count: int = 5) -> list[dt.date]:
    """About `count` first-of-month dates across lo..hi."""
    months = (hi.year - lo.year) * 12 + hi.month - lo.month
    step = max(1, -(-months // count))
    ticks: list[dt.date] = []
    year, month = lo.year, lo.month
    while True:
        month += 1 if not ticks else step
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
        day = dt.date(year, month, 1)
        if day > hi:
            return ticks
        ticks.append(day)


def mta_svg(trend: MilestoneTrend, chart_id: str) -> str:
    """The MTA chart of one milestone as an inline <svg> with a title and a description."""
    size, left, bottom, top, right = 300.0, 62.0, 40.0, 12.0, 12.0
    lo, hi = _span(trend)
    total = (hi - lo).days

    def x(day: dt.date) -> float:
        return round(left + (day - lo).days / total * size, 2)

    def y(day: dt.date) -> float:
        return round(top + size - (day - lo).days / total * size, 2)

    ident = escape(chart_id, quote=True)
    width, height = left + size + right, top + size + bottom
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="chart mta" role="img" '
             f'viewBox="0 0 {width:g} {height:g}" aria-labelledby="{ident}-title {ident}-desc" '
             f'data-objective="{escape(trend.id, quote=True)}">']
    title = f"{t('Milestone trend')}: {trend.title}"
    moves = ", ".join(f"{day(p.reporting_date)}: {day(p.forecast_date)}" for p in trend.points)
    desc = (t("Forecast date of {id} at each reporting date").format(id=trend.id)
            + f" ({moves}); {t('due')} {day(trend.due)}; "
            f"{trend.slips} {plural(trend.slips, t('slip'), t('slips'))}"
            + (f"; {t('done')} {day(trend.done)}." if trend.done else "."))
    parts.append(f'<title id="{ident}-title">{escape(literal(title))}</title>'
                 f'<desc id="{ident}-desc">{escape(literal(desc))}</desc>')
    for tick in _ticks(lo, hi):
        parts.append(f'<line x1="{x(tick)}" y1="{top}" x2="{x(tick)}" y2="{top + size}" '
                     f'stroke="{GRID}" stroke-width="0.5"/>'
                     f'<line x1="{left}" y1="{y(tick)}" x2="{left + size}" y2="{y(tick)}" '
                     f'stroke="{GRID}" stroke-width="0.5"/>'
                     f'<text x="{x(tick)}" y="{top + size + 14}" font-size="9" '
                     f'text-anchor="middle">{tick:%Y-%m}</text>'
                     f'<text x="{left - 4}" y="{y(tick) + 3}" font-size="9" '
                     f'text-anchor="end">{tick:%Y-%m}</text>')
    parts.append(f'<rect x="{left}" y="{top}" width="{size:g}" height="{size:g}" fill="none" '
                 f'stroke="#444444" stroke-width="0.8"/>'
                 f'<line class="diagonal" x1="{x(lo)}" y1="{y(lo)}" x2="{x(hi)}" y2="{y(hi)}" '
                 f'stroke="{DIAGONAL}" stroke-dasharray="4 3" stroke-width="0.8"/>'
                 f'<line class="due" x1="{left}" y1="{y(trend.due)}" x2="{left + size}" '
                 f'y2="{y(trend.due)}" stroke="{DUE}" stroke-dasharray="2 2" '
                 f'stroke-width="0.8"/>'
                 f'<text x="{left + size - 2}" y="{y(trend.due) - 3}" font-size="9" '
                 f'text-anchor="end" fill="{DUE}">{escape(t("due"))} {day(trend.due)}</text>')
    path = " ".join(f"{x(p.reporting_date)},{y(p.forecast_date)}" for p in trend.points)
    parts.append(f'<polyline class="forecast" points="{path}" fill="none" stroke="{LINE}" '
                 f'stroke-width="1.5"/>')
    for p in trend.points:
        done = p.state == "done"
        parts.append(f'<circle cx="{x(p.reporting_date)}" cy="{y(p.forecast_date)}" '
                     f'r="{3.5 if done else 2.5}" fill="{DONE if done else LINE}" '
                     f'data-reporting-date="{p.reporting_date}" '
                     f'data-forecast-date="{p.forecast_date}"/>')
    parts.append(f'<text x="{left + size / 2}" y="{height - 6}" font-size="10" '
                 f'text-anchor="middle">{escape(t("reporting date"))}</text>'
                 f'<text x="12" y="{top + size / 2}" font-size="10" text-anchor="middle" '
                 f'transform="rotate(-90 12 {top + size / 2})">{escape(t("forecast date"))}'
                 f'</text>')
    parts.append("</svg>")
    return "".join(parts) + "\n"


def mta_grid(trend: MilestoneTrend, height: int = 12) -> list[str]:
    """A character chart: one column per reporting date, forecast dates bucketed in rows
    (latest on top); `·` the diagonal, `─` the due date, `●` a forecast, `✔` done."""
    lo, hi = _span(trend)
    total = (hi - lo).days

    def row(day: dt.date) -> int:
        return min(height - 1, (day - lo).days * height // (total + 1))

    lines = []
    for level in range(height - 1, -1, -1):
        cells = []
        for p in trend.points:
            here = row(p.forecast_date) == level
            if here:
                cells.append("✔" if p.state == "done" else "●")
            elif row(p.reporting_date) == level:
                cells.append("·")
            elif row(trend.due) == level:
                cells.append("─")
            else:
                cells.append(" ")
        label = lo + dt.timedelta(days=(level * (total + 1)) // height)
        lines.append(f"{label} │{''.join(cells)}")
    first, last = trend.points[0].reporting_date, trend.points[-1].reporting_date
    lines.append(" " * 11 + "└" + "─" * len(trend.points))
    lines.append(" " * 12 + f"{first:%Y-%m} → {last:%Y-%m} (reporting dates, one per "
                 f"{trend.period})")
    return lines


def mta_csv(trends: tuple[MilestoneTrend, ...] | list[MilestoneTrend]) -> str:
    """The MTA tables as CSV: one row per milestone and reporting date."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for trend in trends:
        for p in trend.points:
            writer.writerow([trend.id, p.reporting_date.isoformat(),
                             p.forecast_date.isoformat(), p.state or "", p.status,
                             trend.due.isoformat()])
    return out.getvalue()
