"""The domain, once: the programme, its metrics and objectives, and the ledger's entries.

Every record is an immutable pydantic model that refuses unknown fields, so a typo in
objectives.toml or a foreign field in a ledger line is an error, never silently ignored.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Annotated, ClassVar, Literal

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
    #: "required": `verify` rejects unsigned entries and signatures by keys not in
    #: ledger/writers (see docs/security.md).
    signatures: Literal["optional", "required"] = "optional"

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
    #: Plausible bounds: a value outside them is refused as a typing mistake (R2).
    min_value: Amount | None = None
    max_value: Amount | None = None
    #: Ids this metric was recorded under before: their entries count for it (R2).
    renamed_from: tuple[Identifier, ...] = ()

    @model_validator(mode="after")
    def _bounds(self) -> Metric:
        if self.min_value is not None and self.max_value is not None \
                and self.min_value > self.max_value:
            raise ValueError(f"min_value {self.min_value} must not be above max_value "
                             f"{self.max_value}")
        return self

    def out_of_bounds(self, value: Decimal) -> str | None:
        """Why `value` cannot be a reading of this metric (outside min_value/max_value), or
        None when it can: the one check `record`, `import` and `correct` make."""
        if self.min_value is not None and value < self.min_value:
            return f"below the min_value {self.min_value} of metric '{self.id}'"
        if self.max_value is not None and value > self.max_value:
            return f"above the max_value {self.max_value} of metric '{self.id}'"
        return None


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
    #: Ids this objective was recorded under before: their entries count for it (R2).
    renamed_from: tuple[Identifier, ...] = ()


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
    #: R2: `linear` (the plan runs straight between its vertices) or `step` (b before the
    #: first checkpoint, each checkpoint's value from its date on, T from due on).
    plan: Literal["linear", "step"] = "linear"

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


class LimitObjective(_ObjectiveBase):
    """R2: a floor (`min`), a ceiling (`max`) or an envelope (both) that must hold all
    along, from start to due ("keep at least 40 %", "stay within €25–40M")."""

    kind: Literal["limit"]
    metric: Identifier
    min: Amount | None = None
    max: Amount | None = None
    #: Default to the programme's start and end (filled in when the project is loaded).
    start: dt.date | None = None
    due: dt.date | None = None

    @model_validator(mode="after")
    def _bounds(self) -> LimitObjective:
        if self.min is None and self.max is None:
            raise ValueError("a limit needs min, max or both")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError(f"min {self.min} must be below max {self.max}")
        if self.start is not None and self.due is not None and self.start >= self.due:
            raise ValueError(f"start {self.start} must be before due {self.due}")
        return self


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
    TargetObjective | LimitObjective | MilestoneObjective | CompositeObjective,
    Field(discriminator="kind"),
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

    def start_of(self, objective: TargetObjective | LimitObjective) -> dt.date:
        return objective.start or self.program.start

    def typed_units(self, metric_id: str) -> tuple[str, ...]:
        """What a typist may write after a value of this metric: its unit and the
        programme's currency (`150 MW`, `1 250 000 SEK`)."""
        metric = self.metrics.get(metric_id)
        return (metric.unit, self.program.currency) if metric else (self.program.currency,)

    def due_of(self, objective: Objective) -> dt.date:
        """The due date: as declared; a limit's defaults to the programme's end, a
        composite's to the latest of its children's (SPEC R2)."""
        if isinstance(objective, LimitObjective):
            return objective.due or self.program.end
        if isinstance(objective, CompositeObjective):
            if objective.due is not None:
                return objective.due
            return max(self.due_of(self._by_id[child]) for child in objective.children)
        return objective.due

    @cached_property
    def renames(self) -> Renames:
        """Old ids → the declared ids that claim them with `renamed_from`."""
        return Renames(
            metrics={old: m.id for m in self.metrics.values() for old in m.renamed_from},
            objectives={old: o.id for o in self.objectives for old in o.renamed_from})


