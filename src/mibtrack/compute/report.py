"""Where each objective stands at an as-of date: one typed, immutable report value.

`build_report` is the one entry point for `status`, `report` and `check`; `Evaluator` gives
an objective's values at any series of dates (for `show` and `report --period`) without
folding the ledger again. Nothing here reads a clock, a file or a terminal.
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Annotated, Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from mibtrack import __version__
from mibtrack.model import (
    CompositeObjective,
    LimitObjective,
    MilestoneObjective,
    MilestoneStatus,
    Objective,
    Project,
    TargetObjective,
    parse_evidence,
)
from mibtrack.values import canonical

from .exceptions import DatedNote, ExceptionItem, find_exceptions, period_start, recent_notes
from .formulas import (
    Forecast,
    MetricSeries,
    Vertex,
    eta,
    evaluation_date,
    forecast,
    forecast_interval,
    is_stale,
    plan_vertices,
    planned,
    reaches,
    schedule_variance_days,
    to_decimal,
)
from .ledger_state import (
    DayDocuments,
    Documented,
    EffectiveLedger,
    EffectiveMilestoneEvent,
    EffectiveNote,
    effective_ledger,
    metric_documents,
)
from .parts import Part
from .plans import Original, Revision
from .status import SEVERITY, Status, severity_rank
from .trends import MilestoneTrend

#: Bumped when a field of the report changes meaning or goes away (adding one does not).
REPORT_SCHEMA_VERSION: Final = 1

Period = Literal["month", "quarter", "year"]
#: Every period, shortest first (`--period`).
PERIODS: tuple[Period, ...] = ("month", "quarter", "year")


class ReportRecord(BaseModel):
    """Immutable, strict, and each field documented by the docstring under it (read into
    the JSON Schema by `mibtrack.schema`, not at import: reading source costs start-up)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class ProgramInfo(ReportRecord):
    """The programme the report is about."""

    name: str
    """Programme name, as in objectives.toml."""
    code: str
    """Short code, e.g. MIB."""
    start: dt.date
    """First day of the programme."""
    end: dt.date
    """Last day of the programme."""
    currency: str
    """Currency of money metrics, e.g. EUR."""
    at_risk: Decimal
    """r = progress / expected below this is off-track; from it up to 1, at-risk."""
    locale: Literal["en", "fr"] = "en"
    """The language and number format of documents (`[program] locale`)."""
    groups: tuple[str, ...] = ()
    """The order of groups in reports (`[program] groups`); others follow as they appear."""


class SeriesPoint(ReportRecord):
    """One dated value of a chart line."""

    date: dt.date
    """The day."""
    value: Decimal
    """The value on that day (actuals exact; plan and forecast to 6 places)."""


class NoteItem(ReportRecord):
    """A note recorded on an objective (user text: render it literally)."""

    date: dt.date
    """The day the note is dated."""
    text: str
    """The note."""
    source: str | None
    """Where it comes from, when given."""


#: How many of an objective's newest notes a report carries.
NOTES_SHOWN = 5


class EvidenceItem(ReportRecord):
    """A document behind one of an objective's figures (`record|milestone|note --evidence`):
    an auditor opens `path` and checks it says what the figure says."""

    backs: Literal["actual", "state", "reason"]
    """Which figure it stands behind: `actual` (an observation A(t) is made of), `state` (the
    milestone event giving the state), `reason` (the entry `reason` is the note of)."""
    entry: str
    """The id of the entry that names it (`mibtrack log`, `mibtrack show`)."""
    date: dt.date
    """The day that entry's fact holds (as corrected)."""
    kind: Literal["observation", "milestone", "note"]
    """That entry's type."""
    name: str
    """The document's file name, as recorded (user text: render it literally)."""
    size: int
    """Its size in bytes."""
    sha256: str
    """The SHA-256 of its bytes (64 lowercase hex digits): `verify` checks the copy kept."""
    path: str
    """Where it is kept, relative to the project's root: evidence/<sha256>/<name>."""


class WorstChild(ReportRecord):
    """A composite's most severe child (ties broken by the order of `children`)."""

    id: str
    """The child's objective id."""
    status: Status
    """Its status."""


