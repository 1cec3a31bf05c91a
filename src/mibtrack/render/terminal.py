"""Rich renderables for people at a terminal. The only library module that imports rich;
every piece of user-typed text goes through `literal` (no markup, no escapes)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from ..compute import AnyResult, Report
from ..compute.show import ShowReport
from ..model import Entry, Project
from . import cells
from .cells import STATUS_MARK, TROUBLE, actual_text, percent, points, rollup_counts
from .charts import plan_actual_chart, sparkline
from .i18n import ago, day, french, moment, t
from .i18n import day as shown
from .periodic import PeriodicView
from .text import amount, compact, literal

STATUS_STYLE = {
    "achieved": "bold green", "on-track": "green", "at-risk": "yellow", "off-track": "bold red",
    "missed": "bold white on red", "no-data": "magenta", "not-started": "dim",
}


def _table(title: str | None = None) -> Table:
    return Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False,
                 show_edge=False, header_style="bold")


def objectives_table(project: Project) -> Table:
    program = project.program
    table = _table(literal(f"{program.name} ({program.code}), {program.start} → {program.end}"))
    for column in ("id", "kind", "title", "goal", "due"):
        table.add_column(column, overflow="fold")
    for objective in project.objectives:
        if objective.kind == "target":
            unit = project.metrics[objective.metric].unit
            if objective.is_range:
                goal = f"{amount(objective.target_min, unit, program.currency)}–" \
                       f"{amount(objective.target_max, unit, program.currency)}"
            else:
                goal = amount(objective.target, unit, program.currency)
            goal = f"{objective.metric}: {goal}"
        elif objective.kind == "composite":
            goal = " + ".join(objective.children)
        elif objective.kind == "limit":
            unit = project.metrics[objective.metric].unit
            bounds = [f"≥ {amount(objective.min, unit, program.currency)}"] \
                if objective.min is not None else []
            bounds += [f"≤ {amount(objective.max, unit, program.currency)}"] \
                if objective.max is not None else []
            goal = f"{objective.metric}: {' and '.join(bounds)}"
        else:
            goal = "done"
        table.add_row(Text(literal(objective.id)), objective.kind, Text(literal(objective.title)),
                      Text(literal(goal)), str(project.due_of(objective)))
    return table


#: A listing of more entries than this is printed as plain aligned lines (`entries_lines`):
#: rich lays out about a thousand table rows a second, and a programme's ledger holds a
#: hundred thousand entries after a few years of imports and cron records.
LONG_LISTING = 1000


def _entry_headings() -> list[str]:
    # "as of" is also a phrase ("au 31/03/2026"): as a column it is the entry's date
    return [t("id"), "date" if french() else t("as of"), t("type"), t("about"), t("value"),
            t("writer"), t("source / note")]


def _marks(everything: Sequence[Entry]) -> dict[str, str]:
    """The mark `log` puts after an entry's id: voided wins over corrected (the rule of what
    voids or corrects an entry is `documents.amendments`, which `log --json` lists); a later
    copy of a keyed fact (two clones that recorded it: it counts once, as its first copy,
    `ledger_state.resolve`) is marked a copy."""
    from collections import Counter

    from ..compute.ledger_state import known_in_order, resolve
    from .documents import amendments

    marks = {target: "void" if slot["voided_by"] else "corrected"
             for target, slot in amendments(everything).items()}
    keys = Counter(e.key for e in everything if getattr(e, "key", None) is not None)
    if any(n > 1 for n in keys.values()):
        rules = resolve(known_in_order(
            [e for e in everything if e.type in ("correction", "void")
             or getattr(e, "recovered_from", None) is not None
             or keys.get(getattr(e, "key", None), 0) > 1], None))
        for copies in rules.duplicates:
            for later in copies.ids[1:]:
                if marks.get(later) != "void":
                    marks[later] = "copy" + (", corrected" if later in marks else "")
    return {entry: f" ({mark})" for entry, mark in marks.items()}


def _entry_cells(entry: Entry, marks: dict[str, str], project: Project
                 ) -> tuple[str, str, str, str, str, str, str]:
    """One entry as `log` shows it: id (marked when voided or corrected), date, type,
    what it is about, its value, its writer, its source and note (user text made inert)."""
    if entry.type == "observation":
        declared = project.metrics.get(project.renames.metric(entry.metric))
        unit = declared.unit if declared is not None else None
        about, value = entry.metric, amount(entry.value, unit, project.program.currency)
    elif entry.type == "milestone":
        about = entry.objective
        value = entry.status + (f" → {entry.expected}" if entry.expected else "")
    elif entry.type == "correction":
        about = f"fixes {entry.target_entry[:12]}"
        value = " ".join(p for p in (
            f"value {entry.value}" if entry.value is not None else "",
            f"date {entry.date}" if entry.date else "") if p)
    elif entry.type == "void":
        about, value = f"voids {entry.target_entry[:12]}", ""
    elif entry.type == "writers":
        about = f"{entry.action} {entry.principal}"
        value = f"until {entry.valid_before:%Y-%m-%dT%H:%M:%SZ}" if entry.valid_before \
            else ""
    elif entry.type == "plan":
        about, value = f"plan {entry.sha256[:12]}", f"decided {entry.decided}"
    else:
        about, value = entry.objective, ""
    text = entry.reason if entry.type in ("correction", "void", "plan") else None
    detail = " · ".join(literal(p) for p in (entry.source, entry.note, text) if p)
    return (entry.id[:12] + marks.get(entry.id, ""), shown(entry.as_of), entry.type, literal(about),
            literal(value), literal(entry.writer), detail)


def entries_table(chosen: Sequence[Entry], everything: Sequence[Entry], project: Project) -> Table:
    marks = _marks(everything)
    table = _table()
    headings = _entry_headings()
    # ids, dates and types are read whole: never split across lines, however narrow
    for n, heading in enumerate(headings[:3]):
        table.add_column(heading, no_wrap=True, min_width=12 if n == 0 else None)
    for heading in headings[3:6]:
        table.add_column(heading, overflow="fold")
    table.add_column(headings[6], overflow="fold", ratio=1)
    for entry in chosen:
        mark, as_of, kind, about, value, writer, detail = _entry_cells(entry, marks, project)
        voided = marks.get(entry.id) == " (void)"
        table.add_row(Text(mark, style="dim strike" if voided else ""), as_of,
                      kind, Text(about), Text(value), Text(writer), Text(detail))
    if not chosen:
        table.add_row("(no entries)", "", "", "", "", "", "")
    return table


def entries_lines(chosen: Sequence[Entry], everything: Sequence[Entry], project: Project
                  ) -> Iterator[str]:
    """`entries_table` as plain lines, one an entry, the columns aligned and the last one
    unfolded (for a long listing: fast, and one line an entry for grep). Two passes over
    `chosen`: the widths, then the lines."""
    from rich.cells import cell_len

    marks = _marks(everything)
    headings = _entry_headings()
    widths = [cell_len(h) for h in headings[:-1]]
    for entry in chosen:
        cells_ = _entry_cells(entry, marks, project)
        widths = [max(w, cell_len(c)) for w, c in zip(widths, cells_, strict=False)]

    def line(cells_: Sequence[str]) -> str:
        return "  ".join([*(c + " " * (w - cell_len(c)) for c, w in zip(cells_, widths,
                                                                           strict=False)),
                          cells_[-1]]).rstrip()

    yield line(headings)
    yield line(["─" * w for w in widths] + ["─" * cell_len(headings[-1])])
    for entry in chosen:
        yield line(_entry_cells(entry, marks, project))


# --------------------------------------------------------------------------- status & report

def status_text(status: str, stale: bool = False, short: bool = False) -> Text:
    """Colour and a symbol, so status never depends on colour alone."""
    text = Text(f"{STATUS_MARK.get(status, ' ')} {t(status)}", style=STATUS_STYLE.get(status, ""))
    if stale:
        text.append(" ⌛" if short else f" ⌛{t('stale')}", style="yellow")
    return text


def progress_bar(progress: Decimal | None, expected: Decimal | None, width: int = 10) -> Text:
    """Filled to the progress; a ┃ where the plan says it should be by now."""
    if progress is None:
        return Text("·" * width, style="dim")
    filled = max(0, min(width, int(progress * width)))
    marker = None
    if expected is not None:
        marker = max(0, min(width - 1, int(expected * width) - (1 if expected * width >= 1 else 0)))
    text = Text()
    for index in range(width):
        if index == marker:
            text.append("┃", style="bold")
        elif index < filled:
            text.append("█", style="cyan")
        else:
            text.append("░", style="dim")
    return text


def _goal_cell(result: AnyResult, currency: str) -> str:
    if result.kind == "milestone":
        return cells.goal_text(result, currency)
    if result.kind == "limit":
        low = None if result.min is None else compact(result.min, result.unit, currency)
        high = None if result.max is None else compact(result.max, result.unit, currency)
        if low and high:
            return f"{low.removesuffix(' ' + (result.unit or ''))}–{high}"
        return f"≥ {low}" if low else f"≤ {high}"
    if result.kind == "composite":
        return f"{t('all')} {len(result.children)}"
    if result.target_min is not None:
        low = compact(result.target_min, result.unit, currency)
        high = compact(result.target_max, result.unit, currency)
        return f"{low.removesuffix(' ' + (result.unit or ''))}–{high}"
    return compact(result.target, result.unit, currency)


def _when_cell(result: AnyResult) -> str:
    """Short: the milestone's lateness or due date, the target's ETA."""
    if result.kind == "milestone":
        if result.done_date is not None:
            if not result.late_days:
                return t("on time")
            return f"{result.late_days} j de retard" if t("due") != "due" \
                else f"{result.late_days}d late"
        if result.state == "slipped" and result.expected_date is not None:
            return f"{t('exp.')} {day(result.expected_date)}"
        return f"{t('due')} {day(result.due)}"
    if result.kind == "limit":
        return f"{t('out')} {day(result.breached_since)}" if result.breached_since \
            else f"{t('to')} {day(result.due)}"
    if result.eta is not None:
        return f"{t('ETA ')}{day(result.eta)}"
    if result.kind == "target" and result.status not in ("achieved", "not-started") \
            and result.actual is not None:
        return t("no ETA")
    if result.kind == "composite" and result.due is not None:
        return f"{t('due')} {day(result.due)}"
    return ""


def _variance_cell(result: AnyResult, currency: str) -> str:
    if result.variance is None:
        return points(result.variance_points)
    text = compact(result.variance, result.unit, currency)
    return text if text.startswith("-") or not any(c in "123456789" for c in text) \
        else f"+{text}"


#: Columns of the sparkline of each target's recent actuals in `status` (when it fits).
TREND_WIDTH = 8


def status_table(report: Report, width: int) -> Table | FixedRows:
    """One line per objective, fitted to the terminal: the essentials in 80 columns, then
    target, plan, variance, forecast at due and title as the width allows."""
    currency = report.program.currency
    table = _table()
    table.padding = (0, 1, 0, 0)  # with the box's one-space separator: a gap of two
    # values are never cut short: a column is as wide as its longest value (at least the
    # width it always had, at most a cap)
    def fit(least: int, most: int, texts: list[str]) -> int:
        return min(most, max([least] + [len(text) for text in texts]))

    results = report.objectives
    status_width = fit(14, 23, [f"? {t(r.status)}" + (" ⌛ " if r.stale else "")
                                for r in results])
    progress_width = fit(11, 13, [f"······ {percent(r.progress):>4}" for r in results])
    columns: list[tuple[str, int, str]] = [
        ("objective", 20, "left"), ("status", status_width, "left"),
        ("progress", progress_width, "left"),
        ("actual", fit(12, 20, [actual_text(r, currency, short=True) for r in results]), "right"),
        ("when", fit(14, 22, [_when_cell(r) for r in results]), "left")]
    # optional columns, most useful first; each is added only if the table still fits
    for extra, size, justify, after in (
            ("target", fit(13, 28, [_goal_cell(r, currency) for r in results]), "right",
             "actual"),
            ("plan", 5, "right", "target"),
            ("variance", fit(15, 22, [_variance_cell(r, currency) for r in results]), "right",
             "plan"),
            ("trend", TREND_WIDTH, "left", "progress"),
            ("at due", fit(10, 16, [compact(r.forecast_at_due, r.unit, currency)
                                    for r in results]), "right", "variance"),
            ("title", 40, "left", "objective")):
        used = sum(w for _, w, _ in columns) + 2 * len(columns)
        names = [name for name, _, _ in columns]
        if used + size <= width and after in names:  # plan only beside its target, etc.
            if extra == "title":
                size = min(60, width - used)
            columns.insert(names.index(after) + 1, (extra, size, justify))
    def row(result: AnyResult) -> list[Text | str]:
        bar = progress_bar(result.progress, result.expected, 6)
        bar.append(f" {percent(result.progress):>{progress_width - 7}}")
        cells: dict[str, Text | str] = {
            "objective": Text(literal(result.id) + (" ✎" if result.revision else "")),
            "title": Text(literal(result.title)),
            "status": status_text(result.status, result.stale, short=True),
            "progress": bar,
            "actual": Text(literal(actual_text(result, currency, short=True))),
            "target": Text(literal(_goal_cell(result, currency))),
            "plan": percent(result.expected),
            "variance": _variance_cell(result, currency),
            "at due": compact(result.forecast_at_due, result.unit, currency),
            "when": _when_cell(result),
            "trend": Text(sparkline([p.value for p in result.actual_series], TREND_WIDTH)
                          if len(result.actual_series) > 1 else "", style="cyan"),
        }
        return [cells[name] for name, _, _ in columns]

    if len(results) > PLAIN_ROWS:
        return FixedRows([(t(name), size, justify) for name, size, justify in columns],
                         (row(result) for result in results))
    for name, size, justify in columns:
        table.add_column(t(name), width=size, no_wrap=True, overflow="ellipsis",
                         justify=justify)  # type: ignore[arg-type]
    for result in results:
        table.add_row(*row(result))
    return table


#: Above this many rows, `status_table` writes fixed-width lines itself (`FixedRows`) in
#: place of rich's table layout, which measures every cell: 100k objectives in seconds.
PLAIN_ROWS = 1000


class FixedRows:
    """A table whose columns all have a fixed width, as lines: the header (bold), a rule,
    then each row as it is made (rows are not held). Every cell is cut to its column with
    an ellipsis and padded like rich's table (two spaces between columns)."""

    def __init__(self, columns: Sequence[tuple[str, int, str]],
                 rows: Iterable[Sequence[Text | str]]) -> None:
        self.columns = list(columns)
        self.rows = rows

    def _line(self, cells: Sequence[Text | str], style: str = "") -> Text:
        line = Text(style=style, no_wrap=True, overflow="crop", end="\n")
        for n, (cell, (_, size, justify)) in enumerate(zip(cells, self.columns, strict=True)):
            text = cell.copy() if isinstance(cell, Text) else Text(cell)
            text.truncate(size, overflow="ellipsis")
            room = size - text.cell_len
            if justify == "right":
                text.pad_left(room)
            else:
                text.pad_right(room)
            line.append_text(text)
            if n < len(self.columns) - 1:
                line.append("  ")
        return line

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Text]:
        excess = sum(size + 2 for _, size, _ in self.columns) - 2 - options.max_width
        for n in range(len(self.columns) - 1, -1, -1):  # too wide: the last columns give way
            name, size, justify = self.columns[n]
            cut = max(0, min(excess, size - 1))
            self.columns[n] = (name, size - cut, justify)
            excess -= cut
        yield self._line([name for name, _, _ in self.columns], "bold")
        yield Text("─" * (sum(size + 2 for _, size, _ in self.columns) - 2), end="\n")
        for row in self.rows:
            yield self._line(row)


