"""The typer app, its global options, the shared option types and the output helpers.

Commands live in sibling modules and only parse → call the library → render → print.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import datetime as dt

    from rich.console import Console

    from ..ledger.feed import Break
    from ..ledger.store import LedgerContent
    from ..project import Workspace

app = typer.Typer(
    name="mibtrack",
    help="Track a programme's objectives against plan, from an append-only evidence ledger.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclass
class Session:
    """What the global options say, and the project they point at (loaded on first use)."""

    dir: str | None = None
    writer: str | None = None
    debug: bool = False
    quiet: bool = False
    key_file: str | None = None
    #: Set by `writers add|revoke`, which check who may make the change themselves.
    writers_change: bool = False
    #: Warnings and notices for stderr, printed when the command ends unrefused (a refused
    #: command prints exactly its error line).
    messages: list[str] = field(default_factory=list)
    #: Feeds the command's reading left out (for the JSON documents' `feeds_left_out`).
    left_out: list[Break] = field(default_factory=list)
    #: Ids of entries this command appended (named if stdout then fails: exit 74); an
    #: import keeps only its first and last, and how many (`recorded_count`).
    recorded: list[str] = field(default_factory=list)
    recorded_count: int = 0

    @cached_property
    def workspace(self) -> Workspace:
        from ..project import Workspace, find_root

        workspace = Workspace(find_root(self.dir))
        workspace.ledger.signer = self.signer
        return workspace

    @cached_property
    def signing_key(self) -> Any:
        """--key-file, else $MIBTRACK_SIGNING_KEY, else `mibtrack keygen`'s key, else None."""
        from ..ledger.signing import find_key

        return find_key(self.key_file, ask_passphrase)

    def signer(self) -> Any:
        """What signs new lines; refuses (exit 2) when signatures are required and there is
        no key, before anything is written."""
        from ..errors import UsageError

        key = self.signing_key
        required = self.workspace.project.program.signatures == "required"
        if key is not None:
            if required and not self.writers_change:
                self._authorised(key)
            return key.sign
        if required:
            raise UsageError("signatures are required (objectives.toml) and there is no "
                             "signing key", "run `mibtrack keygen` and have an authorised "
                             "writer run `mibtrack writers add`, or give --key-file")
        return None

    def _authorised(self, key: Any) -> None:
        """With signatures required, refuse (exit 2, nothing written) an entry that
        ledger/writers says `verify` would reject: the key is not listed for this writer
        now."""
        from ..errors import UsageError
        from ..ledger.signing import WRITERS_FILE, authorised, parse_writers
        from ..values import utc_now

        path = self.workspace.ledger.root / WRITERS_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return  # `verify` names a missing or unreadable list
        writer = self.writer_id()
        why = authorised(parse_writers(text, str(path)), key.raw_public, writer, utc_now())
        if why is not None:
            raise UsageError(f"signatures are required and this entry would be rejected: "
                             f"{why}", f"sign with a key ledger/writers lists for {writer!r} "
                             "(--key-file), or have an authorised writer run `mibtrack "
                             "writers add`")

    def writer_id(self) -> str:
        from ..ledger import default_writer
        from ..ledger.store import check_writer

        chosen = self.writer or os.environ.get("MIBTRACK_WRITER")
        return check_writer(chosen or default_writer(self.workspace.root))


_current: list[Session] = [Session()]


def session() -> Session:
    """The running command's session (set by the global options' callback)."""
    return _current[0]


@app.callback()
def _global(
    dir: Annotated[str | None, typer.Option("--dir", metavar="PATH",
                   help="Project folder (default: $MIBTRACK_DIR, else the nearest folder "
                        "at or above here holding objectives.toml).")] = None,
    writer: Annotated[str | None, typer.Option("--writer", metavar="ID",
                      help="Writer id naming your feed in ledger/ "
                           "(default: $MIBTRACK_WRITER, else this clone's own id, user@host+"
                           "suffix, kept in .mibtrack/writer).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                     help="Print only errors and what scripts need.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")]
    = False,
    key_file: Annotated[str | None, typer.Option("--key-file", metavar="PATH",
                        help="Ed25519 private key (OpenSSH format) that signs new entries "
                             "(default: $MIBTRACK_SIGNING_KEY, else the key `mibtrack "
                             "keygen` made, if any).")] = None,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.",
                       is_eager=True)] = False,
) -> None:
    if version:
        from .. import __version__

        typer.echo(f"mibtrack {__version__}")
        raise typer.Exit(0)
    _current[0] = Session(dir=dir, writer=writer, debug=debug, quiet=quiet, key_file=key_file)


