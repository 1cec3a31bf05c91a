"""Commands that add evidence: record, milestone, correct, void, note."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import (
    DateOpt,
    JsonFlag,
    KeyOpt,
    NoteOpt,
    SourceOpt,
    app,
    echo,
    info,
    ledger_content,
    print_json,
    session,
    today,
)

_NEGATIVE_OK = {"ignore_unknown_options": True}


def _fact_date(text: str | None, what: str = "--date"):  # noqa: ANN202
    from ..errors import UsageError
    from ..values import parse_date

    if text is None:
        return today()
    day = parse_date(text, what)
    if day > today():
        raise UsageError(f"{what} {day} is in the future",
                         "record facts once they hold; plans belong in objectives.toml")
    return day


def _append(drafts: list[dict], json_output: bool) -> None:
    from ..errors import UsageError
    from ..values import key_problem

    for draft in drafts:
        key = draft.get("key")
        if key is not None and key_problem(key) is not None:
            raise UsageError(f"--key {key!r} is not usable ({key_problem(key)})",
                             "give 1 to 200 printable characters, e.g. hr-2026-q1")
    s = session()
    results = s.workspace.ledger.append(s.writer_id(), drafts)
    s.recorded.extend(r.entry.id for r in results if not r.already)
    for result in results:
        if json_output:
            print_json({"schema_version": 1, "already_recorded": result.already,
                        "entry": result.entry})
        else:
            if result.already:
                info(f"already recorded (key {result.entry.key!r}): nothing written")
            echo(result.entry.id)


def _objective(objective_id: str, kind: str | None = None):  # noqa: ANN202
    from ..errors import UsageError

    project = session().workspace.project
    objective = project.objective(objective_id)
    if objective is None:
        ids = ", ".join(o.id for o in project.objectives if kind is None or o.kind == kind)
        raise UsageError(f"unknown objective {objective_id!r}",
                         f"declared{' ' + kind + 's' if kind else ''}: {ids or 'none'}")
    if kind is not None and objective.kind != kind:
        raise UsageError(f"objective {objective_id!r} is a {objective.kind}, not a {kind}",
                         "milestone events are for milestone objectives; record a metric instead"
                         if objective.kind == "target" else None)
    return objective


@app.command(context_settings=_NEGATIVE_OK)
def record(
    metric: Annotated[str, typer.Argument(help="A metric declared in objectives.toml.")],
    value: Annotated[str, typer.Argument(help="30000000, 30_000_000, 30e6, 30M or 1.5k.")],
    date: DateOpt = None,
    source: SourceOpt = None,
    note: NoteOpt = None,
    key: KeyOpt = None,
    json_output: JsonFlag = False,
) -> None:
    """Record a metric's value on a day (an observation); prints the new entry's id."""
    from ..errors import UsageError
    from ..ledger import draft
    from ..values import parse_value

    project = session().workspace.project
    if metric not in project.metrics:
        raise UsageError(f"unknown metric {metric!r}",
                         f"declared metrics: {', '.join(sorted(project.metrics)) or 'none'}")
    amount = parse_value(value)
    as_of = _fact_date(date)
    _append([draft("observation", as_of=as_of, metric=metric, value=amount, source=source,
                   note=note, key=key)], json_output)


@app.command()
def milestone(
    objective: Annotated[str, typer.Argument(help="A milestone objective's id.")],
    status: Annotated[str, typer.Argument(help="done, at-risk, slipped or reopened.",
                                          metavar="STATUS")],
    date: DateOpt = None,
    expected: Annotated[str | None, typer.Option("--expected", metavar="DATE",
                        help="For `slipped`: the date it is now expected.")] = None,
    source: SourceOpt = None,
    note: NoteOpt = None,
    key: KeyOpt = None,
    json_output: JsonFlag = False,
) -> None:
    """Record a milestone event: done, at-risk, slipped (with --expected) or reopened."""
    from ..errors import UsageError
    from ..ledger import draft
    from ..values import parse_date

    _objective(objective, "milestone")
    statuses = ("done", "at-risk", "slipped", "reopened")
    if status not in statuses:
        raise UsageError(f"unknown milestone status {status!r}",
                         f"use one of {', '.join(statuses)}")
    if status == "slipped" and expected is None:
        raise UsageError("a slipped milestone needs --expected DATE", "say when it is now expected")
    if status != "slipped" and expected is not None:
        raise UsageError(f"--expected goes with `slipped`, not `{status}`")
    as_of = _fact_date(date)
    expected_day = parse_date(expected, "--expected") if expected else None
    _append([draft("milestone", as_of=as_of, objective=objective, status=status,
                   expected=expected_day, source=source, note=note, key=key)], json_output)


@app.command()
def correct(
    entry: Annotated[str, typer.Argument(help="The entry's id or a unique prefix of it.")],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT",
                      help="Why the entry was wrong (kept in the ledger).")],
    value: Annotated[str | None, typer.Option("--value", metavar="V",
                     help="The right value.")] = None,
    date: Annotated[str | None, typer.Option("--date", metavar="DATE",
                    help="The right date for the fact.")] = None,
    json_output: JsonFlag = False,
) -> None:
    """Supersede an entry's value and/or date; the original stays in the ledger."""
    from ..errors import UsageError
    from ..ledger import draft
    from ..values import parse_value

    content = ledger_content()
    target = content.resolve(entry)
    if target.type not in ("observation", "milestone"):
        raise UsageError(f"entry {target.id[:12]} is a {target.type}; only observations and "
                         "milestone events can be corrected", "void it and record anew")
    if value is None and date is None:
        raise UsageError("nothing to correct", "give --value and/or --date")
    if value is not None and target.type != "observation":
        raise UsageError("only an observation has a value to correct", "use --date")
    _refuse_voided(content, target.id)
    if not reason.strip():
        raise UsageError("--reason is empty", "say why the entry was wrong")
    new_value = parse_value(value, "--value") if value is not None else None
    new_date = _fact_date(date) if date is not None else None
    _append([draft("correction", as_of=today(), target_entry=target.id, value=new_value,
                   date=new_date, reason=reason)], json_output)


