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
from .i18n import ago, current, day, t
from .text import amount, literal

if TYPE_CHECKING:
    from ..compute import AnyResult, Report
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
break-inside:avoid;page-break-inside:avoid;overflow-wrap:break-word}
.card.wide{grid-column:1/-1}
.scroll{overflow-x:auto}
section.overview{display:grid;grid-template-columns:auto 1fr;column-gap:32px;align-items:start}
section.overview h2{grid-column:1/-1}
.aside h3{margin-top:.4em}
.reason{margin:.4em 0;padding:.3em .6em;background:#fff8e1;border-left:4px solid #b58900}
.reason strong{margin-right:.3em}
table.exceptions{width:100%}
table.exceptions td.reason-cell{min-width:16em}
table.exceptions tr.rollup td{color:#333;font-style:italic}
table.exceptions td.date,table.exceptions td.num,.status{white-space:nowrap}
.periods table{width:100%}
.periods th,.periods td,table.exceptions th,table.exceptions td,table.summary th,
table.summary td{overflow-wrap:normal;word-break:normal;hyphens:none}
.periods th,.periods td{white-space:nowrap}
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
@media (max-width:600px){section.overview{display:block}body{font-size:14px}
h1{font-size:1.3rem}.card{padding:10px}}
@media print{
@page{size:A4;margin:12mm 10mm}
body{background:#fff;font-size:8.5pt;line-height:1.3}
header,main,footer{max-width:none;padding:0}
h1{font-size:15pt}h2{font-size:12pt;margin:.6em 0 .3em}h3{font-size:10pt}
section.front{break-after:page;page-break-after:always}
section.group+section.group{break-before:page;page-break-before:always}
section.subgroup{break-before:auto}
.cards{display:grid;grid-template-columns:1fr 1fr;gap:3mm}
.card{border:1px solid #999;padding:2.5mm 3mm;box-shadow:none;break-inside:avoid;
page-break-inside:avoid}
.card.wide{grid-column:1/-1}
dl.numbers{grid-template-columns:repeat(4,1fr);gap:0 6px;margin:.2em 0}
dt{font-size:6.5pt}
svg.chart{max-height:30mm}
figcaption{display:none}
blockquote{font-size:7.5pt}
h2,h3{break-after:avoid;page-break-after:avoid}
.periods,.scroll{overflow:visible}
.periods table{font-size:7.5pt}
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
    label = t(label)
    return (f'<div><dt>{escape(label)}</dt><dd data-field="{field}" '
            f'data-value="{escape(_exact(value), quote=True)}">{_e(shown)}</dd></div>')


def _status(r: AnyResult) -> str:
    colour = STATUS_COLOUR.get(r.status, "#333")
    badge = (f'<span class="status" data-status="{r.status}" style="color:{colour}">'
             f'{escape(cells.status_label(r.status))}</span>')
    if r.stale:
        badge += (f'<span class="stale" data-stale="true">{escape(t("stale"))}: '
                  f'{escape(t("last observed"))} {day(r.last_observed)}</span>')
    return badge


def _numbers(r: AnyResult, currency: str) -> str:
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
            _number("ETA", "eta", r.eta, day(r.eta)),
            _number("Period", "due", r.due, f"{day(r.start)} → {day(r.due)}"),
            _number("Last observed", "last_observed", r.last_observed,
                    day(r.last_observed, t("never"))),
        ]
        if r.above_range:
            parts.append(_number("Range", "above_range", r.above_range, t("above the range")))
    elif r.kind == "milestone":
        parts += [
            _number("State", "state", r.state, t(r.state) if r.state else t("no event yet")),
            _number("Due", "due", r.due, day(r.due)),
            _number("Done", "done_date", r.done_date, day(r.done_date)),
            _number("Expected", "expected_date", r.expected_date, day(r.expected_date)),
            _number("Late", "late_days", r.late_days, cells.late_text(r)),
            _number("Progress", "progress", r.progress, cells.percent(r.progress)),
        ]
    elif r.kind == "limit":
        parts += [
            _number("Actual", "actual", r.actual, amount(r.actual, r.unit, currency)),
            _number("Limit", "min" if r.min is not None else "max",
                    r.min if r.min is not None else r.max, cells.limit_text(r, currency)),
            _number("Headroom", "headroom", r.headroom, amount(r.headroom, r.unit, currency)),
            _number("Within", "within", r.within,
                    "—" if r.within is None else t("yes" if r.within else "no")),
            _number("Outside since", "breached_since", r.breached_since,
                    day(r.breached_since)),
            _number("Breaches", "breaches", r.breaches,
                    "—" if r.breaches is None else str(r.breaches)),
            _number("Forecast at due", "forecast_at_due", r.forecast_at_due,
                    cells.forecast_text(r, currency)),
            _number("Period", "due", r.due, f"{day(r.start)} → {day(r.due)}"),
        ]
    else:
        parts += [
            _number("Progress", "progress", r.progress, cells.percent(r.progress)),
            _number("Expected", "expected", r.expected, cells.percent(r.expected)),
            _number("Variance", "variance_points", r.variance_points,
                    cells.points(r.variance_points)),
            _number("Due", "due", r.due, day(r.due)),
        ]
        if r.worst_child is not None:
            parts.append(_number("Worst part", "worst_child", r.worst_child.id,
                                 f"{r.worst_child.id} ({t(r.worst_child.status)})"))
    return '<dl class="numbers">' + "".join(parts) + "</dl>"


def _summary_text(r: AnyResult, currency: str) -> str:
    """A sentence saying what the chart shows, for everyone (the chart's text alternative)."""
    fr = current() == "fr"
    if r.kind == "target":
        count = len(r.actual_series)
        if fr:
            now = (f"Réalisé {amount(r.actual, r.unit, currency)}" if r.actual is not None
                   else "Aucune mesure à ce jour")
            text = (f"{now}, pour un prévu à date de {cells.planned_text(r, currency)} et une "
                    f"cible de {cells.goal_text(r, currency)} à l'échéance du {day(r.due)} ; "
                    f"{count} mesure{'s' if count > 1 else ''}")
            if r.forecast_at_due is not None:
                text += f" ; prévision à l'échéance {cells.forecast_text(r, currency)}"
                text += f", cible atteinte le {day(r.eta)}" if r.eta else ", cible non atteinte"
            return literal(text) + "."
        now = (f"Actual {amount(r.actual, r.unit, currency)}" if r.actual is not None
               else "Nothing observed yet")
        text = (f"{now} against a plan of "
                f"{cells.planned_text(r, currency)} by now and a target of "
                f"{cells.goal_text(r, currency)} due {r.due}; "
                f"{count} observation{'s' if count != 1 else ''}")
        if r.forecast_at_due is not None:
            text += f"; forecast at due {cells.forecast_text(r, currency)}"
            text += f", reaching the target {r.eta}" if r.eta else ", not reaching the target"
        return literal(text) + "."
    if r.kind == "milestone":
        state = t(r.state) if r.state else t("no event yet")
        if fr:
            return literal(f"Jalon : {cells.when_text(r)} ; état : {state}.")
        return literal(f"Milestone {cells.when_text(r)}; state: {state}.")
    if r.kind == "limit":
        now = (f"{t('Actual')} {amount(r.actual, r.unit, currency)}" if r.actual is not None
               else ("Aucune mesure à ce jour" if fr else "Nothing observed yet"))
        against = "pour une limite de" if fr else "against a limit of"
        return literal(f"{now} {against} {cells.limit_text(r, currency)}; "
                       f"{cells.when_text(r)}.")
    if fr:
        return literal(f"Avancement {cells.percent(r.progress)} pour un prévu de "
                       f"{cells.percent(r.expected)}, sur {len(r.children)} parties : "
                       f"{', '.join(r.children)}.")
    return literal(f"Progress {cells.percent(r.progress)} against {cells.percent(r.expected)} "
                   f"planned, over {len(r.children)} parts: {', '.join(r.children)}.")


def _chart(r: AnyResult, report: Report, index: int) -> str:
    from . import svgchart

    chart_id = f"chart-{index}"
    title = literal(f"{r.id}: {r.title}")
    desc = _summary_text(r, report.program.currency)
    if r.kind == "milestone":
        svg = svgchart.milestone_chart(r, report.as_of, report.program.start, chart_id,
                                       title, desc)
    elif r.kind == "composite":
        by_id = {o.id: o for o in report.objectives}
        svg = svgchart.composite_chart(r, [by_id[c] for c in r.children if c in by_id],
                                       chart_id, title, desc)
    else:  # a target or a limit
        svg = svgchart.target_chart(r, report.as_of, report.program.currency, chart_id,
                                    title, desc)
    return f'<figure>{svg}<figcaption>{escape(desc)}</figcaption></figure>'


def _reason(report: Report, r: AnyResult) -> str:
    """Why: the objective's current reason, prominent on its card."""
    reason = cells.reason_of(report, r)
    if not reason:
        return ""
    return (f'<p class="reason" data-field="reason"><strong>{escape(t("Reason"))} :</strong>'
            if current() == "fr" else
            f'<p class="reason" data-field="reason"><strong>{escape(t("Reason"))}:</strong>') \
        + f"{_e(reason)}</p>"


def _card(r: AnyResult, report: Report, index: int,
          periods: PeriodicView | None) -> str:
    currency = report.program.currency
    wide = " wide" if periods is not None else ""
    parts = [f'<article class="card{wide}" id="objective-{index}" data-objective="{_e(r.id)}" '
             f'data-status="{r.status}" aria-labelledby="objective-{index}-title">',
             f'<h3 id="objective-{index}-title">{_e(r.title)}</h3>',
             f'<p><span class="id">{_e(r.id)}</span> · {_status(r)} · '
             f'{_e(cells.when_text(r))}</p>',
             _reason(report, r), _numbers(r, currency), _chart(r, report, index)]
    if r.revision is not None:
        parts.append(f'<p class="revised" data-original-target="{_exact(r.original_target)}">'
                     f"✎ {_e(cells.revised(r))}</p>")
    if r.owner:
        parts.append(f"<p>{escape(t('Owner'))}{' :' if current() == 'fr' else ':'} "
                     f"{_e(r.owner)}</p>")
    if r.source:
        parts.append(f'<blockquote class="source"><p>{escape(t("Source"))}'
                     f'{" :" if current() == "fr" else ":"} {_e(r.source)}</p></blockquote>')
    notes = report.recent_notes.get(r.id, ())
    if notes:
        items = "".join(f"<li><time datetime=\"{n.date}\">{day(n.date)}</time> {_e(n.text)}"
                        + (f' <span class="note-source">({_e(n.source)})</span>' if n.source
                           else "") + "</li>" for n in notes)
        parts.append(f'<section class="notes" aria-label="{escape(t("Notes"))}">'
                     f'<h4>{escape(t("Recent notes"))}</h4><ul>{items}</ul></section>')
    if r.evidence:
        items = "".join(f'<li><a href="{escape(cells.evidence_href(e), quote=True)}" '
                        f'data-sha256="{e.sha256}">{_e(e.name)}</a> '
                        f'<span class="evidence-about">({_e(cells.evidence_about(e))})</span>'
                        "</li>" for e in r.evidence)
        parts.append(f'<section class="evidence" aria-label="{escape(t("Evidence"))}">'
                     f'<h4>{escape(t("Evidence"))}</h4><ul>{items}</ul></section>')
    if periods is not None:
        parts.append(_period_table(r, periods, currency))
    parts.append("</article>")
    return "\n".join(p for p in parts if p)


def _period_table(r: AnyResult, periods: PeriodicView, currency: str) -> str:
    rows = periods.of(r.id)
    caption = escape(t("By " + periods.period))
    if not rows:
        return (f'<p class="periods">{caption}: '
                f'{escape(t("Not started by the as-of date."))}</p>')
    head = "".join(f"<th{' class=num' if i > 1 else ''}>{escape(t(name))}</th>" for i, name in
                   enumerate(("Period end", "Status", "Actual", "Plan", "Variance", "Progress",
                              "Expected")))
    body = []
    for p in rows:
        x = p.result
        body.append(
            f'<tr data-date="{p.end}"><td>{day(p.end)}</td>'
            f'<td>{escape(cells.status_label(x.status))}'
            f'</td><td class=num data-value="{_exact(x.actual)}">'
            f'{_e(cells.actual_text(x, currency))}</td>'
            f'<td class=num data-value="{_exact(x.planned)}">'
            f'{_e(cells.planned_text(x, currency))}</td>'
            f'<td class=num data-value="{_exact(x.variance)}">'
            f'{_e(cells.variance_text(x, currency))}</td>'
            f'<td class=num>{cells.percent(x.progress)}</td>'
            f'<td class=num>{cells.percent(x.expected)}</td></tr>')
    return (f'<div class="periods"><table data-period="{periods.period}"><caption>'
            f'{caption}</caption><thead><tr>{head}</tr></thead><tbody>{"".join(body)}'
            f'</tbody></table></div>')


def _exceptions(report: Report, anchors: dict[str, int]) -> str:
    """Exceptions first: a table on the first page, each row linked to its card."""
    heading = f'<h2 id="exceptions-heading">{escape(t("Exceptions"))}</h2>'
    if not report.exceptions:
        return (f'<section class="exceptions" aria-labelledby="exceptions-heading">{heading}'
                f'<p>{escape(t("Nothing at risk, off-track or missed."))}</p></section>')
    currency = report.program.currency
    head = "".join(f"<th{' class=num' if name in ('Gap', 'Days behind') else ''}>"
                   f"{escape(t(name))}</th>" for name in
                   ("Objective", "Status", "Owner", "Gap", "Days behind", "Next date", "Since",
                    "Reason"))
    rows = []
    for e in report.exceptions:
        colour = STATUS_COLOUR.get(e.status, "#333")
        link = f'<a href="#objective-{anchors[e.id]}">{_e(e.id)}</a>' if e.id in anchors \
            else _e(e.id)
        rows.append(
            f'<tr data-objective="{_e(e.id)}" data-status="{e.status}"'
            f'{" class=rollup" if e.rollup else ""}><td>{link}<br><small>{_e(e.title)}</small>'
            f'</td><td><span class="status" style="color:{colour}">'
            f'{escape(cells.status_label(e.status))}</span></td>'
            f'<td>{_e(e.owner) or "—"}</td>'
            f'<td class=num data-value="{_exact(e.gap if e.gap is not None else e.gap_points)}">'
            f'{_e(cells.gap_text(e, currency))}</td>'
            f'<td class=num data-value="{_exact(e.days_behind)}">{_e(cells.behind_text(e))}</td>'
            f'<td class=date data-value="{_exact(e.next_date)}">{_e(cells.next_text(e))}</td>'
            f'<td class=date data-value="{_exact(e.since)}">{_e(cells.since_text(e))}</td>'
            f'<td class="reason-cell" data-field="reason">{_e(e.reason) or "—"}</td></tr>')
    return (f'<section class="exceptions" aria-labelledby="exceptions-heading">{heading}'
            f'<div class="scroll"><table class="exceptions"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div></section>')


def _trends(report: Report) -> str:
    """Milestone trend analysis: one chart per milestone with two reporting dates or more."""
    from .i18n import plural
    from .mta import mta_svg

    figures = []
    for n, trend in enumerate(report.milestone_trends, 1):
        if len(trend.points) <= 1:
            continue
        slips = f"{trend.slips} {plural(trend.slips, t('slip'), t('slips'))}"
        done = f", {t('done')} {day(trend.done)}" if trend.done else ""
        figures.append(f'<figure class="mta" data-objective="{_e(trend.id)}"><figcaption>'
                       f"{_e(trend.id)}: {_e(trend.title)} ({slips}{done})</figcaption>"
                       f'{mta_svg(trend, f"mta-{n}")}</figure>')
    if not figures:
        return ""
    how = t("Forecast date of each milestone at each reporting date: a level line is on "
            "schedule, a step up is a slip, the line ends on the diagonal when done.")
    return (f'<section class="trends" aria-labelledby="mta-heading"><h2 id="mta-heading">'
            f"{escape(t('Milestone trends'))}</h2><p class=meta>{escape(how)}"
            f"</p>\n<div class=\"mta-charts\">{''.join(figures)}</div></section>\n")


def _stamp_field(label: str) -> str:
    return {"Generated at": "generated_at", "As of": "as_of_stamp", "As known at": "known_at",
            "Plan version": "plan_version", "Ledger head": "ledger_head",
            "mibtrack": "mibtrack_version", "Reproduce with": "reproduce"}[label]


def render_html(report: Report, periods: PeriodicView | None = None) -> str:
    from ..compute.parts import sections

    program = report.program
    known = cells.known_text(report)
    stamp = "".join(f'<div><dt>{escape(t(label))}</dt><dd data-field="{_stamp_field(label)}">'
                    f"<code>{escape(value)}</code></dd></div>"
                    for label, value in cells.stamp_pairs(report))
    name = _e(f"{program.name} ({program.code})")
    summary_rows = "".join(
        f'<tr data-status="{s}"><td><span style="color:{STATUS_COLOUR[s]}">'
        f'{escape(cells.status_label(s))}</span></td><td class=num>{n}</td></tr>'
        for s, n in report.summary.items())
    stale = ""
    if report.stale_metrics:
        items = "".join(f"<li>{_e(m.metric)}: {escape(t('last observed'))} "
                        f"{day(m.last_observed)}, {escape(ago(m.age_days))} "
                        f"({escape(t(m.cadence))})</li>" for m in report.stale_metrics)
        stale = f'<h3>{escape(t("Stale metrics"))}</h3><ul class="stale-metrics">{items}</ul>'
    anchors = {r.id: index for index, r in enumerate(report.objectives, 1)}
    body = []
    open_top = False
    for section in sections(report.objectives, program.groups):
        for depth, head in section.new_heads:
            if depth == 0:
                if open_top:
                    body.append("</section>")
                body.append(f'<section class="group"><h2>{_e(head)}</h2>')
                open_top = True
            else:
                level = min(6, depth + 2)
                body.append(f'<h{level} class="subgroup">{_e(head)}</h{level}>')
        if not section.path:
            if open_top:
                body.append("</section>")
            body.append(f'<section class="group"><h2>'
                        f'{_e(cells.section_title(section))}</h2>')
            open_top = True
        cards = "\n".join(_card(r, report, anchors[r.id], periods) for r in section.results)
        body.append(f'<div class="cards">\n{cards}\n</div>')
    if open_top:
        body.append("</section>")
    part = ""
    if report.part:
        part = (f'<p class="meta" data-field="part">{escape(t("Part"))}: ' + ", ".join(
            f"{escape(t(k))} {_e(v)}" for k, v in report.part.items()) + "</p>")
    trends = _trends(report)
    period_note = (f"<p class=meta>Periodic view by {periods.period}: each objective from its "
                   f"start to the as-of date, the last period cut at {report.as_of}.</p>"
                   if periods is not None and current() == "en" else "")
    title_word = t("Status as of")
    return f"""<!DOCTYPE html>
<html lang="{current()}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} — {escape(title_word)} {day(report.as_of)}</title>
<style>{CSS}</style>
</head>
<body>
<header>
<h1>{name}</h1>
<p class="meta">{escape(t("Programme"))} {day(program.start)} → {day(program.end)}</p>
<p class="meta">{escape(title_word)} <strong data-field="as_of" data-value="{report.as_of}">\
{day(report.as_of)}</strong>, {escape(known)}.</p>
{part}
</header>
<main>
<section class="front">
<section class="overview" aria-labelledby="summary-heading">
<h2 id="summary-heading">{escape(t("Summary"))}</h2>
<table class="summary"><thead><tr><th>{escape(t("Status"))}</th>\
<th class=num>{escape(t("Objectives"))}</th></tr></thead>
<tbody>{summary_rows}</tbody></table>
<div class="aside"><p class="meta" data-field="rollups">{escape(t("Roll-ups"))} \
({escape(t("composites, counted apart"))}){escape(cells.colon())} \
{escape(cells.rollup_counts(report.rollups))}.</p>
{stale}{period_note}</div>
</section>
{_exceptions(report, anchors)}
</section>
{chr(10).join(body)}
{trends}</main>
<footer>{escape(t("Made by mibtrack from objectives.toml and the ledger. Status symbols:"))} \
{escape(" ".join(cells.status_label(s) for s in cells.STATUS_MARK))}.
<dl class="stamp">{stamp}</dl></footer>
</body>
</html>
"""
