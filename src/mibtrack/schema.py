"""JSON Schemas of ledger entries and of every `--json` document, generated from the models.

Decimals are written as JSON numbers (see render/jsonout.py), so the schemas say `number`
where pydantic would say "number or string": `NumberDecimals` makes that one change.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, create_model
from pydantic.json_schema import GenerateJsonSchema

from .compute.diff import DiffReport
from .compute.plans import PlanChange
from .compute.report import AnyResult, LeftOutFeed, Report, StaleMetric
from .compute.status import Status
from .compute.trends import MilestoneTrend
from .model import (
    Correction,
    Entry,
    Metric,
    MilestoneEvent,
    MilestoneStatus,
    Note,
    Objective,
    Observation,
    PlanEntry,
    Program,
    Void,
)

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _attribute_docstrings(cls: type) -> dict[str, str]:
    """A class's `name: type` lines followed by a string: name → that docstring."""
    import ast
    import inspect
    import textwrap

    body = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0].body  # type: ignore[attr-defined]
    docs = {}
    for field, after in zip(body, body[1:], strict=False):
        if (isinstance(field, ast.AnnAssign) and isinstance(field.target, ast.Name)
                and isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)):
            docs[field.target.id] = inspect.cleandoc(after.value.value)
    return docs


@functools.cache
def _report_field_docs() -> dict[str, dict[str, str]]:
    """Report record name → field → the docstring under it (inherited fields keep their
    base's), for every subclass of `ReportRecord` (those defined here too, such as
    StatusDocument): what `use_attribute_docstrings` would give, read only when a schema is
    made. The models themselves are left as they are."""
    from .compute import report

    found: dict[str, dict[str, str]] = {}
    pending = list(report.ReportRecord.__subclasses__())
    while pending:
        model = pending.pop()
        pending.extend(model.__subclasses__())
        docs: dict[str, str] = {}
        for cls in reversed(model.__mro__):
            if isinstance(cls, type) and issubclass(cls, report.ReportRecord) \
                    and cls is not report.ReportRecord:
                try:
                    docs.update(_attribute_docstrings(cls))
                except (OSError, TypeError, IndexError, AttributeError):
                    continue  # made by create_model: no source of its own
        found[model.__name__] = {name: doc for name, doc in docs.items()
                                 if name in model.model_fields}
    return found


class _DocumentedReports(GenerateJsonSchema):
    """Each report model's property gets its field's docstring as `description` (unless
    the field declares one), in the generated schema only."""

    def generate(self, schema: Any, mode: Any = "validation") -> dict[str, Any]:
        generated = super().generate(schema, mode)
        docs = _report_field_docs()
        for name, definition in [("", generated), *generated.get("$defs", {}).items()]:
            title = definition.get("title")
            if title not in docs or (name and name != title):
                continue
            for field, prop in definition.get("properties", {}).items():
                doc = docs[title].get(field)
                if doc is not None and "description" not in prop:
                    prop["description"] = doc
        return self.sort(generated)


class NumberDecimals(_DocumentedReports):
    """Decimals are JSON numbers in every document mibtrack writes."""

    def decimal_schema(self, schema: Any) -> dict[str, Any]:
        return {"type": "number"}


class StoredDecimals(_DocumentedReports):
    """In a ledger line (docs/ledger-format.md) a decimal is a plain decimal string."""

    def decimal_schema(self, schema: Any) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^-?(0|[1-9]\d*)(\.\d*[1-9])?$"}


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LoggedDocument(_Doc):
    """An evidence document an entry names, as `log --json` and `show --json` list it."""

    name: str = Field(description="The document's file name, as recorded.")
    size: int = Field(description="Its size in bytes.")
    sha256: str = Field(description="The SHA-256 of its bytes.")
    path: str = Field(description="Where it is kept: evidence/<sha256>/<name>.")


def _with_status(model: type[BaseModel]) -> type[BaseModel]:
    """An entry as `log --json` shows it: plus the ids of entries voiding or correcting it,
    and its evidence field read as the documents it names."""
    return create_model(
        f"Logged{model.__name__}", __base__=model,
        voided_by=(list[str], Field(description="Ids of voids of this entry.")),
        corrected_by=(list[str], Field(description="Ids of corrections of this entry.")),
        evidence=(list[LoggedDocument] | None, Field(
            default=None, description="The documents behind the fact (null: none).")),
    )


_LOGGED = tuple(_with_status(m) for m in (Observation, MilestoneEvent, Correction, Void, Note,
                                          PlanEntry))
if TYPE_CHECKING:  # a checker sees the entry kinds; each Logged… adds voided_by, corrected_by
    LoggedEntry = Observation | MilestoneEvent | Correction | Void | Note | PlanEntry
else:
    LoggedEntry = _LOGGED[0] | _LOGGED[1] | _LOGGED[2] | _LOGGED[3] | _LOGGED[4] | _LOGGED[5]


class LogDocument(_Doc):
    """`mibtrack log --json`."""

    schema_version: Literal[1]
    entries: list[LoggedEntry]


class ObjectivesDocument(_Doc):
    """`mibtrack objectives --json`."""

    schema_version: Literal[1]
    program: Program
    metrics: list[Metric]
    objectives: list[Objective]


class RecordDocument(_Doc):
    """`record`, `milestone`, `correct`, `void`, `note` with --json: the new entry."""

    schema_version: Literal[1]
    already_recorded: bool = Field(description="The key was recorded before: nothing written.")
    entry: Entry
    dry_run: bool = Field(default=False, description="--dry-run: the entry that would be "
                                                     "written; nothing was (present only then).")


class FeedReport(_Doc):
    feed: str
    entries: int
    ok: bool
    line: int | None
    problem: str | None


