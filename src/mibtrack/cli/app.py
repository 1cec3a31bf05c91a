"""The typer app, its global options, the shared option types and the output helpers.

Commands live in sibling modules and only parse → call the library → render → print.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

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

    @cached_property
    def workspace(self) -> Workspace:
        from ..project import Workspace, find_root

        return Workspace(find_root(self.dir))

    def writer_id(self) -> str:
        from ..ledger import default_writer
        from ..ledger.store import check_writer

        return check_writer(self.writer or os.environ.get("MIBTRACK_WRITER") or default_writer())


_current: list[Session] = [Session()]


def session() -> Session:
    """The running command's session (set by the global options' callback)."""
    return _current[0]


@app.callback()
def _global(
    dir: Annotated[str | None, typer.Option("--dir", metavar="PATH",  # noqa: A002
                   help="Project folder (default: $MIBTRACK_DIR, else the nearest folder "
                        "at or above here holding objectives.toml).")] = None,
    writer: Annotated[str | None, typer.Option("--writer", metavar="ID",
                      help="Writer id naming your feed in ledger/ "
                           "(default: $MIBTRACK_WRITER, else user@host).")] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q",
                     help="Print only errors and what scripts need.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks of internal errors.")]
    = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.",
                       is_eager=True)] = False,
) -> None:
    if version:
        from .. import __version__

        typer.echo(f"mibtrack {__version__}")
        raise typer.Exit(0)
    _current[0] = Session(dir=dir, writer=writer, debug=debug, quiet=quiet)


# ------------------------------------------------------------------ shared option types
AsOf = Annotated[str | None, typer.Option("--as-of", metavar="DATE",
                 help="Report the state at the end of this day (YYYY-MM-DD; default today).")]
KnownAt = Annotated[str | None, typer.Option("--known-at", metavar="WHEN",
                    help="As the ledger knew it then: a UTC timestamp, or a date meaning the "
                         "end of that day.")]
JsonFlag = Annotated[bool, typer.Option("--json", help="One JSON document on stdout.")]
DateOpt = Annotated[str | None, typer.Option("--date", metavar="DATE",
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
KeyOpt = Annotated[str | None, typer.Option("--key", metavar="KEY",
                   help="Idempotency key: recording the same key and content again does nothing.")]


# ------------------------------------------------------------------ output
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
    sys.stdout.write(text + "\n")


def warn(text: str) -> None:
    sys.stderr.write(f"mibtrack: warning: {text}\n")


def info(text: str) -> None:
    """Progress chatter for people, on stderr, silenced by --quiet."""
    if not session().quiet:
        sys.stderr.write(text + "\n")


#: Reading more than this many bytes of feeds shows a progress bar (on a terminal only).
PROGRESS_FROM_BYTES = 32 << 20


@contextmanager
def reading_progress(label: str) -> Iterator[None]:
    """A progress bar on stderr while the feeds are read, once more than
    PROGRESS_FROM_BYTES have been read (a cold read, not a warm one); on a terminal only,
    never with --quiet, NO_COLOR or in a pipe."""
    if not on_terminal(sys.stderr) or session().quiet:
        yield
        return
    from ..ledger import scan

    paths = session().workspace.ledger.feed_paths()
    total = sum(p.stat().st_size for p in paths if p.exists())
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


def ledger_content() -> Any:
    """The project's ledger as read now, warning about torn tails (they never hide the good
    entries: reading commands use those and exit 0)."""
    content = session().workspace.content
    for torn in content.torn:
        warn(torn.warning())
    return content


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
    from ..values import parse_date

    if metric is not None and metric not in project.metrics:
        raise UsageError(f"unknown metric {metric!r}",
                         f"declared metrics: {', '.join(sorted(project.metrics))}")
    if objective is not None and project.objective(objective) is None:
        raise UsageError(f"unknown objective {objective!r}",
                         f"declared: {', '.join(o.id for o in project.objectives)}")
    return EntryFilters(metric, objective,
                        parse_date(since, "--since") if since else None,
                        parse_date(until, "--until") if until else None)


def print_json(value: Any) -> None:
    from ..render.jsonout import dumps

    sys.stdout.write(dumps(value))


def today() -> Any:
    import datetime as dt

    return dt.date.today()


def as_of_date(text: str | None) -> Any:
    from ..values import parse_date

    return parse_date(text, "--as-of") if text else today()


def known_at_moment(text: str | None) -> Any:
    from ..values import parse_moment

    return parse_moment(text) if text else None
