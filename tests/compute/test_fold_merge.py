"""The daily fold read in pieces (compute/daily.py): a large ledger is folded by forked
readers, each over some lines, and their folds merged (`DailyFold.merge`, fed what
`merge_part` sends back). Merged, the pieces must give exactly what one fold over every line
gives: sums add, the later observation in ledger order wins a `latest` metric's day, orphans
add their counts and keep their newest day — whichever lines went to which piece, and in
whichever order the pieces come back.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from compute_factory import Ledger, day, project
from hypothesis import given, settings
from hypothesis import strategies as st

from mibtrack.compute.daily import DailyFold, from_micro, micro
from mibtrack.compute.ledger_state import Orphan
from mibtrack.model import Project

METRICS = {
    "m": {"id": "m", "unit": "jobs", "aggregate": "latest", "renamed_from": ["old_m"]},
    "s": {"id": "s", "unit": "EUR", "aggregate": "sum"},
}
PROJECT = project(metrics=METRICS)


def fold_of(proj: Project, entries: list) -> DailyFold:
    """An empty fold of `proj`'s metrics, given every amendment of `entries` up front."""
    aggregates = {m: d.aggregate for m, d in proj.metrics.items()}
    return DailyFold(aggregates, entries, renames=proj.renames)


def whole(proj: Project, entries: list) -> DailyFold:
    fold = fold_of(proj, entries)
    for entry in entries:
        fold.add(entry)
    return fold


def in_pieces(proj: Project, entries: list, piece_of: list[int], order: list[int],
              parent_first: bool = False) -> DailyFold:
    """As `snapshot._fold_parallel`: entry i is folded by reader `piece_of[i]` into an empty
    copy of the parent's fold; what each reader sends back (`merge_part`) is merged, in
    `order`, into an empty fold, and that into the parent. With `parent_first`, straight
    into the first piece's own fold instead (merge is associative: a fold that already holds
    lines takes others alike)."""
    parent = fold_of(proj, entries)
    readers = [parent.empty_like() for _ in order]
    for entry, piece in zip(entries, piece_of, strict=True):
        readers[piece].add(entry)
    if parent_first:
        first, *others = order
        for piece in others:
            readers[first].merge(readers[piece].merge_part())
        return readers[first]
    merged = parent.empty_like()
    for piece in order:
        merged.merge(readers[piece].merge_part())
    parent.merge(merged)
    return parent


def outcome(fold: DailyFold, proj: Project) -> tuple:
    """Everything a reader of the fold gets from it."""
    return (fold.series(), fold.orphans(proj), fold.documents(), fold.effective(),
            fold.unexpected_amendments())


def test_a_value_is_kept_in_exact_millionths():
    # "12.5" is 12 500 000 millionths, "-0.000001" is −1, "1000" is 10⁹; back again, the
    # quotient takes the places it needs.
    assert [micro(v) for v in ("12.5", "-0.000001", "-3.25", "1000", "0")] == [
        12_500_000, -1, -3_250_000, 1_000_000_000, 0]
    assert [from_micro(n) for n in (12_500_000, -1, 1_000_000_000)] == [
        Decimal("12.5"), Decimal("-0.000001"), Decimal(1000)]


def test_two_readers_merged_give_what_one_fold_over_every_line_gives():
    # alice and bob write at the same moments (01:00, 02:00, …): at a tie, ledger order
    # (recorded_at, writer, seq) puts bob after alice.
    alice, bob = Ledger("alice"), Ledger("bob")
    alice.obs("s", "2.5", "2024-01-01")      # 01:00
    alice.obs("m", "12", "2024-01-01")       # 02:00
    alice.obs("ghost", "1", "2024-01-03")    # 03:00, an undeclared metric
    bob.obs("s", "0.25", "2024-01-01")       # 01:00
    bob.obs("m", "10", "2024-01-01")         # 02:00, after alice's 12: the day's level
    bob.obs("s", "-1", "2024-01-02")         # 03:00
    bob.obs("ghost", "2", "2024-01-02")      # 04:00
    bob.obs("old_m", "7", "2024-01-02")      # 05:00, under m's old id: counts for m
    entries = alice.entries + bob.entries
    # s: 2.5 + 0.25 = 2.75 on day 1, then 2.75 − 1 = 1.75; m: 10 (bob's, although
    # smaller), then 7; ghost: 2 entries, the newest dated 2024-01-03 (alice's, read first
    # or last).
    for order, parent_first in itertools.product(([0, 1], [1, 0]), (False, True)):
        fold = in_pieces(PROJECT, entries, [0] * 3 + [1] * 5, order, parent_first)
        series = fold.series()
        assert (series["s"].dates, series["s"].levels) == (
            (day("2024-01-01"), day("2024-01-02")), (Decimal("2.75"), Decimal("1.75")))
        assert (series["m"].dates, series["m"].levels) == (
            (day("2024-01-01"), day("2024-01-02")), (Decimal(10), Decimal(7)))
        assert fold.orphans(PROJECT) == (Orphan("metric", "ghost", 2, day("2024-01-03")),)
        assert outcome(fold, PROJECT) == outcome(whole(PROJECT, entries), PROJECT)


