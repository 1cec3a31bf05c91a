"""Statuses and their severity: the order `check --fail-on` and composites rely on."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

Status = Literal[
    "missed", "off-track", "at-risk", "no-data", "on-track", "not-started", "achieved"
]

#: Every status, worst first (SPEC "Computation": severity).
SEVERITY: tuple[Status, ...] = (
    "missed", "off-track", "at-risk", "no-data", "on-track", "not-started", "achieved"
)

_RANK: dict[str, int] = {status: rank for rank, status in enumerate(SEVERITY)}


def severity_rank(status: str) -> int:
    """0 for the worst status (missed), 6 for the mildest (achieved)."""
    try:
        return _RANK[status]
    except KeyError:
        raise ValueError(f"unknown status {status!r}; expected one of {', '.join(SEVERITY)}") \
            from None


def at_or_past(status: str, threshold: str) -> bool:
    """True when `status` is as bad as `threshold` or worse (`check --fail-on threshold`)."""
    return severity_rank(status) <= severity_rank(threshold)


def worst(statuses: Iterable[Status]) -> Status:
    """The most severe of the statuses given (at least one)."""
    ranked = sorted(statuses, key=severity_rank)
    if not ranked:
        raise ValueError("worst() of no statuses")
    return ranked[0]
