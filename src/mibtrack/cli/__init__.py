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


def run(argv: list[str] | None = None) -> int:
    """Run one command line and return its exit code; every failure is one stderr line."""
    import typer

    from ..errors import MibtrackError
    from .app import drop_messages, flush_messages

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args[: args.index("--")] if "--" in args else "--debug" in args
    command = typer.main.get_command(app)
    try:
        result = command.main(args=args, prog_name="mibtrack", standalone_mode=False)
        flush_messages()
        return result if isinstance(result, int) else 0
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
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("mibtrack: interrupted\n")
        return 130


def _internal(exc: BaseException, debug: bool) -> int:
    """Our own bug: one line and exit 70; the traceback only with --debug."""
    if debug:
        import traceback

        traceback.print_exception(exc)
    sys.stderr.write(f"mibtrack: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
                     "(run with --debug for the traceback and report it)\n")
    return INTERNAL_ERROR


def _one_line(text: str) -> str:
    return " ".join(text.split())


def main(argv: list[str] | None = None) -> NoReturn:
    code = run(argv)
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        pass
    sys.exit(code)
