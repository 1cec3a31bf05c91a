"""Commands that read where objectives stand: status, report, show, check."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any, overload

import typer

from .app import (
    AsOf,
    GroupFilter,
    JsonFlag,
    KnownAt,
    LocaleOpt,
    OwnerFilter,
    TagFilter,
    app,
    as_of_date,
    console,
    echo,
    known_at_moment,
    ledger_content,
    plan_choice,
    print_json,
    reading_progress,
    session,
    today,
    warn_feeds,
    warn_ledger,
    write_output,
)

if TYPE_CHECKING:
    import datetime as dt

    from ..compute import AnyResult, Report
    from ..compute.diff import DiffReport
    from ..compute.report import Period
    from ..render.periodic import PeriodicView


#: The part of the programme to report: (group, owner, tag), None for any.
PartFilter = tuple[str | None, str | None, str | None]


BaselineOpt = Annotated[str | None, typer.Option(
    "--baseline", metavar="VERSION",
    help="Measure plan revisions against this plan version: first (default), a number or "
         "a SHA-256 prefix from `mibtrack plans`.")]


@overload
def _report(as_of: str | None, known_at: str | None, period: None = None,
            baseline: str | None = None, strict: bool = False, trends: bool = False,
            part: PartFilter = (None, None, None)) -> Report: ...
@overload
def _report(as_of: str | None, known_at: str | None, period: Period | None = None,
            baseline: str | None = None, strict: bool = False, trends: bool = False,
            part: PartFilter = (None, None, None)) -> Report | tuple[Report, PeriodicView]: ...
def _report(as_of: str | None, known_at: str | None, period: Period | None = None,
            baseline: str | None = None, strict: bool = False, trends: bool = False,
            part: PartFilter = (None, None, None)) -> Report | tuple[Report, PeriodicView]:
    """Parse the dates first (bad input exits 2 before any file is read), then compute with
    the plan version in force at known-at, and stamp the result. With a period, also the
    periodic view (returned as a pair). `part` is (group, owner, tag): only those
    objectives are reported."""
    day, moment = as_of_date(as_of), known_at_moment(known_at)
    return _compute(day, moment, period, baseline, strict, trends, part)


@overload
def _compute(day: dt.date, moment: dt.datetime | None, period: None = None,
             baseline: str | None = None, strict: bool = False, trends: bool = False,
             part: PartFilter = (None, None, None)) -> Report: ...
@overload
def _compute(day: dt.date, moment: dt.datetime | None, period: Period | None = None,
             baseline: str | None = None, strict: bool = False, trends: bool = False,
             part: PartFilter = (None, None, None)) -> Report | tuple[Report, PeriodicView]: ...
def _compute(day: dt.date, moment: dt.datetime | None, period: Period | None = None,
             baseline: str | None = None, strict: bool = False, trends: bool = False,
             part: PartFilter = (None, None, None)) -> Report | tuple[Report, PeriodicView]:
    """The stamped report at `day` as known at `moment` (see `_report`); `trends`: with
    the milestone trend analysis (by `period`, default month)."""
    from ..compute import Evaluator, build_report_from_ledger
    from ..compute.parts import Part, check_part
    from ..compute.report import stamped
    from ..plans import read_provenance
    from ..values import utc_now

    workspace = session().workspace
    if moment is None:  # objectives.toml as it is; the fold (cached) holds the plan entries
        with reading_progress("reading the ledger", passes=2):
            daily = workspace.daily(None)  # the ledger folded by day, O(days) not O(entries)
        choice = plan_choice(None, strict, [e for e in daily.fold.others
                                            if getattr(e, "type", None) == "plan"])
    else:  # the plan in force then, found first: its metrics shape the fold
        choice = plan_choice(moment, strict)
        with reading_progress("reading the ledger", passes=2):
            daily = workspace.daily(moment, choice.project)
    base = choice.book.find(baseline) if baseline is not None else None
    project = choice.project
    chosen = check_part(project, Part(*part))
    warn_feeds(daily)
    session().left_out = daily.left_out
    ledger = daily.fold.effective()
    evaluator = Evaluator(project, ledger, daily.fold.series(), daily.fold.documents())
    report_value = build_report_from_ledger(project, ledger, day, evaluator, part=chosen,
                                            period=period or "quarter")
    warn_ledger(ledger.conflicts, daily.fold.orphans(project))
    provenance = read_provenance(workspace.ledger.feed_paths(), choice, moment, utc_now())
    base = base or (choice.book.versions[0] if choice.book.versions else None)
    report_value = stamped(report_value, provenance, choice.originals(base),
                           base.number if base is not None else None)
    if daily.left_out:  # what verify rejects is named in every document (docs/bad-feeds.md)
        from ..compute.report import LeftOutFeed

        report_value = report_value.model_copy(update={"feeds_left_out": tuple(
            LeftOutFeed(**bad.document()) for bad in daily.left_out)})
    if trends:
        from ..compute.trends import milestone_trends

        report_value = report_value.model_copy(update={"milestone_trends": milestone_trends(
            evaluator, project.program.start, day, period or "month")})
    if period is None:
        return report_value
    from ..render.periodic import periodic_view

    return report_value, periodic_view(evaluator, report_value, period)


def _locale(option: str | None) -> str | None:
    """`--locale`, checked before anything is read (exit 2); None: the project's."""
    from ..errors import UsageError
    from ..render.i18n import LOCALES

    if option is not None and option not in LOCALES:
        raise UsageError(f"unknown locale {option!r}", f"use one of {', '.join(LOCALES)}")
    return option


