"""Commands about the project itself: init, validate, objectives, log, verify, repair."""

from __future__ import annotations

from typing import Annotated

import typer

from .app import (
    JsonFlag,
    KnownAt,
    MetricFilter,
    ObjectiveFilter,
    RecordedSinceOpt,
    RecordedUntilOpt,
    SinceOpt,
    UntilOpt,
    app,
    console,
    echo,
    entry_filters,
    ledger_content,
    print_json,
    reading_progress,
    recorded_filters,
    session,
    warn,
    warn_entries,
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
    from ..ledger.store import check_writer, default_writer

    s = session()
    root = Path(s.dir or os.environ.get("MIBTRACK_DIR") or ".")
    chosen = s.writer or os.environ.get("MIBTRACK_WRITER")
    if chosen:
        check_writer(chosen)  # a bad writer id is refused before anything is written
    created = write_project(root, template)
    # the clone's own id is kept in the project, which exists only now
    writer = chosen or default_writer(root)
    for path in created:
        echo(f"created {path}")
    # the first plan version: objectives.toml as written, so later edits are revisions;
    # recorded by this clone's writer (its default id is made now the project exists),
    # signed when a signing key is at hand
    from ..plans import record_version
    from ..project import Workspace
    from .app import today

    ws = Workspace(root.resolve())
    s.__dict__["workspace"] = ws  # the project just made is this command's
    ws.ledger.signer = s.signer
    _, appended = record_version(ws.root, ws.ledger, ws.objectives_bytes, writer,
                                 "initial plan (mibtrack init)", today(), today())
    if appended is not None:
        echo(f"recorded plan version 1 ({appended.entry.sha256[:12]}): edit objectives.toml, "
             "then `mibtrack replan --reason R` records each revision")


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
    with reading_progress("verifying"):
        broken = [v for v in ws.ledger.verify(project.program.signatures) if v.problem]
    for verdict in broken[1:]:
        sys.stderr.write(f"mibtrack: {literal(verdict.problem.describe())}\n")
    if broken:
        raise IntegrityError(broken[0].problem.describe(), "see `mibtrack verify`")
    from ..errors import ProjectError
    from ..ledger.plans import read_copy
    from ..ledger.store import merge_key
    from ..snapshot import fold_every_entry

    # every feed verify accepted streams through the reports' fold once (no entry held)
    with reading_progress("checking entries"):
        fold, entries, met = fold_every_entry(project, ws.ledger.feed_paths())
    for problem in _references(fold, met):
        warn(problem)
    lost = fold.orphans(project)  # = ledger_state.orphans (tests/compute/test_fold_property)
    for orphan in lost[1:]:
        sys.stderr.write(f"mibtrack: {orphan.warning()}\n")
    if lost:
        raise ProjectError(lost[0].warning())
    # every plan version's copy is there, byte for byte
    for entry in sorted((e for e in fold.others if e.type == "plan"), key=merge_key):
        read_copy(ws.ledger.root, entry.sha256, entry.id)
    feeds = len(ws.ledger.feed_paths())
    echo(f"ok: {len(project.objectives)} objectives, {len(project.metrics)} metrics, "
         f"{entries} entries in {feeds} feed{'s' if feeds != 1 else ''}")


def _references(fold, met: set[str]) -> list[str]:
    """Corrections and voids whose target is not in the ledger (kept, but worth a look), in
    ledger order; undeclared ids are orphans, which `validate` refuses. `met`: the targets
    found while folding every entry."""
    from ..ledger.store import merge_key

    problems = []
    amendments = {e.id: e for e in [*fold.given, *fold.others]
                  if e.type in ("correction", "void")}
    for entry in sorted(amendments.values(), key=merge_key):
        if entry.target_entry not in met:
            where = f"entry {entry.id[:12]} ({entry.writer} #{entry.seq})"
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
    recorded_since: RecordedSinceOpt = None,
    recorded_until: RecordedUntilOpt = None,
    known_at: KnownAt = None,
    json_output: JsonFlag = False,
) -> None:
    """The ledger's entries, oldest recorded first, with corrections and voids marked."""
    from ..ledger.query import select
    from ..render.documents import entries_document
    from ..render.terminal import entries_table

    recorded = recorded_filters(known_at, recorded_since, recorded_until)
    ws = session().workspace
    project = ws.project
    filters = entry_filters(project, metric, objective, since, until)
    content = ledger_content()
    entries = recorded.known(content.entries)
    chosen = recorded.window(select(project, entries, **filters.as_kwargs()))
    warn_entries(project, entries)
    if json_output:
        print_json(entries_document(chosen, entries))
    else:
        console().print(entries_table(chosen, entries, project))