WRITERS = ("alice", "bob", "carol")
VALUES = ("3", "-1", "0.5", "12.25", "0.000001")
#: What to write, by whom; a correction or a void names an earlier entry by its index (modulo
#: how many there are), so voids of voids and corrections of voids come too.
steps = st.lists(st.one_of(
    st.tuples(st.just("obs"), st.sampled_from(WRITERS),
              st.sampled_from(("m", "s", "old_m", "ghost")), st.sampled_from(VALUES),
              st.integers(1, 2)),  # two days: one metric's day often in two pieces
    st.tuples(st.just("note"), st.sampled_from(WRITERS), st.sampled_from(("ms", "other")),
              st.integers(1, 4)),
    st.tuples(st.just("correct"), st.sampled_from(WRITERS), st.integers(0, 99),
              st.none() | st.sampled_from(VALUES), st.none() | st.integers(1, 4)),
    st.tuples(st.just("void"), st.sampled_from(WRITERS), st.integers(0, 99)),
), min_size=6, max_size=30)


def write(program: list[tuple]) -> list:
    """The entries of `program`, in the order written (writers tie at equal positions)."""
    ledgers = {w: Ledger(w) for w in WRITERS}
    entries: list = []
    for kind, writer, *rest in program:
        ledger = ledgers[writer]
        if kind == "obs":
            metric, value, n = rest
            entries.append(ledger.obs(metric, value, f"2024-01-0{n}"))
        elif kind == "note":
            objective, n = rest
            entries.append(ledger.note(objective, "x", f"2024-01-0{n}"))
        elif kind == "correct" and entries and (rest[1] is not None or rest[2] is not None):
            target, value, n = rest
            entries.append(ledger.correct(entries[target % len(entries)], value=value,
                                          date=None if n is None else f"2024-01-0{n}"))
        elif kind == "void" and entries:
            entries.append(ledger.void(entries[rest[0] % len(entries)]))
    return entries


PROJECT_MS = project({"id": "ms", "title": "A milestone", "kind": "milestone",
                      "due": "2024-06-30"}, metrics=METRICS)


@settings(max_examples=80, deadline=None)
@given(program=steps, data=st.data())
def test_any_split_into_pieces_merged_in_any_order_is_one_fold(program, data):
    entries = write(program)
    count = data.draw(st.integers(1, 4), label="pieces")
    piece_of = data.draw(st.lists(st.integers(0, count - 1), min_size=len(entries),
                                  max_size=len(entries)), label="piece of each entry")
    order = data.draw(st.permutations(range(count)), label="order merged")
    expected = outcome(whole(PROJECT_MS, entries), PROJECT_MS)
    for parent_first in (False, True):
        assert outcome(in_pieces(PROJECT_MS, entries, piece_of, order, parent_first),
                       PROJECT_MS) == expected


def test_a_fold_made_empty_like_another_has_its_own_effective_ledger() -> None:
    """`effective()` is kept while nothing more is folded; a fold made `empty_like` another
    starts with nothing folded, so it must not answer with the other's events: here each
    holds one note (as many as the other), another one."""
    ledger = Ledger()
    first = ledger.note("launch", "kick-off", "2024-03-01")
    second = ledger.note("launch", "review", "2024-03-02")
    parent = fold_of(PROJECT, [])
    parent.add(first)
    assert [n.text for n in parent.effective().notes["launch"]] == ["kick-off"]
    fresh = parent.empty_like()
    fresh.add(second)
    assert [n.text for n in fresh.effective().notes["launch"]] == ["review"]
    parent.add(second)  # one more folded: asked again, not kept
    assert [n.text for n in parent.effective().notes["launch"]] == ["kick-off", "review"]