def report_header(report: Report, document: bool = False) -> Text:
    """The programme, the dates and the counts; `document`: a report that carries its stamp
    says "as known at" the moment the ledger was read (so its reproduction reads the same),
    where the live `status` view says "as known now"."""
    program = report.program
    text = Text()

    text.append(literal(f"{program.name} ({program.code})"), style="bold")
    text.append(f"  {t('programme')} {day(program.start)} → {day(program.end)}\n")
    text.append(f"{t('as of')} {day(report.as_of)}")
    from .cells import known_text

    text.append(f", {known_text(report)}" if document or report.known_at
                else f", {t('as known now')}")
    if report.part:
        text.append(f"\n{t('Part')}: " + ", ".join(
            f"{t(k)} {literal(v)}" for k, v in report.part.items()))
    counts = [(s, n) for s, n in report.summary.items() if n]
    text.append("\n")
    for index, (status, count) in enumerate(counts):
        if index:
            text.append("  ")
        text.append(f"{STATUS_MARK[status]} {count} {t(status)}", style=STATUS_STYLE.get(status))
    if any(report.rollups.values()):
        text.append(f"\n{t('roll-ups')}: {rollup_counts(report.rollups)}")
    return text


def reason_lines(results: Sequence[AnyResult]) -> Text | None:
    """Why each objective in trouble is there: its current reason, one line each."""
    troubled = [r for r in results if r.status in TROUBLE and r.reason]
    if not troubled:
        return None
    text = Text()
    for index, r in enumerate(troubled):
        if index:
            text.append("\n")
        text.append(f"{STATUS_MARK[r.status]} {literal(r.id)}: ", style=STATUS_STYLE.get(r.status))
        text.append(literal(r.reason))
    return text


