"""Helpers for the computation tests: a tiny project builder and a ledger factory.

Entries are well formed (64-hex ids and prev, seq 1, 2, 3…, increasing recorded_at) but the
hashes are fake: computation never checks them, `verify` does.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

from mibtrack.model import Correction, MilestoneEvent, Note, Observation, Project, Void

D = Decimal
ZERO_HASH = "0" * 64


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


class Ledger:
    """Appends entries of one writer; each new entry is recorded one hour after the last."""

    def __init__(self, writer: str = "alice",
                 first: dt.datetime = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)) -> None:
        self.writer = writer
        self.entries: list = []
        self.clock = first
        self.prev = ZERO_HASH

    def _base(self, as_of: str, recorded_at: dt.datetime | None) -> dict:
        self.clock = recorded_at or self.clock + dt.timedelta(hours=1)
        seq = len(self.entries) + 1
        entry_id = hashlib.sha256(f"{self.writer}:{seq}".encode()).hexdigest()
        base = dict(seq=seq, writer=self.writer, recorded_at=self.clock,
                    as_of=day(as_of), prev=self.prev, id=entry_id)
        self.prev = entry_id
        return base

    def _add(self, entry):
        self.entries.append(entry)
        return entry

    def obs(self, metric: str, value: str, as_of: str, recorded_at=None,
            key: str | None = None) -> Observation:
        return self._add(Observation(type="observation", metric=metric, value=D(value),
                                     key=key, **self._base(as_of, recorded_at)))

    def event(self, objective: str, status: str, as_of: str, expected: str | None = None,
              recorded_at=None) -> MilestoneEvent:
        return self._add(MilestoneEvent(
            type="milestone", objective=objective, status=status,
            expected=day(expected) if expected else None, **self._base(as_of, recorded_at)))

    def correct(self, target, value: str | None = None, date: str | None = None,
                recorded_at=None) -> Correction:
        return self._add(Correction(
            type="correction", target_entry=target.id,
            value=D(value) if value is not None else None,
            date=day(date) if date else None, reason="typo",
            **self._base("2020-01-01", recorded_at)))

    def void(self, target, recorded_at=None) -> Void:
        return self._add(Void(type="void", target_entry=target.id, reason="wrong",
                              **self._base("2020-01-01", recorded_at)))

    def note(self, objective: str, text: str, as_of: str, recorded_at=None) -> Note:
        return self._add(Note(type="note", objective=objective, note=text,
                              **self._base(as_of, recorded_at)))


def project(*objectives: dict, metrics: dict | None = None, at_risk: str = "0.9",
            start: str = "2024-01-01", end: str = "2033-12-31") -> Project:
    """A project whose metrics default to `m` (latest) and `s` (sum), monthly `mm`."""
    metrics = metrics or {
        "m": {"id": "m", "unit": "jobs", "aggregate": "latest"},
        "s": {"id": "s", "unit": "EUR", "aggregate": "sum"},
    }
    return Project.model_validate({
        "program": {"name": "Test programme", "code": "TP", "start": start, "end": end,
                    "currency": "EUR", "at_risk": at_risk},
        "metrics": metrics,
        "objectives": list(objectives),
    })


def target(id: str = "t", **fields) -> dict:
    """A target objective: metric m, 0 → 100 from 2024-01-01 to 2024-12-31 by default."""
    return {"id": id, "title": f"Objective {id}", "kind": "target", "metric": "m",
            "target": 100, "start": "2024-01-01", "due": "2024-12-31", **fields}


def milestone(id: str = "ms", due: str = "2024-06-30", **fields) -> dict:
    return {"id": id, "title": f"Milestone {id}", "kind": "milestone", "due": due, **fields}
