"""One error family; the CLI maps each class to its documented exit code.

Every error carries a message (what is wrong, naming the file and line where it can)
and an optional hint (how to fix it); the CLI prints them as one line on stderr.
"""

from __future__ import annotations


class MibtrackError(Exception):
    """Base of every error the user can cause. Exit code 70 is kept for our own bugs."""

    exit_code = 70

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

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
