"""One error family; the CLI maps each class to its documented exit code.

Every error carries a message (what is wrong, naming the file and line where it can)
and an optional hint (how to fix it); the CLI prints them as one line on stderr.
Errors are data: where the message names a file, a line, a key or entries, the error also
carries them as fields, and code that needs them reads the fields, never the message.
"""

from __future__ import annotations


class MibtrackError(Exception):
    """Base of every error the user can cause. Exit code 70 is kept for our own bugs."""

    exit_code = 70

    def __init__(self, message: str, hint: str | None = None, *, kind: str | None = None,
                 file: str | None = None, line: int | None = None, key: str | None = None,
                 ids: tuple[str, ...] = (), detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        #: What went wrong, as a word code can test ("key-conflict", "invalid-entry", …).
        self.kind = kind
        #: The file and line the message names, when it names one.
        self.file = file
        self.line_number = line
        #: The idempotency key in question, if any.
        self.key = key
        #: Entry ids the message names.
        self.ids = ids
        #: The problem itself, without the place (`file:line: `) the message starts with.
        self.detail = detail if detail is not None else message

    def line(self) -> str:
        """The one stderr line: message, then the hint after an em dash."""
        return f"{self.message} — {self.hint}" if self.hint else self.message


class UsageError(MibtrackError):
    """Bad command-line input: an unknown metric, entry or objective, a bad value or date,
    an unreadable file named on the command line, a key recorded with other content."""

    exit_code = 2


class ProjectError(MibtrackError):
    """objectives.toml is missing, unreadable or invalid, or a ledger entry is invalid."""

    exit_code = 3


class IntegrityError(MibtrackError):
    """A broken hash chain or a torn tail: the ledger needs `verify`/`repair` attention."""

    exit_code = 4


class CheckFailed(MibtrackError):
    """`check` found an objective at or past the --fail-on severity (not a fault: an alert)."""

    exit_code = 1
