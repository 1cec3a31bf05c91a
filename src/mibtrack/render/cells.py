"""Display text for a report's values, shared by the document formats (Markdown, HTML).
Formatting only: every number is one the report holds."""

from __future__ import annotations

from decimal import Decimal

from ..compute import ObjectiveResult, Report
from .text import amount, literal

STATUS_MARK = {
    "achieved": "✔", "on-track": "●", "at-risk": "▲", "off-track": "▼", "missed": "✖",
    "no-data": "?", "not-started": "○",
}


#: Statuses that show the objective's current reason beside them (SPEC R2 "reason").
TROUBLE = ("at-risk", "off-track", "missed")


def reason_text(r: ObjectiveResult) -> str:
    """The current reason when the objective is in trouble, else empty (user text)."""
    return literal(r.reason) if r.status in TROUBLE and r.reason else ""


def rollup_counts(summary: dict[str, int]) -> str:
    """`▼ 1 off-track, ● 2 on-track`: the statuses present, worst first."""
    return ", ".join(f"{STATUS_MARK.get(s, '')} {n} {s}" for s, n in summary.items() if n) \
        or "none"


def limit_text(r: ObjectiveResult, currency: str) -> str:
    """A limit's bounds: `at least 40 %`, `at most €150k`, `€25 to €40`."""
    if r.min is not None and r.max is not None:
        return f"{amount(r.min, r.unit, currency)} to {amount(r.max, r.unit, currency)}"
    if r.min is not None:
        return f"at least {amount(r.min, r.unit, currency)}"
    return f"at most {amount(r.max, r.unit, currency)}"


def status_label(status: str) -> str:
    """Symbol and word, so status never depends on colour alone."""
    return f"{STATUS_MARK.get(status, '')} {status}".strip()


def percent(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{(value * 100).quantize(Decimal(1)):f}%"


def points(value: Decimal | None) -> str:
    if value is None:
        return "—"
    return f"{(value * 100).quantize(Decimal(1)):+f} pts"


def actual_text(r: ObjectiveResult, currency: str) -> str:
    if r.kind == "milestone":
        return literal(r.state) or "no event yet"
    if r.kind == "composite":
        return f"{len(r.children)} parts"
    return amount(r.actual, r.unit, currency)


def goal_text(r: ObjectiveResult, currency: str) -> str:
    if r.kind == "milestone":
        return "done"
    if r.kind == "composite":
        return "all of " + ", ".join(literal(c) for c in r.children)
    if r.kind == "limit":
        return limit_text(r, currency)
    if r.target_min is not None:
        low, high = amount(r.target_min, r.unit, currency), amount(r.target_max, r.unit, currency)
        return f"{low} to {high}"
    return amount(r.target, r.unit, currency)


def planned_text(r: ObjectiveResult, currency: str) -> str:
    if r.kind == "target":
        return amount(r.planned, r.unit, currency, places=2)
    return percent(r.expected)


def variance_text(r: ObjectiveResult, currency: str) -> str:
    if r.variance is None:
        return points(r.variance_points)
    text = amount(r.variance, r.unit, currency, places=2)
    return text if text.startswith("-") else "+" + text


def schedule_text(r: ObjectiveResult) -> str:
    days = r.schedule_variance_days
    if days is None:
        return "—"
    if days == 0:
        return "on schedule"
    return f"{abs(days)} days {'behind' if days < 0 else 'ahead of'} plan"


def forecast_text(r: ObjectiveResult, currency: str) -> str:
    if r.kind not in ("target", "limit"):
        return "—"
    if r.forecast_at_due is None:
        return "not enough data"
    return amount(r.forecast_at_due, r.unit, currency, places=2)


def when_text(r: ObjectiveResult) -> str:
    """The milestone's dates or lateness, the target's ETA."""
    if r.kind == "milestone":
        if r.done_date is not None:
            late = f", {r.late_days} days late" if r.late_days else ", on time"
            return f"done {r.done_date}{late} (due {r.due})"
        if r.state == "slipped" and r.expected_date is not None:
            return f"slipped: expected {r.expected_date} (due {r.due})"
        return f"due {r.due}"
    if r.kind == "limit":
        if r.breached_since is not None:
            return f"outside since {r.breached_since} (until {r.due})"
        return f"holds until {r.due}" + (f", {r.breaches} breaches" if r.breaches else "")
    if r.eta is not None:
        return f"ETA {r.eta}"
    if r.kind == "target" and r.forecast_at_due is not None and r.status != "achieved":
        return "no ETA at this pace"
    return f"due {r.due}" if r.due else "—"


def group_name(r: ObjectiveResult) -> str:
    return r.group or r.kind.capitalize() + "s"


def known_text(report: Report) -> str:
    """"as known at …": the report's known-at, else the moment the ledger was read (so a
    report reproduced with `--known-at <generated_at>` reads the same)."""
    moment = report.known_at or report.generated_at
    if moment is None:
        return "as known now"
    return f"as known at {moment:%Y-%m-%d %H:%M:%S} UTC"


def stamp_pairs(report: Report) -> list[tuple[str, str]]:
    """The provenance stamp as (label, value) pairs, for a document's footer."""
    from ..values import format_moment

    generated = format_moment(report.generated_at) if report.generated_at else "—"
    known = report.known_at or report.generated_at
    pairs = [("As of", str(report.as_of)),
             ("As known at", format_moment(known) if known else "now"),
             ("Generated at", generated),
             ("Plan version", report.plan_version or "—"),
             ("Ledger head", report.ledger_head or "—"),
             ("mibtrack", report.mibtrack_version)]
    if report.generated_at is not None:
        pairs.append(("Reproduce with", f"mibtrack report --as-of {report.as_of} "
                                        f"--known-at {generated}"))
    return pairs


def revised(r: ObjectiveResult) -> str:
    """The mark of an objective whose plan was revised, with how; "" when it was not."""
    if r.revision is None:
        return ""
    from .plans import revision_text

    return revision_text(r.revision)
