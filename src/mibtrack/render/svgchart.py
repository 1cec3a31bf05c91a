"""Inline SVG charts for the HTML report, written directly as SVG elements (no plotting
library: matplotlib cost a second of import for fifteen small charts). Every plotted value
is one the report holds; the only arithmetic here is placing values on the drawing (floats
for pixel positions). Text stays text, so the charts are small and searchable, and each
carries a <title> and <desc> for screen readers."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from decimal import Decimal
from html import escape

from ..compute import AnyResult, MilestoneResult
from .i18n import day as shown_day
from .i18n import t
from .text import compact, literal

ACTUAL, PLAN, FORECAST, TARGET, ASOF = "#1f4e9c", "#595959", "#a6501a", "#1b7837", "#111111"
DONE, SLIPPED = "#1b7837", "#b30000"
WIDTH = 560
FONT = 'font-family="sans-serif" font-size="10" fill="#333333"'


def _svg(chart_id: str, height: int, title: str, desc: str, body: list[str]) -> str:
    """The drawing as an inline <svg> element with its text alternative."""
    ident = escape(chart_id, quote=True)
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
            f'class="chart" role="img" aria-labelledby="{ident}-title {ident}-desc" '
            f'preserveAspectRatio="xMidYMid meet">'
            f'<title id="{ident}-title">{escape(literal(title))}</title>'
            f'<desc id="{ident}-desc">{escape(literal(desc))}</desc>' + "".join(body) + "</svg>\n")


def _text(x: float, y: float, text: str, anchor: str = "start", color: str | None = None,
          size: int | None = None) -> str:
    fill = f' fill="{color}"' if color else ""
    font = FONT.replace('font-size="10"', f'font-size="{size}"') if size else FONT
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" {font}{fill}>'
            f"{escape(literal(text))}</text>")


def _path(points: Sequence[tuple[float, float]], color: str, width: float = 1.2,
          dash: str | None = None) -> str:
    d = " ".join(f"{'M' if i == 0 else 'L'}{x:.1f},{y:.1f}" for i, (x, y) in enumerate(points))
    extra = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<path d="{d}" fill="none" stroke="{color}" stroke-width="{width}"'
            f' stroke-linejoin="round"{extra}/>')


def _dot(x: float, y: float, color: str, r: float = 2.5, square: bool = False) -> str:
    if square:
        return (f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{2 * r:.1f}" '
                f'height="{2 * r:.1f}" fill="{color}"/>')
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}" fill="{color}"/>'


def _legend(items: Sequence[tuple[str, str, str | None]], y: float = 12) -> list[str]:
    """A row of (label, colour, dash) swatches across the top."""
    out, x = [], 48.0
    for label, color, dash in items:
        out.append(_path([(x, y - 3), (x + 16, y - 3)], color, 2, dash))
        out.append(_text(x + 20, y, label, size=9))
        x += 28 + 5.4 * len(label)
    return out


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values (1, 2 or 5 × 10^k apart) spanning low..high."""
    if high <= low:
        high = low + (abs(low) or 1.0)
    raw = (high - low) / count
    power = 10.0 ** math.floor(math.log10(raw))
    step = power
    for factor in (1, 2, 5, 10):
        step = factor * power
        if raw <= step:
            break
    first = (low // step) * step
    ticks: list[float] = []
    value = first
    while value <= high + step * 0.5 and len(ticks) < 12:
        ticks.append(round(value, 9))
        value += step
    return ticks


def _date_ticks(left: dt.date, right: dt.date) -> list[tuple[dt.date, str]]:
    """Year starts for spans over two years, else quarter or month starts."""
    span = (right - left).days
    months = 12 if span > 730 else 3 if span > 240 else 1
    ticks, year, month = [], left.year, 1
    while (year, month) <= (right.year, right.month):
        day = dt.date(year, month, 1)
        if left <= day <= right:
            ticks.append((day, str(year) if months == 12 else f"{year}-{month:02d}"))
        month += months
        if month > 12:
            year, month = year + 1, month - 12
    return ticks


class _Frame:
    """Dates and values to positions in the plot area."""

    def __init__(self, left: dt.date, right: dt.date, low: float, high: float,
                 height: int) -> None:
        self.left, self.days = left, max(1, (right - left).days)
        self.low, self.span = low, (high - low) or 1.0
        self.x0, self.x1, self.y0, self.y1 = 48.0, WIDTH - 12.0, height - 22.0, 26.0

    def x(self, day: dt.date) -> float:
        return self.x0 + (self.x1 - self.x0) * (day - self.left).days / self.days

    def y(self, value: float) -> float:
        return self.y0 - (self.y0 - self.y1) * (value - self.low) / self.span


def target_chart(r: AnyResult, as_of: dt.date, currency: str, chart_id: str,
                 title: str, desc: str) -> str:
    """Actual points and line, plan through its checkpoints, forecast dashed to the due date,
    the target line (a band for a range) and the as-of day."""
    height = 240
    plan_points = getattr(r, "plan_points", ())  # a limit has no plan
    xs = [p.date for p in plan_points] + [p.date for p in r.actual_series] + \
        [p.date for p in r.forecast_line] + [as_of]
    left, right = min(xs), max(xs)
    plan = [(p.date, float(p.value)) for p in plan_points]
    if plan and left < plan[0][0]:
        plan.insert(0, (left, plan[0][1]))  # the plan is the baseline before the start
    if plan and right > plan[-1][0]:
        plan.append((right, plan[-1][1]))  # and the target after the due date
    values = [v for _, v in plan] + [float(p.value) for p in r.actual_series] + \
        [float(p.value) for p in r.forecast_line]
    limits = [(getattr(r, "min", None), "floor"), (getattr(r, "max", None), "ceiling")]
    bounds = [r.target_min, r.target_max] if r.target_min is not None else \
        [getattr(r, "goal", None)]
    values += [float(b) for b in bounds + [bound for bound, _ in limits] if b is not None]
    ticks = _nice_ticks(min(values, default=0.0), max(values, default=1.0))
    frame = _Frame(left, right, ticks[0], ticks[-1], height)
    body: list[str] = []
    for tick in ticks:
        y = frame.y(tick)
        body.append(f'<line x1="{frame.x0}" y1="{y:.1f}" x2="{frame.x1}" y2="{y:.1f}" '
                    f'stroke="#dddddd" stroke-width="0.5"/>')
        label = compact(Decimal(f"{tick:.6f}"), r.unit, currency)
        label = label.removesuffix(f" {r.unit}") if r.unit else label
        body.append(_text(frame.x0 - 4, y + 3, label, "end", size=9))
    for day, label in _date_ticks(left, right):
        body.append(_text(frame.x(day), height - 6, label, "middle", size=9))
    body.append(f'<line x1="{frame.x0}" y1="{frame.y0}" x2="{frame.x1}" y2="{frame.y0}" '
                f'stroke="#444444" stroke-width="0.8"/>')
    legend: list[tuple[str, str, str | None]] = []
    if r.target_min is not None and r.target_max is not None:
        top, bottom = frame.y(float(r.target_max)), frame.y(float(r.target_min))
        body.append(f'<rect x="{frame.x0}" y="{top:.1f}" width="{frame.x1 - frame.x0:.1f}" '
                    f'height="{max(0.5, bottom - top):.1f}" fill="{TARGET}" '
                    f'fill-opacity="0.15"/>')
        legend.append((t("target range"), TARGET, None))
    elif r.kind == "target":  # a limit has none
        y = frame.y(float(r.goal))
        body.append(_path([(frame.x0, y), (frame.x1, y)], TARGET, 1))
        legend.append((t("target"), TARGET, None))
    for bound, label in limits:  # a limit's floor and ceiling
        if bound is not None:
            y = frame.y(float(bound))
            body.append(_path([(frame.x0, y), (frame.x1, y)], TARGET, 1, "6 2 1 2"))
            legend.append((t(label), TARGET, "6 2 1 2"))
    if plan:
        body.append(_path([(frame.x(d), frame.y(v)) for d, v in plan], PLAN, 1.2))
        body += [_dot(frame.x(p.date), frame.y(float(p.value)), PLAN, 2, square=True)
                 for p in plan_points]
        legend.append((t("plan"), PLAN, None))
    if r.forecast_line:
        body.append(_path([(frame.x(p.date), frame.y(float(p.value))) for p in r.forecast_line],
                          FORECAST, 1.4, "4 3"))
        legend.append((t("forecast"), FORECAST, "4 3"))
    if r.actual_series:
        points = [(frame.x(p.date), frame.y(float(p.value))) for p in r.actual_series]
        body.append(_path(points, ACTUAL, 1.8))
        body += [_dot(x, y, ACTUAL) for x, y in points]
        legend.append((t("actual"), ACTUAL, None))
    x = frame.x(as_of)
    body.append(_path([(x, frame.y1), (x, frame.y0)], ASOF, 1, "1 2"))
    legend.append((f"{t('as of')} {shown_day(as_of)}", ASOF, "1 2"))
    if r.due is not None and left <= r.due <= right:
        x = frame.x(r.due)
        body.append(_path([(x, frame.y1), (x, frame.y0)], TARGET, 0.6, "5 3"))
    return _svg(chart_id, height, title, desc, _legend(legend) + body)


def milestone_chart(r: MilestoneResult, as_of: dt.date, program_start: dt.date, chart_id: str,
                    title: str, desc: str) -> str:
    """A timeline: the due date, the done or expected date, the as-of day."""
    height = 110
    marks: list[tuple[dt.date, str, str]] = []
    if r.due is not None:
        marks.append((r.due, f"{t('due')} {shown_day(r.due)}", "#333333"))
    if r.done_date is not None:
        marks.append((r.done_date, f"{t('done on')} {shown_day(r.done_date)}", DONE))
    if r.expected_date is not None and r.state == "slipped":
        marks.append((r.expected_date, f"{t('expected')} {shown_day(r.expected_date)}", SLIPPED))
    days = [m[0] for m in marks] + [as_of, program_start]
    pad = dt.timedelta(days=max(30, (max(days) - min(days)).days // 12))
    frame = _Frame(min(days) - pad, max(days) + pad, -1, 1, height)
    y = frame.y(0)
    body = [_path([(frame.x0, y), (frame.x1, y)], "#888888", 2)]
    for index, (day, label, color) in enumerate(marks):
        x = frame.x(day)
        body.append(_dot(x, y, color, 5, square=index == 0))
        body.append(_text(x, y - 10 if index % 2 == 0 else y + 18, label, "middle", color, 9))
    x = frame.x(as_of)
    body.append(_path([(x, frame.y1), (x, frame.y0)], ASOF, 1, "1 2"))
    for day, label in _date_ticks(frame.left, max(days) + pad):
        body.append(_text(frame.x(day), height - 6, label, "middle", size=9))
    legend: list[tuple[str, str, str | None]] = [(label, color, None) for _, label, color in marks]
    legend.append((f"{t('as of')} {shown_day(as_of)}", ASOF, "1 2"))
    return _svg(chart_id, height, title, desc, _legend(legend) + body)


def composite_chart(r: AnyResult, children: Sequence[AnyResult], chart_id: str,
                    title: str, desc: str) -> str:
    """Each part's progress (bar) against where the plan says it should be (tick)."""
    rows = [*children, r]
    labels = [c.id for c in children] + [t("overall")]
    height = 40 + 22 * len(rows)
    x0, x1 = 150.0, WIDTH - 16.0
    body: list[str] = []
    for step in range(5):
        x = x0 + (x1 - x0) * step / 4
        body.append(f'<line x1="{x:.1f}" y1="24" x2="{x:.1f}" y2="{height - 16}" '
                    f'stroke="#dddddd" stroke-width="0.5"/>')
        body.append(_text(x, height - 4, f"{25 * step}%", "middle", size=9))

    def share(value: Decimal | None) -> float:
        return min(1.0, max(0.0, float(value))) if value is not None else 0.0

    for index, (row, label) in enumerate(zip(rows, labels, strict=True)):
        y = 28 + 22 * index
        body.append(_text(x0 - 6, y + 11, label, "end", size=9))
        body.append(f'<rect x="{x0}" y="{y + 2}" width="{(x1 - x0) * share(row.progress):.1f}"'
                    f' height="13" fill="{ACTUAL}"/>')
        x = x0 + (x1 - x0) * share(row.expected)
        body.append(_path([(x, y), (x, y + 17)], ASOF, 2))
    return _svg(chart_id, height, title, desc,
                _legend([(t("progress"), ACTUAL, None), (t("plan"), ASOF, None)]) + body)
