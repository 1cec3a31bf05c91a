"""Plan versions: which version of objectives.toml a command uses, and recording a new one.

- The version in force at a moment T is the newest `plan` entry recorded at or before T
  (by `recorded_at`; `decided` never chooses). Without `--known-at`, reports use
  objectives.toml as it is: the newest recorded version when nothing changed since, else
  the file, with a warning (`unrecorded`).
- As known at a moment before the first plan entry (a project that recorded its first
  version late), the first recorded version is the best knowledge there is: it is used.
- A project without any plan entry (made before revision 2) uses the file; commands add a
  notice saying how to record the first version.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .compute.plans import Original, VersionInfo, compare, revisions
from .compute.plans import PlanChange as PlanChange
from .compute.report import Provenance
from .errors import UsageError
from .ledger import Appended, Ledger
from .ledger.plans import plan_entries, read_copy
from .model import PlanEntry, Project
from .objectives import OBJECTIVES_FILE, parse_project

NO_PLAN_NOTICE = ("no plan version is recorded yet: run `mibtrack replan --reason \"first "
                  "recorded version\"` to record objectives.toml as the plan")


def first_version_hint() -> str:
    return NO_PLAN_NOTICE


def _as_utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


@dataclass(frozen=True)
class PlanVersion:
    """One recorded version: its number (1 = first recorded) and its `plan` entry."""

    number: int
    entry: PlanEntry

    @property
    def sha256(self) -> str:
        return self.entry.sha256

    def info(self) -> VersionInfo:
        e = self.entry
        return VersionInfo(number=self.number, sha256=e.sha256, entry_id=e.id, writer=e.writer,
                           recorded_at=e.recorded_at, decided=e.decided, reason=e.reason)


@dataclass
class PlanBook:
    """A project's recorded plan versions, oldest recorded first, their copies read lazily."""

    ledger_root: Path
    entries: list[PlanEntry]
    _projects: dict[str, Project] = field(default_factory=dict)

    @cached_property
    def versions(self) -> tuple[PlanVersion, ...]:
        ordered = sorted(self.entries, key=lambda e: (_as_utc(e.recorded_at), e.writer, e.seq))
        return tuple(PlanVersion(n, e) for n, e in enumerate(ordered, start=1))

    @classmethod
    def read(cls, ledger_root: Path, feed_paths: list[Path]) -> PlanBook:
        """The versions of a ledger, found by a byte search of its feeds."""
        return cls(ledger_root, plan_entries(feed_paths))

    def newest(self) -> PlanVersion | None:
        return self.versions[-1] if self.versions else None

    def in_force(self, known_at: dt.datetime | None) -> PlanVersion | None:
        """The newest version recorded at or before `known_at` (the newest when None; the
        first when all were recorded later); None when there is none."""
        if not self.versions:
            return None
        if known_at is None:
            return self.versions[-1]
        cutoff = _as_utc(known_at)
        chosen = [v for v in self.versions if _as_utc(v.entry.recorded_at) <= cutoff]
        return chosen[-1] if chosen else self.versions[0]

    def find(self, spec: str, what: str = "--baseline") -> PlanVersion:
        """`first`, a version number as `plans` shows it, or a unique SHA-256 prefix."""
        if not self.versions:
            raise UsageError(f"{what} {spec}: no plan version is recorded", NO_PLAN_NOTICE)
        text = spec.strip().lower()
        if text == "first":
            return self.versions[0]
        if text == "newest":
            return self.versions[-1]
        if text.isdigit() and len(text) <= 3:
            number = int(text)
            if 1 <= number <= len(self.versions):
                return self.versions[number - 1]
            raise UsageError(f"{what} {spec}: there are {len(self.versions)} plan versions",
                             "see `mibtrack plans`")
        if len(text) >= 4 and all(c in "0123456789abcdef" for c in text):
            found = {v.sha256: v for v in self.versions if v.sha256.startswith(text)}
            if len(found) == 1:
                matches = [v for v in self.versions if v.sha256.startswith(text)]
                return matches[-1]
            if len(found) > 1:
                raise UsageError(f"{what} {spec} names {len(found)} plan versions",
                                 "give more digits")
        raise UsageError(f"{what} {spec!r} is not a plan version",
                         "give first, a number or a SHA-256 prefix shown by `mibtrack plans`")

    def project(self, version: PlanVersion) -> Project:
        """The version's objectives.toml, from its byte-exact copy, parsed."""
        if version.sha256 not in self._projects:
            data = read_copy(self.ledger_root, version.sha256, version.entry.id)
            name = f"ledger/plans/{version.sha256}.toml"
            self._projects[version.sha256] = parse_project(data.decode("utf-8-sig"), name)
        return self._projects[version.sha256]

    def remember(self, digest: str, project: Project) -> None:
        """The file's parsed project, when its bytes are a recorded version's."""
        self._projects.setdefault(digest, project)

    def changes(self, version: PlanVersion) -> tuple[PlanChange, ...]:
        """What this version changed from the one recorded before it (nothing for the first)."""
        if version.number == 1:
            return ()
        return compare(self.project(self.versions[version.number - 2]), self.project(version))