def _period(option: str | None) -> Period | None:
    """`--period`, checked before anything is read (exit 2)."""
    from ..compute.report import PERIODS
    from ..errors import UsageError

    for period in PERIODS:
        if option == period:
            return period
    if option is not None:
        raise UsageError(f"unknown period {option!r}", f"use one of {', '.join(PERIODS)}")
    return None


def _left_out() -> list[dict[str, Any]]:
    return [b.document() for b in session().left_out]


@app.command()
def status(as_of: AsOf = None, known_at: KnownAt = None, json_output: JsonFlag = False,
           baseline: BaselineOpt = None, group: GroupFilter = None, owner: OwnerFilter = None,
           tag: TagFilter = None, locale: LocaleOpt = None) -> None:
    """One line per objective: progress against plan, status, forecast."""
    from ..render.i18n import use_locale
    from ..render.terminal import (
        reason_lines,
        report_header,
        revision_lines,
        stale_lines,
        status_table,
    )

    chosen_locale = _locale(locale)
    report = _report(as_of, known_at, baseline=baseline, part=(group, owner, tag))
    if json_output:
        print_json(report)  # its feeds_left_out: the feeds no figure counts
        return
    out = console()
    with use_locale(chosen_locale or report.program.locale):
        out.print(report_header(report))
        out.print(status_table(report, out.width))
        if (reasons := reason_lines(report.objectives)) is not None:
            out.print(reasons)
        if (stale := stale_lines(report)) is not None:
            out.print(stale)
        if (revisions := revision_lines(report)) is not None:
            out.print(revisions)


@app.command()
def report(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    output_format: Annotated[str, typer.Option("--format", metavar="FORMAT",
                             help="table, markdown, json, csv, html or xlsx (a workbook: "
                                  "needs --output).")] = "table",
    output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
                      help="Write to this file instead of stdout.")] = None,
    period: Annotated[str | None, typer.Option("--period", metavar="PERIOD",
                      help="month, quarter or year: each objective at the end of each period "
                           "from its start to the as-of date, beside the plan.")] = None,
    baseline: BaselineOpt = None,
    group: GroupFilter = None,
    owner: OwnerFilter = None,
    tag: TagFilter = None,
    locale: LocaleOpt = None,
) -> None:
    """A board report: summary by status, the exceptions, then every objective by group."""
    from ..errors import UsageError
    from ..render import FORMATS, render_report

    if output_format not in FORMATS:
        raise UsageError(f"unknown format {output_format!r}", f"use one of {', '.join(FORMATS)}")
    by = _period(period)
    if output_format == "xlsx" and output is None:
        raise UsageError("a workbook is not text: --format xlsx needs --output FILE.xlsx")
    chosen_locale = _locale(locale)
    if output_format == "xlsx" and by is None:
        by = "quarter"  # the workbook's plan-vs-actual sheet
    computed = _report(as_of, known_at, by, baseline, trends=True,
                       part=(group, owner, tag))
    report_value, periods = computed if isinstance(computed, tuple) else (computed, None)
    width = console().width if output is None else 160
    text = render_report(report_value, output_format, width=width,
                         color=output is None and _tty(), periods=periods,
                         locale=chosen_locale,
                         evidence=_evidence(report_value) if output_format == "xlsx" else ())
    _emit(text, output)


