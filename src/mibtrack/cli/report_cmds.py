"""Commands that read where objectives stand: status, report, show, check."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import (
    AsOf,
    JsonFlag,
    KnownAt,
    app,
    as_of_date,
    console,
    echo,
    known_at_moment,
    ledger_content,
    print_json,
    session,
    warn_feeds,
    warn_ledger,
    write_output,
)

FAIL_ON = ("at-risk", "off-track", "missed")


def _report(as_of: str | None, known_at: str | None, period: str | None = None):  # noqa: ANN202
    """Parse the dates first (bad input exits 2 before any file is read), then compute.
    With a period, also the periodic view (returned as a pair)."""
    from ..compute import Evaluator, build_report_from_ledger

    day, moment = as_of_date(as_of), known_at_moment(known_at)
    workspace = session().workspace
    project = workspace.project
    daily = workspace.daily(moment)  # the ledger folded by day, O(days) not O(entries)
    warn_feeds(daily)
    session().left_out = daily.left_out
    ledger = daily.fold.effective()
    evaluator = Evaluator(project, ledger, daily.fold.series())
    report_value = build_report_from_ledger(project, ledger, day, evaluator)
    warn_ledger(ledger.conflicts, daily.fold.orphans(project))
    if period is None:
        return report_value
    from ..render.periodic import periodic_view

    return report_value, periodic_view(evaluator, report_value, period)


def _left_out() -> list[dict]:
    return [b.document() for b in session().left_out]


def _with_left_out(report) -> dict:  # noqa: ANN001
    """A report's JSON document with `feeds_left_out`: the feeds no figure counts."""
    from ..render.jsonout import plain

    return {**plain(report), "feeds_left_out": _left_out()}


@app.command()
def status(as_of: AsOf = None, known_at: KnownAt = None, json_output: JsonFlag = False) -> None:
    """One line per objective: progress against plan, status, forecast."""
    from ..render.terminal import reason_lines, report_header, stale_lines, status_table

    report = _report(as_of, known_at)
    if json_output:
        print_json(_with_left_out(report))
        return
    out = console()
    out.print(report_header(report))
    out.print(status_table(report, out.width))
    if (reasons := reason_lines(report.objectives)) is not None:
        out.print(reasons)
    if (stale := stale_lines(report)) is not None:
        out.print(stale)


@app.command()
def report(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    output_format: Annotated[str, typer.Option("--format", metavar="FORMAT",
                             help="table, markdown, json, csv or html.")] = "table",
    output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
                      help="Write to this file instead of stdout.")] = None,
    period: Annotated[str | None, typer.Option("--period", metavar="PERIOD",
                      help="month, quarter or year: each objective at the end of each period "
                           "from its start to the as-of date, beside the plan.")] = None,
) -> None:
    """A board report: summary by status, then every objective by group."""
    from ..errors import UsageError
    from ..render import FORMATS, render_report
    from ..render.periodic import PERIODS

    if output_format not in FORMATS:
        raise UsageError(f"unknown format {output_format!r}", f"use one of {', '.join(FORMATS)}")
    if period is not None and period not in PERIODS:
        raise UsageError(f"unknown period {period!r}", f"use one of {', '.join(PERIODS)}")
    computed = _report(as_of, known_at, period)
    report_value, periods = computed if period is not None else (computed, None)
    width = console().width if output is None else 160
    text = render_report(report_value, output_format, width=width,
                         color=output is None and _tty(), periods=periods)
    _emit(text, output)


def _tty() -> bool:
    from .app import on_terminal

    return on_terminal()


def _emit(text: str, output: str | None) -> None:
    """stdout, or a file written whole (temp file + rename) so a reader never sees half."""
    import sys

    if output is None:
        sys.stdout.write(text)
        return
    from ..render.text import literal

    write_output(output, text)
    echo(f"wrote {literal(output)}") if not session().quiet else None


