"""The ledger folded, as it streams by, into one actual per metric and day.

`status`, `report` and `check` only need A(t) at the dates that have an observation, so a
million observations fold into one value per (metric, day): a running sum for `sum`
metrics, the last-recorded value for `latest` ones. The fold keeps O(metrics × days) state,
never O(entries), and gives exactly the `MetricSeries` that `effective_ledger` would:

- entries recorded after `known_at` do not exist;
- corrections and voids (few) are given up front, so each observation is corrected or
  retracted as it streams by, with the same rules as `effective_ledger`;
- of two observations of a `latest` metric on one day, the later in ledger order
  (recorded_at, writer, seq) wins;
- milestone events and notes (few) are kept whole and folded by `effective_ledger`.

Pure: no I/O. Values arrive as the canonical decimal text stored in the ledger; sums are
kept in exact integer millionths (a value has at most 6 decimal places).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Context, Decimal, Inexact

from mibtrack.model import Correction, Observation, Void

from .formulas import MetricSeries
from .ledger_state import EffectiveLedger, _as_utc, _retracted_ids, effective_ledger, ledger_order

_MICRO = 1_000_000
_MICRO_DECIMAL = Decimal(_MICRO)
_EXACT = Context(prec=100, traps=[Inexact])
_MICRO_MEMO = 1 << 18  # distinct value texts remembered by `observe_rows` (bounded memory)


def moment_text(moment: dt.datetime) -> str:
    """A moment as the ledger stores it (UTC, microseconds, Z): text order is time order."""
    return _as_utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def micro(text: str) -> int:
    """Canonical decimal text ("-12.5") to exact integer millionths (-12500000)."""
    whole, _, frac = text.partition(".")
    return int(whole + frac.ljust(6, "0")) if frac else int(whole) * _MICRO


def from_micro(total: int) -> Decimal:
    """Integer millionths back to a canonical Decimal ("12.5", "1000", "0.000001"): an
    exact division (the quotient takes the fewest places it needs), in a context wide
    enough for any sum."""
    return _EXACT.divide(Decimal(total), _MICRO_DECIMAL)


def _text(value: Decimal) -> str:
    return format(value, "f")


class DailyFold:
    """Accumulates observations into daily actuals; see the module docstring."""

    def __init__(self, aggregates: Mapping[str, str], amendments: Iterable[object] = (),
                 known_at: dt.datetime | None = None) -> None:
        """`aggregates`: declared metric → "latest" or "sum" (others are ignored).
        `amendments`: every correction and void of the ledger (any order)."""
        self.known_at = known_at
        self.cutoff = None if known_at is None else moment_text(known_at)
        self.sums: dict[str, dict[str, int]] = {
            m: {} for m, a in aggregates.items() if a == "sum"}
        self.latest: dict[str, dict[str, tuple[tuple[str, str, int], str]]] = {
            m: {} for m, a in aggregates.items() if a == "latest"}
        #: Milestone events, notes, corrections and voids, kept whole (there are few).
        self.others: list[object] = []
        cutoff = None if known_at is None else _as_utc(known_at)
        known = sorted((e for e in amendments if isinstance(e, (Correction, Void))
                        and (cutoff is None or _as_utc(e.recorded_at) <= cutoff)),
                       key=ledger_order)
        self.amendment_ids = frozenset(e.id for e in known)
        retracted = _retracted_ids([e for e in known if isinstance(e, Void)])
        self.retracted = frozenset(retracted)
        self.new_value: dict[str, str] = {}
        self.new_date: dict[str, str] = {}
        for entry in known:
            if isinstance(entry, Correction) and entry.id not in retracted:
                if entry.value is not None:
                    self.new_value[entry.target_entry] = _text(entry.value)
                if entry.date is not None:
                    self.new_date[entry.target_entry] = entry.date.isoformat()
        self.touched = self.retracted | set(self.new_value) | set(self.new_date)
        self._micro: dict[str, int] = {}  # value text → millionths, for `observe_rows`

    def observe(self, metric: str, day: str, value: str, recorded_at: str, writer: str,
                seq: str | int, entry_id: str) -> None:
        """One observation, as stored: ISO day, canonical decimal text, UTC moment text."""
        if self.cutoff is not None and recorded_at > self.cutoff:
            return
        if entry_id in self.touched:
            if entry_id in self.retracted:
                return
            value = self.new_value.get(entry_id, value)
            day = self.new_date.get(entry_id, day)
        bucket = self.sums.get(metric)
        if bucket is not None:
            bucket[day] = bucket.get(day, 0) + micro(value)
            return
        levels = self.latest.get(metric)
        if levels is not None:
            order = (recorded_at, writer, int(seq))
            current = levels.get(day)
            if current is None or order > current[0]:
                levels[day] = (order, value)

    def observe_rows(self, rows: list[tuple[str, ...]]) -> None:
        """Many observations as (seq, writer, recorded_at, recorded day, as_of, metric,
        value, key, prev, id) texts: `observe` for each, with its work inlined (the cold read's
        hot loop), and each distinct value text converted once."""
        if self.cutoff is not None:
            for seq, writer, recorded, _, day, metric, value, _, _, entry_id in rows:
                self.observe(metric, day, value, recorded, writer, seq, entry_id)
            return
        touched, observe = self.touched, self.observe
        sums, latest, known = self.sums.get, self.latest.get, self._micro
        for row in rows:
            seq, writer, recorded, _, day, metric, value, _, _, entry_id = row
            if entry_id in touched:
                observe(metric, day, value, recorded, writer, seq, entry_id)
                continue
            bucket = sums(metric)
            if bucket is not None:
                amount = known.get(value)
                if amount is None:
                    amount = micro(value)
                    if len(known) < _MICRO_MEMO:
                        known[value] = amount
                bucket[day] = bucket.get(day, 0) + amount
                continue
            levels = latest(metric)
            if levels is not None:
                order = (recorded, writer, int(seq))
                current = levels.get(day)
                if current is None or order > current[0]:
                    levels[day] = (order, value)

    def add(self, entry: object) -> None:
        """A whole ledger Entry (a line read the slow, fully validated way)."""
        if isinstance(entry, Observation):
            self.observe(entry.metric, entry.as_of.isoformat(), _text(entry.value),
                         moment_text(entry.recorded_at), entry.writer, entry.seq, entry.id)
        else:
            self.others.append(entry)

    def unexpected_amendments(self) -> set[str]:
        """Corrections and voids met while folding that were not given up front."""
        return {e.id for e in self.others if isinstance(e, (Correction, Void))  # type: ignore[attr-defined]
                and (self.cutoff is None or moment_text(e.recorded_at) <= self.cutoff)  # type: ignore[attr-defined]
                } - self.amendment_ids

    # -- results
    def series(self) -> dict[str, MetricSeries]:
        """A MetricSeries for every declared metric, as `MetricSeries.build` would give."""
        days: dict[str, dt.date] = {}

        def date_of(text: str) -> dt.date:
            found = days.get(text)
            if found is None:
                found = days[text] = dt.date.fromisoformat(text)
            return found

        out: dict[str, MetricSeries] = {}
        for metric, bucket in self.sums.items():
            dates, levels, total = [], [], 0
            for day in sorted(bucket):
                total += bucket[day]
                dates.append(date_of(day))
                levels.append(from_micro(total))
            out[metric] = MetricSeries("sum", tuple(dates), tuple(levels))
        for metric, level_of in self.latest.items():
            ordered = sorted(level_of)
            out[metric] = MetricSeries("latest", tuple(date_of(d) for d in ordered),
                                       tuple(Decimal(level_of[d][1]) for d in ordered))
        return out

    def effective(self) -> EffectiveLedger:
        """Milestone events and notes, corrected; observations are in `series()`."""
        return effective_ledger(self.others, self.known_at)

    # -- as plain data (for a cache; only a fold without known_at is meant to be kept)
    def to_state(self) -> dict:
        """The fold as JSON-ready data; `from_state` gives it back."""
        return {
            "aggregates": {**{m: "sum" for m in self.sums}, **{m: "latest" for m in self.latest}},
            # columns (days, then values): lists load faster than objects
            "sums": {m: [list(bucket), list(bucket.values())] for m, bucket in self.sums.items()},
            "latest": {m: _latest_columns(levels) for m, levels in self.latest.items()},
            # moments in the ledger's own text form: pydantic writes a whole second without
            # its microseconds, which the model (rightly) refuses to read back
            "others": [{**e.model_dump(mode="json"),  # type: ignore[attr-defined]
                        "recorded_at": moment_text(e.recorded_at)}  # type: ignore[attr-defined]
                       for e in self.others],
        }

    @classmethod
    def from_state(cls, state: dict) -> DailyFold:
        """A fold back from `to_state` data; every kept entry is validated again."""
        from pydantic import TypeAdapter

        from mibtrack.model import Entry

        adapter: TypeAdapter = TypeAdapter(Entry)
        others = [adapter.validate_python(e) for e in state["others"]]
        fold = cls({str(m): str(a) for m, a in state["aggregates"].items()},
                   [e for e in others if isinstance(e, (Correction, Void))])
        for metric, (days, totals) in state["sums"].items():
            _typed(days, str), _typed(totals, int)
            fold.sums[metric] = dict(zip(days, totals, strict=True))
        for metric, (days, recorded, writers, seqs, values) in state["latest"].items():
            _typed(days, str), _typed(recorded, str), _typed(writers, str), _typed(seqs, int)
            _typed(values, str)
            orders = zip(recorded, writers, seqs, strict=True)
            fold.latest[metric] = dict(zip(days, zip(orders, values, strict=True), strict=True))
        fold.others = others
        if set(fold.sums) != {m for m, a in state["aggregates"].items() if a == "sum"}:
            raise ValueError("inconsistent state")
        return fold

    def empty_like(self) -> DailyFold:
        """A fold with the same aggregates, amendments and known_at, and nothing folded."""
        fresh = object.__new__(DailyFold)
        fresh.__dict__.update(self.__dict__)
        fresh.sums = {m: {} for m in self.sums}
        fresh.latest = {m: {} for m in self.latest}
        fresh.others = []
        fresh._micro = {}
        return fresh

    def merge(self, other: DailyFold) -> None:
        """Fold in another fold of the same ledger's other lines (made with the same
        aggregates, amendments and known_at): sums add, the later in ledger order wins."""
        for metric, bucket in other.sums.items():
            mine = self.sums[metric]
            for day, total in bucket.items():
                mine[day] = mine.get(day, 0) + total
        for metric, levels in other.latest.items():
            mine_levels = self.latest[metric]
            for day, level in levels.items():
                current = mine_levels.get(day)
                if current is None or level[0] > current[0]:
                    mine_levels[day] = level
        self.others.extend(other.others)


def _typed(items: list, kind: type) -> None:
    """Refuse cached state whose items are not all exactly of type `kind`."""
    if type(items) is not list or not all(type(x) is kind for x in items):
        raise ValueError("inconsistent state")


def _latest_columns(levels: dict[str, tuple[tuple[str, str, int], str]]) -> list[list]:
    """A `latest` metric's days as five columns: day, recorded_at, writer, seq, value."""
    columns: list[list] = [[], [], [], [], []]
    for day, ((recorded, writer, seq), value) in levels.items():
        for column, item in zip(columns, (day, recorded, writer, seq, value), strict=True):
            column.append(item)
    return columns