def _evidence(report_value: Report) -> list[dict[str, Any]]:
    """The facts behind the report's figures (corrections applied, as known at its
    known-at, dated up to its as-of date), each with its metric's unit."""
    from ..export import applied_records
    from ..model import parse_evidence

    project = session().workspace.project
    moment = report_value.known_at
    entries = [e for e in session().workspace.content.entries
               if moment is None or e.recorded_at <= moment]
    metrics = {m for r in report_value.objectives if (m := getattr(r, "metric", None))}
    by_id = {e.id: e for e in entries}
    objectives = {r.id for r in report_value.objectives}
    records = []
    for record in applied_records(project, entries, until=report_value.as_of):
        if record.get("metric") in metrics or record.get("objective") in objectives:
            unit = project.metrics[record["metric"]].unit \
                if record.get("metric") in project.metrics else None
            documents = [d.relpath for d in parse_evidence(by_id[record["id"]].evidence)]
            records.append({**record, "unit": unit, "documents": documents})
    return records


def _tty() -> bool:
    from .app import on_terminal

    return on_terminal()


def _emit(text: str | bytes, output: str | None) -> None:
    """stdout, or a file written whole (temp file + rename) so a reader never sees half."""
    import sys

    if output is None:
        assert isinstance(text, str)
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
    period: Annotated[str | None, typer.Option(
        "--period", metavar="PERIOD",
        help="Milestones: the trend's reporting dates, month (default), quarter or year.")]
    = None,
    csv_output: Annotated[bool, typer.Option(
        "--csv", help="Milestones: the trend table (forecast date at each reporting date) as "
                      "CSV.")] = False,
    json_output: JsonFlag = False,
    locale: LocaleOpt = None,
) -> None:
    """One objective in depth: its declaration, every entry bearing on it, plan vs actual;
    for a milestone, its trend (forecast date at each reporting date)."""
    from ..compute import Evaluator, effective_ledger
    from ..compute.ledger_state import orphans
    from ..compute.show import build_show
    from ..errors import UsageError
    from ..ledger.query import select

    by = _period(period)
    chosen_locale = _locale(locale)
    day, moment = as_of_date(as_of), known_at_moment(known_at)
    project = plan_choice(moment).project
    declared = project.objective(objective)
    if declared is None:
        raise UsageError(f"unknown objective {objective!r}",
                         f"declared: {', '.join(o.id for o in project.objectives)}")
    if csv_output and declared.kind != "milestone":
        raise UsageError(f"--csv shows a milestone's trend; {objective!r} is a {declared.kind}")
    content = ledger_content()
    known = [e for e in content.entries if moment is None or e.recorded_at <= moment]
    folded = effective_ledger(content.entries, moment, project.renames)
    warn_ledger(folded.conflicts, orphans(folded, project))
    out = None if json_output or csv_output else console()
    # the chart draws one day per column the terminal has room for (none below 40)
    columns = min(72, out.width - 14) if out is not None and out.width >= 40 else None
    shown = build_show(project, Evaluator(project, folded), declared, day, moment,
                       tuple(select(project, known, objective=objective)), columns,
                       by or "month")
    if csv_output and shown.trend is not None:  # (--csv: a milestone, checked above)
        from ..render.mta import mta_csv

        sys.stdout.write(mta_csv([shown.trend]))
        return
    if json_output:
        from ..render.documents import show_document

        print_json(show_document(shown))
        return
    from ..render.i18n import use_locale
    from ..render.terminal import show_renderables

    assert out is not None
    with use_locale(chosen_locale or project.program.locale):
        for renderable in show_renderables(project, shown, out.width):
            out.print(renderable)
    trend = shown.trend
    if trend is not None and trend.points:
        from ..render.mta import mta_grid

        echo(f"milestone trend: forecast date at each reporting date ({trend.slips} slip"
             f"{'s' if trend.slips != 1 else ''}{f', done {trend.done}' if trend.done else ''})")
        for line in mta_grid(trend):
            echo(line)


