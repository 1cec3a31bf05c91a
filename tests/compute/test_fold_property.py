"""The fast path is a proven copy of THE definition (STYLE 11; SPEC "The ledger", R2 keys and
renames).

`effective_ledger` (compute/ledger_state.py) says what the ledger says at (as-of,
known-at). `status`, `report` and `check` read through `compute.daily.DailyFold`, fed by
`snapshot` from the feed files (the byte pre-passes for amendments and repeated keys, the
fast regex scan, the cache). Here hypothesis writes random feeds — observations, milestone
events and notes, corrections (value and/or date), voids of anything (corrections and voids
included, so voids of voids), same-moment ties across writers, moved dates, one key recorded
in several feeds with the same or other content, entries under renamed and undeclared ids —
and checks, at random known-at cut points (exactly on a recorded moment included), that
every reader path gives what the definition gives: each metric's series, the milestone
events and notes, the key conflicts and the orphans.

The default run is bounded (a few seconds); `pytest -m slow` runs many more examples.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mibtrack.compute.daily import DailyFold
from mibtrack.compute.formulas import MetricSeries
from mibtrack.compute.ledger_state import (
    effective_ledger,
    metric_documents,
    orphans,
)
from mibtrack.ledger import Ledger
from mibtrack.ledger.codec import GENESIS, decode, encode, sha256
from mibtrack.model import FACT_TYPES
from mibtrack.objectives import parse_project
from mibtrack.snapshot import DailyCache, read_daily, read_daily_strict

TOML = """\
[program]
name = "Fold"
code = "F"
start = 2024-01-01
end = 2030-12-31

[metrics.level]
unit = "jobs"
aggregate = "latest"
renamed_from = ["old_level"]

[metrics.flow]
unit = "EUR"
aggregate = "sum"

[[objectives]]
id = "ms"
title = "A milestone"
kind = "milestone"
due = 2025-06-30
renamed_from = ["old_ms"]
"""
PROJECT = parse_project(TOML)
WRITERS = ("alice", "bob", "carol")
METRICS = ("level", "flow", "old_level", "ghost_metric")
OBJECTIVES = ("ms", "old_ms", "ghost_objective")
KEYS = ("k1", "k2", "k3")
T0 = dt.datetime(2025, 1, 1, 9, 0, tzinfo=dt.UTC)


def moment(step: int) -> dt.datetime:
    """A small pool of moments, so that entries of different feeds often tie."""
    return T0 + dt.timedelta(minutes=step)


def stored(moment_: dt.datetime) -> str:
    return moment_.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def day(n: int) -> str:
    return (dt.date(2025, 1, 1) + dt.timedelta(days=n)).isoformat()


# Each op is a tuple: what to write, by whom, when; targets index earlier entries.
ops = st.lists(st.one_of(
    st.tuples(st.just("obs"), st.sampled_from(WRITERS), st.integers(0, 6),
              st.sampled_from(METRICS), st.integers(-3, 9), st.integers(0, 4),
              st.none() | st.sampled_from(KEYS)),
    st.tuples(st.just("event"), st.sampled_from(WRITERS), st.integers(0, 6),
              st.sampled_from(OBJECTIVES), st.sampled_from(("done", "at-risk", "reopened")),
              st.integers(0, 4), st.none() | st.sampled_from(KEYS)),
    st.tuples(st.just("note"), st.sampled_from(WRITERS), st.integers(0, 6),
              st.sampled_from(OBJECTIVES), st.sampled_from(("x", "y")), st.integers(0, 4),
              st.none() | st.sampled_from(KEYS)),
    st.tuples(st.just("copy"), st.sampled_from(WRITERS), st.integers(0, 6), st.integers(0, 99),
              st.booleans()),
    st.tuples(st.just("correct"), st.sampled_from(WRITERS), st.integers(0, 6),
              st.integers(0, 99), st.none() | st.integers(-3, 9), st.none() | st.integers(0, 4)),
    st.tuples(st.just("void"), st.sampled_from(WRITERS), st.integers(0, 6),
              st.integers(0, 99)),
    # one export imported by two offices (or twice by one): a fresh key recorded twice with
    # the same content (plain copies, unless an amendment names one or its value is odd,
    # which names a document and so is read by the model)
    st.tuples(st.just("twice"), st.sampled_from(WRITERS), st.integers(0, 6),
              st.sampled_from(WRITERS), st.integers(0, 6), st.sampled_from(METRICS),
              st.integers(-3, 9), st.integers(0, 4)),
    # an observation `recover` re-recorded from a forked feed: its original is gone (in
    # the quarantine), and corrections and voids may name the original
    st.tuples(st.just("moved"), st.sampled_from(WRITERS), st.integers(0, 6),
              st.sampled_from(METRICS), st.integers(-3, 9), st.integers(0, 4)),
), max_size=24)
cuts = st.none() | st.integers(0, 6).flatmap(
    lambda step: st.sampled_from((moment(step), moment(step) - dt.timedelta(microseconds=1))))


@dataclass
class Feeds:
    """The feeds being written: each writer's lines and the entries they decode to."""

    lines: dict[str, list[bytes]]
    entries: list
    clocks: dict[str, int] = field(default_factory=dict)
    #: Ids of originals that `recover` moved (no longer in any feed).
    originals: list[str] = field(default_factory=list)

    def targets(self) -> list[str]:
        """What a correction or void may name: an entry, or a moved original."""
        return [*(e.id for e in self.entries), *self.originals]

    def write(self, writer: str, clock: int, fields: dict) -> None:
        own = self.lines.setdefault(writer, [])
        # a feed's clock never goes back (verify rejects such a feed, and readers leave out
        # what verify rejects): each writer's moments are kept in order; feeds still tie
        clock = self.clocks[writer] = max(clock, self.clocks.get(writer, 0))
        prev = sha256(own[-1][:-1]) if own else GENESIS
        line = encode({"v": 1, "seq": len(own) + 1, "writer": writer,
                       "recorded_at": stored(moment(clock)), **fields, "prev": prev})
        own.append(line)
        self.entries.append(decode(line[:-1], writer))