class ObjectiveResult(ReportRecord):
    """One objective at the as-of date: what every kind reports. The fields of SPEC's JSON
    contract are all here, so every objective's JSON carries each of them (None where it does
    not apply to the kind or does not exist yet); what only one kind has is on that kind's
    record (`TargetResult`, `LimitResult`, `MilestoneResult`, `CompositeResult`). Built with
    keywords by `Evaluator`; never built as the base itself."""

    id: str
    """Objective id."""
    kind: Literal["target", "limit", "milestone", "composite"]
    """target, limit, milestone or composite: which record this is."""
    title: str
    """Title, as declared (user text: render it literally)."""
    status: Status
    """One of SEVERITY: missed, off-track, at-risk, no-data, on-track, not-started, achieved."""
    group: str | None = None
    """Reporting group, as declared."""
    owner: str | None = None
    """Owner, as declared."""
    tags: tuple[str, ...] = ()
    """Tags, as declared."""
    source: str | None = None
    """Where the commitment was made, as declared."""
    reason: str | None = None
    """The note of the newest milestone or note entry on it dated on or before t (user text)."""
    unit: str | None = None
    """Target, limit: the metric's unit (e.g. EUR, jobs)."""
    target: Decimal | None = None
    """Target: T, when a single number was declared."""
    target_min: Decimal | None = None
    """Target: the low end of a declared range."""
    target_max: Decimal | None = None
    """Target: the high end of a declared range."""
    min: Decimal | None = None
    """Limit: the floor, when declared."""
    max: Decimal | None = None
    """Limit: the ceiling, when declared."""
    start: dt.date | None = None
    """Target, limit: s (the objective's start, else the programme's)."""
    due: dt.date | None = None
    """The due date d (a limit's defaults to the programme's end, a composite's to the
    latest of its children's)."""
    evaluated_at: dt.date | None = None
    """Target: τ, the date the plan is read at ("as at the last report"); None when not
    started or no data."""
    actual: Decimal | None = None
    """Target, limit: A at the as-of date, exact; None when nothing is observed yet."""
    planned: Decimal | None = None
    """Target: P(τ), the plan at the evaluation date (6 places)."""
    progress: Decimal | None = None
    """(A − b) / (T − b); limit 1 inside, 0 outside; milestone 1 once done else 0;
    composite the weighted mean of its children's (6 places)."""
    expected: Decimal | None = None
    """(P(τ) − b) / (T − b); limit 1; milestone 1 from due on else 0; composite weighted
    mean."""
    variance: Decimal | None = None
    """Target: A − P(τ), in the metric's unit (6 places)."""
    variance_points: Decimal | None = None
    """progress − expected (6 places)."""
    schedule_variance_days: int | None = None
    """Target: t′ − τ, t′ the first date the plan reaches A; negative = behind."""
    forecast_at_due: Decimal | None = None
    """Target, limit: F(d) = A_L + β·(d − L) while t < d (6 places); None under two points."""
    forecast_low: Decimal | None = None
    """Target: the low end of the 80 % interval of the value at due; None under 3 points."""
    forecast_high: Decimal | None = None
    """Target: the high end of that interval."""
    p_meet: Decimal | None = None
    """Target: the probability that the value at due reaches T (Student's t); None under
    3 points."""
    eta: dt.date | None = None
    """Target: the first date after t on which F is at or past T; None if it never is, or
    when A already meets T."""
    stale: bool = False
    """Target, limit: its metric is stale; composite: any child is; milestone: False."""
    above_range: bool | None = None
    """Range target: A > target_max; None for other objectives or without an actual."""
    below_range: bool | None = None
    """Decreasing range target: A < target_min; None otherwise or without an actual."""
    within: bool | None = None
    """Limit: A(t) is inside its bounds; None without an actual."""
    headroom: Decimal | None = None
    """Limit: the distance from A(t) to the nearest bound, negative outside."""
    breached_since: dt.date | None = None
    """Limit: the first observation date of the current breach; None when inside."""
    breaches: int | None = None
    """Limit: how many observations (for sum, running totals) dated from start to
    min(t, due) were outside."""
    last_observed: dt.date | None = None
    """Target, limit: date of the newest observation on or before t; milestone: of its state."""
    expected_date: dt.date | None = None
    """Milestone: the latest slipped-to date, else its due date."""
    late_days: int | None = None
    """Target, milestone: days after due it was achieved (0 when on time); None when not
    achieved."""
    worst_child: WorstChild | None = None
    """Composite: its most severe child (ties: the first in `children`)."""
    children_by_status: dict[str, int] | None = None
    """Composite: how many children have each status (statuses present, worst first)."""
    actual_series: tuple[SeriesPoint, ...] = ()
    """Target, limit: A at each observation date on or before t (chart line)."""
    notes: tuple[NoteItem, ...] = ()
    """Its newest notes dated on or before t, newest first (at most NOTES_SHOWN)."""
    forecast_line: tuple[SeriesPoint, ...] = ()
    """Target, limit: the forecast line from its first point to max(due, last point)."""
    original_target: Decimal | None = None
    """Target whose plan was revised: T as first recorded (at or after the baseline plan
    version); None when not revised."""
    revision: Revision | None = None
    """How the plan in force differs from the objective's original plan (from, to, when
    decided, why, every changed value); None when it does not."""
    evidence: tuple[EvidenceItem, ...] = ()
    """The documents behind its figures at t: target, limit: those of the observations A(t)
    is made of (a `latest` metric: the observation giving A(t); a `sum` metric: every one
    summed into it, oldest first); milestone: those of the event giving its state; any
    kind: those of the entry its `reason` comes from. Composite: only its reason's (its
    children list theirs). Corrections applied; voided entries name none."""


class TargetResult(ObjectiveResult):
    """A target objective ("200 jobs by 2026") at the as-of date."""

    kind: Literal["target"] = "target"
    """target."""
    metric: str
    """Target, limit: the metric id."""
    aggregate: Literal["latest", "sum"]
    """Target, limit: how observations make the actual (a level or a running sum)."""
    direction: Literal["increase", "decrease"]
    """Target: which way the metric should move."""
    plan: Literal["linear", "step"]
    """Target: the plan's shape between its vertices."""
    baseline: Decimal
    """Target: b, the value at start."""
    goal: Decimal
    """Target: T used in the formulas (for an increasing range, target_min)."""
    plan_points: tuple[SeriesPoint, ...] = ()
    """Target: the plan's vertices (s, b), checkpoints, (d, T) (chart line)."""


class LimitResult(ObjectiveResult):
    """A limit objective (a floor, a ceiling or an envelope) at the as-of date."""

    kind: Literal["limit"] = "limit"
    """limit."""
    metric: str
    """Target, limit: the metric id."""
    aggregate: Literal["latest", "sum"]
    """Target, limit: how observations make the actual (a level or a running sum)."""


class MilestoneResult(ObjectiveResult):
    """A milestone at the as-of date."""

    kind: Literal["milestone"] = "milestone"
    """milestone."""
    state: MilestoneStatus | None = None
    """Milestone: its latest event on or before t (done, at-risk, slipped, reopened)."""
    done_date: dt.date | None = None
    """Milestone: the date it was done, when its state is done."""


class CompositeResult(ObjectiveResult):
    """A composite (a roll-up of other objectives) at the as-of date."""

    kind: Literal["composite"] = "composite"
    """composite."""
    children: tuple[str, ...]
    """Composite: its children's ids, in declared order."""
    weights: tuple[Decimal, ...]
    """Composite: the children's weights (1 each by default)."""


#: One objective's record, by its `kind`.
AnyResult = Annotated[TargetResult | LimitResult | MilestoneResult | CompositeResult,
                      Field(discriminator="kind")]


class StaleMetric(ReportRecord):
    """A metric whose newest observation is older than its cadence and a half."""

    metric: str
    """Metric id."""
    cadence: Literal["monthly", "quarterly", "yearly"]
    """Declared cadence."""
    last_observed: dt.date
    """Date of its newest observation on or before the as-of date."""
    age_days: int
    """as_of − last_observed, in days."""