class Renames(Record):
    """`renamed_from` of a project: an entry under an old id counts for the new one."""

    metrics: dict[str, str] = {}
    objectives: dict[str, str] = {}

    def metric(self, metric_id: str) -> str:
        return self.metrics.get(metric_id, metric_id)

    def objective(self, objective_id: str) -> str:
        return self.objectives.get(objective_id, objective_id)


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


#: An entry's `evidence` field: documents `<sha256>:<size>:<name>`, one per line.
EVIDENCE_PATTERN = (r"^[0-9a-f]{64}:(?:0|[1-9]\d{0,14}):[^\n/\\\x00-\x1f\x7f]{1,255}"
                     r"(?:\n[0-9a-f]{64}:(?:0|[1-9]\d{0,14}):[^\n/\\\x00-\x1f\x7f]{1,255})*$")
#: Where documents are kept, at the project's root (ledger/evidence.py stores them).
EVIDENCE_DIR = "evidence"


@dataclass(frozen=True, slots=True)
class Document:
    """An evidence document as an entry names it (ledger/evidence.py stores them)."""

    name: str
    size: int
    sha256: str

    @property
    def relpath(self) -> str:
        """Where it is kept, relative to the project's root."""
        return f"{EVIDENCE_DIR}/{self.sha256}/{self.name}"

    def item(self) -> str:
        return f"{self.sha256}:{self.size}:{self.name}"


def parse_evidence(text: str | None) -> tuple[Document, ...]:
    """The documents an entry's `evidence` field names (one `<sha256>:<size>:<name>` a line,
    valid by EVIDENCE_PATTERN), in order."""
    if not text:
        return ()
    found = []
    for item in text.split("\n"):
        digest, size, name = item.split(":", 2)
        found.append(Document(name, int(size), digest))
    return tuple(found)


def field_of(documents: list[Document]) -> str | None:
    """The `evidence` field naming `documents` (None for none)."""
    return "\n".join(d.item() for d in documents) or None


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
    #: The documents behind the fact, one per line, `<sha256>:<size>:<name>`, kept at
    #: evidence/<sha256>/<name> (see ledger/evidence.py).
    evidence: str | None = Field(default=None, pattern=EVIDENCE_PATTERN, max_length=100_000)
    #: Idempotency key: the same key and content again is a no-op.
    key: str | None = Field(default=None, min_length=1, max_length=200)
    #: Set by `mibtrack recover` on an entry re-recorded from a forked feed: the id of the
    #: original (kept in ledger/quarantine/).
    recovered_from: str | None = Field(default=None, pattern=HASH_PATTERN)
    #: SHA-256 of the previous line's bytes in this feed (64 zeros for the first line).
    prev: str = Field(pattern=HASH_PATTERN)
    #: The writer's signature (SSHSIG, namespace `mibtrack`, base64) over the line's bytes
    #: before it; absent on an unsigned entry (see docs/ledger-format.md).
    sig: str | None = Field(default=None, pattern=r"^[A-Za-z0-9+/]+={0,2}$", max_length=2000)
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


def slip_problem(as_of: dt.date, expected: dt.date | None) -> str | None:
    """Why a `slipped` event's expected date cannot be right (before the event's own date:
    a typing mistake), or None. The one check `milestone` and `import` make (SPEC R2)."""
    if expected is not None and expected < as_of:
        return f"expected date {expected} is before the event's date {as_of}"
    return None


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


class WritersChange(_EntryBase):
    """A change to the authorised writers (`ledger/writers`): a key added for a principal,
    or revoked from a moment on. Made by `mibtrack writers add|revoke`, signed."""

    type: Literal["writers"]
    action: Literal["add", "revoke"]
    #: The writer id(s) the key may sign for, as in git's allowed_signers (`alice@pmo`).
    principal: str = Field(pattern=r"^[A-Za-z0-9*?][A-Za-z0-9._@+*?,-]{0,255}$")
    #: `ssh-ed25519 <base64>`.
    public_key: str = Field(pattern=r"^ssh-ed25519 [A-Za-z0-9+/]+={0,2}$", max_length=200)
    valid_after: Moment | None = None
    valid_before: Moment | None = None
    #: Each feed's newest entry when the change was made, `<writer>:<seq>:<id>` one per
    #: line: the unsigned entries up to there are vouched for by this signed entry, so a
    #: ledger that adopts signatures keeps its history valid once they are required.
    sealed: str | None = Field(default=None, max_length=10_000_000, pattern=(
        r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}:[1-9]\d{0,17}:[0-9a-f]{64}"
        r"(?:\n[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}:[1-9]\d{0,17}:[0-9a-f]{64})*$"))


