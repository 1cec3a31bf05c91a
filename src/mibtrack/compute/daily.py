"""The ledger folded, as it streams by, into one actual per metric and day.

`status`, `report` and `check` only need A(t) at the dates that have an observation, so a
million observations fold into one value per (metric, day): a running sum for `sum`
metrics, the last-recorded value for `latest` ones. The fold keeps O(metrics × days) state,
never O(entries), and gives exactly the `MetricSeries` that `effective_ledger` (the
definition) would — tests/compute/test_fold_property.py holds it so on random ledgers:

- entries recorded after `known_at` do not exist;
- the entries the rules depend on — every correction and void, and every keyed fact whose
  key is recorded more than once — are given up front (few), and `ledger_state.resolve`, the
  definition's own rules, says which observations are retracted, dropped (keyed copies,
  losing versions of a conflict) or corrected: each is handled as it streams by; but plain
  copies (canonical observations of one key with one content, named by no amendment: two
  offices that imported the same export) are not given, only which of their lines are the
  later copies (`copies`), which the rules would drop and nothing else;
- an observation under a `renamed_from` id counts for the metric that claims it; one under
  an id neither declared nor claimed is counted as an orphan (`orphans`);
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
from typing import Any

from mibtrack.model import (
    FACT_TYPES,
    Correction,
    KeyedObservation,
    Observation,
    Project,
    Renames,
    Void,
    parse_evidence,
)

from .formulas import MetricSeries
from .ledger_state import (
    DayDocuments,
    Documented,
    EffectiveLedger,
    KeyConflict,
    Orphan,
    Place,
    Resolution,
    _as_utc,
    effective_ledger,
    known_in_order,
    orphans,
    resolve,
)

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
                 known_at: dt.datetime | None = None, renames: Renames | None = None,
                 copies: Mapping[str, bytearray] | None = None) -> None:
        """`aggregates`: declared metric → "latest" or "sum" (others are ignored).
        `amendments`: every correction and void of the ledger, and every keyed fact whose
        key is recorded more than once (any order; others are ignored) but `copies`.
        `renames`: the project's `renamed_from` (old id → declared id).
        `copies`: plain later copies (`ledger.scan.KeyedFacts.copies`: writer → a bitmap of
        seqs), which count for nothing."""
        self._start(aggregates, known_at, renames)
        self.copies: dict[str, bytearray] = dict(copies or {})
        #: The entries the rules were resolved from (amendments and keyed facts): see `given`.
        self._given: list[object] | None = _given_of(amendments)
        self._given_models: list[object] = []  # (only while `_given` is None)
        self._keyed_state: Any = None  # (only while `_given` is None)
        self.given_recovered = frozenset(e.id for e in self._given  # type: ignore[attr-defined]
                                         if getattr(e, "recovered_from", None) is not None)
        known = known_in_order(self._given, known_at)
        self.amendment_ids = frozenset(e.id for e in known
                                       if isinstance(e, (Correction, Void)))
        self._resolved(resolve(known))

    def _start(self, aggregates: Mapping[str, str], known_at: dt.datetime | None,
               renames: Renames | None) -> None:
        """An empty fold of `aggregates`, nothing given nor resolved yet."""
        self.known_at = known_at
        self.cutoff = None if known_at is None else moment_text(known_at)
        self.renames = renames or Renames()
        self.sums: dict[str, dict[str, int]] = {
            m: {} for m, a in aggregates.items() if a == "sum"}
        self.latest: dict[str, dict[str, tuple[tuple[str, str, int], str]]] = {
            m: {} for m, a in aggregates.items() if a == "latest"}
        #: Milestone events, notes, corrections and voids, kept whole (there are few).
        self.others: list[object] = []
        #: Observations of metrics neither declared nor renamed: id → [count, newest day].
        self.orphaned: dict[str, list[Any]] = {}
        #: Observations that name evidence documents, kept whole (there are few).
        self.documented: list[Observation] = []
        #: Recovered entries met while folding that were not given up front.
        self.unexpected_recovered: dict[str, object] = {}
        self._micro: dict[str, int] = {}  # value text → millionths, for `observe_rows`

    def _resolved(self, rules: Resolution, complete: bool = True) -> None:
        """Take the rules `resolve` gives for the given entries known at known_at, or as a
        cache kept them (not `complete`: without their `duplicates`)."""
        self._folding = rules  # what `effective_ledger` reads of them
        self._rules = rules if complete else None
        self.retracted = rules.retracted | rules.dropped
        self.new_value: dict[str, str] = {k: _text(v) for k, v in rules.new_value.items()}
        self.new_date: dict[str, str] = {k: v.isoformat() for k, v in rules.new_date.items()}
        self.touched = rules.touched

    @property
    def rules(self) -> Resolution:
        """`resolve` of the given entries known at known_at. A fold read back from a cache
        kept them but their `duplicates` (as many as the keyed copies, and read by `verify`
        alone): asked for, they are resolved again."""
        if self._rules is None:
            self._rules = resolve(known_in_order(self.given, self.known_at))
        return self._rules

    @property
    def given(self) -> list[object]:
        """The entries the rules were resolved from (amendments and keyed facts). A fold read
        back from a cache reads its keyed copies of observations when first asked for them:
        the rules resolved from them are kept with it, and the warm path needs nothing else
        (at 1M entries, 13,000 copies: 50 ms to read back, 120 ms to resolve again)."""
        if self._given is None:
            state = self._keyed_state  # the columns, or what reads them when first asked
            columns = _keyed_checked(state() if callable(state) else state)
            self._given = _given_of([*self._given_models, *_keyed_from(columns)])
            self._given_models, self._keyed_state = [], None
        return self._given

    def _given_but_keyed(self) -> list[object]:
        """`given` but its keyed copies of observations (`KeyedObservation`, read from a
        cache only when asked for), which nothing reads once the rules are resolved."""
        if self._given is None:
            return self._given_models
        return [e for e in self._given if not isinstance(e, KeyedObservation)]

    def observe(self, metric: str, day: str, value: str, recorded_at: str, writer: str,
                seq: str | int, entry_id: str) -> None:
        """One observation, as stored: ISO day, canonical decimal text, UTC moment text."""
        if self.cutoff is not None and recorded_at > self.cutoff:
            return
        if self.copies and _is_copy(self.copies, writer, int(seq)):
            return
        if entry_id in self.touched:
            if entry_id in self.retracted:
                return
            value = self.new_value.get(entry_id, value)
            day = self.new_date.get(entry_id, day)
        metric = self.renames.metric(metric)
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
            return
        orphan = self.orphaned.setdefault(metric, [0, day])
        orphan[0] += 1
        orphan[1] = max(orphan[1], day)

    def observe_rows(self, rows: list[tuple[Any, ...]]) -> None:
        """Many observations as (seq, writer, recorded_at, recorded day, as_of, metric,
        value, key, prev, id) texts: `observe` for each, with its work inlined (the cold read's
        hot loop), and each distinct value text converted once."""
        if self.cutoff is not None:
            for seq, writer, recorded, _, day, metric, value, _, _, entry_id in rows:
                self.observe(metric, day, value, recorded, writer, seq, entry_id)
            return
        touched, observe = self.touched, self.observe
        sums, latest, known = self.sums.get, self.latest.get, self._micro
        copies = self.copies or None
        for row in rows:
            seq, writer, recorded, _, day, metric, value, key, _, entry_id = row
            if copies is not None and key is not None and _is_copy(copies, writer, seq):
                continue  # a plain later copy: it counts for nothing
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
                continue
            observe(metric, day, value, recorded, writer, seq, entry_id)  # renamed or orphan

    def add(self, entry: object) -> None:
        """A whole ledger Entry (a line read the slow, fully validated way)."""
        if getattr(entry, "recovered_from", None) is not None \
                and entry.id not in self.given_recovered:  # type: ignore[attr-defined]
            self.unexpected_recovered[entry.id] = entry  # type: ignore[attr-defined]
        if isinstance(entry, Observation):
            if entry.evidence:
                self.documented.append(entry)
            self.observe(entry.metric, entry.as_of.isoformat(), _text(entry.value),
                         moment_text(entry.recorded_at), entry.writer, entry.seq, entry.id)
        else:
            self.others.append(entry)

    def unexpected_amendments(self) -> set[str]:
        """Corrections, voids and recovered entries met while folding that were not given
        up front."""
        return {e.id for e in self.others if isinstance(e, (Correction, Void))
                and (self.cutoff is None or moment_text(e.recorded_at) <= self.cutoff)
                } - self.amendment_ids | set(self.unexpected_recovered)

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

    def documents(self) -> DayDocuments:
        """As `ledger_state.metric_documents` over the whole ledger: which documented
        observations make each declared metric's level on each day."""
        found: dict[str, dict[dt.date, list[tuple[tuple[str, str, int], Documented]]]] = {}
        for entry in self.documented:
            recorded = moment_text(entry.recorded_at)
            if (self.cutoff is not None and recorded > self.cutoff) or \
                    entry.id in self.retracted:
                continue
            day = self.new_date.get(entry.id, entry.as_of.isoformat())
            metric = self.renames.metric(entry.metric)
            order = (recorded, entry.writer, entry.seq)
            if metric not in self.sums:
                level = self.latest.get(metric, {}).get(day)
                if level is None or tuple(level[0]) != order:
                    continue  # undeclared, or not the day's winner
            date = dt.date.fromisoformat(day)
            found.setdefault(metric, {}).setdefault(date, []).append((order, Documented(
                entry.id, date, "observation", parse_evidence(entry.evidence))))
        return {metric: {day: tuple(d for _, d in sorted(items, key=lambda i: i[0]))
                         for day, items in sorted(days.items())}
                for metric, days in sorted(found.items())}

    def effective(self) -> EffectiveLedger:
        """Milestone events and notes, corrected, and the keys' conflicts; observations are
        in `series()` (this ledger holds none)."""
        # kept while nothing more is folded (others only grow): a report asks several times,
        # and with many keyed copies each asking resolves them all again
        kept = self.__dict__.get("_effective")
        if kept is not None and kept[0] == len(self.others):
            return kept[1]  # type: ignore[no-any-return]
        seen = {e.id for e in self.others}  # type: ignore[attr-defined]
        # the rules resolved up front are these entries' rules, unless folding met an
        # amendment or a recovered entry that was not given (the other entries met, events
        # and notes, are keyed once at most, which no rule reads). With those rules, the
        # keyed copies of observations are left out: `effective_ledger` folds them into
        # nothing but observations (in `series()`, not here) and the ranks of the events
        # and notes, which only order them among themselves
        again = bool(self.unexpected_amendments())
        folded = effective_ledger(
            [*self.others, *(e for e in (self.given if again else self._given_but_keyed())
                             if e.id not in seen)],  # type: ignore[attr-defined]
            self.known_at, self.renames, rules=None if again else self._folding)
        found = EffectiveLedger(known_at=folded.known_at, milestone_events=folded.milestone_events,
                                notes=folded.notes, conflicts=folded.conflicts)
        self.__dict__["_effective"] = (len(self.others), found)
        return found

    def orphans(self, project: Project) -> tuple[Orphan, ...]:
        """As `ledger_state.orphans` over the whole ledger: observations counted while
        folding, milestone events and notes from `effective()`."""
        from_events = [o for o in orphans(self.effective(), project) if o.kind == "objective"]
        return tuple(sorted([*from_events, *(
            Orphan("metric", m, count, dt.date.fromisoformat(day))
            for m, (count, day) in self.orphaned.items() if m not in project.metrics)]))

    # -- as plain data (for a cache; only a fold without known_at is meant to be kept)
    def to_state(self) -> dict[str, Any]:
        """The fold as JSON-ready data; `from_state` gives it back."""
        return {
            "aggregates": {**{m: "sum" for m in self.sums}, **{m: "latest" for m in self.latest}},
            # columns (days, then values): lists load faster than objects
            "sums": {m: [list(bucket), list(bucket.values())] for m, bucket in self.sums.items()},
            "latest": {m: _latest_columns(levels) for m, levels in self.latest.items()},
            # moments in the ledger's own text form (`_stored`)
            "others": [_stored(e) for e in self.others],
            "given": [_stored(e) for e in self._given_but_keyed() if isinstance(e, Observation)],
            # as read back when never asked for (the same columns `_keyed_columns` wrote,
            # or what reads them: a cache keeps them beside it, read only when asked for)
            "keyed": self._keyed_state if self._given is None else _keyed_columns(
                [e for e in self._given if isinstance(e, KeyedObservation)]),
            "rules": _rules_state(self._folding),
            "copies": {w: bits.hex() for w, bits in self.copies.items()},
            "orphaned": self.orphaned,
            "documented": [_stored(e) for e in self.documented],
            "renames": self.renames.model_dump(mode="json"),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> DailyFold:
        """A fold back from `to_state` data; every kept entry is validated again, the keyed
        copies of observations when first asked for (`given`: their columns are checked
        now, or when read if `state["keyed"]` is a callable that reads them, their values
        then). The rules are those `resolve` gave when it was kept (but
        their `duplicates`: see `rules`): a cache is only read for the same entries (an
        appended amendment or repeated key means a full read)."""
        from pydantic import TypeAdapter

        from mibtrack.model import Entry

        adapter: TypeAdapter[Entry] = TypeAdapter(Entry)
        others: list[object] = [adapter.validate_python(e) for e in state["others"]]
        models = _given_of([*others, *(adapter.validate_python(e) for e in state["given"])])
        fold = object.__new__(cls)
        fold._start({str(m): str(a) for m, a in state["aggregates"].items()}, None,
                    Renames.model_validate(state["renames"]))
        keyed = state["keyed"]  # the columns, or a callable giving them when first asked
        fold._given, fold._given_models, fold._keyed_state = (
            None, models, keyed if callable(keyed) else _keyed_checked(keyed))
        fold.given_recovered = frozenset(e.id for e in models  # type: ignore[attr-defined]
                                         if getattr(e, "recovered_from", None) is not None)
        fold.amendment_ids = frozenset(e.id for e in models
                                       if isinstance(e, (Correction, Void)))
        fold._resolved(_rules_from(state["rules"]), complete=False)
        fold.copies = {}
        for writer, bits in state["copies"].items():
            if type(writer) is not str or type(bits) is not str:
                raise ValueError("inconsistent state")
            fold.copies[writer] = bytearray.fromhex(bits)
        for metric, (count, day) in state["orphaned"].items():
            if type(count) is not int or type(day) is not str:
                raise ValueError("inconsistent state")
            fold.orphaned[str(metric)] = [count, day]
        for metric, (days, totals) in state["sums"].items():
            _typed(days, str)
            _typed(totals, int)
            fold.sums[metric] = dict(zip(days, totals, strict=True))
        for metric, (days, recorded, writers, seqs, values) in state["latest"].items():
            for column, kind in ((days, str), (recorded, str), (writers, str), (seqs, int),
                                 (values, str)):
                _typed(column, kind)
            orders = zip(recorded, writers, seqs, strict=True)
            fold.latest[metric] = dict(zip(days, zip(orders, values, strict=True), strict=True))
        fold.others = others
        documented = [adapter.validate_python(e) for e in state["documented"]]
        fold.documented = [e for e in documented if isinstance(e, Observation) and e.evidence]
        if len(fold.documented) != len(documented):
            raise ValueError("inconsistent state")
        if set(fold.sums) != {m for m, a in state["aggregates"].items() if a == "sum"}:
            raise ValueError("inconsistent state")
        return fold

    def empty_like(self) -> DailyFold:
        """A fold with the same aggregates, amendments and known_at, and nothing folded."""
        fresh = object.__new__(DailyFold)
        fresh.__dict__.update(self.__dict__)
        fresh.__dict__.pop("_effective", None)  # another fold's (its entries are not folded)
        fresh.sums = {m: {} for m in self.sums}
        fresh.latest = {m: {} for m in self.latest}
        fresh.others = []
        fresh.orphaned = {}
        fresh.documented = []
        fresh.unexpected_recovered = {}
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
        self.documented.extend(other.documented)
        self.unexpected_recovered.update(other.unexpected_recovered)
        for metric, (count, day) in other.orphaned.items():
            orphan = self.orphaned.setdefault(metric, [0, day])
            orphan[0] += count
            orphan[1] = max(orphan[1], day)

    def merge_part(self) -> DailyFold:
        """This fold as `merge` reads it, and nothing more: what a forked reader sends back
        (the parent has the given entries and the rules resolved from them). Beside `merge`,
        so a field that `merge` learns to read is sent too."""
        sent = object.__new__(DailyFold)
        sent.sums, sent.latest, sent.others, sent.orphaned = (
            self.sums, self.latest, self.others, self.orphaned)
        sent.documented, sent.unexpected_recovered = (self.documented,
                                                      self.unexpected_recovered)
        return sent


def _is_copy(copies: Mapping[str, bytearray], writer: str, seq: int) -> bool:
    """Is this writer's line `seq` a plain later copy (see `DailyFold.copies`)?"""
    bits = copies.get(writer)
    return bits is not None and len(bits) > seq >> 3 and bool(bits[seq >> 3] >> (seq & 7) & 1)


def _stored(entry: object) -> dict[str, Any]:
    """An entry as JSON data with its moments in the ledger's text form: pydantic writes a
    whole second without its microseconds, which the model (rightly) refuses to read back,
    and a cached fold that cannot be read back is never used again."""
    data: dict[str, Any] = entry.model_dump(mode="json")  # type: ignore[attr-defined]
    for name in ("recorded_at", "valid_after", "valid_before"):
        if data.get(name) is not None:
            data[name] = moment_text(getattr(entry, name))
    return data


def _keyed_columns(entries: list[KeyedObservation]) -> list[list[str | int]]:
    """Compact keyed observations as eight columns: id, key, writer, seq, recorded_at (the
    ledger's text), as_of, metric, value (canonical text)."""
    ids, keys, writers, seqs, moments, days, metrics, values = columns = \
        [[], [], [], [], [], [], [], []]  # type: ignore[var-annotated]
    moment_texts: dict[dt.datetime, str] = {}  # a batch's copies share one moment…
    day_texts: dict[dt.date, str] = {}  # …and a few thousand days
    for e in entries:
        ids.append(e.id)
        keys.append(e.key)
        writers.append(e.writer)
        seqs.append(e.seq)
        moment = moment_texts.get(e.recorded_at)
        if moment is None:
            moment = moment_texts[e.recorded_at] = moment_text(e.recorded_at)
        moments.append(moment)
        day = day_texts.get(e.as_of)
        if day is None:
            day = day_texts[e.as_of] = e.as_of.isoformat()
        days.append(day)
        metrics.append(e.metric)
        values.append(_text(e.value))
    return columns


def _keyed_checked(columns: Any) -> list[list[str | int]]:
    """`_keyed_columns` as read back: eight columns of one length, each cell of its type."""
    if type(columns) is not list or len(columns) != 8:
        raise ValueError("inconsistent state")
    for column, kind in zip(columns, (str, str, str, int, str, str, str, str), strict=True):
        _typed(column, kind)
    if len({len(column) for column in columns}) != 1:
        raise ValueError("inconsistent state")
    return columns


def _keyed_from(columns: Any) -> list[object]:
    """`_keyed_columns` read back, each cell of its type and each value within the ledger's
    bounds (a cache is authenticated, and read as strictly as the rest of it)."""
    from mibtrack.values import check_value

    columns = _keyed_checked(columns)
    moments: dict[str, dt.datetime] = {}
    days: dict[str, dt.date] = {}
    amounts: dict[str, Decimal] = {}
    out: list[object] = []
    for entry_id, key, writer, seq, moment, day, metric, value in zip(*columns, strict=True):
        if not moment.endswith("Z") or seq < 1:
            raise ValueError("inconsistent state")
        when = moments.get(moment)
        if when is None:
            when = moments[moment] = dt.datetime.fromisoformat(moment[:-1]).replace(
                tzinfo=dt.UTC)
        date = days.get(day)
        if date is None:
            date = days[day] = dt.date.fromisoformat(day)
        amount = amounts.get(value)
        if amount is None:
            amount = amounts[value] = check_value(Decimal(value))
        out.append(KeyedObservation(id=entry_id, key=key, writer=writer, seq=seq,
                                    recorded_at=when, as_of=date, metric=metric, value=amount))
    return out


def _typed(items: list[object], kind: type) -> None:
    """Refuse cached state whose items are not all exactly of type `kind`."""
    if type(items) is not list or not set(map(type, items)) <= {kind}:
        raise ValueError("inconsistent state")


def _given_of(amendments: Iterable[object]) -> list[object]:
    """Of `amendments`, what the rules are resolved from: corrections, voids, keyed facts
    and recovered entries, once each (a keyed recovered entry is found twice)."""
    return list({
        e.id: e for e in amendments if isinstance(e, (Correction, Void))  # type: ignore[attr-defined]
        or (getattr(e, "key", None) is not None and e.type in FACT_TYPES)  # type: ignore[attr-defined]
        or getattr(e, "recovered_from", None) is not None}.values())


def _places(places: tuple[Place, ...]) -> list[list[str | int]]:
    return [[feed, line] for feed, line in places]


def _rules_state(rules: Resolution) -> dict[str, Any]:
    """A `Resolution` as JSON-ready data but its `duplicates` (`_rules_from` gives it back
    without them: only `verify` reads them, and they are as many as the keyed copies)."""
    return {
        "retracted": sorted(rules.retracted), "dropped": sorted(rules.dropped),
        "new_value": {k: _text(v) for k, v in rules.new_value.items()},
        "new_date": {k: v.isoformat() for k, v in rules.new_date.items()},
        "conflicts": [[c.key, [list(v) for v in c.versions], _places(c.places)]
                      for c in rules.conflicts],
    }


def _rules_from(state: Any) -> Resolution:
    """`_rules_state` read back, each cell of its type and each value within the ledger's
    bounds."""
    from mibtrack.values import check_value

    def ids(items: Any) -> tuple[str, ...]:
        _typed(items, str)
        return tuple(items)

    def places(items: Any) -> tuple[Place, ...]:
        _typed(items, list)
        found = tuple(Place(*item) for item in items)
        if not all(type(p.feed) is str and type(p.line) is int for p in found):
            raise ValueError("inconsistent state")
        return found

    def texts(mapping: Any) -> dict[str, str]:
        if type(mapping) is not dict:
            raise ValueError("inconsistent state")
        _typed(list(mapping.values()), str)
        return mapping

    conflicts = tuple(KeyConflict(key, tuple(ids(v) for v in versions), places(where))
                      for key, versions, where in state["conflicts"])
    if not all(type(c.key) is str and len(c.versions) == len(c.places) for c in conflicts):
        raise ValueError("inconsistent state")
    return Resolution(
        frozenset(ids(state["retracted"])), frozenset(ids(state["dropped"])),
        {k: check_value(Decimal(v)) for k, v in texts(state["new_value"]).items()},
        {k: dt.date.fromisoformat(v) for k, v in texts(state["new_date"]).items()},
        (), conflicts)


def _latest_columns(levels: dict[str, tuple[tuple[str, str, int], str]]
                    ) -> list[list[str | int]]:
    """A `latest` metric's days as five columns: day, recorded_at, writer, seq, value."""
    columns: list[list[str | int]] = [[], [], [], [], []]
    for day, ((recorded, writer, seq), value) in levels.items():
        row: tuple[str | int, ...] = (day, recorded, writer, seq, value)
        for column, item in zip(columns, row, strict=True):
            column.append(item)
    return columns
