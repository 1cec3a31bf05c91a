"""Data in and out, unattended: import (CSV, all or nothing), export (CSV/JSON), schema."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated, Any

import typer

from .app import (
    KnownAt,
    MetricFilter,
    ObjectiveFilter,
    RecordedSinceOpt,
    RecordedUntilOpt,
    SinceOpt,
    UntilOpt,
    app,
    echo,
    entry_filters,
    info,
    ledger_content,
    on_terminal,
    print_json,
    recorded_filters,
    session,
    today,
    warn,
    warn_entries,
    write_output,
)

if TYPE_CHECKING:
    from rich.progress import Progress

    from ..csvio import ImportPlan
    from ..errors import UsageError

#: Files with more rows than this get a progress bar (on a terminal only).
PROGRESS_FROM_ROWS = 5000


def _progress_wanted(rows_hint: int) -> bool:
    return rows_hint >= PROGRESS_FROM_ROWS and on_terminal(sys.stderr) and not session().quiet


@app.command("import")
def import_(
    file: Annotated[str, typer.Argument(metavar="FILE.csv|FILE.xlsx",
                    help="CSV with a header: metric,value,date or objective,status,date "
                         "[,expected]; optional source,note,key. A workbook (.xlsx): its "
                         "first sheet, same columns.")],
    dry_run: Annotated[bool, typer.Option("--dry-run",
                       help="Check every row and show what would be recorded; write nothing.")]
    = False,
) -> None:
    """Record every row of a CSV file, or none: each row is checked first, then all are
    written in one locked, fsynced append. Rows already recorded are skipped."""
    from contextlib import nullcontext
    from pathlib import Path

    from ..csvio import read_import, read_text
    from ..xlsxio import is_workbook, read_workbook, read_workbook_import

    path = Path(file)
    workbook = is_workbook(path)
    # a missing or unreadable file is exit 2 before the project is even loaded
    grid = read_workbook(path) if workbook else None
    text = "" if workbook else read_text(path)
    ws = session().workspace
    project = ws.project
    rows_hint = len(grid) if grid is not None else text.count("\n")
    bar = _progress_bar() if _progress_wanted(rows_hint) else None
    with bar if bar is not None else nullcontext():
        task = bar.add_task("checking lines", total=rows_hint) if bar is not None else None

        def advance(done: int, total: int) -> None:
            if bar is not None and task is not None:
                bar.update(task, completed=done, total=total)

        if grid is not None:
            plan = read_workbook_import(path, project, today(), cells=grid)
        else:
            plan = read_import(path, project, today(), progress=advance, text=text)
        del grid, text
        with plan.drafts:
            done = _import(plan, file, dry_run, bar, task)
    if done:
        echo(done)


def _import(plan: ImportPlan, file: str, dry_run: bool, bar: Progress | None,
            task: Any) -> str | None:
    """Record a checked file's drafts (or say what would be recorded): what to say once the
    progress bar is gone."""
    from ..errors import UsageError

    plan.raise_if_bad()
    _refuse_done_twice(plan)
    plan.raise_if_bad()
    drafts = plan.drafts
    if not len(drafts):
        info(f"{file}: a header and no rows: nothing to import")
        return None
    if plan.repeats:
        warn(f"{file}: {plan.repeats} exact repeat{'s' if plan.repeats != 1 else ''} of "
             "an earlier row, counted once (give each row its own key if they are separate "
             "facts)")
    s = session()
    ledger = s.workspace.ledger
    rows = len(drafts) - plan.repeats
    try:
        if dry_run:
            ledger.mark_recorded(drafts)
            _dry_run(plan, rows)
            return None
        if bar is not None and task is not None:
            bar.remove_task(task)
            bar.add_task(f"writing {drafts.kept_count} entries", total=None)
        written = ledger.import_drafts(s.writer_id(), drafts)
    except UsageError as exc:
        raise _with_line(exc, plan) from None
    if written.count:
        s.recorded.extend(dict.fromkeys((written.first, written.last)))
        s.recorded_count = written.count
    already = rows - written.count
    if s.quiet and not written.count:
        return None
    return (f"imported {written.count} entr{'y' if written.count == 1 else 'ies'} from {file}"
            + (f"; {already} already recorded" if already else ""))


def _refuse_done_twice(plan: ImportPlan) -> None:
    """A `done` row for a milestone the ledger already has done as of that row's date is a
    bad row (SPEC R2), as `mibtrack milestone … done` refuses it; the row repeating that very
    event (its key) is not."""
    import datetime as dt

    from ..csvio import Problem

    drafts = plan.drafts
    if not drafts.done:
        return
    effective = session().workspace.daily().fold.effective()
    for index in drafts.done:
        d = drafts.draft(index)
        state = effective.already_done(d["objective"], dt.date.fromisoformat(d["as_of"]),
                                       d.get("key"))
        if state is not None:
            plan.problems.append(Problem(
                plan.path, drafts.lines[index], "status", f"milestone {d['objective']!r} is "
                f"already done as of {d['as_of']} (done on {state.as_of}, entry "
                f"{state.id[:12]})", "record `reopened` first if it was undone"))


def _with_line(exc: UsageError, plan: ImportPlan) -> UsageError:
    """A key conflict found by the ledger, pointed at the file's line."""
    from ..errors import UsageError

    found = plan.drafts.find(exc.key) if exc.kind == "key-conflict" and exc.key else None
    if found is None:
        return exc
    return UsageError(f"{plan.path}:{plan.drafts.lines[found[0]]}: column key: {exc.message}",
                      f"{exc.hint}; nothing was imported" if exc.hint else None)


