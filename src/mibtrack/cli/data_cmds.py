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
    from ..errors import UsageError
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
        plan.raise_if_bad()
        _refuse_done_twice(plan)
        plan.raise_if_bad()
        if not plan.rows:
            info(f"{file}: a header and no rows: nothing to import")
            return
        if plan.repeats:
            warn(f"{file}: {plan.repeats} exact repeat{'s' if plan.repeats != 1 else ''} of "
                 "an earlier row, counted once (give each row its own key if they are separate "
                 "facts)")
        if dry_run:
            _dry_run(plan)
            return
        if bar is not None and task is not None:
            bar.remove_task(task)
            bar.add_task(f"writing {len(plan.rows)} entries", total=None)
        s = session()
        try:
            results = ws.ledger.append(s.writer_id(), plan.drafts, decoded=False)
        except UsageError as exc:
            raise _with_line(exc, plan) from None
    s.recorded.extend(r.entry.id for r in results if not r.already)
    new = sum(1 for r in results if not r.already)
    already = len(results) - new
    if not s.quiet or new:
        echo(f"imported {new} entr{'y' if new == 1 else 'ies'} from {file}"
             + (f"; {already} already recorded" if already else ""))


def _refuse_done_twice(plan: ImportPlan) -> None:
    """A `done` row for a milestone the ledger already has done as of that row's date is a
    bad row (SPEC R2), as `mibtrack milestone … done` refuses it; the row repeating that very
    event (its key) is not."""
    import datetime as dt

    from ..csvio import Problem

    done = [row for row in plan.rows
            if row.draft["type"] == "milestone" and row.draft["status"] == "done"]
    if not done:
        return
    effective = session().workspace.daily().fold.effective()
    for row in done:
        d = row.draft
        state = effective.already_done(d["objective"], dt.date.fromisoformat(d["as_of"]),
                                       d.get("key"))
        if state is not None:
            plan.problems.append(Problem(
                plan.path, row.line, "status", f"milestone {d['objective']!r} is already done "
                f"as of {d['as_of']} (done on {state.as_of}, entry {state.id[:12]})",
                "record `reopened` first if it was undone"))


def _with_line(exc: UsageError, plan: ImportPlan) -> UsageError:
    """A key conflict found by the ledger, pointed at the file's line."""
    from ..errors import UsageError

    if exc.kind != "key-conflict":
        return exc
    for row in plan.rows:
        if row.draft["key"] == exc.key:
            return UsageError(f"{plan.path}:{row.line}: column key: {exc.message}",
                              f"{exc.hint}; nothing was imported" if exc.hint else None)
    return exc


def _dry_run(plan: ImportPlan) -> None:
    """What the import would record, row by row; a key conflict fails as the import would."""
    from ..errors import UsageError
    from ..ledger.store import content_of
    from ..render.text import literal

    s = session()
    ledger = s.workspace.ledger
    # (entry id only, content_of, id, where) per key already recorded
    found = ledger._find_keys({row.draft["key"] for row in plan.rows}, decoded=False)
    fresh = []
    for row in plan.rows:
        earlier = found.get(row.draft["key"])
        if earlier is None:
            fresh.append(row)
        elif earlier[1] != content_of(row.draft):
            raise _with_line(UsageError(
                f"key {row.draft['key']!r} was already recorded with other content (entry "
                f"{earlier[2][:12]}, {earlier[3]})",
                "use a new key, or `mibtrack correct` the earlier entry",
                kind="key-conflict", key=row.draft["key"], ids=(earlier[2],)), plan)
    for row in fresh:
        d = row.draft
        about = d.get("metric") or d.get("objective")
        what = d.get("value") or d.get("status") or "note"
        if d.get("expected"):
            what += f" (expected {d['expected']})"
        echo(literal(f"line {row.line}: {d['type']} {about} {what} on {d['as_of']}"))
    already = len(plan.rows) - len(fresh)
    echo(f"dry run: would record {len(fresh)} entr{'y' if len(fresh) == 1 else 'ies'}"
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