# ------------------------------------------------------------------ shared option types
AsOf = Annotated[str | None, typer.Option("--as-of", metavar="DATE",
                 help="Report the state at the end of this day (YYYY-MM-DD; default today).")]
KnownAt = Annotated[str | None, typer.Option("--known-at", metavar="WHEN",
                    help="As the ledger knew it then: a UTC timestamp, or a date meaning the "
                         "end of that day.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]
DateOpt = Annotated[str | None, typer.Option("--date", "--as-of", metavar="DATE",
                    help="The day the fact holds (YYYY-MM-DD; default today).")]
SourceOpt = Annotated[str | None, typer.Option("--source", metavar="TEXT",
                      help="Where the evidence comes from (a survey, a decision, an article).")]
NoteOpt = Annotated[str | None, typer.Option("--note", metavar="TEXT", help="A remark.")]
MetricFilter = Annotated[str | None, typer.Option("--metric", metavar="M",
                         help="Only this metric's observations (and their corrections).")]
ObjectiveFilter = Annotated[str | None, typer.Option("--objective", metavar="O",
                            help="Only what bears on this objective.")]
SinceOpt = Annotated[str | None, typer.Option("--since", metavar="DATE",
                     help="Only facts dated on or after this day.")]
UntilOpt = Annotated[str | None, typer.Option("--until", metavar="DATE",
                     help="Only facts dated on or before this day.")]
GroupFilter = Annotated[str | None, typer.Option(
    "--group", metavar="G", help="Only this group's objectives (and its nested groups: "
                                 "\"Axis 1\" takes \"Axis 1 > Recommendation 3\").")]
OwnerFilter = Annotated[str | None, typer.Option("--owner", metavar="O",
                        help="Only the objectives this owner holds.")]
TagFilter = Annotated[str | None, typer.Option("--tag", metavar="T",
                      help="Only the objectives with this tag.")]
LocaleOpt = Annotated[str | None, typer.Option(
    "--locale", metavar="LANG", help="en or fr: the language of labels and the format of "
                                     "dates and numbers (default: [program] locale).")]
RecordedSinceOpt = Annotated[str | None, typer.Option(
    "--recorded-since", metavar="WHEN",
    help="Only entries recorded after this moment (a UTC timestamp, e.g. a report's "
         "generated_at; a date means from the start of that day).")]
RecordedUntilOpt = Annotated[str | None, typer.Option(
    "--recorded-until", metavar="WHEN",
    help="Only entries recorded at or before this moment (a date: the end of that day).")]
KeyOpt = Annotated[str | None, typer.Option("--key", metavar="KEY",
                   help="Idempotency key: recording the same key and content again does nothing.")]


# ------------------------------------------------------------------ output
def ask_passphrase(prompt: str) -> str | None:
    """A signing key's passphrase, asked on the terminal (never echoed); None when there is
    no terminal to ask on (SPEC: no prompts in a pipe or with NO_COLOR)."""
    if not (on_terminal(sys.stdin) and on_terminal(sys.stderr)):
        return None
    import getpass

    try:
        return getpass.getpass(f"mibtrack: {prompt}")
    except (EOFError, KeyboardInterrupt):
        return None


def on_terminal(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and "NO_COLOR" not in os.environ


def console(stderr: bool = False) -> Console:
    """A rich console: colours on a terminal, none in a pipe or with NO_COLOR."""
    from rich.console import Console

    stream = sys.stderr if stderr else sys.stdout
    tty = on_terminal(stream)
    return Console(file=stream, no_color=not tty, color_system="auto" if tty else None,
                   highlight=False, emoji=False, markup=False, soft_wrap=not tty,
                   width=None if tty or os.environ.get("COLUMNS") else 120)


def echo(text: str = "") -> None:
    """One line (or a few) on stdout; user text in it is made inert (`literal`): a file
    name or a problem message can carry escapes."""
    from ..render.text import literal

    sys.stdout.write("\n".join(literal(line) for line in text.split("\n")) + "\n")


def warn(text: str) -> None:
    """A warning line for stderr, printed once the command has not been refused (user text
    in it is made inert then: `render.text.literal`)."""
    session().messages.append(f"mibtrack: warning: {text}")


def notice(text: str) -> None:
    """A notice line for stderr (silenced by --quiet), printed as warnings are."""
    if not session().quiet:
        session().messages.append(f"mibtrack: notice: {text}")


def flush_messages() -> None:
    """Print the warnings and notices gathered (and the no-plan-version notice of a project
    made before plan versions): the command was not refused."""
    s = session()
    if "workspace" in s.__dict__:
        try:
            if s.workspace.ledger.root.is_dir() and not s.workspace.has_plan_versions():
                from ..plans import NO_PLAN_NOTICE

                notice(NO_PLAN_NOTICE)
        except OSError:
            pass
    from ..render.text import literal

    for line in dict.fromkeys(s.messages):
        sys.stderr.write(literal(line) + "\n")
    s.messages.clear()


def drop_messages() -> None:
    session().messages.clear()


def info(text: str) -> None:
    """Progress chatter for people, on stderr, silenced by --quiet."""
    if not session().quiet:
        from ..render.text import literal

        sys.stderr.write(literal(text) + "\n")


#: Reading more than this many bytes of feeds shows a progress bar (on a terminal only).
PROGRESS_FROM_BYTES = 32 << 20


@contextmanager
def reading_progress(label: str, passes: int = 1) -> Iterator[None]:
    """A progress bar on stderr while the feeds are read (`passes` times each: a report's
    read checks each chain, then folds), once more than PROGRESS_FROM_BYTES have been read
    (a cold read, not a warm one); on a terminal only, never with --quiet, NO_COLOR or in a
    pipe."""
    if not on_terminal(sys.stderr) or session().quiet:
        yield
        return
    from ..ledger import scan

    paths = session().workspace.ledger.feed_paths()
    total = passes * sum(p.stat().st_size for p in paths if p.exists())
    if total < PROGRESS_FROM_BYTES:
        yield
        return
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    bar = Progress(TextColumn(label), BarColumn(), DownloadColumn(),
                   console=console(stderr=True), transient=True)
    task = bar.add_task(label, total=total)
    seen = [0]

    def told(size: int) -> None:
        seen[0] += size
        if seen[0] >= PROGRESS_FROM_BYTES and not bar.live.is_started:
            bar.start()
        bar.update(task, completed=min(seen[0], total))

    scan.progress = told
    try:
        yield
    finally:
        scan.progress = None
        if bar.live.is_started:
            bar.stop()


def plan_choice(known_at: Any = None, strict: bool = False, entries: Any = None) -> Any:
    """The plan version a reading command uses as known at `known_at`, warning (once) when
    objectives.toml has changes not recorded as a plan version; `strict`: refuse them.
    `entries`: the ledger's plan entries when already read."""
    choice = session().workspace.plan(known_at, entries)
    if (line := choice.warning()) is not None:
        if strict:
            from ..errors import ProjectError

            raise ProjectError("objectives.toml has changes not recorded as a plan version "
                               "(--strict)", "run `mibtrack replan --reason R` to record them")
        warn(line)
    return choice


def ledger_content() -> LedgerContent:
    """The project's ledger as read now, warning about torn tails (they never hide the good
    entries: reading commands use those and exit 0)."""
    content = session().workspace.content
    warn_feeds(content)
    return content


def warn_feeds(read: Any) -> None:
    """Warn (stderr, file and line) of each feed left out, journal ignored and torn tail
    in what was read (a LedgerContent or a Daily)."""
    for problem in read.left_out:
        warn(problem.left_out())
    for notice in read.notices:
        warn(notice)
    for torn in read.torn:
        warn(torn.warning())
def warn_ledger(conflicts: Any, orphans: Any) -> None:
    """What a reading command says about the ledger besides its answer (SPEC R2): each key
    recorded with other content (the earliest recorded is used), and once per id each
    orphan (entries under an id objectives.toml neither declares nor names as renamed)."""
    for conflict in conflicts:
        warn(conflict.warning())
    for orphan in orphans:
        warn(orphan.warning())


def warn_entries(project: Any, entries: Any) -> None:
    """`warn_ledger` for commands that read every entry (log, export)."""
    from ..compute.ledger_state import effective_ledger, orphans

    folded = effective_ledger(entries, None, project.renames)
    warn_ledger(folded.conflicts, orphans(folded, project))


@dataclass(frozen=True)
class RecordedFilters:
    """`--known-at/--recorded-since/--recorded-until`: which entries by when recorded."""

    known_at: Any = None
    after: Any = None
    until: Any = None

    def known(self, entries: list[Any]) -> list[Any]:
        """The entries as known at --known-at (later ones, corrections included, do not
        exist yet), in ledger order: the reports' own rule (`known_in_order`)."""
        from ..compute.ledger_state import known_in_order

        return entries if self.known_at is None else known_in_order(entries, self.known_at)

    def window(self, items: list[Any], moment: Any = lambda e: e.recorded_at) -> list[Any]:
        """Those recorded after --recorded-since and at or before --recorded-until."""
        return [e for e in items
                if (self.after is None or moment(e) > self.after)
                and (self.until is None or moment(e) <= self.until)]


def recorded_filters(known_at: str | None, since: str | None, until: str | None
                     ) -> RecordedFilters:
    """Parse them (bad input exits 2 before anything is read)."""
    import datetime as dt

    from ..errors import UsageError
    from ..values import end_of_day, parse_date, parse_moment

    after = None
    if since is not None:
        text = since.strip()
        if len(text) == 10:  # a date: from the start of that day
            after = end_of_day(parse_date(text, "--recorded-since") - dt.timedelta(days=1))
        else:
            after = parse_moment(text, "--recorded-since")
    end = parse_moment(until, "--recorded-until") if until is not None else None
    if after is not None and end is not None and end <= after:
        raise UsageError(f"--recorded-until {until} is not after --recorded-since {since}",
                         "swap them")
    return RecordedFilters(known_at_moment(known_at), after, end)


@dataclass(frozen=True)
class EntryFilters:
    """`--metric/--objective/--since/--until`, checked against the project."""

    metric: str | None
    objective: str | None
    since: Any
    until: Any

    def as_kwargs(self) -> dict[str, Any]:
        return {"metric": self.metric, "objective": self.objective, "since": self.since,
                "until": self.until}


def entry_filters(project: Any, metric: str | None, objective: str | None,
                  since: str | None, until: str | None) -> EntryFilters:
    """Refuse an undeclared metric or objective and bad dates (exit 2) before reading."""
    from ..errors import UsageError
    from ..values import parse_date_in

    locale = project.program.locale
    if metric is not None and metric not in project.metrics:
        raise UsageError(f"unknown metric {metric!r}",
                         f"declared metrics: {', '.join(sorted(project.metrics))}")
    if objective is not None and project.objective(objective) is None:
        raise UsageError(f"unknown objective {objective!r}",
                         f"declared: {', '.join(o.id for o in project.objectives)}")
    return EntryFilters(metric, objective,
                        parse_date_in(since, "--since", locale) if since else None,
                        parse_date_in(until, "--until", locale) if until else None)


def write_output(output: str, text: str | bytes) -> None:
    """`--output FILE`: written whole (see safefile.py); a device, FIFO or folder is refused
    (exit 2) and a symbolic link is written through, never replaced."""
    from pathlib import Path

    from ..errors import UsageError
    from ..render.text import literal
    from ..safefile import NotRegular, write_atomic

    try:
        write_atomic(Path(output), text if isinstance(text, bytes) else text.encode("utf-8"))
    except NotRegular:
        raise UsageError(f"{literal(output)} is not a regular file (a device, FIFO or folder)",
                         "give the path of a file to create or replace") from None
    except OSError as exc:
        raise UsageError(f"{literal(output)}: cannot be written ({exc.strerror or exc})",
                         "check the folder exists and is writable") from None
    except ValueError:  # a NUL in the name
        raise UsageError(f"{literal(output)}: cannot be written (a NUL character in its "
                         "name)", "check the file name") from None


def print_json(value: Any) -> None:
    from ..render.jsonout import chunks

    for chunk in chunks(value):  # a report of 100k objectives is never held whole
        sys.stdout.write(chunk)


def today() -> dt.date:
    import datetime as dt

    return dt.date.today()


def input_locale(text: str | None = None) -> str:
    """The project's locale, for reading what people type (`31/03/2026` and `1 250` under
    fr); a plain ISO date or number needs no project, so it is not loaded for one."""
    if text is not None and not any(c in text for c in "/ ,%€\u00a0\u202f"):
        return "en"
    return session().workspace.project.program.locale


def as_of_date(text: str | None) -> Any:
    from ..values import parse_date_in

    return parse_date_in(text, "--as-of", input_locale(text)) if text else today()


def known_at_moment(text: str | None) -> Any:
    from ..values import parse_moment

    return parse_moment(text) if text else None
