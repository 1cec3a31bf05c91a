"""GitHub-flavoured Markdown that pandoc renders too: pipe tables, user text escaped so it
can neither break a table nor start markup, a link, raw HTML or math."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from . import cells
from .text import literal

if TYPE_CHECKING:
    from ..compute import Report
    from .periodic import PeriodicView

# Every ASCII punctuation character may be backslash-escaped in CommonMark and pandoc; these
# are the ones that can start or close markup, a table cell, raw HTML, a link or (pandoc) math.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+!|~^$@&])")
_LEADING = re.compile(r"^(\s*)([-=:>.]|\d+[.)])")


def md(text: str | None) -> str:
    """User text as Markdown showing exactly those characters."""
    shown = _SPECIAL.sub(r"\\\1", literal(text))
    return _LEADING.sub(lambda m: m.group(1) + "\\" + m.group(2), shown)


def _table(header: list[str], rows: list[list[str]], right: set[int] = frozenset()) -> list[str]:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if i in right else ":---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return lines


def render_markdown(report: Report, periods: PeriodicView | None = None) -> str:
    program, currency = report.program, report.program.currency
    known = cells.known_text(report)
    out = [f"# {md(program.name)} ({md(program.code)})", "",
           f"Programme {program.start} → {program.end}. Status as of **{report.as_of}**, "
           f"{known}.", "", "## Summary", ""]
    out += _table(["Status", "Objectives"],
                  [[cells.status_label(s), str(n)] for s, n in report.summary.items()], {1})
    out += ["", f"Roll-ups (composites, counted apart): {cells.rollup_counts(report.rollups)}."]
    if report.stale_metrics:
        out += ["", "Stale metrics (no fresh data within their cadence and a half):", ""]
        out += [f"- {md(m.metric)}: last observed {m.last_observed}, {m.age_days} days ago "
                f"({m.cadence})" for m in report.stale_metrics]
    groups: dict[str, list] = {}
    for r in report.objectives:
        groups.setdefault(cells.group_name(r), []).append(r)
    for name, results in groups.items():
        out += ["", f"## {md(name)}", ""]
        rows = [[md(r.id), md(r.title),
                 cells.status_label(r.status) + (" ⌛ stale" if r.stale else "")
                 + (" ✎ revised" if r.revision else ""),
                 md(cells.actual_text(r, currency)), md(cells.goal_text(r, currency)),
                 cells.percent(r.progress), cells.percent(r.expected),
                 md(cells.variance_text(r, currency)), md(cells.forecast_text(r, currency)),
                 md(cells.when_text(r)), md(cells.reason_text(r))] for r in results]
        out += _table(["Objective", "Title", "Status", "Actual", "Target", "Progress", "Plan",
                       "Variance", "Forecast at due", "When", "Reason"], rows, {5, 6, 7})
    revised = [r for r in report.objectives if r.revision]
    if revised:
        out += ["", "## Plan revisions", ""]
        out += [f"- **{md(r.id)}** {md(cells.revised(r))}" for r in revised]
    sourced = [r for r in report.objectives if r.source]
    if sourced:
        out += ["", "## Sources", ""]
        for r in sourced:
            out += [f"- **{md(r.id)}**: {md(r.source)}"]
    noted = [r for r in report.objectives if r.notes]
    if noted:
        out += ["", "## Notes", ""]
        for r in noted:
            out += [f"- **{md(r.id)}** {n.date}: {md(n.text)}"
                    + (f" ({md(n.source)})" if n.source else "") for n in r.notes]
    if periods is not None:
        out += ["", f"## By {periods.period}", ""]
        for r in report.objectives:
            rows_of = periods.of(r.id)
            out += [f"### {md(r.id)}", ""]
            if not rows_of:
                out += ["Not started by the as-of date.", ""]
                continue
            out += _table(["Period end", "Status", "Actual", "Plan", "Variance", "Progress",
                           "Expected"],
                          [[str(p.end), cells.status_label(p.result.status),
                            md(cells.actual_text(p.result, currency)),
                            md(cells.planned_text(p.result, currency)),
                            md(cells.variance_text(p.result, currency)),
                            cells.percent(p.result.progress), cells.percent(p.result.expected)]
                           for p in rows_of], {2, 3, 4, 5, 6})
            out.append("")
    out += ["", "---", ""]
    out += [f"{label}: `{value}`  " for label, value in cells.stamp_pairs(report)]
    out[-1] = out[-1].rstrip()
    return "\n".join(out).rstrip("\n") + "\n"
