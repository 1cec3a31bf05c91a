"""Commands about the project itself: init, validate, objectives, log, verify, repair."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import (
    JsonFlag,
    MetricFilter,
    ObjectiveFilter,
    SinceOpt,
    UntilOpt,
    app,
    console,
    echo,
    entry_filters,
    ledger_content,
    print_json,
    session,
    warn,
)


@app.command()
def init(
    template: Annotated[str, typer.Option("--template", metavar="mib|blank",
                        help="mib: the Marseille Immunology Biocluster; blank: a skeleton.")]
    = "blank",
) -> None:
    """Create objectives.toml and ledger/ in --dir (else $MIBTRACK_DIR, else here); never
    overwrites."""
    import os
    from pathlib import Path

    from ..errors import UsageError
    from ..templates import TEMPLATES, write_project

    if template not in TEMPLATES:
        raise UsageError(f"unknown template {template!r}", f"use one of {', '.join(TEMPLATES)}")
    root = Path(session().dir or os.environ.get("MIBTRACK_DIR") or ".")
    created = write_project(root, template)
    for path in created:
        echo(f"created {path}")


@app.command()
def validate() -> None:
    """Check objectives.toml and every ledger entry and chain; list every problem found."""
    import sys

    from ..errors import IntegrityError
    from ..objectives import Problems
    from ..render.text import literal

    ws = session().workspace
    try:
        project = ws.project
    except Problems as exc:
        for problem in exc.problems[1:]:
            sys.stderr.write(f"mibtrack: {literal(str(problem))}\n")
        raise Problems([exc.problems[0]]) from None
    content = ws.content
    for problem in _references(project, content):
        warn(problem)
    broken = [v for v in ws.ledger.verify() if v.problem]
    for verdict in broken[1:]:
        sys.stderr.write(f"mibtrack: {literal(verdict.problem.describe())}\n")
    if broken:
        raise IntegrityError(broken[0].problem.describe(), "see `mibtrack verify`")
    feeds = len(ws.ledger.feed_paths())
    echo(f"ok: {len(project.objectives)} objectives, {len(project.metrics)} metrics, "
         f"{len(content.entries)} entries in {feeds} feed{'s' if feeds != 1 else ''}")


def _references(project, content) -> list[str]:  # noqa: ANN001
    """Entries that name what objectives.toml no longer declares (kept, but worth a look)."""
    problems = []
    ids = content.by_id()
    for entry in content.entries:
        where = f"entry {entry.id[:12]} ({entry.writer} #{entry.seq})"
        if entry.type == "observation" and entry.metric not in project.metrics:
            problems.append(f"{where}: metric '{entry.metric}' is not declared; it is ignored")
        elif entry.type in ("milestone", "note") and project.objective(entry.objective) is None:
            problems.append(f"{where}: objective '{entry.objective}' is not declared; ignored")
        elif entry.type in ("correction", "void") and entry.target_entry not in ids:
            problems.append(f"{where}: targets entry {entry.target_entry[:12]}, not in the "
                            "ledger (a feed missing from this clone?)")
    return problems


@app.command()
def objectives(json_output: JsonFlag = False) -> None:
    """List the programme, its metrics and its objectives as declared."""
    from ..render.documents import objectives_document
    from ..render.terminal import objectives_table

    project = session().workspace.project
    if json_output:
        print_json(objectives_document(project))
    else:
        console().print(objectives_table(project))


@app.command()
def log(
    metric: MetricFilter = None,
    objective: ObjectiveFilter = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    json_output: JsonFlag = False,
) -> None:
    """The ledger's entries, oldest recorded first, with corrections and voids marked."""
    from ..ledger.query import select
    from ..render.documents import entries_document
    from ..render.terminal import entries_table

    ws = session().workspace
    project = ws.project
    filters = entry_filters(project, metric, objective, since, until)
    content = ledger_content()
    chosen = select(project, content.entries, **filters.as_kwargs())
    if json_output:
        print_json(entries_document(chosen, content.entries))
    else:
        console().print(entries_table(chosen, content.entries, project))


@app.command()
def verify(
    json_output: JsonFlag = False,
    history: Annotated[bool, typer.Option("--history",
                       help="Also check with git that each committed version of each feed is "
                            "a byte-prefix of the next (catches a dropped tail).")] = False,
) -> None:
    """Recompute every feed's hash chain; report the first broken entry of each (exit 4)."""
    from ..errors import IntegrityError

    ledger = session().workspace.ledger
    verdicts = ledger.verify()
    broken = [v for v in verdicts if v.problem]
    histories = []
    if history:
        from ..ledger.history import check_history

        histories = check_history(ledger.root, ledger.feed_paths())
    rewritten = [h for h in histories if h.problem]
    if json_output:
        document = {
            "schema_version": 1,
            "ok": not broken and not rewritten,
            "feeds": [{"feed": v.path.name, "entries": v.entries, "ok": v.problem is None,
                       "line": v.problem.line if v.problem else None,
                       "problem": v.problem.problem if v.problem else None} for v in verdicts],
        }
        if history:
            document["history"] = [
                {"feed": h.path.name, "commits": h.commits, "ok": h.problem is None,
                 "commit": h.problem.commit if h.problem else None,
                 "previous": h.problem.previous if h.problem else None,
                 "problem": h.problem.problem if h.problem else None} for h in histories]
        print_json(document)
    else:
        for v in verdicts:
            where = f"; line {v.problem.line}: {v.problem.problem}" if v.problem else ""
            echo(f"{'ok    ' if v.problem is None else 'BROKEN'} {v.path.name}: {v.entries} "
                 f"entries{where}")
        if not verdicts:
            echo("no feeds yet: nothing to verify")
        for h in histories:
            where = f"; {h.problem.describe().split(': ', 1)[1]}" if h.problem else ""
            echo(f"{'ok    ' if h.problem is None else 'BROKEN'} {h.path.name} history: "
                 f"{h.commits} commits{where}")
    if rewritten and not broken:
        raise IntegrityError(f"{len(rewritten)} of {len(histories)} feeds rewritten in git "
                             f"history; first: {rewritten[0].problem.describe()}",
                             "restore the feed from the commit before it was rewritten "
                             "(`git show COMMIT:PATH`)")
    if broken:
        first = broken[0].problem
        if "torn" in first.problem:
            hint = None  # the problem already says to run `mibtrack repair`
        elif "fork" in first.problem:
            hint = "each clone needs its own writer id (MIBTRACK_WRITER): see docs/team.md"
        else:
            hint = ("restore the feed from git or a backup; `mibtrack verify --history` "
                    "shows when it changed")
        raise IntegrityError(f"{len(broken)} of {len(verdicts)} feeds broken; first: "
                             f"{first.describe()}", hint)


@app.command()
def repair() -> None:
    """Move torn tails (interrupted writes) to ledger/quarantine/; never deletes data."""
    moved = session().workspace.ledger.repair()
    for path in moved:
        echo(f"quarantined a torn tail to {path}")
    if not moved:
        echo("nothing to repair: no feed ends with a torn line")