def stale_lines(report: Report) -> Text | None:
    if not report.stale_metrics:
        return None
    text = Text(f"{t('stale')}: ", style="yellow")
    text.append(", ".join(f"{literal(m.metric)} ({t('last')} {day(m.last_observed)}, "
                          f"{ago(m.age_days)}, {t(m.cadence)})"
                          for m in report.stale_metrics))
    return text


def revision_lines(report: Report) -> Text | None:
    """One line per objective marked ✎: its plan was revised, and how."""
    from .cells import revised

    lines = [f"✎ {literal(r.id)}: {revised(r)}" for r in report.objectives if r.revision]
    return Text("\n".join(lines), style="magenta") if lines else None


def stamp_text(report: Report) -> Text:
    """The provenance stamp, dim, one `label: value` per line."""
    from .cells import stamp_pairs

    return Text("\n".join(f"{label}: {value}" for label, value in stamp_pairs(report)),
                style="dim")


def report_sections(report: Report, width: int
                    ) -> list[tuple[str, Table | FixedRows, Text | None]]:
    """The status table split by each objective's group (or kind when it has none), in the
    order of `[program] groups`, each with the reasons of its objectives in trouble; a nested
    group's heading is `Axis 1 › Recommendation 3`."""
    from ..compute.parts import sections

    out = []
    for section in sections(report.objectives, report.program.groups):
        part = report.model_copy(update={"objectives": section.results})
        name = " › ".join(section.path) if section.path else cells.section_title(section)
        out.append((literal(name), status_table(part, width), reason_lines(section.results)))
    return out


