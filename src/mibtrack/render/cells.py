"""Display text for a report's values, shared by the document formats (Markdown, HTML,
workbook). Formatting only: every number is one the report holds; labels and numbers in
the language `i18n.use_locale` set."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..compute import AnyResult, MilestoneResult, Report
from ..compute.parts import Section
from ..values import rounded
from .i18n import day, days, days_behind, plural, t
from .i18n import percent as percent
from .i18n import points as points
from .text import amount, compact, literal

STATUS_MARK = {
    "achieved": "✔", "on-track": "●", "at-risk": "▲", "off-track": "▼", "missed": "✖",
    "no-data": "?", "not-started": "○",
}


#: Statuses that show the objective's current reason beside them (SPEC R2 "reason").
TROUBLE = ("at-risk", "off-track", "missed")


def reason_text(r: AnyResult) -> str:
    """The current reason when the objective is in trouble, else empty (user text)."""
    return literal(r.reason) if r.status in TROUBLE and r.reason else ""


def rollup_counts(summary: dict[str, int]) -> str:
    """`▼ 1 off-track, ● 2 on-track`: the statuses present, worst first."""
    return ", ".join(f"{STATUS_MARK.get(s, '')} {n} {t(s)}" for s, n in summary.items() if n) \
        or t("none")


def limit_text(r: AnyResult, currency: str) -> str:
    """A limit's bounds: `at least 40 %`, `at most €150k`, `€25 to €40`."""
    if r.min is not None and r.max is not None:
        low, high = amount(r.min, r.unit, currency), amount(r.max, r.unit, currency)
        return f"de {low} à {high}" if t("to") != "to" else f"{low} to {high}"
    if r.min is not None:
        return f"{t('at least')} {amount(r.min, r.unit, currency)}"
    return f"{t('at most')} {amount(r.max, r.unit, currency)}"


def status_label(status: str) -> str:
    """Symbol and word, so status never depends on colour alone."""
    return f"{STATUS_MARK.get(status, '')} {t(status)}".strip()


def actual_text(r: AnyResult, currency: str, short: bool = False) -> str:
    """What the objective stands at; `short`: for a narrow column (the terminal's table)."""
    if r.kind == "milestone":
        return t(r.state) if r.state else "—" if short else t("no event yet")
    if r.kind == "composite":
        return f"{len(r.children)} {t('parts')}"
    return (compact if short else amount)(r.actual, r.unit, currency)


def goal_text(r: AnyResult, currency: str) -> str:
    if r.kind == "milestone":
        return "réalisation" if t("done") != "done" else "done"
    if r.kind == "composite":
        return t("all of") + " " + ", ".join(literal(c) for c in r.children)
    if r.kind == "limit":
        return limit_text(r, currency)
    if r.target_min is not None:
        low, high = amount(r.target_min, r.unit, currency), amount(r.target_max, r.unit, currency)
        return f"de {low} à {high}" if t("to") != "to" else f"{low} to {high}"
    return amount(r.target, r.unit, currency)


def planned_text(r: AnyResult, currency: str) -> str:
    if r.kind == "target":
        return amount(r.planned, r.unit, currency, places=2)
    return percent(r.expected)


def signed_amount(value: Decimal, unit: str | None, currency: str) -> str:
    """A variance with its sign: `+5 jobs`, `-€2,000,000`, `0 jobs` (never `-0`)."""
    near = rounded(value, Decimal("0.01"))
    near = near if near != value else value  # an exact value keeps its own digits
    text = amount(near, unit, currency)
    return "+" + text if near > 0 else text


def variance_text(r: AnyResult, currency: str) -> str:
    if r.variance is None:
        return points(r.variance_points)
    return signed_amount(r.variance, r.unit, currency)


def schedule_text(r: AnyResult) -> str:
    value = r.schedule_variance_days
    if value is None:
        return "—"
    if value == 0:
        return t("on schedule")
    if t("on schedule") != "on schedule":  # French
        return f"{days(abs(value))} {'de retard' if value < 0 else 'd’avance'} sur le plan"
    return f"{days(abs(value))} {'behind' if value < 0 else 'ahead of'} plan"


def forecast_text(r: AnyResult, currency: str) -> str:
    if r.kind not in ("target", "limit"):
        return "—"
    if r.forecast_at_due is None:
        return t("not enough data")
    return amount(r.forecast_at_due, r.unit, currency, places=2)


