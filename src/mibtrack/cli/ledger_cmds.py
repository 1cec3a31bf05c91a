"""Commands that add evidence: record, milestone, correct, void, note."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

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

if TYPE_CHECKING:
    import datetime as dt
    from decimal import Decimal
    from pathlib import Path

    from ..ledger.store import LedgerContent
    from ..model import Entry, Metric, Objective, Project

_NEGATIVE_OK = {"ignore_unknown_options": True}
DryRunOpt = Annotated[bool, typer.Option(
    "--dry-run", help="Check everything and say what would be recorded; write nothing.")]


def _fact_date(text: str | None, what: str = "--date") -> dt.date:
    from ..errors import UsageError
    from ..values import parse_date_in
    from .app import input_locale

    if text is None:
        return today()
    day = parse_date_in(text, what, input_locale(text))
    if day > today():
        raise UsageError(f"{what} {day} is in the future",
                         "record facts once they hold; plans belong in objectives.toml")
    return day


EvidenceOpt = Annotated[list[str] | None, typer.Option(
    "--evidence", metavar="FILE", help="A document behind the fact (repeatable): kept in "
    "evidence/<sha256>/ and named by the entry.")]


def _append(drafts: list[dict[str, Any]], json_output: bool, dry_run: bool = False,
            evidence: list[str] | None = None) -> None:
    from ..errors import UsageError
    from ..values import key_problem

    for draft in drafts:
        key = draft.get("key")
        if key is not None and key_problem(key) is not None:
            raise UsageError(f"--key {key!r} is not usable ({key_problem(key)})",
                             "give 1 to 200 printable characters, e.g. hr-2026-q1")
    s = session()
    created: list[Path] = []
    if evidence:
        from ..ledger.evidence import field_of, prepare, store

        prepared = prepare(evidence)
        drafts = [{**d, "evidence": field_of([doc for _, doc in prepared])} for d in drafts]
        s.writer_id(), s.signer()  # refusals that need no ledger come before any copy
        if not dry_run:
            created = store(s.workspace.root, prepared)
    try:
        results = s.workspace.ledger.append(s.writer_id(), drafts, dry_run=dry_run)
    except BaseException:
        for path in created:  # a refused command has written nothing
            path.unlink(missing_ok=True)
            try:
                path.parent.rmdir()
            except OSError:
                pass
        raise
    if not dry_run:
        s.recorded.extend(r.entry.id for r in results if not r.already)
    for result in results:
        if json_output:
            document = {"schema_version": 1, "already_recorded": result.already,
                        "entry": result.entry}
            print_json({**document, "dry_run": True} if dry_run else document)
        elif dry_run:
            from ..render.text import literal

            echo(literal(f"dry run: {_described(result.entry)}: "
                         + (f"already recorded (key {result.entry.key!r})"
                            if result.already else "would be recorded")
                         + "; nothing written"))
        else:
            if result.already:
                info(f"already recorded (key {result.entry.key!r}): nothing written")
            echo(result.entry.id)


def _described(entry: Entry) -> str:
    """An entry in a few words: `observation jobs 40 on 2025-03-31`."""
    if entry.type == "observation":
        what = f"{entry.metric} {entry.value}"
    elif entry.type == "milestone":
        what = f"{entry.objective} {entry.status}" + (
            f" (expected {entry.expected})" if entry.expected else "")
    elif entry.type == "note":
        what = f"{entry.objective} {entry.note!r}"
    elif entry.type in ("correction", "void"):
        what = f"of {entry.target_entry[:12]}"
    else:  # writers and plan entries are not recorded through here
        what = ""
    return f"{entry.type} {what} on {entry.as_of}"


def _unknown_metric(metric: str, project: Project) -> None:
    from ..errors import UsageError

    renamed = project.renames.metrics.get(metric)
    if renamed is not None:
        raise UsageError(f"metric {metric!r} was renamed to {renamed!r}",
                         f"record it as {renamed}")
    raise UsageError(f"unknown metric {metric!r}",
                     f"declared metrics: {', '.join(sorted(project.metrics)) or 'none'}")


def _in_bounds(metric: Metric, amount: Decimal, typed: str | None, what: str = "value"
               ) -> None:
    from ..errors import UsageError

    problem = metric.out_of_bounds(amount)
    if problem is not None:
        raise UsageError(f"{what} {typed!r} is {problem}",
                         "check for a typing mistake (the bounds are in objectives.toml)")


def _objective(objective_id: str, kind: str | None = None) -> Objective:
    from ..errors import UsageError

    project = session().workspace.project
    objective = project.objective(objective_id)
    if objective is None and objective_id in project.renames.objectives:
        renamed = project.renames.objectives[objective_id]
        raise UsageError(f"objective {objective_id!r} was renamed to {renamed!r}",
                         f"record it as {renamed}")
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
    evidence: EvidenceOpt = None,
    json_output: JsonFlag = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Record a metric's value on a day (an observation); prints the new entry's id."""
    from ..ledger import draft
    from ..values import parse_value_in

    project = session().workspace.project
    if metric not in project.metrics:
        _unknown_metric(metric, project)
    amount = parse_value_in(value, "value", project.program.locale,
                            project.typed_units(metric))
    _in_bounds(project.metrics[metric], amount, value)
    as_of = _fact_date(date)
    _append([draft("observation", as_of=as_of, metric=metric, value=amount, source=source,
                   note=note, key=key)], json_output, dry_run, evidence)


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
    evidence: EvidenceOpt = None,
    json_output: JsonFlag = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Record a milestone event: done, at-risk, slipped (with --expected) or reopened."""
    from ..errors import UsageError
    from ..ledger import draft
    from ..model import slip_problem
    from ..values import parse_date_in
    from .app import input_locale

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
    expected_day = parse_date_in(expected, "--expected", input_locale(expected)) \
        if expected else None
    if (problem := slip_problem(as_of, expected_day)) is not None:
        raise UsageError(f"--expected: {problem}", "a milestone slips to a later date; check "
                         "--expected and --date")
    if status == "done":
        _refuse_done_twice(objective, as_of, key)
    _append([draft("milestone", as_of=as_of, objective=objective, status=status,
                   expected=expected_day, source=source, note=note, key=key)], json_output,
            dry_run, evidence)


def _refuse_done_twice(objective: str, as_of: dt.date, key: str | None) -> None:
    """`done` on a milestone already done as of that date, as the ledger knows it now, is a
    mistake (SPEC R2) — unless it repeats the very entry by its key (then it is a no-op)."""
    from ..errors import UsageError

    state = session().workspace.daily().fold.effective().already_done(objective, as_of, key)
    if state is not None:
        raise UsageError(f"milestone {objective!r} is already done as of {as_of} (done on "
                         f"{state.as_of}, entry {state.id[:12]})",
                         "record `reopened` first if it was undone, or `mibtrack correct "
                         "ENTRY --date` the earlier entry's date")


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
    from ..values import parse_value_in
    from .app import input_locale

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
    new_value = None
    if value is not None and target.type == "observation":  # (only it has a value)
        project = session().workspace.project
        metric_id = project.renames.metric(target.metric)
        new_value = parse_value_in(value, "--value", input_locale(value),
                                   project.typed_units(metric_id))
        metric = project.metrics.get(metric_id)
        if metric is not None:
            _in_bounds(metric, new_value, value, "--value")
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
    if target.type == "plan":
        raise UsageError(f"entry {target.id[:12]} is a plan version: plan history is never "
                         "retracted", "edit objectives.toml and run `mibtrack replan --reason R`")
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
    evidence: EvidenceOpt = None,
    json_output: JsonFlag = False,
    dry_run: DryRunOpt = False,
) -> None:
    """Attach a free-text note to an objective."""
    from ..errors import UsageError
    from ..ledger import draft

    _objective(objective)
    if not text.strip():
        raise UsageError("the note is empty", "write the text to attach")
    _append([draft("note", as_of=_fact_date(date), objective=objective, note=text,
                   source=source, key=key)], json_output, dry_run, evidence)


def _refuse_voided(content: LedgerContent, entry_id: str) -> None:
    from ..errors import UsageError

    for other in content.entries:
        if other.type == "void" and other.target_entry == entry_id:
            raise UsageError(f"entry {entry_id[:12]} was voided by {other.id[:12]}",
                             "record the fact again instead")