def exceptions_table(report: Report, width: int) -> Table | Text:
    """Exceptions first: what is at-risk, off-track or missed, with its gap, reason, next
    date and since when (leaves, then roll-ups)."""
    if not report.exceptions:
        return Text(t("Nothing at risk, off-track or missed."), style="green")
    currency = report.program.currency
    table = _table()
    table.padding = (0, 1, 0, 0)
    table.add_column(t("Objective"), no_wrap=True, max_width=24, overflow="ellipsis")
    table.add_column(t("Status"), no_wrap=True)
    table.add_column(t("Gap"), justify="right", no_wrap=True)
    table.add_column(t("Days behind"), justify="right", no_wrap=True)
    table.add_column(t("Next date"), no_wrap=True)
    table.add_column(t("Since"), no_wrap=True)
    if width >= 110:
        table.add_column(t("Owner"), overflow="fold", max_width=16, min_width=len(t("Owner")))
    table.add_column(t("Reason"), overflow="fold", ratio=1, min_width=16)
    for e in report.exceptions:
        row: list[Text | str] = [Text(literal(e.id)), status_text(e.status),
                                 cells.gap_text(e, currency), cells.behind_text(e),
                                 cells.next_text(e), cells.since_text(e)]
        if width >= 110:
            row.append(Text(literal(e.owner) or "—"))
        row.append(Text(literal(e.reason) or "—"))
        table.add_row(*row)
    return table