class LeftOutFeed(ReportRecord):
    """A feed `verify` rejects: no figure counts it (see docs/bad-feeds.md)."""

    file: str
    """The feed's file name in ledger/ (user text: render it literally)."""
    line: int | None
    """Its first bad line; None for the file as a whole."""
    problem: str
    """What is wrong with it, as `verify` says."""


class Report(ReportRecord):
    """Where every declared objective stands at `as_of`, as known at `known_at`."""

    schema_version: Literal[1] = REPORT_SCHEMA_VERSION
    """Version of this report's shape."""
    program: ProgramInfo
    """The programme."""
    as_of: dt.date
    """t: the report holds at the end of this day."""
    known_at: dt.datetime | None
    """Entries recorded after this moment (UTC) are ignored; None when not given."""
    generated_at: dt.datetime | None = None
    """Provenance: the moment the ledger was read (UTC, microseconds); `--known-at` with it
    reproduces this report's figures."""
    plan_version: str | None = None
    """Provenance: SHA-256 of the objectives.toml bytes used (the plan version in force, or
    the file itself when it is not a recorded version)."""
    ledger_head: str | None = None
    """Provenance: SHA-256 of the sorted feed names, each with its newest entry id as
    known at that moment (`<writer> <id>` lines)."""
    mibtrack_version: str = __version__
    """Provenance: the version of mibtrack that computed it."""
    baseline_version: int | None = None
    """The plan version revisions are measured against (1 = the first recorded; None
    without recorded versions)."""
    objectives: tuple[AnyResult, ...]
    """One per declared objective, in declaration order."""
    summary: dict[str, int]
    """How many targets, limits and milestones have each status, every status listed,
    worst first (composites are counted apart, in `rollups`)."""
    rollups: dict[str, int]
    """How many composites (roll-ups) have each status, every status listed, worst first."""
    stale_metrics: tuple[StaleMetric, ...]
    """Declared metrics that are stale at as_of, by metric id."""
    part: dict[str, str] = {}
    """The part of the programme reported on (`--group`, `--owner`, `--tag` given); empty
    for the whole programme. Summary and exceptions count only that part."""
    exceptions: tuple[ExceptionItem, ...] = ()
    """The objectives at-risk, off-track or missed: leaves first, then roll-ups, worst
    first; each with its gap, reason, next date and since when (compute/exceptions.py)."""
    notes_from: dt.date | None = None
    """The first day of the report's period: `recent_notes` are dated from it to as_of."""
    recent_notes: dict[str, tuple[DatedNote, ...]] = {}
    """By objective id: its notes and milestone notes dated in the report's period, newest
    first (objectives without any are left out)."""
    milestone_trends: tuple[MilestoneTrend, ...] = ()
    """`report`: each milestone's forecast date at each reporting date (milestone trend
    analysis), month ends (or --period) from the programme's start; empty for `status`."""
    feeds_left_out: tuple[LeftOutFeed, ...] = ()
    """Feeds left out of every figure because `verify` rejects them (a copied, hidden or
    symlinked feed, a broken chain: docs/bad-feeds.md)."""


# --------------------------------------------------------------------------- evaluation

@dataclass(frozen=True, slots=True)
class _Exact:
    """An evaluation with its exact ratios kept, for composites to average."""

    result: AnyResult
    progress: Fraction | None
    expected: Fraction | None


@dataclass(frozen=True, slots=True)
class _Verdict:
    """An objective's status with its exact ratios: what a composite and `since` need."""

    status: Status
    progress: Fraction | None
    expected: Fraction | None


@dataclass(frozen=True, slots=True)
class _TargetState(_Verdict):
    late_days: int | None
    actual: Decimal | None
    last: dt.date | None
    tau: dt.date
    plan_tau: Fraction
    vertices: tuple[Vertex, ...]


@dataclass(frozen=True, slots=True)
class _MilestoneState(_Verdict):
    latest: EffectiveMilestoneEvent | None
    slipped_to: dt.date | None


@dataclass(frozen=True, slots=True)
class _LimitState(_Verdict):
    actual: Decimal | None
    within: bool | None
    headroom: Decimal | None
    breaches: int
    envelope: _Envelope
    forecast: Forecast | None


def _opt(value: Fraction | None) -> Decimal | None:
    return None if value is None else to_decimal(value)


_ZERO, _ONE = Fraction(0), Fraction(1)


def _clamp(value: Fraction | None) -> Fraction:
    """A child's ratio for a composite: no value counts as 0; clamped to [0, 1]."""
    if value is None or value <= 0:
        return _ZERO
    return _ONE if value >= 1 else value


