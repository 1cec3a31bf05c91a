"""Commands about plan versions: replan, plans (and diff, what changed between two moments)."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import JsonFlag, app, echo, info, print_json, session, today


@app.command()
def replan(
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT",
                      help="Why the plan changed (e.g. \"July COPIL: target cut to 300\").")],
    decided: Annotated[str | None, typer.Option("--decided", metavar="DATE",
                       help="When it was decided (YYYY-MM-DD; default today).")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Record objectives.toml as a new plan version; prints the new entry's id."""
    from ..errors import UsageError
    from ..plans import record_version
    from ..values import parse_date

    if not reason.strip():
        raise UsageError("--reason is empty", "say why the plan changed")
    day = parse_date(decided, "--decided") if decided else today()
    if day > today():
        raise UsageError(f"--decided {day} is in the future",
                         "record a plan version once it is decided")
    s = session()
    ws = s.workspace
    ws.project  # noqa: B018 - an invalid objectives.toml is refused (exit 3), nothing written
    writer = s.writer_id()
    newest, appended = record_version(ws.root, ws.ledger, ws.objectives_bytes, writer, reason,
                                      day, today())
    if appended is None:
        assert newest is not None
        info(f"objectives.toml is plan version {newest.number} already (recorded "
             f"{newest.entry.recorded_at:%Y-%m-%d %H:%M} UTC): nothing recorded")
        if json_output:
            print_json({"schema_version": 1, "already_recorded": True, "entry": newest.entry})
        else:
            echo(newest.entry.id)
        return
    if json_output:
        print_json({"schema_version": 1, "already_recorded": False, "entry": appended.entry})
    else:
        echo(appended.entry.id)


@app.command()
def plans(json_output: JsonFlag = False) -> None:
    """The recorded plan versions: when decided and recorded, by whom, why, what changed."""
    import hashlib

    from ..compute.plans import compare
    from ..plans import NO_PLAN_NOTICE
    from ..render.plans import plans_document, plans_lines

    ws = session().workspace
    choice = ws.plan(None)
    book = choice.book
    newest = book.newest()
    unrecorded = None
    if newest is not None and choice.unrecorded:
        unrecorded = compare(book.project(newest), ws.project)
    file_sha = hashlib.sha256(ws.objectives_bytes).hexdigest()
    if json_output:
        print_json(plans_document(book, unrecorded, file_sha))
        return
    if newest is None:
        echo(NO_PLAN_NOTICE.replace("no plan", "No plan", 1))
        return
    for line in plans_lines(book, unrecorded):
        echo(line)
