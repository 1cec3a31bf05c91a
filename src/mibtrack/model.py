"""The domain, once: the programme, its metrics and objectives, and the ledger's entries.

Every record is an immutable pydantic model that refuses unknown fields, so a typo in
objectives.toml or a foreign field in a ledger line is an error, never silently ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import cached_property
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from .errors import MibtrackError
from .values import check_value, parse_value

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
HASH_PATTERN = r"^[0-9a-f]{64}$"
WRITER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$"


def _to_decimal(value: object) -> object:
    """Numbers from TOML or JSON become exact decimals; strings accept `30M`, `1.5k`, `30e6`."""
    try:
        if isinstance(value, bool):
            return value  # let pydantic refuse it
        if isinstance(value, int):
            return check_value(Decimal(value))
        if isinstance(value, float):
            return check_value(Decimal(repr(value)))
        if isinstance(value, Decimal):
            return check_value(value)
        if isinstance(value, str):
            return parse_value(value)
    except MibtrackError as exc:
        raise ValueError(exc.message) from None
    return value


#: An exact decimal within the ledger's bounds (finite, below 10^15, at most 6 places).
Amount = Annotated[Decimal, BeforeValidator(_to_decimal)]
Identifier = Annotated[str, Field(pattern=ID_PATTERN)]


class Record(BaseModel):
    """Immutable and strict: unknown keys are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")


# --------------------------------------------------------------------------- objectives.toml

Cadence = Literal["monthly", "quarterly", "yearly"]

#: How old a metric's newest observation may get before it is flagged stale:
#: its cadence plus half a cadence (SPEC: monthly 31, quarterly 92, yearly 366 days).
CADENCE_DAYS: dict[str, int] = {"monthly": 31, "quarterly": 92, "yearly": 366}


class Program(Record):
    """The programme as a whole: its period, its currency and the at-risk threshold."""

    name: str
    code: str
    start: dt.date
    end: dt.date
    currency: str = "EUR"
    #: r = progress / expected below this is off-track; between it and 1, at-risk.
    at_risk: Amount = Decimal("0.9")
    description: str | None = None
    #: The language of labels and the format of dates and numbers in reports (SPEC R2).
    locale: Literal["en", "fr"] = "en"
    #: The order reports show groups in (a listed group brings its sub-groups along).
    groups: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _period(self) -> Program:
        if self.end <= self.start:
            raise ValueError(f"end {self.end} must be after start {self.start}")
        if not Decimal(0) < self.at_risk <= Decimal(1):
            raise ValueError("at_risk must be a ratio above 0 and at most 1, e.g. 0.9")
        return self


class Metric(Record):
    """Something measured. `latest` is a level (head-count); `sum` a flow (euros allocated)."""

    id: Identifier
    unit: str
    aggregate: Literal["latest", "sum"]
    cadence: Cadence | None = None
    title: str | None = None
    description: str | None = None


class Checkpoint(Record):
    """A dated planned value the plan line passes through."""

    date: dt.date
    value: Amount


class _ObjectiveBase(Record):
    id: Identifier
    title: str
    owner: str | None = None
    tags: tuple[str, ...] = ()
    #: Where the commitment was made (a press article, a board decision).
    source: str | None = None
    #: Reports group objectives by this (default: by kind).
    group: str | None = None
    description: str | None = None


class TargetObjective(_ObjectiveBase):
    """Move a metric from a baseline to a target (or into a range) by a due date."""

    kind: Literal["target"]
    metric: Identifier
    target: Amount | None = None
    target_min: Amount | None = None
    target_max: Amount | None = None
    direction: Literal["increase", "decrease"] = "increase"
    baseline: Amount = Decimal(0)
    #: Defaults to the programme's start (filled in when the project is loaded).
    start: dt.date | None = None
    due: dt.date
    checkpoints: tuple[Checkpoint, ...] = ()

    @model_validator(mode="after")
    def _target_shape(self) -> TargetObjective:
        is_range = self.target_min is not None or self.target_max is not None
        if self.target is not None and is_range:
            raise ValueError("give either target or target_min/target_max, not both")
        if self.target is None and not is_range:
            raise ValueError("a target objective needs target, or target_min and target_max")
        if is_range:
            if self.target_min is None or self.target_max is None:
                raise ValueError("a range needs both target_min and target_max")
            if self.target_min >= self.target_max:
                raise ValueError(f"target_min {self.target_min} must be below target_max "
                                 f"{self.target_max}")
        goal = self.goal
        if self.direction == "increase" and goal <= self.baseline:
            raise ValueError(f"an increase target ({goal}) must be above the baseline "
                             f"({self.baseline}); use direction = \"decrease\" otherwise")
        if self.direction == "decrease" and goal >= self.baseline:
            raise ValueError(f"a decrease target ({goal}) must be below the baseline "
                             f"({self.baseline})")
        dates = [c.date for c in self.checkpoints]
        if dates != sorted(set(dates)):
            raise ValueError("checkpoint dates must be distinct and in order")
        if self.start is not None:
            if self.start >= self.due:
                raise ValueError(f"start {self.start} must be before due {self.due}")
            for c in self.checkpoints:
                if not self.start < c.date < self.due:
                    raise ValueError(f"checkpoint {c.date} is outside start..due "
                                     f"({self.start}..{self.due})")
        return self

    @property
    def is_range(self) -> bool:
        return self.target is None

    @property
    def goal(self) -> Decimal:
        """T: the value that meets the objective (for a range, the near end of the range)."""
        if self.target is not None:
            return self.target
        assert self.target_min is not None and self.target_max is not None
        return self.target_min if self.direction == "increase" else self.target_max


class MilestoneObjective(_ObjectiveBase):
    """Something that is done or not, by a due date."""

    kind: Literal["milestone"]
    due: dt.date


