"""Inline SVG charts for the HTML report, drawn with matplotlib's SVG backend (imported only
when HTML is asked for). Every plotted value is one the report holds; the only arithmetic
here is the float conversion for drawing. Text in the SVG stays text (svg.fonttype none), so
the charts are small, searchable and carry a <title> and <desc> for screen readers."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from html import escape

from ..compute import ObjectiveResult
from .text import compact, literal

ACTUAL, PLAN, FORECAST, TARGET, ASOF = "#1f4e9c", "#595959", "#a6501a", "#1b7837", "#111111"
DONE, SLIPPED = "#1b7837", "#b30000"

_RC = {"svg.fonttype": "none", "text.parse_math": False, "font.size": 8,
       "font.family": "sans-serif", "axes.spines.top": False, "axes.spines.right": False,
       "axes.edgecolor": "#444444", "xtick.color": "#333333", "ytick.color": "#333333",
       "axes.labelcolor": "#333333", "svg.image_inline": True}


def _figure(chart_id: str, width: float, height: float):  # noqa: ANN202
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _svg(fig, chart_id: str, title: str, desc: str) -> str:  # noqa: ANN001
    """The figure as an inline <svg> element with its text alternative."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({**_RC, "svg.hashsalt": chart_id}), _hushed():
        fig.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    # matplotlib numbers its ids per figure (figure_1, axes_1…): prefix them so that many
    # charts inline in one page never share an id.
    svg = re.sub(r'\b(id="|url\(#|href="#)([^"#)]+)', rf"\1{chart_id}-\2", svg)
    head_end = svg.index(">")
    head = re.sub(r'\s(width|height)="[^"]*"', "", svg[:head_end])
    ident = escape(chart_id, quote=True)
    head += (f' class="chart" role="img" aria-labelledby="{ident}-title {ident}-desc"'
             f' preserveAspectRatio="xMidYMid meet"')
    alt = (f'<title id="{ident}-title">{escape(literal(title))}</title>'
           f'<desc id="{ident}-desc">{escape(literal(desc))}</desc>')
    return head + ">" + alt + svg[head_end + 1:].rstrip() + "\n"


@contextlib.contextmanager
def _hushed() -> Iterator[None]:
    """matplotlib's font chatter (a family not installed, a glyph missing) is no news for
    a board report, and cron mails every stderr line: it is kept off stderr."""
    import logging
    import warnings

    logger = logging.getLogger("matplotlib")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _f(value: Decimal) -> float:
    return float(value)


def _value_axis(ax, unit: str | None, currency: str) -> None:  # noqa: ANN001
    from matplotlib.ticker import FuncFormatter

    ax.yaxis.set_major_formatter(FuncFormatter(
        lambda y, _pos: compact(Decimal(f"{float(y):.6f}"), unit, currency)
        .removesuffix(f" {literal(unit)}" if unit else "")))
    if unit and unit.upper() != currency.upper():
        ax.set_ylabel(literal(unit))


def _date_axis(ax) -> None:  # noqa: ANN001
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))