def document(value: int) -> str | None:
    """The evidence field of an observation of `value`: one document when it is odd."""
    return f"{abs(value):064x}:{abs(value)}:survey {value}.pdf" if value % 2 else None


def build(program: list[tuple]) -> Feeds:
    feeds = Feeds({}, [])
    for op in program:
        kind, writer, clock = op[:3]
        earlier = feeds.entries
        if kind == "obs":
            _, _, _, metric, value, when, key = op
            # an odd value names a document (the model reads such lines, not the fast path)
            feeds.write(writer, clock, {"type": "observation", "as_of": day(when),
                                        "metric": metric, "value": str(value), "key": key,
                                        "evidence": document(value)})
        elif kind in ("event", "note"):
            _, _, _, objective, what, when, key = op
            fields = {"type": "milestone", "status": what} if kind == "event" else {
                "type": "note", "note": what}
            feeds.write(writer, clock, {**fields, "as_of": day(when), "objective": objective,
                                        "key": key})
        elif kind == "copy":  # a clone recorded the same key: same content, or other content
            facts = [e for e in earlier if e.type in ("observation", "milestone", "note")]
            if not facts:
                continue
            original = facts[op[3] % len(facts)]
            fields = original.model_dump(mode="json", exclude={"v", "seq", "writer",
                                                               "recorded_at", "prev", "id"})
            fields = {k: v for k, v in fields.items() if v is not None}
            fields["key"] = original.key or "k1"
            if op[4]:  # other content
                if original.type == "observation":
                    fields["value"] = str(Decimal(fields["value"]) + 1)
                else:
                    fields["as_of"] = day(5)
            feeds.write(writer, clock, fields)
        elif kind == "twice":
            _, _, _, other, later, metric, value, when = op
            fields = {"type": "observation", "as_of": day(when), "metric": metric,
                      "value": str(value), "key": f"export-{len(earlier)}",
                      "evidence": document(value)}
            feeds.write(writer, clock, fields)
            feeds.write(other, later, fields)
        elif kind == "moved":
            _, _, _, metric, value, when = op
            original = sha256(f"original {len(feeds.originals)}".encode())
            feeds.originals.append(original)
            feeds.write(writer, clock, {"type": "observation", "as_of": day(when),
                                        "metric": metric, "value": str(value),
                                        "recovered_from": original})
        elif kind == "correct":
            _, _, _, target, value, when = op
            pool = feeds.targets()
            if not pool or (value is None and when is None):
                continue
            fields = {"type": "correction", "as_of": day(0),
                      "target_entry": pool[target % len(pool)], "reason": "typo"}
            if value is not None:
                fields["value"] = str(value)
            if when is not None:
                fields["date"] = day(when)
            feeds.write(writer, clock, fields)
        elif kind == "void" and (pool := feeds.targets()):
            feeds.write(writer, clock, {"type": "void", "as_of": day(0), "reason": "wrong",
                                        "target_entry": pool[op[3] % len(pool)]})
    return feeds