def when_text(r: AnyResult) -> str:
    """The milestone's dates or lateness, the target's ETA."""
    if r.kind == "milestone":
        if r.done_date is not None:
            late = f", {days_behind(r.late_days)}" if r.late_days else f", {t('on time')}"
            return f"{t('done on')} {day(r.done_date)}{late} ({t('due')} {day(r.due)})"
        if r.state == "slipped" and r.expected_date is not None:
            return f"{t('slipped: expected')} {day(r.expected_date)} ({t('due')} {day(r.due)})"
        return f"{t('due')} {day(r.due)}"
    if r.kind == "limit":
        if r.breached_since is not None:
            return f"{t('outside since')} {day(r.breached_since)} ({t('until')} {day(r.due)})"
        breaches = f", {r.breaches} {plural(r.breaches, t('breach'), t('breaches'))}" \
            if r.breaches else ""
        return f"{t('holds until')} {day(r.due)}{breaches}"
    if r.eta is not None:
        return f"{t('ETA ')}{day(r.eta)}"
    if r.kind == "target" and r.forecast_at_due is not None and r.status != "achieved":
        return t("no ETA at this pace")
    return f"{t('due')} {day(r.due)}" if r.due else "—"


def late_text(r: MilestoneResult) -> str:
    """A milestone's lateness, saying why when it is not done: `12 days late`, `slipped:
    expected 2029-03-31, 90 days after due`, `not done, 30 days past due`."""
    if r.late_days is not None:
        return days_behind(r.late_days)
    if r.state == "slipped" and r.expected_date is not None and r.due is not None:
        gap = (r.expected_date - r.due).days
        if t("due") != "due":
            return f"{t('slipped: expected')} {day(r.expected_date)}, " + (
                f"{days(gap)} après l'échéance" if gap > 0 else "avant l'échéance")
        return f"slipped: expected {day(r.expected_date)}, " + (
            f"{days(gap)} after due" if gap > 0 else "within its due date")
    if r.status == "missed":
        return t("missed")
    return "—"


def colon() -> str:
    """`:` in English, ` :` in French (a no-break space before it)."""
    return "\u00a0:" if t("to") != "to" else ":"


def group_name(r: AnyResult) -> str:
    return r.group or t(r.kind.capitalize() + "s")


def section_title(section: Section) -> str:
    """A section's heading: its group's innermost name, or its kind's plural."""
    if section.path:
        return section.path[-1]
    return t((section.kind or "objective").capitalize() + "s")


# --------------------------------------------------------------------------- exceptions

def reason_of(report: Report, r: AnyResult) -> str | None:
    """The objective's current reason (SPEC R2), as the report holds it: shown beside every
    objective that has one (and always beside the exceptions)."""
    return r.reason


def gap_text(e: Any, currency: str) -> str:
    """An exception's gap in its unit (or in points)."""
    if e.gap is not None:
        return signed_amount(e.gap, e.unit, currency)
    if e.gap_points is not None:
        return points(e.gap_points)
    return "—"


def behind_text(e: Any) -> str:
    """Days behind as a number (negative: ahead), for a column headed so."""
    if e.days_behind is None:
        return "—"
    from .i18n import number

    return number(Decimal(e.days_behind))


def next_text(e: Any) -> str:
    """`expected 2029-03-31`, `ETA 2027-01-02`, `due 2025-12-31`."""
    if e.next_date is None:
        return "—"
    word = {"expected": t("expected") + " ", "eta": t("ETA "),
            "due": t("due") + " "}[e.next_date_kind]
    return f"{word}{day(e.next_date)}"


def since_text(e: Any) -> str:
    return day(e.since)


def number_cell(value: Decimal | None) -> str:
    return "—" if value is None else format(value, "f")


def known_text(report: Report) -> str:
    """"as known at …": the report's known-at, else the moment the ledger was read (so a
    report reproduced with `--known-at <generated_at>` reads the same)."""
    from .i18n import moment as shown_moment

    moment = report.known_at or report.generated_at
    if moment is None:
        return t("as known now")
    return f"{t('as known at')} {shown_moment(moment)}"


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


def revised(r: AnyResult) -> str:
    """The mark of an objective whose plan was revised, with how; "" when it was not."""
    if r.revision is None:
        return ""
    from .plans import revision_text

    return revision_text(r.revision)


def evidence_href(item: Any) -> str:
    """A relative link to an evidence document (an `EvidenceItem`): its name percent-encoded,
    so a space, a quote or a bracket cannot end the link (escape it again for HTML)."""
    from urllib.parse import quote

    return f"evidence/{item.sha256}/{quote(item.name, safe='')}"


def evidence_about(item: Any) -> str:
    """What a document stands behind, in words: `actual, 2025-03-31, entry 6088d700f1a3`."""
    return f"{t(item.backs)}, {day(item.date)}, {t('entry')} {item.entry[:12]}"

