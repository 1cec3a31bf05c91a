"""Commands about the project itself: init, validate, objectives, log, verify, repair."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

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

if TYPE_CHECKING:
    from ..compute.daily import DailyFold
    from ..errors import IntegrityError
    from ..ledger.history import FeedHistory
    from ..ledger.store import Ledger


@app.command()
def init(
    template: Annotated[str, typer.Option("--template", metavar="mib|blank",
                        help="mib: the Marseille Immunology Biocluster; blank: a skeleton.")]
    = "blank",
) -> None:
    """Create objectives.toml and ledger/ in --dir (else $MIBTRACK_DIR, else here); keeps an
    objectives.toml already there; never overwrites."""
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
    from ..objectives import OBJECTIVES_FILE

    if root / OBJECTIVES_FILE not in created:
        echo(f"kept {root / OBJECTIVES_FILE} (yours; --template applies only to a new one)")
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
    if appended is not None and appended.entry.type == "plan":  # (it is: a plan entry)
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
        broken = [v.problem for v in ws.ledger.verify(project.program.signatures)
                  if v.problem is not None]
    for later in broken[1:]:
        sys.stderr.write(f"mibtrack: {literal(later.describe())}\n")
    if broken:
        raise IntegrityError(broken[0].describe(), "see `mibtrack verify`")
    from ..errors import ProjectError
    from ..ledger.plans import read_copy
    from ..ledger.store import merge_key
    from ..model import PlanEntry
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
    for entry in sorted((e for e in fold.others if isinstance(e, PlanEntry)), key=merge_key):
        read_copy(ws.ledger.root, entry.sha256, entry.id)
    feeds = len(ws.ledger.feed_paths())
    echo(f"ok: {len(project.objectives)} objectives, {len(project.metrics)} metrics, "
         f"{entries} entries in {feeds} feed{'s' if feeds != 1 else ''}")


def _references(fold: DailyFold, met: set[str]) -> list[str]:
    """Corrections and voids whose target is not in the ledger (kept, but worth a look), in
    ledger order; undeclared ids are orphans, which `validate` refuses. `met`: the targets
    found while folding every entry."""
    from ..ledger.store import merge_key
    from ..model import Correction, Void

    problems = []
    amendments = {e.id: e for e in [*fold.given, *fold.others]
                  if isinstance(e, (Correction, Void))}
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
    from ..render.terminal import LONG_LISTING, entries_lines, entries_table

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
    elif len(chosen) > LONG_LISTING:
        for line in entries_lines(chosen, entries, project):
            echo(line)
    else:
        console().print(entries_table(chosen, entries, project))


#: Keys recorded twice with the same content (harmless: counted once) listed one a line by
#: `verify`; a merge of two offices' imports can hold hundreds of thousands.
COPIES_SHOWN = 20


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
    broken = [v.problem for v in verdicts if v.problem is not None]
    histories: list[FeedHistory] = []
    if history:
        from ..ledger.history import check_history

        histories = check_history(ledger.root, ledger.feed_paths())
    rewritten = [h.problem for h in histories if h.problem is not None]
    copies = _plan_copies(ledger) if not broken else []
    from ..render.verify import verify_document
    from ..verification import key_findings, verify_result

    # the terminal prints twenty copies and counts the rest: it does not build the rest
    keys, copies_found = key_findings(ledger, None if json_output else COPIES_SHOWN)
    result = verify_result(verdicts, keys, histories if history else None)
    conflicts = result.conflicts
    if json_output:
        print_json(verify_document(result))
    else:
        for feed in result.feeds:
            where = f"; line {feed.line}: {feed.problem}" if not feed.ok else ""
            echo(f"{'ok    ' if feed.ok else 'BROKEN'} {feed.feed}: {feed.entries} "
                 f"entries{where}")
        if not result.feeds:
            echo("no feeds yet: nothing to verify")
        for h in histories:
            where = f"; {h.problem.detail()}" if h.problem else ""
            echo(f"{'ok    ' if h.problem is None else 'BROKEN'} {h.path.name} history: "
                 f"{h.commits} commits{where}")
        for found in conflicts:
            echo(f"CONFLICT {found.text}")
        harmless = [found for found in result.keys if found.kind != "conflict"]
        for found in harmless[:COPIES_SHOWN]:
            echo(f"notice: {found.text}")
        if copies_found > COPIES_SHOWN:
            more = copies_found - COPIES_SHOWN
            echo(f"notice: and {more} more key{'s' if more != 1 else ''} recorded more than "
                 "once with the same content, each counted once (`mibtrack verify --json` "
                 "lists every one)")
    if copies:
        raise copies[0]
    if rewritten and not broken:
        raise IntegrityError(f"{len(rewritten)} of {len(histories)} feeds rewritten in git "
                             f"history; first: {rewritten[0].describe()}",
                             "restore the feed from the commit before it was rewritten "
                             "(`git show COMMIT:PATH`)")
    if conflicts and not broken and not rewritten:
        raise IntegrityError(f"{conflicts[0].text}"
                             + (f" (and {len(conflicts) - 1} more conflicting keys)"
                                if len(conflicts) > 1 else ""),
                             "void the wrong entry (`mibtrack void ENTRY --reason ...`): of one "
                             "key, only the earliest recorded version counts")
    if broken:
        first = broken[0]
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


def _plan_copies(ledger: Ledger) -> list[IntegrityError]:
    """Each plan version's copy in ledger/plans/ is there and unchanged: a missing one is a
    warning (a clone without it cannot report with that version), a changed one an error."""
    from ..errors import IntegrityError, ProjectError
    from ..ledger.plans import plan_entries, read_copy

    changed: list[IntegrityError] = []
    for entry in plan_entries(ledger.feed_paths()):
        try:
            read_copy(ledger.root, entry.sha256, entry.id)
        except IntegrityError as exc:
            changed.append(exc)
        except ProjectError as exc:
            warn(exc.line())
    return changed
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