def events(ledger) -> dict:
    """Events and notes without their rank (a position in whichever list was folded)."""
    return {
        "events": {k: [(e.id, e.as_of, e.status, e.expected, e.corrected, e.evidence)
                       for e in v]
                   for k, v in ledger.milestone_events.items()},
        "notes": {k: [(n.id, n.as_of, n.text) for n in v] for k, v in ledger.notes.items()},
    }


def expected_series(definition) -> dict[str, MetricSeries]:
    return {m: MetricSeries.build(PROJECT.metrics[m].aggregate, definition.observations_of(m))
            for m in PROJECT.metrics}


def check_equal(fold, definition) -> None:
    assert fold.series() == expected_series(definition)
    assert events(fold.effective()) == events(definition)
    assert fold.effective().conflicts == definition.conflicts
    assert fold.orphans(PROJECT) == orphans(definition, PROJECT)
    aggregates = {m: d.aggregate for m, d in PROJECT.metrics.items()}
    assert fold.documents() == metric_documents(definition, aggregates)


def run_property(program: list[tuple], known_at: dt.datetime | None) -> None:
    feeds = build(program)
    definition = effective_ledger(feeds.entries, known_at, PROJECT.renames)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "objectives.toml").write_text(TOML, encoding="utf-8")
        (root / "ledger").mkdir()
        ledger = Ledger(root / "ledger")
        halves = {w: len(lines) // 2 for w, lines in feeds.lines.items()}
        for writer, lines in feeds.lines.items():
            (root / "ledger" / f"{writer}.jsonl").write_bytes(b"".join(lines[:halves[writer]]))
        cache = DailyCache(root, root / "objectives.toml", ledger)
        cache.read(PROJECT)  # a cache of the first halves, brought up to date below
        for writer, lines in feeds.lines.items():
            (root / "ledger" / f"{writer}.jsonl").write_bytes(b"".join(lines))
        check_equal(read_daily(PROJECT, ledger, known_at).fold, definition)
        check_equal(read_daily_strict(PROJECT, ledger, known_at).fold, definition)
        if known_at is None:
            check_equal(cache.read(PROJECT).fold, definition)
            check_equal(cache.read(PROJECT).fold, definition)  # from the saved cache


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=ops, known_at=cuts)
def test_every_reader_path_gives_what_the_definition_gives(program, known_at) -> None:
    run_property(program, known_at)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=ops, known_at=cuts)
def test_every_reader_path_gives_what_the_definition_gives_at_length(program, known_at) -> None:
    run_property(program, known_at)


def run_state_property(program: list[tuple]) -> None:
    """A fold read back from its cached state (`DailyFold.from_state`) keeps the rules that
    `resolve` gave (but their `duplicates`, which only `verify` reads) instead of resolving
    them again, and reads its keyed copies only when asked: it must be the fold it was,
    whether they are asked for or not."""
    feeds = build(program)
    definition = effective_ledger(feeds.entries, None, PROJECT.renames)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "ledger").mkdir()
        for writer, lines in feeds.lines.items():
            (root / "ledger" / f"{writer}.jsonl").write_bytes(b"".join(lines))
        fold = read_daily(PROJECT, Ledger(root / "ledger")).fold
    state = fold.to_state()
    again = DailyFold.from_state(json.loads(json.dumps(state)))
    check_equal(again, definition)
    assert again.to_state() == state
    assert again._given is None  # its keyed copies not read (the point: they are many)
    assert again._folding == dataclasses.replace(fold.rules, duplicates=())
    # asked for: the entries given (and the keyed events and notes met, whose keys may be
    # recorded once: no rule reads them), resolving to the rules the fold was made with
    met = {e.id for e in fold.others if getattr(e, "key", None) and e.type in FACT_TYPES}
    assert {e.id: e for e in again.given} == {e.id: e for e in fold.given} | {
        e.id: e for e in fold.others if e.id in met}
    assert again.rules == fold.rules
    assert again.to_state() == state
    check_equal(again, definition)