class KeyedEntry(_Doc):
    """One entry holding a key recorded more than once."""

    feed: str = Field(description="Feed file name, e.g. alice.jsonl.")
    line: int = Field(description="Line in that feed (its seq).")
    id: str = Field(description="The entry's id.")


class KeyFinding(_Doc):
    """A key recorded more than once in the ledger (SPEC R2: a key names one fact)."""

    key: str
    kind: Literal["duplicate", "conflict"] = Field(
        description="duplicate: copies of one fact, counted once (a notice); conflict: the "
                    "key names different facts (exit 4), the earliest recorded is used.")
    entries: list[KeyedEntry] = Field(
        description="duplicate: every copy; conflict: the first copy of each version; "
                    "earliest recorded first.")


class VerifyDocument(_Doc):
    """`mibtrack verify --json`."""

    schema_version: Literal[1]
    ok: bool
    feeds: list[FeedReport]
    keys: list[KeyFinding] = Field(description="Keys recorded more than once.")


class ExportedFact(_Doc):
    """One fact of `export --format json` (the applied view): export's CSV columns plus who
    recorded it and whether a correction changed it."""

    id: str = Field(description="The original entry's id.")
    type: Literal["observation", "milestone", "note"]
    date: dt.date = Field(description="The day the fact holds, as corrected.")
    metric: str | None
    value: Decimal | None = Field(description="The value, as corrected (observations).")
    objective: str | None
    status: MilestoneStatus | None
    expected: dt.date | None
    source: str | None
    note: str | None
    key: str | None = Field(description="Idempotency key; empty when a correction changed "
                                        "the fact (import derives one from the content).")
    corrected: bool
    writer: str
    recorded_at: dt.datetime


class ExportDocument(_Doc):
    """`mibtrack export --format json` (applied view; --raw holds ledger entries)."""

    schema_version: Literal[1]
    view: Literal["applied", "raw"]
    entries: list[ExportedFact] | list[Entry]


_LEFT_OUT = Field(description="Feeds left out of every figure because `verify` rejects them.")

#: `mibtrack status --json`: the report (its `feeds_left_out` included).
StatusDocument = create_model("StatusDocument", __base__=Report)


class CheckDocument(_Doc):
    """`mibtrack check --json`: the verdict, and the report it was drawn from."""

    schema_version: Literal[1]
    as_of: dt.date
    known_at: dt.datetime | None
    generated_at: dt.datetime = Field(description="Provenance: when the ledger was read.")
    plan_version: str = Field(description="Provenance: SHA-256 of the plan version used.")
    ledger_head: str = Field(description="Provenance: SHA-256 of the feeds' newest ids.")
    mibtrack_version: str
    since: dt.datetime | None = Field(description="--since: only what got worse since then.")
    fail_on: Literal["at-risk", "off-track", "missed"]
    stale: bool = Field(description="--stale was given: stale metrics count as breaches.")
    ok: bool = Field(description="No breach: check exits 0.")
    breaches: list[str] = Field(description="Ids of objectives at or past --fail-on (with "
                                            "--since: that also got worse since then).")
    stale_metrics: list[StaleMetric]
    summary: dict[str, int] = Field(description="Targets, limits and milestones by status.")
    rollups: dict[str, int] = Field(description="Composites by status.")
    objectives: list[AnyResult]
    feeds_left_out: list[LeftOutFeed] = _LEFT_OUT


class HistoryPoint(_Doc):
    date: dt.date
    status: Status
    actual: Decimal | None
    planned: Decimal | None
    variance: Decimal | None
    progress: Decimal | None
    expected: Decimal | None


class ShowDocument(_Doc):
    """`mibtrack show OBJECTIVE --json`."""

    schema_version: Literal[1]
    as_of: dt.date
    known_at: dt.datetime | None
    objective: Objective
    result: AnyResult
    history: list[HistoryPoint]
    trend: MilestoneTrend | None = Field(
        description="A milestone's forecast date at each reporting date (else null).")
    entries: list[LoggedEntry]


class PlanVersionItem(_Doc):
    version: int = Field(description="1 = the first recorded.")
    sha256: str = Field(description="SHA-256 of objectives.toml's bytes (ledger/plans/).")
    decided: dt.date
    recorded_at: dt.datetime
    writer: str
    reason: str
    entry: str = Field(description="Id of its `plan` entry.")
    changes: list[PlanChange] = Field(description="What it changed from the version before.")


class PlansDocument(_Doc):
    """`mibtrack plans --json`."""

    schema_version: Literal[1]
    objectives_sha256: str = Field(description="SHA-256 of objectives.toml as it is now.")
    unrecorded: bool = Field(description="objectives.toml differs from the newest version.")
    unrecorded_changes: list[PlanChange]
    versions: list[PlanVersionItem]


#: What `mibtrack schema --kind` can describe.
SCHEMAS: dict[str, Any] = {
    "entry": Entry,
    "ledger-line": Entry,
    "objectives": ObjectivesDocument,
    "log": LogDocument,
    "record": RecordDocument,
    "verify": VerifyDocument,
    "export": ExportDocument,
    "status": StatusDocument,
    "report": Report,
    "check": CheckDocument,
    "show": ShowDocument,
    "plans": PlansDocument,
    "diff": DiffReport,
}
KINDS = tuple(SCHEMAS)


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one kind of document: `entry` is an entry as the
    --json documents show it (decimals as numbers), `ledger-line` one line of a feed as
    stored (decimals as strings)."""
    generator = StoredDecimals if kind == "ledger-line" else NumberDecimals
    schema = TypeAdapter(SCHEMAS[kind]).json_schema(schema_generator=generator)
    return {"$schema": DIALECT, "title": f"mibtrack {kind}", **schema}