class CompositeObjective(_ObjectiveBase):
    """Met when all its children are: "project built AND first revenue"."""

    kind: Literal["composite"]
    children: tuple[Identifier, ...] = Field(min_length=1)
    weights: tuple[Amount, ...] | None = None
    due: dt.date | None = None

    @model_validator(mode="after")
    def _weights(self) -> CompositeObjective:
        if len(set(self.children)) != len(self.children):
            raise ValueError("children must be distinct")
        if self.weights is not None:
            if len(self.weights) != len(self.children):
                raise ValueError(f"{len(self.weights)} weights for {len(self.children)} children")
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise ValueError("weights must be zero or more and not all zero")
        return self

    @property
    def child_weights(self) -> tuple[Decimal, ...]:
        return self.weights if self.weights is not None else (Decimal(1),) * len(self.children)


Objective = Annotated[
    TargetObjective | MilestoneObjective | CompositeObjective, Field(discriminator="kind")
]


class Project(Record):
    """A whole objectives.toml, checked as one: every reference resolves, no cycles."""

    program: Program
    metrics: dict[str, Metric] = {}
    objectives: tuple[Objective, ...] = ()

    def objective(self, objective_id: str) -> Objective | None:
        return self._by_id.get(objective_id)

    @cached_property
    def _by_id(self) -> dict[str, Objective]:
        return {o.id: o for o in self.objectives}

    def start_of(self, objective: TargetObjective) -> dt.date:
        return objective.start or self.program.start


# --------------------------------------------------------------------------- ledger entries

#: The `v` of every line this version writes (docs/ledger-format.md).
LEDGER_FORMAT_VERSION = 1
MilestoneStatus = Literal["done", "at-risk", "slipped", "reopened"]


_STORED_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
_STORED_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _stored_moment(value: object) -> object:
    """A ledger moment is UTC text `YYYY-MM-DDTHH:MM:SS.ffffffZ` (or an aware datetime):
    never a bare number or a naive timestamp, which could not be ordered with the others."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("a moment needs its UTC offset")
        return value
    if isinstance(value, str) and _STORED_MOMENT.match(value):
        return value
    raise ValueError("must be UTC text like 2026-01-31T09:30:00.000000Z")


def _stored_day(value: object) -> object:
    """A ledger day is `YYYY-MM-DD` text (or a date): never a number or a timestamp."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str) and _STORED_DAY.match(value):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


def _whole_number(value: object) -> object:
    if type(value) is not int:
        raise ValueError("must be a whole number")
    return value


Moment = Annotated[dt.datetime, BeforeValidator(_stored_moment)]
Day = Annotated[dt.date, BeforeValidator(_stored_day)]
WholeNumber = Annotated[int, BeforeValidator(_whole_number)]


class _EntryBase(Record):
    """What every ledger line holds (see docs/ledger-format.md)."""

    v: Annotated[Literal[1], BeforeValidator(_whole_number)] = 1
    #: Position in its feed, 1, 2, 3…: a gap or a repeat is a dropped line or a fork.
    seq: WholeNumber = Field(ge=1)
    writer: str = Field(pattern=WRITER_PATTERN)
    #: When it was written down (UTC): what `--known-at` filters on.
    recorded_at: Moment
    #: The calendar day the fact holds: what `--as-of` filters on.
    as_of: Day
    source: str | None = None
    note: str | None = None
    #: Idempotency key: the same key and content again is a no-op.
    key: str | None = Field(default=None, min_length=1, max_length=200)
    #: SHA-256 of the previous line's bytes in this feed (64 zeros for the first line).
    prev: str = Field(pattern=HASH_PATTERN)
    #: SHA-256 of this line's bytes as written before the id.
    id: str = Field(pattern=HASH_PATTERN)


class Observation(_EntryBase):
    """A metric's value on a day."""

    type: Literal["observation"]
    metric: Identifier
    value: Amount


class MilestoneEvent(_EntryBase):
    """A milestone's state changed: done, at-risk, slipped (to an expected date), reopened."""

    type: Literal["milestone"]
    objective: Identifier
    status: MilestoneStatus
    expected: Day | None = None

    @model_validator(mode="after")
    def _expected(self) -> MilestoneEvent:
        if self.status == "slipped" and self.expected is None:
            raise ValueError("a slipped milestone needs its expected date")
        if self.status != "slipped" and self.expected is not None:
            raise ValueError("only a slipped milestone has an expected date")
        return self


class Correction(_EntryBase):
    """Supersedes an earlier entry's value and/or date; the original stays as written."""

    type: Literal["correction"]
    target_entry: str = Field(pattern=HASH_PATTERN)
    value: Amount | None = None
    date: Day | None = None
    reason: str = Field(min_length=1)

    @model_validator(mode="after")
    def _something(self) -> Correction:
        if self.value is None and self.date is None:
            raise ValueError("a correction needs a new value or a new date")
        return self


class Void(_EntryBase):
    """Retracts an earlier entry; the original stays as written."""

    type: Literal["void"]
    target_entry: str = Field(pattern=HASH_PATTERN)
    reason: str = Field(min_length=1)


class Note(_EntryBase):
    """Free text on an objective, held in `note`."""

    type: Literal["note"]
    objective: Identifier
    note: str = Field(min_length=1)


Entry = Annotated[
    Observation | MilestoneEvent | Correction | Void | Note, Field(discriminator="type")
]

#: The fields that make up an entry's content for idempotency: two records with the same
#: key are the same record when these agree (who wrote it and when do not count).
CONTENT_FIELDS = ("type", "as_of", "metric", "value", "objective", "status", "expected",
                  "target_entry", "date", "reason", "source", "note")