@app.command()
def void(
    entry: Annotated[str, typer.Argument(help="The entry's id or a unique prefix of it.")],
    reason: Annotated[str, typer.Option("--reason", metavar="TEXT",
                      help="Why it is retracted (kept in the ledger).")],
    json_output: JsonFlag = False,
) -> None:
    """Retract an entry (voiding a correction undoes it); the original stays in the ledger."""
    from ..errors import UsageError
    from ..ledger import draft

    content = ledger_content()
    target = content.resolve(entry)
    if target.type == "void":
        raise UsageError(f"entry {target.id[:12]} is itself a void",
                         "record the fact again instead of voiding a void")
    _refuse_voided(content, target.id)
    if not reason.strip():
        raise UsageError("--reason is empty", "say why the entry is retracted")
    _append([draft("void", as_of=today(), target_entry=target.id, reason=reason)], json_output)


@app.command()
def note(
    objective: Annotated[str, typer.Argument(help="An objective's id.")],
    text: Annotated[str, typer.Argument(help="The note.")],
    date: DateOpt = None,
    source: SourceOpt = None,
    key: KeyOpt = None,
    json_output: JsonFlag = False,
) -> None:
    """Attach a free-text note to an objective."""
    from ..errors import UsageError
    from ..ledger import draft

    _objective(objective)
    if not text.strip():
        raise UsageError("the note is empty", "write the text to attach")
    _append([draft("note", as_of=_fact_date(date), objective=objective, note=text,
                   source=source, key=key)], json_output)


def _refuse_voided(content, entry_id: str) -> None:  # noqa: ANN001
    from ..errors import UsageError

    for other in content.entries:
        if other.type == "void" and other.target_entry == entry_id:
            raise UsageError(f"entry {entry_id[:12]} was voided by {other.id[:12]}",
                             "record the fact again instead")