@app.command()
def check(
    as_of: AsOf = None,
    known_at: KnownAt = None,
    fail_on: Annotated[str, typer.Option("--fail-on", metavar="LEVEL",
                       help="at-risk, off-track (default) or missed: exit 1 when any "
                            "objective is at or past it.")] = "off-track",
    stale: Annotated[bool, typer.Option("--stale", help="Count stale metrics as failures.")]
    = False,
    strict: Annotated[bool, typer.Option("--strict",
                      help="Also fail (exit 3) when objectives.toml has changes not recorded "
                           "as a plan version (`mibtrack replan`).")] = False,
    since: Annotated[str | None, typer.Option(
        "--since", metavar="WHEN",
        help="Only what got worse since this moment (a UTC timestamp, or a date meaning the "
             "end of that day): cron mails news, not the same lines every day.")] = None,
    json_output: JsonFlag = False,
    group: GroupFilter = None,
    owner: OwnerFilter = None,
    tag: TagFilter = None,
) -> None:
    """For cron: silent and exit 0 when all is well; one line per breach and exit 1 if not."""
    from ..compute.check import FAIL_ON, check_result
    from ..errors import CheckFailed, UsageError
    from ..render.jsonout import plain
    from ..values import parse_moment

    level = next((f for f in FAIL_ON if f == fail_on), None)
    if level is None:
        raise UsageError(f"--fail-on {fail_on!r} is not a level",
                         f"use one of {', '.join(FAIL_ON)}")
    start = parse_moment(since, "--since") if since is not None else None
    report_value = _report(as_of, known_at, strict=strict, part=(group, owner, tag))
    before = None
    if start is not None:  # only news: worse than as known at --since (as of its day)
        before = _compute(as_of_date(as_of) if as_of else min(start.date(), report_value.as_of),
                          start)
    result = check_result(report_value, level, stale, start, before)
    breaches, stale_breaches = result.breaching(), result.stale_breaches
    if json_output:
        print_json({**plain(result), "feeds_left_out": _left_out()})
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


def _why(result: AnyResult) -> str:
    from ..render.i18n import percent
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


SinceMoment = Annotated[str, typer.Option(
    "--since", metavar="WHEN",
    help="The earlier moment: a UTC timestamp (e.g. a report's generated_at) or a date "
         "meaning the end of that day.")]


def _diff(since: str, until: str | None, as_of: str | None) -> DiffReport:
    """The DiffReport between as known at `since` and as known at `until` (default now).
    Each end is as of --as-of when given, else as of its own moment's day."""
    from ..compute.diff import PlanRevision, build_diff
    from ..errors import UsageError
    from ..values import parse_moment

    start = parse_moment(since, "--since")
    end = parse_moment(until, "--until") if until else None
    fixed = as_of_date(as_of) if as_of else None
    if end is not None and end < start:
        raise UsageError(f"--until {until} is before --since {since}", "swap them")
    before = _compute(fixed or min(start.date(), today()), start)
    after = _compute(fixed or (min(end.date(), today()) if end else today()), end)
    stop = end or after.generated_at
    assert stop is not None  # a stamped report says when it was made
    content = session().workspace.content
    recorded = [e for e in content.entries if start < e.recorded_at <= stop]
    book = session().workspace.plan(end).book
    revisions = tuple(
        PlanRevision(version=v.number, sha256=v.sha256, decided=v.entry.decided,
                     reason=v.entry.reason, changes=book.changes(v))
        for v in book.versions if start < v.entry.recorded_at <= stop)
    return build_diff(before, after, start, end, recorded, revisions)


@app.command()
def diff(
    since: SinceMoment,
    until: Annotated[str | None, typer.Option("--until", metavar="WHEN",
                     help="The later moment (default: now).")] = None,
    as_of: AsOf = None,
    json_output: JsonFlag = False,
) -> None:
    """What changed between two moments: statuses, figures, evidence, corrections, plan
    revisions and notes — only what moved."""
    from ..render.diff import diff_lines

    result = _diff(since, until, as_of)
    if json_output:
        print_json(result)
        return
    for line in diff_lines(result):
        echo(line)
