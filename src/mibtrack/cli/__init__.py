"""`mibtrack` on the command line: one error boundary maps library errors to exit codes."""

from __future__ import annotations

import sys
from typing import NoReturn

from .app import app

# Importing a command module registers its commands; this order is `mibtrack --help`'s:
# set up, record evidence, read where things stand, exchange data.
# isort: off
from . import project_cmds, ledger_cmds, plan_cmds, report_cmds, data_cmds, sign_cmds  # noqa: F401
# isort: on

__all__ = ["app", "main", "run"]

INTERNAL_ERROR = 70
#: stdout could not be written (full, closed, an I/O error): EX_IOERR of sysexits.h.
OUTPUT_ERROR = 74


class StdoutFailed(Exception):
    """Writing to stdout failed (the OSError is `cause`)."""

    def __init__(self, cause: OSError) -> None:
        super().__init__(cause.strerror or str(cause))
        self.cause = cause


class _GuardedStdout:
    """sys.stdout while a command runs: a failed write or flush becomes `StdoutFailed`,
    which no `except OSError` in between can take for a file error of its own. A closed
    stdout (sys.stdout None) fails on the first write."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def _call(self, name: str, *args: object) -> object:
        import errno

        if self._inner is None:
            raise StdoutFailed(OSError(errno.EBADF, "stdout is closed"))
        try:
            return getattr(self._inner, name)(*args)
        except (OSError, ValueError) as exc:  # ValueError: write to a closed file object
            cause = exc if isinstance(exc, OSError) else OSError(errno.EBADF, str(exc))
            raise StdoutFailed(cause) from None

    def write(self, text: str) -> object:
        return self._call("write", text)

    def flush(self) -> None:
        self._call("flush")

    def isatty(self) -> bool:
        try:
            return bool(self._inner is not None and self._inner.isatty())  # type: ignore[attr-defined]
        except (OSError, ValueError):
            return False

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)


def run(argv: list[str] | None = None) -> int:
    """Run one command line and return its exit code; every failure is one stderr line."""
    original = sys.stdout
    sys.stdout = _GuardedStdout(original)
    try:
        return _run(argv)
    finally:
        sys.stdout = original


def _run(argv: list[str] | None) -> int:
    import typer

    from ..errors import MibtrackError
    from .app import drop_messages, flush_messages

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args[: args.index("--")] if "--" in args else "--debug" in args
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="mibtrack", standalone_mode=False)
        flush_messages()
        sys.stdout.flush()  # a full or closed stdout shows here: still inside the boundary
        return result if isinstance(result, int) else 0
    except StdoutFailed as exc:
        return _stdout_failed(exc.cause)
    except MibtrackError as exc:
        if exc.exit_code == 1:  # an alert (`check`), not a refusal: its warnings stand
            flush_messages()
        else:
            drop_messages()
        sys.stderr.write(f"mibtrack: {_one_line(exc.line())}\n")
        return exc.exit_code
    except typer.Exit as exc:
        if exc.exit_code == 0:
            flush_messages()
        return exc.exit_code
    except BrokenPipeError:
        _silence_stdout()
        return 0
    except typer.Abort:
        sys.stderr.write("mibtrack: aborted\n")
        return 130
    except Exception as exc:
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            return _internal(exc, debug)
        # click's usage errors (typer may vendor click, so they are recognised by shape)
        ctx = getattr(exc, "ctx", None)
        name = f" {ctx.command_path.split(' ', 1)[1]}" if ctx and " " in ctx.command_path else ""
        hint = f" (see `mibtrack{name} --help`)" if exc.exit_code == 2 else ""
        sys.stderr.write(f"mibtrack: {_one_line(exc.format_message())}{hint}\n")
        return int(exc.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("mibtrack: interrupted\n")
        return 130


def _stdout_failed(cause: OSError) -> int:
    """stdout failed. If this command appended entries, say so (with their ids, so a retry
    can be keyed instead of recording the fact twice) and exit 74; a reader piped into
    `head` exits 0 quietly; any other failure is exit 74 with one line."""
    import errno

    from .app import session

    _silence_stdout()
    recorded = session().recorded
    count = session().recorded_count or len(recorded)
    why = cause.strerror or str(cause)
    if recorded:
        what = (f"entry {recorded[0]} WAS recorded" if count == 1 else
                f"{count} entries WERE recorded (first {recorded[0]}, last "
                f"{recorded[-1]})")
        sys.stderr.write(f"mibtrack: {what}, but stdout failed ({why}) — do not record it "
                         "again without a --key; `mibtrack log` shows it\n")
        return OUTPUT_ERROR
    if cause.errno == errno.EPIPE:
        return 0
    sys.stderr.write(f"mibtrack: cannot write to stdout ({why}) — check where the output "
                     "goes (a full disk, a closed pipe)\n")
    return OUTPUT_ERROR


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so that nothing (our exit flush, the interpreter's) fails on
    it again with a second message or a traceback."""
    import os

    try:
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, 1)
        finally:
            os.close(null)
    except OSError:
        pass


def _internal(exc: BaseException, debug: bool) -> int:
    """Our own bug: one line and exit 70; the traceback only with --debug."""
    if debug:
        import traceback

        traceback.print_exception(exc)
    sys.stderr.write(f"mibtrack: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
                     "(run with --debug for the traceback and report it)\n")
    return INTERNAL_ERROR


def _one_line(text: str) -> str:
    """An error for stderr: one line, and no user-typed character can act on the terminal."""
    from ..render.text import literal

    return " ".join(literal(text).split())


def main(argv: list[str] | None = None) -> NoReturn:
    code = run(argv)
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except (OSError, ValueError):
        _silence_stdout()
    sys.exit(code)