def _weighted_sum(weights: Sequence[Fraction], values: Sequence[Fraction]) -> Fraction:
    """Σ wᵢ·vᵢ, exactly the Fraction `sum` gives, over one common denominator (one gcd at
    the end instead of one per term: a roll-up's children have many denominators)."""
    terms = [(w.numerator * v.numerator, w.denominator * v.denominator)
             for w, v in zip(weights, values, strict=True) if v.numerator]
    if not terms:
        return _ZERO
    common = math.lcm(*(d for _, d in terms))
    return Fraction(sum(n * (common // d) for n, d in terms), common)


_DAY = dt.timedelta(days=1)


#: How many statuses-alone (`Evaluator.status`, asked by `since` at many days) are kept
#: for reuse before the memo starts again: a report of 100k objectives asks for millions.
VERDICTS_KEPT = 500_000


class Evaluator:
    """Evaluates a project's objectives over one effective ledger, at any dates.

    Metric series and plans are built once; each (objective, date) is evaluated once.
    """

    def __init__(self, project: Project, ledger: EffectiveLedger,
                 series: dict[str, MetricSeries] | None = None,
                 documents: DayDocuments | None = None) -> None:
        """`series`: metric series already built (e.g. by `daily.DailyFold`), by metric id;
        `documents`: the evidence behind each metric's daily level, already found (by the
        same fold); else both come from `ledger`'s observations."""
        self.project = project
        self.ledger = ledger
        self._documents = documents
        self._any_documents: bool | None = None
        self._objectives: dict[str, Objective] = {o.id: o for o in project.objectives}
        self._series: dict[str, MetricSeries] = dict(series or {})
        self._memo: dict[tuple[str, dt.date], _Exact] = {}
        self._verdicts: dict[tuple[str, dt.date], _Verdict] = {}
        # verdicts by what decides them (see `_shared_state`)
        self._states: dict[tuple[object, ...], _Verdict] = {}
        self._composites: dict[tuple[object, ...],
                               tuple[tuple[_Verdict, ...], _Verdict]] = {}
        self._at_risk = Fraction(project.program.at_risk)
        self._weights: dict[str, tuple[tuple[Fraction, ...], Fraction]] = {}
        self._plans: dict[str, tuple[tuple[Vertex, ...], Fraction, Fraction]] = {}
        # What objectives on one metric share, computed once per metric (a programme
        # tracks one figure against many commitments): keyed by the metric and the slice
        # of its series that is read, so evaluations at dates with no new point share too.
        self._forecasts: dict[tuple[str, int, int], Forecast | None] = {}
        self._actual_lines: dict[tuple[str, int], tuple[SeriesPoint, ...]] = {}
        self._envelopes: dict[tuple[str, Decimal | None, Decimal | None], _Envelope] = {}

    # -- building blocks
    def metric_series(self, metric_id: str) -> MetricSeries:
        """A(t) lookups for a declared metric."""
        if metric_id not in self._series:
            metric = self.project.metrics[metric_id]
            self._series[metric_id] = MetricSeries.build(
                metric.aggregate, self.ledger.observations_of(metric_id))
        return self._series[metric_id]

    def vertices(self, objective: TargetObjective) -> tuple[Vertex, ...]:
        """The plan's vertices for a target objective."""
        return plan_vertices(
            self.project.start_of(objective), objective.baseline,
            [(c.date, c.value) for c in objective.checkpoints], objective.due, objective.goal)

    def forecast(self, objective: TargetObjective | LimitObjective, t: dt.date
                 ) -> Forecast | None:
        """The anchored forecast through the objective's points dated from s to t."""
        series = self.metric_series(objective.metric)
        first = self.project.start_of(objective)
        key = (objective.metric, bisect.bisect_left(series.dates, first),
               bisect.bisect_right(series.dates, t))
        if key not in self._forecasts:
            self._forecasts[key] = forecast(series.points(first, t))
        return self._forecasts[key]

    def actual_line(self, metric_id: str, t: dt.date) -> tuple[SeriesPoint, ...]:
        """A at each observation date on or before t (one tuple shared by every objective
        on the metric)."""
        series = self.metric_series(metric_id)
        key = (metric_id, bisect.bisect_right(series.dates, t))
        if key not in self._actual_lines:
            every = self._actual_lines.get((metric_id, -1))
            if every is None:  # built once per metric, then sliced for each day asked
                # validated, not model_construct: pydantic's compiled validator takes a date
                # and a Decimal as they are, in a third of model_construct's Python time
                # (a metric of 1,000 days, 20 metrics: 25 ms instead of 70)
                validate = SeriesPoint.model_validate
                every = tuple(validate({"date": d, "value": v})
                              for d, v in series.points(dt.date.min, dt.date.max))
                self._actual_lines[(metric_id, -1)] = every
            self._actual_lines[key] = every[:key[1]]
        return self._actual_lines[key]

    def envelope(self, metric_id: str, low: Decimal | None, high: Decimal | None
                 ) -> _Envelope:
        """Which of the metric's points lie outside [low, high], counted once per bounds."""
        key = (metric_id, low, high)
        if key not in self._envelopes:
            self._envelopes[key] = _Envelope.build(self.metric_series(metric_id), low, high)
        return self._envelopes[key]

    def is_metric_stale(self, metric_id: str, t: dt.date) -> bool:
        metric = self.project.metrics[metric_id]
        return is_stale(metric.cadence, self.metric_series(metric_id).last_observed(t), t)

    # -- evaluation
    def evaluate(self, objective_id: str, t: dt.date) -> AnyResult:
        """One objective's record at the end of day t."""
        return self._exact(objective_id, t).result

    def series(self, objective_id: str, dates: Iterable[dt.date]) -> tuple[AnyResult, ...]:
        """One objective's records at each date (for `show` and `report --period`)."""
        return tuple(self.evaluate(objective_id, day) for day in dates)

    def stale_metrics(self, t: dt.date) -> tuple[StaleMetric, ...]:
        found = []
        for metric_id in sorted(self.project.metrics):
            metric = self.project.metrics[metric_id]
            last = self.metric_series(metric_id).last_observed(t)
            if metric.cadence is not None and is_stale(metric.cadence, last, t):
                assert last is not None
                found.append(StaleMetric(metric=metric_id, cadence=metric.cadence,
                                         last_observed=last, age_days=(t - last).days))
        return tuple(found)

    def _exact(self, objective_id: str, t: dt.date) -> _Exact:
        key = (objective_id, t)
        if key not in self._memo:
            objective = self._objectives.get(objective_id)
            if objective is None:
                raise KeyError(f"no objective {objective_id!r} is declared")
            if isinstance(objective, TargetObjective):
                value = self._target(objective, t)
            elif isinstance(objective, LimitObjective):
                value = self._limit(objective, t)
            elif isinstance(objective, MilestoneObjective):
                value = self._milestone(objective, t)
            else:
                value = self._composite(objective, t)
            self._memo[key] = value
        return self._memo[key]

    def _reason_entry(self, objective_id: str, t: dt.date
                      ) -> EffectiveMilestoneEvent | EffectiveNote | None:
        """The objective's newest milestone or note entry dated on or before t (of two on
        one day, the later recorded)."""
        newest: tuple[dt.date, int] | None = None
        found: EffectiveMilestoneEvent | EffectiveNote | None = None
        dated: tuple[EffectiveMilestoneEvent | EffectiveNote, ...] = (
            *self.ledger.events_of(objective_id), *self.ledger.notes_of(objective_id))
        for item in dated:
            if item.as_of > t:
                continue
            order = (item.as_of, item.rank)
            if newest is None or order > newest:
                newest, found = order, item
        return found

    def reason(self, objective_id: str, t: dt.date) -> str | None:
        """The note of the objective's newest milestone or note entry dated on or before t
        (of two on one day, the later recorded); None when there is none or it has no note."""
        item = self._reason_entry(objective_id, t)
        if item is None:
            return None
        return item.note if isinstance(item, EffectiveMilestoneEvent) else item.text

    # -- evidence
    def metric_documents(self) -> DayDocuments:
        """By metric and day, the documented observations behind that day's level."""
        if self._documents is None:
            self._documents = metric_documents(
                self.ledger, {m: d.aggregate for m, d in self.project.metrics.items()})
        return self._documents

    def _documented(self) -> bool:
        """Does any counted entry name a document? (Most ledgers: none, and nothing more is
        looked at.)"""
        if self._any_documents is None:
            self._any_documents = bool(self.metric_documents()) or any(
                item.evidence for group in (self.ledger.milestone_events, self.ledger.notes)
                for items in group.values() for item in items)
        return self._any_documents

    def evidence(self, objective: Objective, t: dt.date) -> tuple[EvidenceItem, ...]:
        """The documents behind an objective's figures at t (see `ObjectiveResult.evidence`)."""
        if not self._documented():
            return ()
        facts: list[tuple[str, Documented]] = []
        if isinstance(objective, (TargetObjective, LimitObjective)):
            by_day = self.metric_documents().get(objective.metric, {})
            if by_day:
                series = self.metric_series(objective.metric)
                if series.aggregate == "sum":
                    days = [d for d in sorted(by_day) if d <= t]
                else:
                    last = series.last_observed(t)
                    days = [] if last is None else [last]
                facts += [("actual", fact) for day in days for fact in by_day.get(day, ())]
        elif isinstance(objective, MilestoneObjective):
            state = self.ledger.state_of(objective.id, t)
            if state is not None and state.evidence:
                facts.append(("state", Documented(state.id, state.as_of, "milestone",
                                                  parse_evidence(state.evidence))))
        item = self._reason_entry(objective.id, t)
        text = None if item is None else (
            item.note if isinstance(item, EffectiveMilestoneEvent) else item.text)
        if item is not None and text is not None and item.evidence and \
                item.id not in {fact.entry for _, fact in facts}:  # the state's event: listed
            kind = "milestone" if isinstance(item, EffectiveMilestoneEvent) else "note"
            facts.append(("reason", Documented(item.id, item.as_of, kind,
                                               parse_evidence(item.evidence))))
        return tuple(EvidenceItem(backs=backs, entry=fact.entry, date=fact.date,
                                  kind=fact.kind, name=d.name, size=d.size,
                                  sha256=d.sha256, path=d.relpath)
                     for backs, fact in facts for d in fact.documents)

    def _common(self, objective: Objective, t: dt.date) -> dict[str, Any]:
        """The fields every kind carries, as keywords."""
        dated = [n for n in self.ledger.notes_of(objective.id) if n.as_of <= t]
        notes = tuple(NoteItem(date=n.as_of, text=n.text, source=n.source)
                      for n in reversed(dated[-NOTES_SHOWN:]))
        return dict(id=objective.id, title=objective.title,
                    group=objective.group, owner=objective.owner, tags=objective.tags,
                    source=objective.source, notes=notes, reason=self.reason(objective.id, t),
                    due=self.project.due_of(objective), evidence=self.evidence(objective, t))

    def _target_state(self, o: TargetObjective, t: dt.date) -> _TargetState:
        """A target's status and what it is decided from (no forecast, no record)."""
        metric = self.project.metrics[o.metric]
        series = self.metric_series(o.metric)
        start, goal, base, due = self.project.start_of(o), o.goal, o.baseline, o.due
        if o.id not in self._plans:  # what every day of this target shares, once
            self._plans[o.id] = (self.vertices(o), Fraction(base),
                                 Fraction(goal) - Fraction(base))
        vertices, base_f, span = self._plans[o.id]
        actual = series.actual(t)
        last = series.last_observed(t)
        tau = evaluation_date(metric.cadence, last, start, t)
        plan_tau = planned(vertices, tau, o.plan)
        expected = (plan_tau - base_f) / span  # `ratio`, its conversions done once
        progress = None if actual is None else (Fraction(actual) - base_f) / span

        late_days: int | None = None
        if t < start:
            status: Status = "not-started"
        elif t <= due:
            if actual is not None and reaches(actual, goal, o.direction):
                status, late_days = "achieved", 0
            elif actual is None or progress is None:
                status = "no-data"
            else:
                status = _by_ratio(progress, expected, self._at_risk)
        else:  # after due, the verdict at due stands; a later achievement is late
            at_due = series.actual(due)
            if at_due is not None and reaches(at_due, goal, o.direction):
                status, late_days = "achieved", 0
            else:
                met = next((day for day, level in series.points(due + _DAY, t)
                            if reaches(level, goal, o.direction)), None)
                if met is not None:
                    status, late_days = "achieved", (met - due).days
                else:
                    status = "missed"
        return _TargetState(status, progress, expected, late_days, actual, last, tau,
                            plan_tau, vertices)

    def _target(self, o: TargetObjective, t: dt.date) -> _Exact:
        metric = self.project.metrics[o.metric]
        start, goal, base, due = self.project.start_of(o), o.goal, o.baseline, o.due
        state = self._target_state(o, t)
        status, progress, expected, late_days = (state.status, state.progress,
                                                 state.expected, state.late_days)
        actual, last, tau, plan_tau, vertices = (state.actual, state.last, state.tau,
                                                 state.plan_tau, state.vertices)
        assert expected is not None  # a target always has a plan
        fc = self.forecast(o, t)
        interval = None
        if fc is not None and t < due:
            interval = forecast_interval(fc, due, goal, o.direction)
        return _Exact(TargetResult(
            **self._common(o, t), status=status, metric=o.metric, unit=metric.unit,
            aggregate=metric.aggregate, direction=o.direction, plan=o.plan, baseline=base,
            target=o.target, target_min=o.target_min, target_max=o.target_max, goal=goal,
            start=start,
            evaluated_at=None if status in ("not-started", "no-data") else tau,
            actual=actual, planned=to_decimal(plan_tau),
            progress=_opt(progress), expected=to_decimal(expected),
            variance=None if actual is None else to_decimal(Fraction(actual) - plan_tau),
            variance_points=None if progress is None else to_decimal(progress - expected),
            schedule_variance_days=None if actual is None else schedule_variance_days(
                vertices, actual, tau, o.direction, o.plan),
            forecast_at_due=None if fc is None or t >= due else to_decimal(fc.at(due)),
            forecast_low=None if interval is None else interval.low,
            forecast_high=None if interval is None else interval.high,
            p_meet=None if interval is None else interval.p_meet,
            eta=None if fc is None else eta(fc, goal, o.direction, t, actual),
            stale=self.is_metric_stale(o.metric, t),
            above_range=(None if not o.is_range or actual is None
                         else actual > o.target_max),  # type: ignore[operator]
            below_range=(None if not o.is_range or o.direction != "decrease" or actual is None
                         else actual < o.target_min),  # type: ignore[operator]
            late_days=late_days,
            last_observed=last,
            actual_series=self.actual_line(o.metric, t),
            plan_points=tuple(SeriesPoint(date=d, value=canonical(v)) for d, v in vertices),
            forecast_line=_forecast_line(fc, due),
        ), progress, expected)

    def _limit_state(self, o: LimitObjective, t: dt.date) -> _LimitState:
        """A limit's status and what it is decided from (no record)."""
        series = self.metric_series(o.metric)
        start, due = self.project.start_of(o), self.project.due_of(o)
        low = None if o.min is None else Fraction(o.min)
        high = None if o.max is None else Fraction(o.max)

        def inside(value: Fraction | Decimal) -> bool:
            return (low is None or value >= low) and (high is None or value <= high)

        actual = series.actual(t)
        within = None if actual is None else inside(actual)
        headroom = None
        if actual is not None:
            room = [Fraction(actual) - low] if low is not None else []
            room += [high - Fraction(actual)] if high is not None else []
            headroom = to_decimal(min(room))
        envelope = self.envelope(o.metric, o.min, o.max)
        breaches = envelope.outside_between(start, min(t, due))
        fc = self.forecast(o, t)
        if t < start:
            status: Status = "not-started"
        elif actual is None:
            status = "no-data"
        elif t <= due:
            if not within:
                status = "off-track"
            elif fc is not None and not inside(fc.at(due)):
                status = "at-risk"
            else:
                status = "on-track"
        else:
            status = "achieved" if breaches == 0 else "missed"

        progress = None if within is None else Fraction(1 if within else 0)
        expected = Fraction(1)
        return _LimitState(status, progress, expected, actual, within, headroom, breaches,
                           envelope, fc)

    def _limit(self, o: LimitObjective, t: dt.date) -> _Exact:
        metric = self.project.metrics[o.metric]
        series = self.metric_series(o.metric)
        start, due = self.project.start_of(o), self.project.due_of(o)
        state = self._limit_state(o, t)
        status, progress, expected, actual, within, headroom, breaches, fc = (
            state.status, state.progress, state.expected, state.actual, state.within,
            state.headroom, state.breaches, state.forecast)
        assert expected is not None  # a limit's expected is 1
        breached_since = state.envelope.breached_since(t) if within is False else None
        started = status not in ("not-started", "no-data")
        return _Exact(LimitResult(
            **self._common(o, t), status=status, metric=o.metric, unit=metric.unit,
            aggregate=metric.aggregate, min=o.min, max=o.max, start=start, actual=actual,
            progress=_opt(progress), expected=to_decimal(expected),
            variance_points=None if progress is None else to_decimal(progress - expected),
            forecast_at_due=None if fc is None or t >= due else to_decimal(fc.at(due)),
            stale=self.is_metric_stale(o.metric, t), within=within, headroom=headroom,
            breached_since=breached_since, breaches=breaches if started else None,
            last_observed=series.last_observed(t),
            actual_series=self.actual_line(o.metric, t),
            forecast_line=_forecast_line(fc, due),
        ), progress, expected)

    def _milestone_state(self, o: MilestoneObjective, t: dt.date) -> _MilestoneState:
        """A milestone's status from its events dated on or before t (no record)."""
        latest = None
        slipped_to = None
        for event in self.ledger.events_of(o.id):  # sorted by (as_of, rank): last one wins
            if event.as_of > t:
                break
            latest = event
            if event.status == "slipped":
                slipped_to = event.expected
        state = latest.status if latest is not None else None
        done = state == "done"
        if done:
            status: Status = "achieved"
        elif t > o.due:
            status = "missed"
        elif state == "at-risk" or (state == "slipped" and latest.expected <= o.due):  # type: ignore[union-attr,operator]
            status = "at-risk"
        elif state == "slipped":
            status = "off-track"
        elif t < self.project.program.start:
            status = "not-started"
        else:
            status = "on-track"
        progress = Fraction(1 if done else 0)
        expected = Fraction(1 if t >= o.due else 0)
        return _MilestoneState(status, progress, expected, latest, slipped_to)

    def _milestone(self, o: MilestoneObjective, t: dt.date) -> _Exact:
        found = self._milestone_state(o, t)
        status, progress, expected = found.status, found.progress, found.expected
        assert progress is not None and expected is not None
        latest, slipped_to = found.latest, found.slipped_to
        state = latest.status if latest is not None else None
        done_date = latest.as_of if state == "done" and latest is not None else None
        return _Exact(MilestoneResult(
            **self._common(o, t), status=status, progress=to_decimal(progress),
            expected=to_decimal(expected), variance_points=to_decimal(progress - expected),
            last_observed=latest.as_of if latest is not None else None, state=state,
            expected_date=slipped_to or o.due, done_date=done_date,
            late_days=None if done_date is None else max(0, (done_date - o.due).days),
        ), progress, expected)

    def status(self, objective_id: str, t: dt.date) -> Status:
        """An objective's status at the end of day t, without building its record (what
        `since` asks at many days); always the status of `evaluate`."""
        return self._verdict(objective_id, t).status

    def _verdict(self, objective_id: str, t: dt.date) -> _Verdict:
        key = (objective_id, t)
        found = self._verdicts.get(key)
        if found is not None:
            return found
        if len(self._verdicts) + len(self._states) + len(self._composites) >= VERDICTS_KEPT:
            self._verdicts.clear()  # bounded memory: start again
            self._states.clear()
            self._composites.clear()
        if key in self._memo:
            exact = self._memo[key]
            verdict: _Verdict = _Verdict(exact.result.status, exact.progress, exact.expected)
        else:
            objective = self._objectives.get(objective_id)
            if objective is None:
                raise KeyError(f"no objective {objective_id!r} is declared")
            verdict = self._shared_state(objective, t)
        self._verdicts[key] = verdict
        return verdict

    def _shared_state(self, objective: Objective, t: dt.date) -> _Verdict:
        """The objective's verdict at t, one object for every day it is decided from the same
        inputs: a leaf's status and ratios change only with the points read (their count),
        the evaluation date and which side of its start and due t is on, and a composite's
        only with its children's verdicts and its due. So `since`, probing many days, and a
        roll-up over many leaves reuse what is unchanged (a composite's verdict is looked up
        by the identity of its children's, which its entry keeps alive), and at most one
        verdict per distinct input is computed (exactly as on that day: same code)."""
        shape: tuple[object, ...]
        if isinstance(objective, TargetObjective):
            series = self.metric_series(objective.metric)
            start, due = self.project.start_of(objective), objective.due
            read = bisect.bisect_right(series.dates, t)
            last = series.dates[read - 1] if read else None
            cadence = self.project.metrics[objective.metric].cadence
            shape = ("target", objective.id, read, t < start, t <= due,
                     evaluation_date(cadence, last, start, t))
            if (found := self._states.get(shape)) is None:
                found = self._states[shape] = self._target_state(objective, t)
            return found
        if isinstance(objective, LimitObjective):
            series = self.metric_series(objective.metric)
            start, due = self.project.start_of(objective), self.project.due_of(objective)
            # nothing of the objective but its metric, bounds and dates: shared by limits alike
            shape = ("limit", objective.metric, objective.min, objective.max, start, due,
                     bisect.bisect_right(series.dates, t), t < start, t <= due)
            if (found := self._states.get(shape)) is None:
                found = self._states[shape] = self._limit_state(objective, t)
            return found
        if isinstance(objective, MilestoneObjective):
            events = self.ledger.events_of(objective.id)
            seen = sum(1 for event in events if event.as_of <= t)
            shape = ("milestone", objective.id, seen, t > objective.due, t >= objective.due,
                     t < self.project.program.start)
            if (found := self._states.get(shape)) is None:
                found = self._states[shape] = self._milestone_state(objective, t)
            return found
        if isinstance(objective, CompositeObjective):
            children = tuple(self._verdict(child, t) for child in objective.children)
            shape = ("composite", objective.id, t > self.project.due_of(objective),
                     *map(id, children))
            kept = self._composites.get(shape)
            if kept is None:
                kept = self._composites[shape] = (
                    children, self._composite_state(objective, t, children))
            return kept[1]
        raise KeyError(f"no objective {objective.id!r} is declared")

    def _composite_state(self, o: CompositeObjective, t: dt.date,
                         children: Sequence[_Verdict]) -> _Verdict:
        """A composite's status and exact ratios from its children's."""
        statuses = [c.status for c in children]
        if o.id not in self._weights:
            weights = tuple(Fraction(w) for w in o.child_weights)
            self._weights[o.id] = weights, sum(weights, _ZERO)
        weights, total = self._weights[o.id]
        # A no-data or not-started child counts progress 0, with its own expected.
        progress = _weighted_sum(
            weights, [_ZERO if s in ("no-data", "not-started") else _clamp(c.progress)
                      for c, s in zip(children, statuses, strict=True)]) / total
        expected = _weighted_sum(weights, [_clamp(c.expected) for c in children]) / total
        due = self.project.due_of(o)
        if all(s == "achieved" for s in statuses):
            status: Status = "achieved"
        elif t > due:
            status = "missed"
        elif all(s == "not-started" for s in statuses):
            status = "not-started"
        elif all(s == "no-data" for s in statuses):
            status = "no-data"
        else:
            status = _by_ratio(progress, expected, self._at_risk)
        return _Verdict(status, progress, expected)

    def _composite(self, o: CompositeObjective, t: dt.date) -> _Exact:
        children = [self._exact(child, t) for child in o.children]
        statuses = [c.result.status for c in children]
        state = self._composite_state(o, t, [_Verdict(c.result.status, c.progress, c.expected)
                                             for c in children])
        status, progress, expected = state.status, state.progress, state.expected
        assert progress is not None and expected is not None
        worst_index = min(range(len(statuses)), key=lambda i: (severity_rank(statuses[i]), i))
        return _Exact(CompositeResult(
            **self._common(o, t), status=status, progress=to_decimal(progress),
            expected=to_decimal(expected), variance_points=to_decimal(progress - expected),
            stale=any(c.result.stale for c in children), children=o.children,
            weights=o.child_weights,
            worst_child=WorstChild(id=o.children[worst_index], status=statuses[worst_index]),
            children_by_status={s: statuses.count(s) for s in SEVERITY if s in statuses},
        ), progress, expected)


@dataclass(frozen=True, slots=True)
class _Envelope:
    """A metric's points against a limit's bounds: how many are outside up to each point,
    and where each point's current run outside began (O(1) per question after one pass)."""

    dates: tuple[dt.date, ...]
    outside_before: tuple[int, ...]  #: points outside among the first i (len(dates) + 1)
    run_start: tuple[int, ...]  #: the first index of the run outside that i is in

    @classmethod
    def build(cls, series: MetricSeries, low: Decimal | None, high: Decimal | None
              ) -> _Envelope:
        counts: list[int] = [0]
        starts: list[int] = []
        before = False  # the previous point lies outside
        for i, level in enumerate(series.levels):
            out = (low is not None and level < low) or (high is not None and level > high)
            counts.append(counts[-1] + out)
            starts.append(starts[-1] if out and before else i)
            before = out
        return cls(series.dates, tuple(counts), tuple(starts))

    def outside_between(self, first: dt.date, last: dt.date) -> int:
        """Points dated from first to last that lie outside."""
        lo = bisect.bisect_left(self.dates, first)
        hi = bisect.bisect_right(self.dates, last)
        return self.outside_before[hi] - self.outside_before[lo] if hi > lo else 0

    def breached_since(self, t: dt.date) -> dt.date | None:
        """The first date of the run outside that the newest point on or before t is in."""
        i = bisect.bisect_right(self.dates, t) - 1
        if i < 0 or self.outside_before[i + 1] == self.outside_before[i]:
            return None
        return self.dates[self.run_start[i]]


def _forecast_line(fc: Forecast | None, due: dt.date) -> tuple[SeriesPoint, ...]:
    """The forecast as a chart line: from its first point to max(due, its anchor)."""
    if fc is None:
        return ()
    end = max(due, fc.anchor)
    return (SeriesPoint(date=fc.first, value=to_decimal(fc.at(fc.first))),
            SeriesPoint(date=end, value=to_decimal(fc.at(end))))


def _by_ratio(progress: Fraction, expected: Fraction, at_risk: Fraction) -> Status:
    """r = progress / expected, compared exactly; expected of 0 (or less) counts as on plan."""
    if expected <= 0 or progress >= expected:
        return "on-track"
    if progress >= at_risk * expected:
        return "at-risk"
    return "off-track"


# --------------------------------------------------------------------------- entry points

def build_report_from_ledger(project: Project, ledger: EffectiveLedger, as_of: dt.date,
                             evaluator: Evaluator | None = None,
                             part: Part | None = None, period: str = "quarter") -> Report:
    """The report at `as_of` over an already folded ledger; `part` keeps only the objectives
    it accepts (`--group/--owner/--tag`); `period` sets how far back recent notes reach."""
    evaluator = evaluator or Evaluator(project, ledger)
    objectives = tuple(evaluator.evaluate(o.id, as_of) for o in project.objectives
                       if not part or part.accepts(o))
    counts = {status: 0 for status in SEVERITY}
    rollups = {status: 0 for status in SEVERITY}
    for result in objectives:  # one late milestone is not counted again in its roll-ups
        (rollups if result.kind == "composite" else counts)[result.status] += 1
    p = project.program
    return Report(
        program=ProgramInfo(name=p.name, code=p.code, start=p.start, end=p.end,
                            currency=p.currency, at_risk=p.at_risk, locale=p.locale,
                            groups=p.groups),
        part=part.described() if part else {},
        as_of=as_of, known_at=ledger.known_at, objectives=objectives, summary=counts,
        rollups=rollups,
        stale_metrics=tuple(m for m in evaluator.stale_metrics(as_of) if not part
                            or m.metric in {getattr(r, "metric", None) for r in objectives}),
        exceptions=find_exceptions(project, ledger, evaluator, objectives, as_of),
        notes_from=(first := period_start(as_of, period)),
        recent_notes={r.id: notes for r in objectives
                      if (notes := recent_notes(ledger, r.id, as_of, first))},
    )


@dataclass(frozen=True)
class Provenance:
    """Where a document comes from (read by the caller: compute reads no clock or file)."""

    generated_at: dt.datetime
    plan_version: str
    ledger_head: str


def stamped(report: Report, provenance: Provenance, originals: dict[str, Original],
            baseline_version: int | None = None) -> Report:
    """The report with its provenance stamp and each revised objective's original plan."""
    objectives = tuple(
        r.model_copy(update={"original_target": originals[r.id].original_target,
                             "revision": originals[r.id].revision})
        if r.id in originals and originals[r.id].revision is not None else r
        for r in report.objectives)
    return report.model_copy(update={
        "generated_at": provenance.generated_at, "plan_version": provenance.plan_version,
        "ledger_head": provenance.ledger_head, "objectives": objectives,
        "baseline_version": baseline_version})


def build_report(project: Project, entries: Iterable[object], as_of: dt.date,
                 known_at: dt.datetime | None = None) -> Report:
    """Where each objective stands at the end of `as_of`, as known at `known_at` (UTC)."""
    return build_report_from_ledger(project, effective_ledger(entries, known_at, project.renames),
                                    as_of)


def period_ends(first: dt.date, last: dt.date, period: Period) -> tuple[dt.date, ...]:
    """The last day of each month/quarter/year from `first` on, before `last`; then `last`.

    `report --period quarter` as of 2025-08-15 from 2025-01-01 gives 2025-03-31, 2025-06-30
    and 2025-08-15 (the period in progress, up to the as-of date).
    """
    if last < first:
        return ()
    step = {"month": 1, "quarter": 3, "year": 12}[period]
    ends: list[dt.date] = []
    year, month = first.year, first.month
    month = ((month - 1) // step + 1) * step  # the last month of first's period
    while True:
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        if end >= last:
            break
        ends.append(end)
        month += step
        if month > 12:
            year, month = year + 1, month - 12
    ends.append(last)
    return tuple(ends)


def period_series(evaluator: Evaluator, objective_id: str, first: dt.date, last: dt.date,
                  period: Period) -> tuple[AnyResult, ...]:
    """An objective's records at each period end (see `period_ends`)."""
    return evaluator.series(objective_id, period_ends(first, last, period))