@app.command()
def verify(
    json_output: JsonFlag = False,
    history: Annotated[bool, typer.Option("--history",
                       help="Also check with git that each committed version of each feed is "
                            "a byte-prefix of the next (catches a dropped tail).")] = False,
) -> None:
    """Recompute every feed's hash chain; report the first broken entry of each (exit 4)."""
    from ..errors import IntegrityError

    ws = session().workspace
    ledger = ws.ledger
    with reading_progress("verifying"):
        verdicts = ledger.verify(ws.project.program.signatures)
    for notice in ledger.notices:
        warn(notice)
    broken = [v for v in verdicts if v.problem]
    histories = []
    if history:
        from ..ledger.history import check_history

        histories = check_history(ledger.root, ledger.feed_paths())
    rewritten = [h for h in histories if h.problem]
    copies = _plan_copies(ledger) if not broken else []
    keys = _key_findings(ledger)
    conflicts = [k for k in keys if k[0] == "conflict"]
    if json_output:
        document = {
            "schema_version": 1,
            "ok": not broken and not rewritten and not conflicts,
            "feeds": [{"feed": v.path.name, "entries": v.entries, "ok": v.problem is None,
                       "line": v.problem.line if v.problem else None,
                       "problem": v.problem.problem if v.problem else None} for v in verdicts],
            "keys": [{"key": found.key, "kind": kind,
                      "entries": [{"feed": place.split(" line ")[0],
                                   "line": int(place.split(" line ")[1]), "id": entry_id}
                                  for place, entry_id in zip(found.places, ids, strict=True)]}
                     for kind, found, ids in keys],
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
        for kind, found, _ in keys:
            echo(f"notice: {found.notice()}" if kind == "duplicate" else
                 f"CONFLICT {_conflict_text(found)}")
    if copies:
        raise copies[0]
    if rewritten and not broken:
        raise IntegrityError(f"{len(rewritten)} of {len(histories)} feeds rewritten in git "
                             f"history; first: {rewritten[0].problem.describe()}",
                             "restore the feed from the commit before it was rewritten "
                             "(`git show COMMIT:PATH`)")
    if conflicts and not broken and not rewritten:
        raise IntegrityError(f"{_conflict_text(conflicts[0][1])}"
                             + (f" (and {len(conflicts) - 1} more conflicting keys)"
                                if len(conflicts) > 1 else ""),
                             "void the wrong entry (`mibtrack void ENTRY --reason ...`): of one "
                             "key, only the earliest recorded version counts")
    if broken:
        first = broken[0].problem
        if first.kind == "torn":
            hint = None  # the problem already says to run `mibtrack repair`
        elif first.kind == "evidence":
            hint = ("a document was changed after an entry named it: restore the original "
                    "(the entry holds its SHA-256) from git or a backup")
        elif first.kind == "signature":
            hint = ("each entry must be signed by a key that ledger/writers lists for its "
                    "writer id, valid when it was recorded: see `mibtrack writers list` and "
                    "README \"Security model\"")
        elif first.kind in ("fork", "conflict-marker"):
            from ..ledger.codec import recover_hint

            hint = recover_hint(str(first.path))
        else:
            hint = ("restore the feed from git or a backup; `mibtrack verify --history` "
                    "shows when it changed")
        raise IntegrityError(f"{len(broken)} of {len(verdicts)} feeds broken; first: "
                             f"{first.describe()}", hint)


def _plan_copies(ledger) -> list:
    """Each plan version's copy in ledger/plans/ is there and unchanged: a missing one is a
    warning (a clone without it cannot report with that version), a changed one an error."""
    from ..errors import IntegrityError, ProjectError
    from ..ledger.plans import plan_entries, read_copy

    changed = []
    for entry in plan_entries(ledger.feed_paths()):
        try:
            read_copy(ledger.root, entry.sha256, entry.id)
        except IntegrityError as exc:
            changed.append(exc)
        except ProjectError as exc:
            warn(exc.line())
    return changed
def _key_findings(ledger):
    """Keys recorded more than once across the ledger: ("duplicate", KeyCopies, ids) for
    copies of one fact (counted once), ("conflict", KeyConflict, first ids) for one key
    naming different facts (the earliest recorded is used)."""
    from ..compute.ledger_state import known_in_order, resolve
    from ..ledger.scan import amendment_lines, repeated_key_entries

    paths = ledger.feed_paths()
    given = repeated_key_entries(paths)
    if not given:
        return []
    rules = resolve(known_in_order([*given, *(e for p in paths for e in amendment_lines(p))],
                                   None))
    return [*(("duplicate", copies, copies.ids) for copies in rules.duplicates),
            *(("conflict", conflict, tuple(ids[0] for ids in conflict.versions))
              for conflict in rules.conflicts)]


def _conflict_text(conflict) -> str:
    versions = " and ".join(f"{place} (entry {ids[0][:12]})"
                            for place, ids in zip(conflict.places, conflict.versions, strict=True))
    return f"key {conflict.key!r} names different facts: {versions}"


@app.command()
def repair() -> None:
    """Move torn tails (interrupted writes) to ledger/quarantine/; never deletes data."""
    moved = session().workspace.ledger.repair()
    for path in moved:
        echo(f"quarantined a torn tail to {path}")
    if not moved:
        echo("nothing to repair: no feed ends with a torn line")


@app.command()
def recover(
    feed: Annotated[str, typer.Argument(help="The forked feed: its file name in ledger/ "
                                             "(alice.jsonl) or its writer id.")],
    to: Annotated[str | None, typer.Option("--to", metavar="WRITER",
                  help="The feed the other side's entries are re-recorded in (default: "
                       "WRITER+fork<hex>).")] = None,
) -> None:
    """Recover a forked feed (two clones appended under one writer id; git conflict
    markers): keep both sides, losing nothing."""
    from ..errors import UsageError
    from ..ledger.recover import recover as recover_feed
    from ..ledger.store import FEED_SUFFIX, check_writer

    ledger = session().workspace.ledger
    writer = check_writer(feed.rsplit("/", 1)[-1].removesuffix(FEED_SUFFIX))
    if to is not None:
        check_writer(to)
        if to == writer:
            raise UsageError("--to names the forked feed itself",
                             "give a new writer id for the other side's entries")
    done = recover_feed(ledger.feed_path(writer), writer, to)
    if done.quarantined is None:
        echo(f"nothing to recover: {done.feed.name} is not forked ({done.kept} entries in one "
             "chain)")
        return
    echo(f"copied {done.feed.name} as it was to {done.quarantined}")
    echo(f"kept {done.kept} entries in {done.feed.name} (the common part and one side)")
    if done.recovered_feed is not None:
        echo(f"re-recorded the other side's {done.moved} entries in "
             f"{done.recovered_feed.name}, each naming its original (recovered_from)")
    if done.dropped:
        echo(f"left {done.dropped} lines that are no entries of this feed (git conflict "
             "markers) in the quarantine copy only")
    echo("next: `mibtrack verify`, commit ledger/, and on the clone that wrote the other side "
         "use a writer id of its own (unset MIBTRACK_WRITER)")
