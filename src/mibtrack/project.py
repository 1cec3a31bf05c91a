"""Finding a project like git finds its repository, and loading it once per command."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ProjectError, UsageError
from .ledger import Ledger, LedgerContent
from .model import Project
from .objectives import OBJECTIVES_FILE, decode_text, parse_project, read_bytes

if TYPE_CHECKING:
    import datetime as dt

    from .plans import PlanChoice
    from .snapshot import Daily

LEDGER_DIR = "ledger"


def find_root(explicit: str | None = None, cwd: Path | None = None) -> Path:
    """`--dir`, else $MIBTRACK_DIR, else the nearest folder at or above cwd with objectives.toml."""
    for given, origin in ((explicit, "--dir"), (os.environ.get("MIBTRACK_DIR"), "MIBTRACK_DIR")):
        if given:
            root = Path(given).expanduser()
            if not root.is_dir():
                raise UsageError(f"{origin} {given!r} is not a folder", "give a project folder")
            return root
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / OBJECTIVES_FILE).is_file():
            return folder
    raise ProjectError(f"no {OBJECTIVES_FILE} in {here} or any folder above it",
                       "run `mibtrack init`, or pass --dir / set MIBTRACK_DIR")


class Workspace:
    """One project folder: its objectives.toml and its ledger, each read at most once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._plans: dict[dt.datetime | None, PlanChoice] = {}

    @property
    def objectives_path(self) -> Path:
        return self.root / OBJECTIVES_FILE

    @cached_property
    def objectives_bytes(self) -> bytes:
        """objectives.toml's exact bytes, read once (the project is parsed from them)."""
        return read_bytes(self.objectives_path)

    @cached_property
    def project(self) -> Project:
        return parse_project(decode_text(self.objectives_bytes, self.objectives_path),
                             self.objectives_path)

    def plan(self, known_at: dt.datetime | None = None,
             entries: list[object] | None = None) -> PlanChoice:
        """The objectives a reading command uses as known at `known_at` (plans.py).
        `entries`: the ledger's plan entries when already read (the daily fold keeps them),
        else they are found by a byte search of the feeds."""
        if known_at not in self._plans:
            from .ledger.plans import plan_entries
            from .plans import choose

            found = plan_entries(self.ledger.feed_paths()) if entries is None else entries
            self._plans[known_at] = choose(self.root, self.project, self.objectives_bytes,
                                           found, known_at)  # type: ignore[arg-type]
        return self._plans[known_at]

    def has_plan_versions(self) -> bool:
        """Has any plan version been recorded? (What the plan versions read say; else the
        cheap sign: ledger/plans/ holds a copy.)"""
        from .ledger.plans import has_copies

        if self._plans:
            return any(bool(choice.book.versions) for choice in self._plans.values())
        return has_copies(self.root / LEDGER_DIR)

    @cached_property
    def ledger(self) -> Ledger:
        from .chainmark import ChainMarks

        ledger = Ledger(self.root / LEDGER_DIR, on_appended=self._appended,
                        marks=ChainMarks(self.root))
        ledger.signatures = lambda: self.project.program.signatures
        from .sigmark import SignatureMarks

        ledger.signature_marks = SignatureMarks(self.root)
        return ledger

    def _appended(self, feed: Path, before: os.stat_result, after: os.stat_result) -> None:
        """A receipt for the incremental cache: this feed grew only by our own append."""
        from .snapshot import write_receipt

        write_receipt(self.root, feed, before, after)

    @cached_property
    def content(self) -> LedgerContent:
        return self.ledger.read()

    def daily(self, known_at: dt.datetime | None = None, project: Project | None = None
              ) -> Daily:
        """What reports need from the ledger, folded by day (see snapshot.py); as known
        now, for objectives.toml as it is, it comes from the incremental cache in the
        user's cache folder. `project`: another plan version's objectives (default the
        file's)."""
        from .ledger.feed import pending_path
        from .snapshot import DailyCache, read_daily, read_daily_strict

        project = project or self.project
        if any(pending_path(p).exists() for p in self.ledger.feed_paths()):
            return read_daily_strict(project, self.ledger, known_at)
        if known_at is None and project is self.project:
            return DailyCache(self.root, self.objectives_path, self.ledger).read(project)
        return read_daily(project, self.ledger, known_at)
