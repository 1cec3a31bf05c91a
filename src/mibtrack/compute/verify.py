"""`verify`'s findings as one typed value: each feed's chain, the keys recorded more than
once, and (with `--history`) each feed's git history. Plain records: `mibtrack.verification`
builds them from what the ledger found; renderers print them (`render.verify`)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Finding(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class FeedFinding(_Finding):
    """One feed's hash chain: fine, or its first broken line."""

    feed: str
    entries: int
    ok: bool
    line: int | None
    problem: str | None


class KeyedEntry(_Finding):
    """One entry holding a key recorded more than once."""

    feed: str
    line: int
    id: str


class KeyFinding(_Finding):
    """A key recorded more than once (SPEC R2: a key names one fact). duplicate: copies of
    one fact, every copy; conflict: the first copy of each version; earliest first."""

    key: str
    kind: Literal["duplicate", "conflict"]
    entries: tuple[KeyedEntry, ...]
    text: str = Field(default="", exclude=True)  # in words, for people (not in the JSON)


class HistoryFinding(_Finding):
    """One feed's git history: append-only, or the first commit that rewrote it."""

    feed: str
    commits: int
    ok: bool
    commit: str | None
    previous: str | None
    problem: str | None


class VerifyResult(_Finding):
    """`mibtrack verify`: ok when no chain is broken, no history rewritten and no key
    conflicts (duplicates are notices)."""

    schema_version: Literal[1] = 1
    ok: bool
    feeds: tuple[FeedFinding, ...]
    keys: tuple[KeyFinding, ...]
    history: tuple[HistoryFinding, ...] | None = None  # only with --history

    @property
    def conflicts(self) -> tuple[KeyFinding, ...]:
        return tuple(k for k in self.keys if k.kind == "conflict")
