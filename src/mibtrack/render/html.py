"""The board report as one self-contained HTML file: no network, no script, inline CSS and
inline SVG charts; readable printed on A4 and on a phone. All user text is HTML-escaped.

Each objective is an <article class="card" data-objective="ID">; each number it shows sits
in a <dd data-field="FIELD" data-value="EXACT"> so a script (or a test) can read the exact
value the report holds beside its display form.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html import escape
from typing import TYPE_CHECKING

from ..values import canonical
from . import cells
from .text import amount, literal

if TYPE_CHECKING:
    from ..compute import ObjectiveResult, Report
    from .periodic import PeriodicView

STATUS_COLOUR = {  # text colour on white; all at least 4.5:1 contrast
    "achieved": "#1b5e20", "on-track": "#1b5e20", "at-risk": "#7a4f00",
    "off-track": "#b00020", "missed": "#8b0000", "no-data": "#6a1b9a", "not-started": "#555555",
}

CSS = """
:root{--ink:#1a1a1a;--muted:#555;--line:#d0d0d0;--card:#fff;--bg:#f4f5f7}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
color:var(--ink);background:var(--bg)}
header,main,footer{max-width:1200px;margin:0 auto;padding:0 16px}
header{padding-top:20px}
h1{font-size:1.6rem;margin:.2em 0}
h2{font-size:1.25rem;margin:1.4em 0 .5em;border-bottom:2px solid var(--line)}
h3{font-size:1.05rem;margin:0 0 .3em}
.meta{color:var(--muted);margin:.2em 0}
table{border-collapse:collapse;margin:.4em 0;font-size:.92rem}
th,td{border-bottom:1px solid var(--line);padding:3px 8px;text-align:left;vertical-align:top}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,520px),1fr));gap:14px}
.card{background:var(--card);border:1px solid var(--line);border-radius:6px;padding:12px 14px;
break-inside:avoid;page-break-inside:avoid;overflow-wrap:anywhere}
.card .id{color:var(--muted);font-size:.85rem;font-family:ui-monospace,monospace}
.status{font-weight:700;display:inline-block;padding:1px 8px;border:1.5px solid currentColor;
border-radius:10px;font-size:.9rem}
.stale{display:inline-block;margin-left:6px;padding:1px 8px;border-radius:10px;
background:#fff3cd;color:#5c4400;border:1px solid #b58900;font-size:.85rem}
dl.numbers{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:2px 12px;
margin:.6em 0}
dl.numbers div{border-bottom:1px dotted var(--line)}
dt{color:var(--muted);font-size:.8rem}
dd{margin:0;font-variant-numeric:tabular-nums}
figure{margin:.4em 0}
svg.chart{width:100%;height:auto;display:block}
figcaption{color:var(--muted);font-size:.85rem}
blockquote{margin:.5em 0;padding:.2em .8em;border-left:3px solid var(--line);color:#333;
font-size:.9rem}
.periods{overflow-x:auto}
footer{color:var(--muted);font-size:.8rem;padding:20px 16px}
.mta-charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:16px}
.mta svg{width:100%;height:auto}
.stamp{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0 0}
.stamp div{display:contents}.stamp dd{margin:0;overflow-wrap:anywhere}
@media (max-width:600px){body{font-size:14px}h1{font-size:1.3rem}.card{padding:10px}}
@media print{
@page{size:A4;margin:14mm 12mm}
body{background:#fff;font-size:10pt}
header,main,footer{max-width:none;padding:0}
.cards{display:block}
.card{border:1px solid #999;margin:0 0 8mm;box-shadow:none}
h2{break-after:avoid;page-break-after:avoid}
.periods{overflow:visible}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""


def _e(text: str | None) -> str:
    """User text for HTML: controls made visible, then escaped."""
    return escape(literal(text), quote=True)


def _exact(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(canonical(value), "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dt.date, int)):
        return str(value)
    return str(value)


def _number(label: str, field: str, value: object, shown: str) -> str:
    return (f'<div><dt>{escape(label)}</dt><dd data-field="{field}" '
            f'data-value="{escape(_exact(value), quote=True)}">{_e(shown)}</dd></div>')


def _status(r: ObjectiveResult) -> str:
    colour = STATUS_COLOUR.get(r.status, "#333")
    badge = (f'<span class="status" data-status="{r.status}" style="color:{colour}">'
             f'{escape(cells.status_label(r.status))}</span>')
    if r.stale:
        badge += (f'<span class="stale" data-stale="true">stale: last observed '
                  f'{r.last_observed}</span>')
    return badge


def _numbers(r: ObjectiveResult, currency: str) -> str:
    parts = []
    if r.kind == "target":
        goal_value = r.target if r.target is not None else r.target_min
        parts += [
            _number("Actual", "actual", r.actual, amount(r.actual, r.unit, currency)),
            _number("Target", "target", goal_value, cells.goal_text(r, currency)),
            _number("Planned now", "planned", r.planned, cells.planned_text(r, currency)),
            _number("Variance", "variance", r.variance, cells.variance_text(r, currency)),
            _number("Progress", "progress", r.progress, cells.percent(r.progress)),
            _number("Expected", "expected", r.expected, cells.percent(r.expected)),
            _number("Schedule", "schedule_variance_days", r.schedule_variance_days,
                    cells.schedule_text(r)),
            _number("Forecast at due", "forecast_at_due", r.forecast_at_due,
                    cells.forecast_text(r, currency)),
            _number("ETA", "eta", r.eta, str(r.eta) if r.eta else "—"),
            _number("Period", "due", r.due, f"{r.start} → {r.due}"),
            _number("Last observed", "last_observed", r.last_observed,
                    str(r.last_observed or "never")),
        ]
        if r.above_range:
            parts.append(_number("Range", "above_range", r.above_range, "above the range"))
    elif r.kind == "milestone":
        parts += [
            _number("State", "state", r.state, r.state or "no event yet"),
            _number("Due", "due", r.due, str(r.due)),
            _number("Done", "done_date", r.done_date, str(r.done_date or "—")),
            _number("Expected", "expected_date", r.expected_date, str(r.expected_date or "—")),
            _number("Late", "late_days", r.late_days,
                    "—" if r.late_days is None else f"{r.late_days} days"),
            _number("Progress", "progress", r.progress, cells.percent(r.progress)),
        ]
    elif r.kind == "limit":
        parts += [
            _number("Actual", "actual", r.actual, amount(r.actual, r.unit, currency)),
            _number("Limit", "min" if r.min is not None else "max",
                    r.min if r.min is not None else r.max, cells.limit_text(r, currency)),
            _number("Headroom", "headroom", r.headroom, amount(r.headroom, r.unit, currency)),
            _number("Within", "within", r.within,
                    "—" if r.within is None else ("yes" if r.within else "no")),
            _number("Outside since", "breached_since", r.breached_since,
                    str(r.breached_since or "—")),
            _number("Breaches", "breaches", r.breaches,
                    "—" if r.breaches is None else str(r.breaches)),
            _number("Forecast at due", "forecast_at_due", r.forecast_at_due,
                    cells.forecast_text(r, currency)),
            _number("Period", "due", r.due, f"{r.start} → {r.due}"),
        ]
    else:
        parts += [
            _number("Progress", "progress", r.progress, cells.percent(r.progress)),
            _number("Expected", "expected", r.expected, cells.percent(r.expected)),
            _number("Variance", "variance_points", r.variance_points,
                    cells.points(r.variance_points)),
            _number("Due", "due", r.due, str(r.due or "—")),
        ]
        if r.worst_child is not None:
            parts.append(_number("Worst part", "worst_child", r.worst_child.id,
                                 f"{r.worst_child.id} ({r.worst_child.status})"))
    return '<dl class="numbers">' + "".join(parts) + "</dl>"


def _summary_text(r: ObjectiveResult, currency: str) -> str:
    """A sentence saying what the chart shows, for everyone (the chart's text alternative)."""
    if r.kind == "target":
        now = (f"Actual {amount(r.actual, r.unit, currency)}" if r.actual is not None
               else "Nothing observed yet")
        text = (f"{now} against a plan of "
                f"{cells.planned_text(r, currency)} by now and a target of "
                f"{cells.goal_text(r, currency)} due {r.due}; "
                f"{len(r.actual_series)} observation{'s' if len(r.actual_series) != 1 else ''}")
        if r.forecast_at_due is not None:
            text += f"; forecast at due {cells.forecast_text(r, currency)}"
            text += f", reaching the target {r.eta}" if r.eta else ", not reaching the target"
        return literal(text) + "."
    if r.kind == "milestone":
        return literal(f"Milestone {cells.when_text(r)}; state: {r.state or 'no event yet'}.")
    if r.kind == "limit":
        now = (f"Actual {amount(r.actual, r.unit, currency)}" if r.actual is not None
               else "Nothing observed yet")
        return literal(f"{now} against a limit of {cells.limit_text(r, currency)}; "
                       f"{cells.when_text(r)}.")
    return literal(f"Progress {cells.percent(r.progress)} against {cells.percent(r.expected)} "
                   f"planned, over {len(r.children)} parts: {', '.join(r.children)}.")


def _chart(r: ObjectiveResult, report: Report, index: int) -> str:
    from . import svgchart

    chart_id = f"chart-{index}"
    title = literal(f"{r.id}: {r.title}")
    desc = _summary_text(r, report.program.currency)
    if r.kind in ("target", "limit"):
        svg = svgchart.target_chart(r, report.as_of, report.program.currency, chart_id,
                                    title, desc)
    elif r.kind == "milestone":
        svg = svgchart.milestone_chart(r, report.as_of, report.program.start, chart_id,
                                       title, desc)
    else:
        by_id = {o.id: o for o in report.objectives}
        svg = svgchart.composite_chart(r, [by_id[c] for c in r.children if c in by_id],
                                       chart_id, title, desc)
    return f'<figure>{svg}<figcaption>{escape(desc)}</figcaption></figure>'


def _card(r: ObjectiveResult, report: Report, index: int,
          periods: PeriodicView | None) -> str:
    currency = report.program.currency
    parts = [f'<article class="card" id="objective-{index}" data-objective="{_e(r.id)}" '
             f'data-status="{r.status}" aria-labelledby="objective-{index}-title">',
             f'<h3 id="objective-{index}-title">{_e(r.title)}</h3>',
             f'<p><span class="id">{_e(r.id)}</span> · {_status(r)} · '
             f'{_e(cells.when_text(r))}</p>']
    if reason := cells.reason_text(r):
        parts.append(f'<p class="reason" data-field="reason">Why: {_e(reason)}</p>')
    parts += [_numbers(r, currency), _chart(r, report, index)]
    if r.revision is not None:
        parts.append(f'<p class="revised" data-original-target="{_exact(r.original_target)}">'
                     f"✎ {_e(cells.revised(r))}</p>")
    if r.owner:
        parts.append(f"<p>Owner: {_e(r.owner)}</p>")
    if r.source:
        parts.append(f'<blockquote class="source"><p>Source: {_e(r.source)}</p></blockquote>')
    if r.notes:
        items = "".join(f"<li><time>{n.date}</time> {_e(n.text)}"
                        + (f' <span class="note-source">({_e(n.source)})</span>' if n.source
                           else "") + "</li>" for n in r.notes)
        parts.append(f'<section class="notes" aria-label="Notes"><h4>Notes</h4>'
                     f'<ul>{items}</ul></section>')
    if periods is not None:
        parts.append(_period_table(r, periods, currency))
    parts.append("</article>")
    return "\n".join(parts)


def _period_table(r: ObjectiveResult, periods: PeriodicView, currency: str) -> str:
    rows = periods.of(r.id)
    if not rows:
        return f'<p class="periods">By {periods.period}: not started by the as-of date.</p>'
    head = ("<tr><th>Period end</th><th>Status</th><th class=num>Actual</th>"
            "<th class=num>Plan</th><th class=num>Variance</th><th class=num>Progress</th>"
            "<th class=num>Expected</th></tr>")
    body = []
    for p in rows:
        x = p.result
        body.append(
            f'<tr data-date="{p.end}"><td>{p.end}</td><td>{escape(cells.status_label(x.status))}'
            f'</td><td class=num data-value="{_exact(x.actual)}">'
            f'{_e(cells.actual_text(x, currency))}</td>'
            f'<td class=num data-value="{_exact(x.planned)}">'
            f'{_e(cells.planned_text(x, currency))}</td>'
            f'<td class=num data-value="{_exact(x.variance)}">'
            f'{_e(cells.variance_text(x, currency))}</td>'
            f'<td class=num>{cells.percent(x.progress)}</td>'
            f'<td class=num>{cells.percent(x.expected)}</td></tr>')
    return (f'<div class="periods"><table data-period="{periods.period}"><caption>By '
            f'{periods.period}</caption><thead>{head}</thead><tbody>{"".join(body)}'
            f'</tbody></table></div>')


def _trends(report: Report) -> str:
    """Milestone trend analysis: one chart per milestone with two reporting dates or more."""
    from .mta import mta_svg

    figures = [f'<figure class="mta" data-objective="{_e(t.id)}"><figcaption>{_e(t.id)}: '
               f'{_e(t.title)} ({t.slips} slip{"s" if t.slips != 1 else ""}'
               f'{f", done {t.done}" if t.done else ""})</figcaption>'
               f'{mta_svg(t, f"mta-{n}")}</figure>'
               for n, t in enumerate(report.milestone_trends, 1) if len(t.points) > 1]
    if not figures:
        return ""
    return (f'<section class="trends" aria-labelledby="mta-heading"><h2 id="mta-heading">'
            f"Milestone trends</h2><p class=meta>Forecast date of each milestone at each "
            f"reporting date: a level line is on schedule, a step up is a slip, the line ends "
            f"on the diagonal when done.</p>\n<div class=\"mta-charts\">{''.join(figures)}"
            f"</div></section>\n")


def _stamp_field(label: str) -> str:
    return {"Generated at": "generated_at", "As of": "as_of_stamp", "As known at": "known_at",
            "Plan version": "plan_version", "Ledger head": "ledger_head",
            "mibtrack": "mibtrack_version", "Reproduce with": "reproduce"}[label]


def render_html(report: Report, periods: PeriodicView | None = None) -> str:
    program = report.program
    known = cells.known_text(report)
    stamp = "".join(f'<div><dt>{escape(label)}</dt><dd data-field="{_stamp_field(label)}">'
                    f"<code>{escape(value)}</code></dd></div>"
                    for label, value in cells.stamp_pairs(report))
    name = _e(f"{program.name} ({program.code})")
    summary_rows = "".join(
        f'<tr data-status="{s}"><td><span style="color:{STATUS_COLOUR[s]}">'
        f'{escape(cells.status_label(s))}</span></td><td class=num>{n}</td></tr>'
        for s, n in report.summary.items())
    stale = ""
    if report.stale_metrics:
        items = "".join(f"<li>{_e(m.metric)}: last observed {m.last_observed}, {m.age_days} "
                        f"days ago ({m.cadence} cadence)</li>" for m in report.stale_metrics)
        stale = f'<h3>Stale metrics</h3><ul class="stale-metrics">{items}</ul>'
    groups: dict[str, list[tuple[int, ObjectiveResult]]] = {}
    for index, r in enumerate(report.objectives, 1):
        groups.setdefault(cells.group_name(r), []).append((index, r))
    sections = []
    for group, members in groups.items():
        cards = "\n".join(_card(r, report, index, periods) for index, r in members)
        sections.append(f'<section><h2>{_e(group)}</h2>\n<div class="cards">\n{cards}\n'
                        f'</div></section>')
    trends = _trends(report)
    period_note = (f"<p class=meta>Periodic view by {periods.period}: each objective from its "
                   f"start to the as-of date, the last period cut at {report.as_of}.</p>"
                   if periods is not None else "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} — status as of {report.as_of}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{name}</h1>
<p class="meta">Programme {program.start} → {program.end}</p>
<p class="meta">Status as of <strong data-field="as_of">{report.as_of}</strong>, {known}.</p>
</header>
<main>
<section aria-labelledby="summary-heading">
<h2 id="summary-heading">Summary</h2>
<table class="summary"><thead><tr><th>Status</th><th class=num>Objectives</th></tr></thead>
<tbody>{summary_rows}</tbody></table>
<p class="meta" data-field="rollups">Roll-ups (composites, counted apart): \
{escape(cells.rollup_counts(report.rollups))}.</p>
{stale}{period_note}
</section>
{chr(10).join(sections)}
{trends}</main>
<footer>Made by mibtrack from objectives.toml and the ledger. Status symbols: \
{escape(" ".join(cells.status_label(s) for s in cells.STATUS_MARK))}.
<dl class="stamp">{stamp}</dl></footer>
</body>
</html>
"""