def _dry_run(plan: ImportPlan, rows: int) -> None:
    """What the import would record, row by row (the drafts already recorded marked)."""
    from ..render.text import literal

    drafts = plan.drafts
    fresh = 0
    for index, d in drafts:
        if drafts.skip[index]:
            continue
        fresh += 1
        about = d.get("metric") or d.get("objective")
        what = d.get("value") or d.get("status") or "note"
        if d.get("expected"):
            what += f" (expected {d['expected']})"
        echo(literal(f"line {drafts.lines[index]}: {d['type']} {about} {what} on "
                     f"{d['as_of']}"))
    already = rows - fresh
    echo(f"dry run: would record {fresh} entr{'y' if fresh == 1 else 'ies'}"
         + (f"; {already} already recorded" if already else "") + "; nothing written")


def _progress_bar() -> Progress:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from .app import console

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    console=console(stderr=True), transient=True)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", metavar="csv|json",
                   help="csv (reads back with `import`) or json (one document).")] = "csv",
    raw: Annotated[bool, typer.Option("--raw",
                   help="Every entry as recorded, corrections and voids included (CSV: an "
                        "audit dump that `import` does not read back).")] = False,
    metric: MetricFilter = None,
    objective: ObjectiveFilter = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    recorded_since: RecordedSinceOpt = None,
    recorded_until: RecordedUntilOpt = None,
    known_at: KnownAt = None,
    output: Annotated[str | None, typer.Option("--output", "-o", metavar="FILE",
                      help="Write here (atomically) instead of stdout.")] = None,
) -> None:
    """The ledger with corrections applied and voided entries dropped (or --raw), as CSV
    or JSON; CSV cells are safe to open in a spreadsheet."""
    from ..errors import UsageError
    from ..export import applied_records, raw_entries
    from ..render.documents import entry_record
    from ..render.text import literal

    if fmt not in ("csv", "json"):
        raise UsageError(f"unknown format {fmt!r}", "use --format csv or --format json")
    recorded = recorded_filters(known_at, recorded_since, recorded_until)
    ws = session().workspace
    project = ws.project
    filters = entry_filters(project, metric, objective, since, until)
    entries = recorded.known(ledger_content().entries)
    if raw:
        chosen = [entry_record(e) for e in raw_entries(project, entries, **filters.as_kwargs())]
    else:
        chosen = applied_records(project, entries, **filters.as_kwargs())
    records = recorded.window(chosen, lambda record: record["recorded_at"])
    text = _render(records, fmt, raw, french=project.program.locale == "fr")
    if output is None:
        if sys.stdout.isatty():  # a file keeps every byte; a terminal never gets control codes
            from ..render.text import control_codes_shown

            text = control_codes_shown(text)
        sys.stdout.write(text)
    else:
        write_output(output, text)
        info(f"exported {len(records)} entr{'y' if len(records) == 1 else 'ies'} to "
             f"{literal(output)}")
    warn_entries(project, entries)


def _render(records: list[dict[str, Any]], fmt: str, raw: bool, french: bool = False) -> str:
    import io

    from ..csvio import EXPORT_COLUMNS, RAW_COLUMNS, write_csv
    from ..render.documents import export_document
    from ..render.jsonout import dumps

    if fmt == "json":
        return dumps(export_document(records, raw))
    out = io.StringIO(newline="")
    write_csv(out, RAW_COLUMNS if raw else EXPORT_COLUMNS, records, french=french)
    return out.getvalue()


@app.command()
def schema(
    kind: Annotated[str, typer.Option("--kind", metavar="KIND",
                    help="What to describe (see the list with --kind help).")] = "entry",
) -> None:
    """The JSON Schema of ledger entries and of each command's --json document."""
    from ..errors import UsageError
    from ..schema import KINDS, json_schema

    if kind not in KINDS:
        raise UsageError(f"unknown schema kind {kind!r}", f"use one of {', '.join(KINDS)}")
    print_json(json_schema(kind))