def period_tables(report: Report, periods: PeriodicView) -> list[Table]:
    """The periodic view: per objective, its value at each period end beside the plan."""
    currency = report.program.currency
    tables = []
    for result in report.objectives:
        rows = periods.of(result.id)
        table = _table(literal(f"{result.id} by {periods.period}"))
        for column in ("period end", "status", "actual", "planned", "variance", "progress",
                       "plan"):
            table.add_column(column, justify="left" if column in ("period end", "status")
                             else "right", no_wrap=True)
        for row in rows:
            r = row.result
            table.add_row(str(row.end), status_text(r.status),
                          Text(literal(actual_text(r, currency, short=True))),
                          compact(r.planned, r.unit, currency) if r.kind == "target" else "—",
                          _variance_cell(r, currency), percent(r.progress),
                          percent(r.expected))
        if not rows:
            table.add_row("(not started by the as-of date)", "", "", "", "", "", "")
        tables.append(table)
    return tables


def render_report_table(report: Report, *, width: int, color: bool,
                        periods: PeriodicView | None = None) -> str:
    """The terminal report as text: header, a table per group, stale metrics; with
    `periods`, then a table per objective by period."""
    import io

    from rich.console import Console
    from rich.rule import Rule

    buffer = io.StringIO()
    out = Console(file=buffer, width=width, color_system="auto" if color else None,
                  force_terminal=color, no_color=not color, highlight=False, emoji=False,
                  markup=False)
    out.print(report_header(report, document=True))
    out.print(Rule(Text(t("Exceptions"), style="bold"), align="left"))
    out.print(exceptions_table(report, width))
    for name, table, reasons in report_sections(report, width):
        out.print(Rule(Text(name, style="bold"), align="left"))
        out.print(table)
        if reasons is not None:
            out.print(reasons)
    if (stale := stale_lines(report)) is not None:
        out.print(stale)
    if (revisions := revision_lines(report)) is not None:
        out.print(revisions)
    noted = [(r.id, n) for r in report.objectives for n in report.recent_notes.get(r.id, ())]
    if noted:
        out.print(Rule(Text(t("Recent notes"), style="bold"), align="left"))
        for objective_id, n in noted:
            line = Text(f"{day(n.date)}  ", style="dim")
            line.append(literal(objective_id), style="bold")
            line.append(f"  {literal(n.text)}" + (f" ({literal(n.source)})" if n.source else ""))
            out.print(line)
    documented = [(r.id, e) for r in report.objectives for e in r.evidence]
    if documented:
        out.print(Rule(Text(t("Evidence"), style="bold"), align="left"))
        for objective_id, e in documented:
            line = Text(literal(objective_id), style="bold")
            line.append(f"  {literal(e.path)}  ({literal(cells.evidence_about(e))})")
            out.print(line)
    if periods is not None:
        out.print(Rule(Text(t(f"by {periods.period}"), style="bold"), align="left"))
        for table in period_tables(report, periods):
            out.print(table)
    out.print(Rule(style="dim"))
    out.print(stamp_text(report))
    return buffer.getvalue()