@app.command()
def show(
    objective: Annotated[str, typer.Argument(help="An objective's id.")],
    as_of: AsOf = None,
    known_at: KnownAt = None,
    json_output: JsonFlag = False,
) -> None:
    """One objective in depth: its declaration, every entry bearing on it, plan vs actual."""
    from ..compute import Evaluator, effective_ledger
    from ..compute.ledger_state import orphans
    from ..errors import UsageError
    from ..ledger.query import select
    from ..render.documents import show_document
    from ..render.terminal import show_renderables

    day, moment = as_of_date(as_of), known_at_moment(known_at)
    workspace = session().workspace
    project = workspace.project
    declared = project.objective(objective)
    if declared is None:
        raise UsageError(f"unknown objective {objective!r}",
                         f"declared: {', '.join(o.id for o in project.objectives)}")
    content = ledger_content()
    known = [e for e in content.entries if moment is None or e.recorded_at <= moment]
    folded = effective_ledger(content.entries, moment, project.renames)
    evaluator = Evaluator(project, folded)
    entries = select(project, known, objective=objective)
    warn_ledger(folded.conflicts, orphans(folded, project))
    if json_output:
        print_json(show_document(project, declared, evaluator, day, moment, entries))
        return
    out = console()
    for renderable in show_renderables(project, declared, evaluator, day, moment, entries,
                                       out.width):
        out.print(renderable)


@app.command()
def check(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    fail_on: Annotated[str, typer.Option("--fail-on", metavar="LEVEL",
                       help="at-risk, off-track (default) or missed: exit 1 when any "
                            "objective is at or past it.")] = "off-track",
    stale: Annotated[bool, typer.Option("--stale", help="Count stale metrics as failures.")]
    = False,
    json_output: JsonFlag = False,
) -> None:
    """For cron: silent and exit 0 when all is well; one line per breach and exit 1 if not."""
    from ..compute import at_or_past
    from ..errors import CheckFailed, UsageError

    if fail_on not in FAIL_ON:
        raise UsageError(f"--fail-on {fail_on!r} is not a level",
                         f"use one of {', '.join(FAIL_ON)}")
    report_value = _report(as_of, known_at)
    # Targets, limits and milestones only: a composite's trouble is its children's, counted
    # once (SPEC R2); composites are reported on their own line (`rollups`).
    breaches = [r for r in report_value.objectives
                if r.kind != "composite" and at_or_past(r.status, fail_on)]
    stale_breaches = list(report_value.stale_metrics) if stale else []
    if json_output:
        print_json({"schema_version": report_value.schema_version, "as_of": report_value.as_of,
                    "known_at": report_value.known_at, "fail_on": fail_on, "stale": stale,
                    "ok": not breaches and not stale_breaches,
                    "breaches": [r.id for r in breaches],
                    "stale_metrics": report_value.stale_metrics,
                    "summary": report_value.summary,
                    "rollups": report_value.rollups,
                    "objectives": report_value.objectives,
                    "feeds_left_out": _left_out()})
    else:
        from ..render.text import literal

        for r in breaches:
            echo(f"{r.status}: {literal(r.id)} — {literal(r.title)}{_why(r)}")
        for m in stale_breaches:
            echo(f"stale: metric {literal(m.metric)} last observed {m.last_observed} "
                 f"({m.age_days} days ago, {m.cadence} cadence)")
    count = len(breaches) + len(stale_breaches)
    if count:
        raise CheckFailed(f"check: {len(breaches)} objective{'s' if len(breaches) != 1 else ''} "
                          f"at or past {fail_on}" + (f", {len(stale_breaches)} stale metric"
                                                     f"{'s' if len(stale_breaches) != 1 else ''}"
                                                     if stale else ""))


def _why(result) -> str:  # noqa: ANN001
    from ..render.terminal import percent
    from ..render.text import literal

    reason = f": {literal(result.reason)}" if result.reason else ""
    if result.kind == "milestone":
        if result.state == "slipped":
            return f" (due {result.due}, slipped to {result.expected_date}){reason}"
        return f" (due {result.due}){reason}"
    if result.kind == "limit":
        if result.status == "missed":
            return f" ({result.breaches} observations outside by {result.due}){reason}"
        if result.breached_since is not None:
            return f" (outside since {result.breached_since}, headroom {result.headroom})" \
                + reason
        return f" (inside, headroom {result.headroom}; the forecast at due is outside)" + reason
    if result.kind == "target" and result.actual is None:
        return f" (nothing observed yet, due {result.due}){reason}"
    return f" (progress {percent(result.progress)} vs {percent(result.expected)} planned" + \
        (f", due {result.due})" if result.due else ")") + reason