@dataclass(frozen=True)
class PlanChoice:
    """The objectives a reading command uses, and where they come from."""

    project: Project
    #: SHA-256 of the objectives.toml bytes used (a recorded version's, or the file's).
    plan_version: str
    #: The recorded version used; None when the file is used and is not a recorded version
    #: (no plan entry at all, or changes not recorded yet).
    version: PlanVersion | None
    book: PlanBook
    #: objectives.toml differs from the newest recorded version.
    unrecorded: bool

    @property
    def recorded(self) -> bool:
        return bool(self.book.versions)

    def warning(self) -> str | None:
        """The one stderr line about unrecorded changes, or None."""
        if not self.unrecorded:
            return None
        newest = self.book.newest()
        assert newest is not None
        return (f"{OBJECTIVES_FILE} differs from the newest recorded plan version "
                f"({newest.number}, {newest.sha256[:12]}): reports as known now use the file; "
                "run `mibtrack replan --reason R` to record the change")

    def originals(self, baseline: PlanVersion | None = None) -> dict[str, Original]:
        """Each objective's original target and revision against `baseline` (default: the
        first recorded version); empty when the plan used is not a recorded version."""
        versions = self.book.versions
        if not versions:
            return {}
        baseline = baseline or versions[0]
        pairs = [(v.info(), self.book.project(v)) for v in versions]
        if self.version is not None:
            index = self.version.number - 1
        else:  # the file, not recorded: compare it as if it were the next version
            pairs.append((VersionInfo(number=None, sha256=self.plan_version,
                                      entry_id="", writer="", recorded_at=None, decided=None,
                                      reason="not recorded yet (run `mibtrack replan`)"),
                          self.project))
            index = len(pairs) - 1
        return revisions(pairs, index, baseline.number - 1)


def choose(root: Path, file_project: Project, file_bytes: bytes, entries: list[PlanEntry],
           known_at: dt.datetime | None) -> PlanChoice:
    """The plan a reading command uses as known at `known_at` (see the module docstring);
    `entries`: every `plan` entry of the ledger."""
    ledger_root = root / "ledger"
    file_sha = hashlib.sha256(file_bytes).hexdigest()
    book = PlanBook(ledger_root, [e for e in entries if isinstance(e, PlanEntry)])
    newest = book.newest()
    if newest is None:
        return PlanChoice(file_project, file_sha, None, book, False)
    book.remember(file_sha, file_project)
    unrecorded = newest.sha256 != file_sha
    if known_at is None:
        return PlanChoice(file_project, file_sha, None if unrecorded else newest, book,
                          unrecorded)
    version = book.in_force(known_at)
    assert version is not None
    return PlanChoice(book.project(version), version.sha256, version, book, unrecorded)


def record_version(root: Path, ledger: Ledger, file_bytes: bytes, writer: str, reason: str,
                   decided: dt.date, today: dt.date) -> tuple[PlanVersion | None, Appended | None]:
    """Record objectives.toml (`file_bytes`, already checked to be a valid project) as a new
    plan version: its copy in ledger/plans/, then its `plan` entry. When the file is the
    newest recorded version already, nothing is written: (that version, None)."""
    from .ledger import draft
    from .ledger.plans import store_copy

    digest = hashlib.sha256(file_bytes).hexdigest()
    book = PlanBook.read(root / "ledger", ledger.feed_paths())
    newest = book.newest()
    if newest is not None and newest.sha256 == digest:
        return newest, None
    from .ledger.plans import copy_path

    fresh = not copy_path(root / "ledger", digest).exists()
    store_copy(root / "ledger", file_bytes)
    try:
        [appended] = ledger.append(writer, [draft("plan", as_of=today, sha256=digest,
                                                  decided=decided, reason=reason)])
    except BaseException:
        if fresh:  # a refused command writes nothing
            copy_path(root / "ledger", digest).unlink(missing_ok=True)
        raise
    return None, appended


def read_provenance(feed_paths: list[Path], choice: PlanChoice, known_at: dt.datetime | None,
                    now: dt.datetime) -> Provenance:
    """The stamp of a document computed from the ledger just read.

    `generated_at` is the moment the ledger was read: `now` (taken once it was read), or the
    newest entry's `recorded_at` if a clock put it later, so that `--known-at <generated_at>`
    sees exactly what was read. As known at an earlier moment T, the document is the one
    generated at T: `generated_at` is T, so running it again gives the same bytes."""
    from .ledger.plans import ledger_head

    head, newest = ledger_head(feed_paths, known_at)
    generated = _as_utc(now)
    if known_at is not None:
        generated = min(generated, _as_utc(known_at))
    elif newest is not None:
        latest = dt.datetime.strptime(newest, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
        generated = max(generated, latest)
    return Provenance(generated_at=generated, plan_version=choice.plan_version, ledger_head=head)


