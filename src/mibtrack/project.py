"""Finding a project like git finds its repository, and loading it once per command."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ProjectError, UsageError
from .ledger import Ledger, LedgerContent
from .model import Project
from .objectives import OBJECTIVES_FILE, load_project

if TYPE_CHECKING:
    import datetime as dt

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

    @property
    def objectives_path(self) -> Path:
        return self.root / OBJECTIVES_FILE

    @cached_property
    def project(self) -> Project:
        return load_project(self.objectives_path)

    @cached_property
    def ledger(self) -> Ledger:
        from .chainmark import ChainMarks

        return Ledger(self.root / LEDGER_DIR, on_appended=self._appended,
                      marks=ChainMarks(self.root))

    def _appended(self, feed: Path, before: os.stat_result, after: os.stat_result) -> None:
        """A receipt for the incremental cache: this feed grew only by our own append."""
        from .snapshot import write_receipt

        write_receipt(self.root, feed, before, after)

    @cached_property
    def content(self) -> LedgerContent:
        return self.ledger.read()

    def daily(self, known_at: dt.datetime | None = None) -> Daily:
        """What reports need from the ledger, folded by day (see snapshot.py); as known
        now it comes from the incremental cache in the user's cache folder."""
        from .ledger.feed import pending_path
        from .snapshot import DailyCache, read_daily, read_daily_strict

        if any(pending_path(p).exists() for p in self.ledger.feed_paths()):
            return read_daily_strict(self.project, self.ledger, known_at)
        if known_at is None:
            return DailyCache(self.root, self.objectives_path, self.ledger).read(self.project)
        return read_daily(self.project, self.ledger, known_at)