def test_keyed_copies_of_observations_are_read_back_as_they_were_kept() -> None:
    # flow 4 under k1 recorded by alice, copied by bob, other content by carol (a conflict);
    # level 2 under k2 copied by bob: canonical lines, kept as compact keyed columns
    run_state_property([("obs", "alice", 0, "flow", 4, 1, "k1"), ("copy", "bob", 1, 0, False),
                        ("copy", "carol", 2, 0, True), ("obs", "alice", 3, "level", 2, 1, "k2"),
                        ("copy", "bob", 4, 3, False), ("void", "carol", 5, 2)])


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=ops)
def test_a_fold_read_back_from_its_state_is_the_fold_it_was(program) -> None:
    run_state_property(program)


@pytest.mark.slow
@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=ops)
def test_a_fold_read_back_from_its_state_is_the_fold_it_was_at_length(program) -> None:
    run_state_property(program)


# ----------------------------------------------------------------- the mutants, pinned down
# Small hand-worked ledgers for the rules the property relies on: each fails if the rule
# is broken in the definition itself (where the property would see both sides agree).

def test_a_voided_correction_no_longer_applies_in_either_path() -> None:
    # alice records level 10 on day 1, corrects it to 12, then voids the correction:
    # the value is 10 again.
    program = [("obs", "alice", 0, "level", 10, 1, None), ("correct", "alice", 1, 0, 12, None),
               ("void", "alice", 2, 1)]
    feeds = build(program)
    definition = effective_ledger(feeds.entries, None, PROJECT.renames)
    assert expected_series(definition)["level"].levels == (Decimal(10),)
    run_property(program, None)


def test_a_same_moment_tie_goes_to_the_later_writer_in_ledger_order() -> None:
    # bob and alice record level on the same day at the same moment: ledger order is
    # (recorded_at, writer, seq), so bob's 7 comes after alice's 3 and is the day's level.
    program = [("obs", "bob", 0, "level", 7, 1, None), ("obs", "alice", 0, "level", 3, 1, None)]
    definition = effective_ledger(build(program).entries, None, PROJECT.renames)
    assert expected_series(definition)["level"].levels == (Decimal(7),)
    run_property(program, None)


def test_known_at_exactly_on_a_recorded_moment_includes_that_entry() -> None:
    # flow 5 recorded at minute 0, flow 4 at minute 1: known at minute 1 sees 9, a
    # microsecond earlier only 5.
    program = [("obs", "alice", 0, "flow", 5, 1, None), ("obs", "alice", 1, "flow", 4, 1, None)]
    entries = build(program).entries
    on = effective_ledger(entries, moment(1), PROJECT.renames)
    before = effective_ledger(entries, moment(1) - dt.timedelta(microseconds=1),
                              PROJECT.renames)
    assert expected_series(on)["flow"].levels == (Decimal(9),)
    assert expected_series(before)["flow"].levels == (Decimal(5),)
    run_property(program, moment(1))
    run_property(program, moment(1) - dt.timedelta(microseconds=1))


def test_one_key_in_two_feeds_counts_once_and_other_content_keeps_the_earliest() -> None:
    # alice records flow 5 (key k1) at minute 0; bob's clone recorded the same fact at
    # minute 1: the sum is 5, not 10. Then carol records k1 with 6 at minute 2 (a conflict):
    # still 5, the earliest recorded; voiding alice's entry leaves bob's copy voided with it
    # (one fact), so carol's 6 is the live version.
    program = [("obs", "alice", 0, "flow", 5, 1, "k1"), ("copy", "bob", 1, 0, False),
               ("copy", "carol", 2, 0, True)]
    entries = build(program).entries
    state = effective_ledger(entries, None, PROJECT.renames)
    assert expected_series(state)["flow"].levels == (Decimal(5),)
    assert [c.key for c in state.conflicts] == ["k1"]
    run_property(program, None)
    voided = [*program, ("void", "alice", 3, 1)]  # the void targets bob's copy: same fact
    state = effective_ledger(build(voided).entries, None, PROJECT.renames)
    assert expected_series(state)["flow"].levels == (Decimal(6),)
    assert state.conflicts == ()
    run_property(voided, None)