def show_renderables(project: Project, report: ShowReport, width: int) -> list[Any]:
    """Rich renderables, top to bottom."""
    objective, result, day, known_at = report.objective, report.result, report.as_of, \
        report.known_at
    entries = report.entries
    currency = project.program.currency
    head = Text()
    head.append(literal(objective.id), style="bold")
    head.append(f"  {literal(objective.title)}\n")
    head.append_text(status_text(result.status, result.stale))
    head.append(f"  {t('as of')} {shown(day)}" + (f", {t('as known at')} {moment(known_at)}"
                                                  if known_at else ""))
    parts: list[Any] = [head]

    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="bold")
    facts.add_column(overflow="fold")

    def fact(name: str, value: object) -> None:
        if isinstance(value, dt.date):
            value = shown(value)
        if value not in (None, "", ()):
            facts.add_row(t(name), Text(literal(str(value))))

    fact("kind", t(objective.kind))
    if objective.kind == "target":
        assert result.kind == "target"  # the result of this objective
        unit = result.unit
        fact("metric", f"{objective.metric} ({unit}, {t(result.aggregate)})")
        fact("direction", t(objective.direction))
        fact("baseline", amount(objective.baseline, unit, currency))
        if objective.is_range:
            fact("target", f"{amount(objective.target_min, unit, currency)} {t('to')} "
                           f"{amount(objective.target_max, unit, currency)}")
        else:
            fact("target", amount(objective.target, unit, currency))
        fact("period", f"{shown(project.start_of(objective))} → {shown(objective.due)}")
        if objective.plan == "step":
            fact("plan", t("step (each checkpoint's value from its date on)"))
        fact("checkpoints", ", ".join(f"{shown(c.date)}: {amount(c.value, unit, currency)}"
                                      for c in objective.checkpoints))
        fact("actual", amount(result.actual, unit, currency))
        fact("planned now", amount(result.planned, unit, currency, places=2))
        fact("progress", f"{percent(result.progress)} ({t('plan')} {percent(result.expected)})")
        if result.schedule_variance_days is not None:
            fact("schedule", cells.schedule_text(result))
        fact("forecast at due", amount(result.forecast_at_due, unit, currency, places=2)
             if result.forecast_at_due is not None else t("not enough data (needs 2 points)"))
        fact("ETA", result.eta or (t("never at this pace") if result.forecast_at_due is not None
                                   else None))
        if result.above_range:
            fact("note", t("above the range's upper end"))
        if result.below_range:
            fact("note", t("below the range's lower end"))
        if result.evaluated_at is not None and result.evaluated_at != day:
            fact("evaluated at", f"{shown(result.evaluated_at)} "
                                 f"({t('the last report; the next is not due yet')})")
        if result.forecast_low is not None:
            fact("80 % interval", f"{amount(result.forecast_low, unit, currency, places=2)} "
                                  f"{t('to')} "
                                  f"{amount(result.forecast_high, unit, currency, places=2)}")
            fact("chance to meet", percent(result.p_meet))
        if result.late_days:
            fact("late", t("achieved {n} days after due").format(n=result.late_days))
    elif objective.kind == "limit":
        assert result.kind == "limit"
        unit = result.unit
        fact("metric", f"{objective.metric} ({unit}, {t(result.aggregate)})")
        fact("limit", ", ".join(
            ([f"{t('at least')} {amount(objective.min, unit, currency)}"]
             if objective.min is not None else [])
            + ([f"{t('at most')} {amount(objective.max, unit, currency)}"]
               if objective.max is not None else [])))
        fact("period", f"{shown(result.start)} → {shown(result.due)}")
        fact("actual", amount(result.actual, unit, currency))
        fact("within", None if result.within is None else t("yes" if result.within else "no"))
        fact("headroom", amount(result.headroom, unit, currency))
        fact("outside since", result.breached_since)
        fact("breaches", result.breaches)
        fact("forecast at due", amount(result.forecast_at_due, unit, currency, places=2))
    elif objective.kind == "milestone":
        assert result.kind == "milestone"
        fact("due", objective.due)
        fact("state", t(result.state) if result.state else t("no event yet"))
        fact("expected", result.expected_date)
        fact("done", result.done_date)
        fact("late", cells.late_text(result) if result.late_days or result.state == "slipped"
             else None)
    else:
        assert result.kind == "composite"
        fact("children", ", ".join(objective.children))
        fact("weights", ", ".join(str(w) for w in result.weights))
        fact("due", result.due)
        fact("progress", f"{percent(result.progress)} ({t('plan')} {percent(result.expected)})")
        if result.worst_child is not None:
            fact("worst part", f"{result.worst_child.id} ({t(result.worst_child.status)})")
        if result.children_by_status:
            fact("parts", ", ".join(f"{n} {t(s)}" for s, n in result.children_by_status.items()))
    fact("reason", result.reason)
    fact("documents", "; ".join(f"{e.path} ({cells.evidence_about(e)})"
                                 for e in result.evidence))
    fact("owner", objective.owner)
    fact("source", objective.source)
    parts.append(facts)

    table = _table(t("plan vs actual, by quarter"))
    for column in ("date", "status", "actual", "planned", "variance", "progress", "plan"):
        table.add_column(t(column) if column != "plan" or t("plan") == "plan" else "attendu",
                         justify="right" if column not in ("date", "status") else "left")
    for point in report.history:
        when, row = point.date, point.result
        table.add_row(shown(when), Text(t(row.status), style=STATUS_STYLE.get(row.status, "")),
                      compact(row.actual, row.unit, currency) if row.kind in ("target", "limit")
                      else (t(row.state) if row.kind == "milestone" and row.state else "—"),
                      compact(row.planned, row.unit, currency),
                      _variance_cell(row, currency) if row.variance is not None else "—",
                      percent(row.progress), percent(row.expected))
    parts.append(table)
    if report.chart:
        parts.append(Text(t("plan vs actual vs forecast"), style="bold"))
        chart = plan_actual_chart(result, [p.date for p in report.chart],
                                  [p.result for p in report.chart], day,
                                  height=10 if width >= 60 else 6)
        drawn = Text()
        for piece, style in chart:
            drawn.append(piece, style=style)
        parts.append(drawn)
    parts.append(Text(t("evidence"), style="bold"))
    if len(entries) > LONG_LISTING:  # (see LONG_LISTING; no_wrap: one line an entry)
        parts.append(Text("\n".join(entries_lines(entries, entries, project)), no_wrap=True,
                          overflow="ignore"))
    else:
        parts.append(entries_table(entries, entries, project))
    return parts
