"""`check`'s verdict, computed once from a report: which objectives breach `--fail-on`, which
metrics are stale, and (with `--since`) only what got worse since an earlier report. The CLI
prints it as lines or as JSON; it decides nothing itself."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field

from mibtrack import __version__

from .diff import got_worse
from .report import AnyResult, Report, ReportRecord, StaleMetric
from .status import at_or_past

FailOn = Literal["at-risk", "off-track", "missed"]
#: The levels `--fail-on` takes, least severe first.
FAIL_ON: tuple[FailOn, ...] = ("at-risk", "off-track", "missed")


class CheckResult(ReportRecord):
    """`mibtrack check`: the verdict, and the report it was drawn from (the fields of
    `check --json`, in its order; `schema.CheckDocument` adds `feeds_left_out`)."""

    schema_version: Literal[1]
    """The report's shape version."""
    as_of: dt.date
    """The report's as-of date."""
    known_at: dt.datetime | None
    """The report's known-at moment (None: as known now)."""
    generated_at: dt.datetime | None
    """Provenance: when the ledger was read."""
    plan_version: str | None
    """Provenance: SHA-256 of the plan version used."""
    ledger_head: str | None
    """Provenance: SHA-256 of the feeds' newest ids."""
    mibtrack_version: str = __version__
    """Provenance: the version of mibtrack that computed it."""
    since: dt.datetime | None
    """--since: only what got worse since then."""
    fail_on: FailOn
    """--fail-on: the level at or past which an objective breaches."""
    stale: bool
    """--stale was given: stale metrics count as breaches."""
    ok: bool
    """No breach: check exits 0."""
    breaches: tuple[str, ...]
    """Ids of objectives at or past --fail-on (with --since: that also got worse since)."""
    stale_metrics: tuple[StaleMetric, ...]
    """Every stale metric of the report."""
    summary: dict[str, int]
    """Targets, limits and milestones by status."""
    rollups: dict[str, int]
    """Composites by status."""
    objectives: tuple[AnyResult, ...]
    """Every objective's record, as the report holds it."""
    stale_breaches: tuple[StaleMetric, ...] = Field(default=(), exclude=True)
    """The stale metrics that count as breaches (with --stale; with --since, those not stale
    then). Not in the JSON document, which lists every stale metric."""

    def breaching(self) -> list[AnyResult]:
        """The objectives in `breaches`, in report order."""
        ids = set(self.breaches)
        return [r for r in self.objectives if r.id in ids]


def check_result(report: Report, fail_on: FailOn, stale: bool = False,
                 since: dt.datetime | None = None, before: Report | None = None
                 ) -> CheckResult:
    """The verdict on `report`; `before`: the report as known at `since` (as of its day),
    to keep only what got worse since. Targets, limits and milestones only: a composite's
    trouble is its children's, counted once (SPEC R2); composites are in `rollups`."""
    breaches = [r for r in report.objectives
                if r.kind != "composite" and at_or_past(r.status, fail_on)]
    stale_breaches = list(report.stale_metrics) if stale else []
    if before is not None:  # only news: worse than as known at --since
        was = {r.id: r.status for r in before.objectives}
        breaches = [r for r in breaches if got_worse(was.get(r.id), r.status)]
        stale_then = {m.metric for m in before.stale_metrics}
        stale_breaches = [m for m in stale_breaches if m.metric not in stale_then]
    return CheckResult(
        schema_version=report.schema_version, as_of=report.as_of, known_at=report.known_at,
        generated_at=report.generated_at, plan_version=report.plan_version,
        ledger_head=report.ledger_head, mibtrack_version=report.mibtrack_version,
        since=since, fail_on=fail_on, stale=stale, ok=not breaches and not stale_breaches,
        breaches=tuple(r.id for r in breaches), stale_metrics=report.stale_metrics,
        summary=report.summary, rollups=report.rollups, objectives=report.objectives,
        stale_breaches=tuple(stale_breaches))
