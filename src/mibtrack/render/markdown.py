"""GitHub-flavoured Markdown that pandoc renders too: pipe tables, user text escaped so it
can neither break a table nor start markup, a link, raw HTML or math."""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from . import cells
from .i18n import ago, day, t
from .text import literal

if TYPE_CHECKING:
    from ..compute import Report
    from .periodic import PeriodicView

# Every ASCII punctuation character may be backslash-escaped in CommonMark and pandoc; these
# are the ones that can start or close markup, a table cell, raw HTML, a link or (pandoc) math.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+!|~^$@&])")
# a list item needs a space (or the end) after its marker: `143.67 companies` is no list,
# and `\1` before a digit is no escape (it would show a backslash)
_LEADING = re.compile(r"^(\s*)([-=:>.]|\d+[.)](?=\s|$))")


def md(text: str | None) -> str:
    """User text as Markdown showing exactly those characters."""
    shown = _SPECIAL.sub(r"\\\1", literal(text))
    # the backslash goes before the punctuation: `1\.` (a `\1` would show the backslash)
    return _LEADING.sub(lambda m: m.group(1) + m.group(2)[:-1] + "\\" + m.group(2)[-1],
                        shown)


def _table(header: list[str], rows: list[list[str]], right: AbstractSet[int] = frozenset()
           ) -> list[str]:
    lines = ["| " + " | ".join(header) + " |",
             "|" + "|".join("---:" if i in right else ":---" for i in range(len(header))) + "|"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return lines


def _exceptions(report: Report) -> list[str]:
    """Exceptions first: what is at-risk, off-track or missed, and why."""
    out = ["", f"## {t('Exceptions')}", ""]
    if not report.exceptions:
        return out + [t("Nothing at risk, off-track or missed.")]
    currency = report.program.currency
    rows = [[md(e.id), cells.status_label(e.status), md(e.owner) or "—",
             md(cells.gap_text(e, currency)), md(cells.behind_text(e)),
             md(cells.next_text(e)), md(cells.since_text(e)), md(e.reason) or "—"]
            for e in report.exceptions]
    return out + _table([t("Objective"), t("Status"), t("Owner"), t("Gap"), t("Days behind"),
                         t("Next date"), t("Since"), t("Reason")], rows, {3, 4})


def render_markdown(report: Report, periods: PeriodicView | None = None) -> str:
    from ..compute.parts import sections

    program, currency = report.program, report.program.currency
    known = cells.known_text(report)
    out = [f"# {md(program.name)} ({md(program.code)})", "",
           f"{t('Programme')} {day(program.start)} → {day(program.end)}. "
           f"{t('Status as of')} **{day(report.as_of)}**, {known}."]
    if report.part:
        out += ["", f"{t('Part')}: " + ", ".join(f"{t(k)} {md(v)}"
                                                 for k, v in report.part.items()) + "."]
    out += ["", f"## {t('Summary')}", ""]
    out += _table([t("Status"), t("Objectives")],
                  [[cells.status_label(s), str(n)] for s, n in report.summary.items()], {1})
    out += ["", f"{t('Roll-ups')} ({t('composites, counted apart')}){cells.colon()} "
            f"{cells.rollup_counts(report.rollups)}."]
    if report.stale_metrics:
        out += ["", t("Stale metrics (no fresh data within their cadence and a half):"), ""]
        out += [f"- {md(m.metric)}: {t('last observed')} {day(m.last_observed)}, "
                f"{ago(m.age_days)} ({t(m.cadence)})" for m in report.stale_metrics]
    out += _exceptions(report)
    for section in sections(report.objectives, program.groups):
        for depth, name in section.new_heads:
            out += ["", f"{'#' * min(6, depth + 2)} {md(name)}", ""]
        if not section.path:
            out += ["", f"## {md(cells.section_title(section))}", ""]
        elif not section.new_heads or section.new_heads[-1][1] != section.path[-1]:
            out += [""]
        rows = [[md(r.id), md(r.title),
                 cells.status_label(r.status) + (f" ⌛ {t('stale')}" if r.stale else "")
                 + (f" ✎ {t('revised')}" if r.revision else ""),
                 md(cells.actual_text(r, currency)), md(cells.goal_text(r, currency)),
                 cells.percent(r.progress), cells.percent(r.expected),
                 md(cells.variance_text(r, currency)), md(cells.forecast_text(r, currency)),
                 md(cells.when_text(r)), md(cells.reason_of(report, r)) or "—"]
                for r in section.results]
        out += _table([t("Objective"), t("Title"), t("Status"), t("Actual"), t("Target"),
                       t("Progress"), t("Plan"), t("Variance"), t("Forecast at due"),
                       t("When"), t("Reason")], rows, {5, 6, 7})
    revised = [r for r in report.objectives if r.revision]
    if revised:
        out += ["", f"## {t('Plan revisions')}", ""]
        out += [f"- **{md(r.id)}** {md(cells.revised(r))}" for r in revised]
    sourced = [r for r in report.objectives if r.source]
    if sourced:
        out += ["", f"## {t('Sources')}", ""]
        for r in sourced:
            out += [f"- **{md(r.id)}**{cells.colon()} {md(r.source)}"]
    documented = [r for r in report.objectives if r.evidence]
    if documented:
        out += ["", f"## {t('Evidence')}", "",
                t("Documents behind the figures (links relative to the project's folder):"), ""]
        for r in documented:
            out += [f"- **{md(r.id)}** [{md(e.name)}]({cells.evidence_href(e)}) "
                    f"({md(cells.evidence_about(e))})" for e in r.evidence]
    noted = [r for r in report.objectives if report.recent_notes.get(r.id)]
    if noted:
        span = (f"Notes datées du {day(report.notes_from)} au {day(report.as_of)}."
                if t("to") != "to" else
                f"Notes dated from {day(report.notes_from)} to {day(report.as_of)}.")
        out += ["", f"## {t('Notes')}", "", span, ""]
        for r in noted:
            out += [f"- **{md(r.id)}** {day(n.date)}{cells.colon()} {md(n.text)}"
                    + (f" ({md(n.source)})" if n.source else "")
                    for n in report.recent_notes[r.id]]
    if periods is not None:
        out += ["", f"## {t('By ' + periods.period)}", ""]
        for r in report.objectives:
            rows_of = periods.of(r.id)
            out += [f"### {md(r.id)}", ""]
            if not rows_of:
                out += [t("Not started by the as-of date."), ""]
                continue
            out += _table([t("Period end"), t("Status"), t("Actual"), t("Plan"), t("Variance"),
                           t("Progress"), t("Expected")],
                          [[day(p.end), cells.status_label(p.result.status),
                            md(cells.actual_text(p.result, currency)),
                            md(cells.planned_text(p.result, currency)),
                            md(cells.variance_text(p.result, currency)),
                            cells.percent(p.result.progress), cells.percent(p.result.expected)]
                           for p in rows_of], {2, 3, 4, 5, 6})
            out.append("")
    out += ["", "---", ""]
    out += [f"{t(label)}{cells.colon()} `{value}`  " for label, value in cells.stamp_pairs(report)]
    out[-1] = out[-1].rstrip()
    return "\n".join(out).rstrip("\n") + "\n"
