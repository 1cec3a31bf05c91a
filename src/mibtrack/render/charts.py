"""Character charts for the terminal (no plotting dependency): a sparkline of a metric's
recent values and a plan/actual/forecast plot for `show`, as styled text segments that
render/terminal.py turns into rich Text (only it and the CLI import rich). Positions are
display arithmetic only; the values are the ones compute produced."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from ..compute import AnyResult
from .i18n import day, t
from .text import compact, literal

BLOCKS = "▁▂▃▄▅▆▇█"

#: Text in pieces, each with its rich style (None: unstyled).
Segments = list[tuple[str, str | None]]


def sparkline(values: Sequence[Decimal], width: int = 8) -> str:
    """The last `width` values as block heights, scaled between their min and max."""
    recent = list(values)[-width:]
    if not recent:
        return ""
    low, high = min(recent), max(recent)
    if high == low:
        return BLOCKS[3] * len(recent)
    top = len(BLOCKS) - 1
    return "".join(BLOCKS[int((v - low) / (high - low) * top)] for v in recent)


def _interpolate(points: Sequence[tuple[dt.date, Decimal]], day: dt.date) -> Decimal | None:
    """The straight line between two drawn points (the forecast), for placing it on the grid."""
    if len(points) < 2 or not points[0][0] <= day <= points[-1][0]:
        return None
    (d0, v0), (d1, v1) = points[0], points[-1]
    if d1 == d0:
        return v0
    return v0 + (v1 - v0) * Decimal((day - d0).days) / Decimal((d1 - d0).days)


def plan_actual_chart(result: AnyResult, dates: Sequence[dt.date],
                      history: Sequence[AnyResult], as_of: dt.date,
                      height: int = 10) -> Segments:
    """Plan (·), actual (●, observations ◆), forecast (╌), target (┄), as-of day (│)."""
    forecast = [(p.date, p.value) for p in result.forecast_line]
    layers: dict[str, list[Decimal | None]] = {
        "plan": [h.planned for h in history],
        "actual": [h.actual if d <= as_of else None for d, h in zip(dates, history,
                                                                     strict=True)],
        "forecast": [_interpolate(forecast, d) for d in dates],
    }
    goal = getattr(result, "goal", None)  # a target's T; a limit has bounds instead
    goal_lines = [v for v in (result.target_min, result.target_max, result.min, result.max)
                  if v is not None] or ([goal] if goal is not None else [])
    every = [v for layer in layers.values() for v in layer if v is not None] + goal_lines
    if (baseline := getattr(result, "baseline", None)) is not None:
        every.append(baseline)
    if not every:
        return [("(nothing to plot)", None)]
    low, high = min(every), max(every)
    if high == low:
        high = low + 1
    width = len(dates)

    def row_of(value: Decimal) -> int:
        return height - 1 - int((value - low) / (high - low) * (height - 1) + Decimal("0.5"))

    grid: list[list[tuple[str, str | None]]] = [[(" ", None)] * width for _ in range(height)]

    def put(col: int, value: Decimal | None, char: str, style: str) -> None:
        if value is not None:
            grid[row_of(value)][col] = (char, style)

    as_of_col = min(range(width), key=lambda i: abs((dates[i] - as_of).days))
    for col in range(width):
        for value in goal_lines:
            put(col, value, "┄", "green")
        if as_of <= dates[-1]:
            if col == as_of_col:
                for row in range(height):
                    grid[row][col] = ("│", "bold")
        put(col, layers["plan"][col], "·", "bright_white")
        put(col, layers["forecast"][col], "╌", "yellow")
        put(col, layers["actual"][col], "●", "cyan")
    for point in result.actual_series:
        if dates[0] <= point.date <= dates[-1]:
            col = min(range(width), key=lambda i: abs((dates[i] - point.date).days))
            put(col, point.value, "◆", "bold cyan")
    labels = {0: compact(high, None), height - 1: compact(low, None)}
    pad = max(len(v) for v in labels.values())
    text: Segments = []
    for row in range(height):
        text.append((f"{labels.get(row, ''):>{pad}} ┤", "dim"))
        for char, style in grid[row]:
            text.append((char, style))
        text.append(("\n", None))
    text.append((" " * pad + " └" + "─" * width + "\n", "dim"))
    left, right = day(dates[0]), day(dates[-1])
    text.append((" " * (pad + 2) + left + " " * max(1, width - len(left) - len(right))
                 + right + "\n", "dim"))
    text.append((" " * (pad + 2), None))
    for char, style, name in (("◆", "bold cyan", t("observed")), ("●", "cyan", t("actual")),
                              ("·", "bright_white", t("plan")), ("╌", "yellow", t("forecast")),
                              ("┄", "green", t("target")),
                              ("│", "bold", f"{t('as of')} {day(as_of)}")):
        text.append((char, style))
        text.append((f" {name}  ", None))
    if result.unit:
        text.append((f"({literal(result.unit)})", "dim"))
    return text