def target_chart(r: ObjectiveResult, as_of: dt.date, currency: str, chart_id: str,
                 title: str, desc: str) -> str:
    """Actual points and line, plan through its checkpoints, forecast dashed to the due date,
    the target line (a band for a range) and the as-of day."""
    fig = _figure(chart_id, 5.6, 2.6)
    ax = fig.add_subplot()
    plan_points = getattr(r, "plan_points", ())  # a limit has no plan
    xs = [p.date for p in plan_points] + [p.date for p in r.actual_series] + \
        [p.date for p in r.forecast_line] + [as_of]
    left, right = min(xs), max(xs)
    plan = [(p.date, _f(p.value)) for p in plan_points]
    if plan and left < plan[0][0]:
        plan.insert(0, (left, plan[0][1]))  # the plan is the baseline before the start
    if plan and right > plan[-1][0]:
        plan.append((right, plan[-1][1]))  # and the target after the due date
    if plan:
        ax.plot([d for d, _ in plan], [v for _, v in plan], color=PLAN, linewidth=1.2,
                marker="s", markersize=3, label="plan")
    if r.target_min is not None and r.target_max is not None:
        ax.axhspan(_f(r.target_min), _f(r.target_max), color=TARGET, alpha=0.15, linewidth=0,
                   label="target range")
    elif getattr(r, "goal", None) is not None:
        ax.axhline(_f(r.goal), color=TARGET, linewidth=1, label="target")  # type: ignore[attr-defined]
    for bound, label in ((r.min, "floor"), (r.max, "ceiling")):  # a limit's bounds
        if bound is not None:
            ax.axhline(_f(bound), color=TARGET, linewidth=1, linestyle="-.", label=label)
    if r.forecast_line:
        ax.plot([p.date for p in r.forecast_line], [_f(p.value) for p in r.forecast_line],
                color=FORECAST, linestyle=(0, (4, 3)), linewidth=1.4, label="forecast")
    if r.actual_series:
        ax.plot([p.date for p in r.actual_series], [_f(p.value) for p in r.actual_series],
                color=ACTUAL, linewidth=1.8, marker="o", markersize=4, label="actual")
    ax.axvline(as_of, color=ASOF, linestyle=":", linewidth=1, label=f"as of {as_of}")
    if r.due is not None:
        ax.axvline(r.due, color=TARGET, linestyle="--", linewidth=0.6, alpha=0.6)
    _date_axis(ax)
    _value_axis(ax, r.unit, currency)
    ax.grid(axis="y", color="#dddddd", linewidth=0.5)
    fig.legend(loc="outside upper left", fontsize=7, frameon=False, ncols=5)
    return _svg(fig, chart_id, title, desc)


def milestone_chart(r: ObjectiveResult, as_of: dt.date, program_start: dt.date, chart_id: str,
                    title: str, desc: str) -> str:
    """A timeline: the due date, the done or expected date, the as-of day."""
    fig = _figure(chart_id, 5.6, 1.5)
    ax = fig.add_subplot()
    marks: list[tuple[dt.date, str, str, str]] = []
    if r.due is not None:
        marks.append((r.due, f"due {r.due}", "D", "#333333"))
    if r.done_date is not None:
        marks.append((r.done_date, f"done {r.done_date}", "o", DONE))
    if r.expected_date is not None and r.state == "slipped":
        marks.append((r.expected_date, f"expected {r.expected_date}", "X", SLIPPED))
    days = [m[0] for m in marks] + [as_of, program_start]
    left, right = min(days), max(days)
    pad = dt.timedelta(days=max(30, (right - left).days // 12))
    ax.hlines(0, left - pad, right + pad, color="#888888", linewidth=2)
    for index, (day, label, marker, color) in enumerate(marks):
        ax.plot([day], [0], marker=marker, color=color, markersize=8, linestyle="none",
                label=label)
        ax.annotate(label, (day, 0), xytext=(0, 10 if index % 2 == 0 else -16),
                    textcoords="offset points", ha="center", fontsize=7, color=color)
    ax.axvline(as_of, color=ASOF, linestyle=":", linewidth=1, label=f"as of {as_of}")
    ax.set_xlim(left - pad, right + pad)
    ax.set_ylim(-1, 1)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    _date_axis(ax)
    fig.legend(loc="outside upper left", fontsize=7, frameon=False, ncols=4)
    return _svg(fig, chart_id, title, desc)


def composite_chart(r: ObjectiveResult, children: Sequence[ObjectiveResult], chart_id: str,
                    title: str, desc: str) -> str:
    """Each part's progress (bar) against where the plan says it should be (tick)."""
    fig = _figure(chart_id, 5.6, 0.8 + 0.32 * (len(children) + 1))
    ax = fig.add_subplot()
    rows = [*children, r]
    labels = [literal(c.id) for c in children] + ["overall"]
    ys = list(range(len(rows)))[::-1]
    progress = [min(1.0, max(0.0, _f(c.progress))) if c.progress is not None else 0.0
                for c in rows]
    expected = [min(1.0, max(0.0, _f(c.expected))) if c.expected is not None else 0.0
                for c in rows]
    ax.barh(ys, progress, color=ACTUAL, height=0.55, label="progress")
    ax.plot(expected, ys, linestyle="none", marker="|", markersize=14, markeredgewidth=2,
            color=ASOF, label="plan")
    ax.set_yticks(ys, labels)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:.0%}")
    fig.legend(loc="outside upper left", fontsize=7, frameon=False, ncols=2)
    return _svg(fig, chart_id, title, desc)