def test_renamed_ids_count_for_the_new_one_and_undeclared_ones_are_orphans() -> None:
    # old_level 4 on day 1 counts as level; ghost_metric 2 on days 1 and 3 is an orphan of 2
    # entries, the newest dated day 3; a note on old_ms counts for ms.
    program = [("obs", "alice", 0, "old_level", 4, 1, None),
               ("obs", "alice", 1, "ghost_metric", 2, 1, None),
               ("obs", "alice", 2, "ghost_metric", 2, 3, None),
               ("note", "alice", 3, "old_ms", "x", 2, None)]
    state = effective_ledger(build(program).entries, None, PROJECT.renames)
    assert expected_series(state)["level"].levels == (Decimal(4),)
    assert [n.text for n in state.notes_of("ms")] == ["x"]
    [orphan] = orphans(state, PROJECT)
    assert (orphan.kind, orphan.id, orphan.count, orphan.newest.isoformat()) == (
        "metric", "ghost_metric", 2, day(3))
    run_property(program, None)


def test_documents_follow_the_figure_a_latest_day_s_winner_and_every_summed_one() -> None:
    # level (latest): 3 (documented) then 4 recorded later on day 1: the day's level is 4,
    # which names no document, so day 1 lists none; 5 on day 2 names "survey 5.pdf".
    # flow (sum): 1 and 2 on day 1 both count: only 1 is documented.
    program = [("obs", "alice", 0, "level", 3, 1, None), ("obs", "alice", 1, "level", 4, 1, None),
               ("obs", "alice", 2, "level", 5, 2, None), ("obs", "bob", 0, "flow", 1, 1, None),
               ("obs", "bob", 1, "flow", 2, 1, None)]
    feeds = build(program)
    found = metric_documents(effective_ledger(feeds.entries, None, PROJECT.renames),
                             {"level": "latest", "flow": "sum"})
    shown = {m: {d.isoformat(): [x.documents[0].name for x in items]
                 for d, items in days.items()} for m, days in found.items()}
    assert shown == {"level": {day(2): ["survey 5.pdf"]}, "flow": {day(1): ["survey 1.pdf"]}}
    run_property(program, None)
    # voiding the 4 makes the 3 day 1's level again, and its document with it
    voided = [*program, ("void", "alice", 3, 1)]
    found = metric_documents(effective_ledger(build(voided).entries, None, PROJECT.renames),
                             {"level": "latest", "flow": "sum"})
    assert [x.documents[0].name for x in found["level"][dt.date.fromisoformat(day(1))]] == [
        "survey 3.pdf"]
    run_property(voided, None)


def test_a_correction_of_a_moved_original_applies_to_its_re_recorded_copy() -> None:
    # `recover` moved an observation (level 4 on day 1) to a feed of its own: the copy
    # names its original; bob's correction of the original (to 7) applies to the copy,
    # and a void of the original retracts it.
    program = [("moved", "alice", 0, "level", 4, 1), ("correct", "bob", 1, 1, 7, None)]
    feeds = build(program)
    assert feeds.entries[1].target_entry == feeds.originals[0]
    state = effective_ledger(feeds.entries, None, PROJECT.renames)
    assert expected_series(state)["level"].levels == (Decimal(7),)
    run_property(program, None)
    voided = [("moved", "alice", 0, "level", 4, 1), ("void", "bob", 1, 1)]
    state = effective_ledger(build(voided).entries, None, PROJECT.renames)
    assert expected_series(state)["level"].levels == ()
    run_property(voided, None)


def test_a_keyed_copy_of_a_recovered_entry_counts_as_in_the_definition() -> None:
    # found by the property: a recovered entry copied under a key by another clone (same or
    # other content) is both keyed and recovered; the fast path must take it into its rules
    # once, as the definition does
    for other_first in (True, False):
        run_property([("moved", "alice", 0, "level", 0, 0), ("copy", "alice", 0, 0, other_first),
                      ("copy", "alice", 0, 0, not other_first)], None)