class PlanEntry(_EntryBase):
    """A version of objectives.toml recorded as the plan in force from now on; its exact
    bytes are kept as `ledger/plans/<sha256>.toml`. `as_of` is the day it was recorded;
    `decided` the day the steering committee decided it (reported, never used to choose)."""

    type: Literal["plan"]
    #: SHA-256 (hex) of objectives.toml's exact bytes.
    sha256: str = Field(pattern=HASH_PATTERN)
    decided: Day
    reason: str = Field(min_length=1)


Entry = Annotated[
    Observation | MilestoneEvent | Correction | Void | Note | WritersChange | PlanEntry,
    Field(discriminator="type"),
]

#: The fields that make up a fact's content for keys (SPEC R2: type, subject, value or
#: status, as_of): two entries with the same key are one fact when these agree — whoever
#: wrote them, whenever, and whatever source or remark they carry. A note's text is its
#: content; corrections and voids compare what they change.
CONTENT_FIELDS = ("type", "as_of", "metric", "value", "objective", "status", "expected",
                  "target_entry", "date", "sha256", "decided", "reason")
_CONTENT_NAMES = (*CONTENT_FIELDS, "note")
_TYPE_AT = CONTENT_FIELDS.index("type")
#: An observation's content after its type, as_of, metric and value (the first four content
#: names): it has none of the others, and its note is a remark.
_OBSERVATION_REST = (None,) * (len(_CONTENT_NAMES) - 4)
#: Entry types whose keyed copies count once (the facts the fold counts).
FACT_TYPES = frozenset({"observation", "milestone", "note"})


@dataclass(frozen=True, slots=True)
class KeyedObservation:
    """A keyed observation as the rules of keys read it (`ledger_state.resolve`: its key,
    its content by `fact_content`, its place and its ledger order), from a line the strict
    reader accepted with every rule (`ledger.lines.to_keyed`): the values of the Observation
    the model reads from that line, in a fifth of the memory. Two offices importing the
    same export record hundreds of thousands of keys twice, and each such entry is held."""

    id: str
    key: str
    writer: str
    seq: int
    recorded_at: dt.datetime
    as_of: dt.date
    metric: str
    value: Decimal
    type: ClassVar[str] = "observation"


def fact_content(fields: object) -> tuple[object, ...]:
    """What makes two keyed entries the same fact, from an Entry or a dict of its stored
    fields (decimals and dates compared as their canonical text)."""
    if fields.__class__ is KeyedObservation:  # merged clones hold hundreds of thousands
        return observation_content(fields.as_of.isoformat(), fields.metric,
                                   format(fields.value, "f"))
    # an Entry's fields are its __dict__ (a missing one read through getattr costs pydantic's
    # slow attribute lookup, ~3 µs, thirteen times an entry)
    attrs = fields if isinstance(fields, dict) else getattr(fields, "__dict__", None)
    raw = ([attrs.get(name) for name in _CONTENT_NAMES] if attrs is not None
           else [getattr(fields, name, None) for name in _CONTENT_NAMES])
    if raw[_TYPE_AT] != "note":
        raw[-1] = None  # the text of anything but a note is a remark, not its content
    return tuple([value if value is None or value.__class__ is str else _as_text(value)
                  for value in raw])


def observation_content(as_of: str, metric: str, value: str) -> tuple[object, ...]:
    """`fact_content` of an observation that has no other content field, from its stored
    text (what a compact record or a checked line holds; tests/test_lines.py holds them
    equal to the model's)."""
    return ("observation", as_of, metric, value, *_OBSERVATION_REST)


def _as_text(value: object) -> object:
    """A decimal or a date as its stored text (anything else as it is)."""
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
