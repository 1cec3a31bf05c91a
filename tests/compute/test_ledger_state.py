"""SPEC "The ledger": corrections and voids change what is known, `--known-at` hides the rest."""

import datetime as dt
import random

from compute_factory import D, Ledger, day, project, target

from mibtrack.compute import effective_ledger
from mibtrack.compute.ledger_state import (
    KeyCopies,
    Orphan,
    Place,
    known_in_order,
    orphans,
    resolve,
)


def values(ledger, metric="m"):
    return [(o.as_of.isoformat(), o.value) for o in ledger.observations_of(metric)]


def test_a_correction_supersedes_the_value(ledger):
    obs = ledger.obs("m", "10", "2024-03-01")
    ledger.correct(obs, value="12")
    state = effective_ledger(ledger.entries)
    assert values(state) == [("2024-03-01", D(12))]
    assert state.observations_of("m")[0].corrected
    assert state.observations_of("m")[0].id == obs.id


def test_a_correction_moves_the_date(ledger):
    obs = ledger.obs("m", "10", "2024-03-01")
    ledger.correct(obs, date="2024-04-15")
    assert values(effective_ledger(ledger.entries)) == [("2024-04-15", D(10))]


def test_of_several_corrections_the_latest_recorded_wins_field_by_field(ledger):
    obs = ledger.obs("m", "10", "2024-03-01")
    ledger.correct(obs, value="12", date="2024-03-05")
    ledger.correct(obs, value="13")  # later: wins the value; the date of the first stands
    assert values(effective_ledger(ledger.entries)) == [("2024-03-05", D(13))]


def test_latest_recorded_means_ledger_order_not_list_order():
    alice, bob = Ledger("alice"), Ledger("bob")
    obs = alice.obs("m", "10", "2024-03-01")
    late = dt.datetime(2021, 1, 1, tzinfo=dt.UTC)
    bob.correct(obs, value="20", recorded_at=late)
    alice.correct(obs, value="30", recorded_at=late - dt.timedelta(seconds=1))
    # bob's correction is recorded a second after alice's, whatever the list order
    assert values(effective_ledger(bob.entries + alice.entries)) == [("2024-03-01", D(20))]


def test_a_void_retracts_its_target(ledger):
    keep = ledger.obs("m", "10", "2024-03-01")
    wrong = ledger.obs("m", "99", "2024-03-02")
    ledger.void(wrong)
    state = effective_ledger(ledger.entries)
    assert [o.id for o in state.observations_of("m")] == [keep.id]


def test_voiding_a_correction_undoes_it(ledger):
    obs = ledger.obs("m", "10", "2024-03-01")
    fix = ledger.correct(obs, value="12", date="2024-03-09")
    ledger.void(fix)
    state = effective_ledger(ledger.entries)
    assert values(state) == [("2024-03-01", D(10))]
    assert not state.observations_of("m")[0].corrected


def test_voiding_a_void_restores_the_entry(ledger):
    obs = ledger.obs("m", "10", "2024-03-01")
    first = ledger.void(obs)
    ledger.void(first)
    assert values(effective_ledger(ledger.entries)) == [("2024-03-01", D(10))]


def test_known_at_hides_later_entries_and_later_corrections(ledger):
    obs = ledger.obs("m", "10", "2024-03-01")  # recorded 2020-01-01T01:00Z
    ledger.correct(obs, value="12")  # recorded 02:00
    ledger.obs("m", "20", "2024-02-01")  # recorded 03:00
    ledger.void(obs)  # recorded 04:00
    at = lambda h: dt.datetime(2020, 1, 1, h, 30, tzinfo=dt.UTC)  # noqa: E731
    assert values(effective_ledger(ledger.entries, at(0))) == []
    assert values(effective_ledger(ledger.entries, at(1))) == [("2024-03-01", D(10))]
    assert values(effective_ledger(ledger.entries, at(2))) == [("2024-03-01", D(12))]
    assert values(effective_ledger(ledger.entries, at(3))) == [
        ("2024-02-01", D(20)), ("2024-03-01", D(12))]
    assert values(effective_ledger(ledger.entries, at(4))) == [("2024-02-01", D(20))]
    assert values(effective_ledger(ledger.entries)) == [("2024-02-01", D(20))]


def test_known_at_is_inclusive_and_a_naive_moment_is_utc(ledger):
    obs = ledger.obs("m", "10", "2024-03-01")
    exact = obs.recorded_at
    assert len(effective_ledger(ledger.entries, exact).observations_of("m")) == 1
    assert len(effective_ledger(ledger.entries, exact.replace(tzinfo=None))
               .observations_of("m")) == 1
    assert effective_ledger(ledger.entries, exact - dt.timedelta(microseconds=1)) \
        .observations_of("m") == ()


def test_a_correction_applies_whatever_the_as_of_date(ledger):
    obs = ledger.obs("m", "10", "2024-03-01")
    ledger.correct(obs, value="12", recorded_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC))
    # The fact held in March 2024; the correction, recorded in 2030, still changes it.
    assert values(effective_ledger(ledger.entries)) == [("2024-03-01", D(12))]


def test_milestone_events_and_notes_are_grouped_by_objective(ledger):
    done = ledger.event("ms", "done", "2024-05-01")
    ledger.correct(done, date="2024-04-20")
    ledger.event("ms", "at-risk", "2024-03-01")
    gone = ledger.note("ms", "spam", "2024-03-01")
    ledger.note("ms", "board approved", "2024-04-01")
    ledger.void(gone)
    state = effective_ledger(ledger.entries)
    assert [(e.as_of, e.status) for e in state.events_of("ms")] == [
        (day("2024-03-01"), "at-risk"), (day("2024-04-20"), "done")]
    assert [n.text for n in state.notes_of("ms")] == ["board approved"]
    assert state.events_of("other") == () and state.notes_of("other") == ()


def test_the_order_entries_are_given_in_does_not_matter(ledger):
    a = ledger.obs("m", "10", "2024-03-01")
    ledger.obs("m", "11", "2024-03-01")
    ledger.correct(a, value="9")
    ledger.obs("s", "5", "2024-01-01")
    shuffled = list(ledger.entries)
    random.Random(4).shuffle(shuffled)
    assert effective_ledger(shuffled) == effective_ledger(ledger.entries)


def test_known_at_in_another_zone_is_kept_in_utc(ledger):
    ledger.obs("m", "10", "2024-03-01")  # recorded 2020-01-01T01:00Z
    paris = dt.timezone(dt.timedelta(hours=1))
    at_two_in_paris = dt.datetime(2020, 1, 1, 2, 0, tzinfo=paris)  # = 01:00Z
    state = effective_ledger(ledger.entries, at_two_in_paris)
    assert state.known_at == dt.datetime(2020, 1, 1, 1, 0, tzinfo=dt.UTC)
    assert str(state.known_at.tzinfo) == "UTC"
    assert len(state.observations_of("m")) == 1


def test_a_void_of_a_void_restores_its_entry_in_any_order_the_ids_are_visited():
    # 40 chains obs ← void ← void: the second void retracts the first, which no longer
    # retracts the observation (1 each); 40 chains obs ← void ← void ← void: the third
    # retracts the second, so the first stands and retracts the observation (100 each).
    # s = 40 × 1 = 40, and exactly the first void of each short chain and the observation
    # and second void of each long one are retracted. Voids are visited in an order set by
    # the hash seed; whichever comes first, a retracted void met a second time must still
    # count as retracted (in a short chain: the observation or the void itself is wrong).
    ledger = Ledger()
    expected = set()
    for _ in range(40):
        first = ledger.void(ledger.obs("s", "1", "2024-03-01"))
        ledger.void(first)
        expected.add(first.id)
    for _ in range(40):
        obs = ledger.obs("s", "100", "2024-03-01")
        second = ledger.void(ledger.void(obs))
        ledger.void(second)
        expected |= {obs.id, second.id}
    assert resolve(known_in_order(ledger.entries, None)).retracted == expected
    assert sum(o.value for o in effective_ledger(ledger.entries).observations_of("s")) == 40


def test_a_key_recorded_twice_alike_is_one_duplicate_counted_once_and_a_single_key_is_none():
    # alice records s 5 under k1 and s 7 under k2; bob's clone records the same k1 fact at
    # the same moment (after alice in ledger order): s = 5 + 7 = 12, and k1 alone is listed
    # as recorded twice.
    alice, bob = Ledger("alice"), Ledger("bob")
    first = alice.obs("s", "5", "2024-03-01", key="k1")
    alice.obs("s", "7", "2024-03-02", key="k2")
    copy = bob.obs("s", "5", "2024-03-01", key="k1")
    entries = bob.entries + alice.entries
    rules = resolve(known_in_order(entries, None))
    assert rules.duplicates == (KeyCopies("k1", (first.id, copy.id),
                                          (Place("alice.jsonl", 1), Place("bob.jsonl", 1))),)
    assert rules.dropped == {copy.id}
    assert [o.value for o in effective_ledger(entries).observations_of("s")] == [D(5), D(7)]


def test_an_undeclared_objective_s_entries_are_one_orphan_dated_by_the_newest(ledger):
    # Two notes and a milestone event under "ghost", dated 2024-03-01, 2024-01-15 and
    # 2024-02-01 (recorded in that order): one orphan of 3 entries, newest 2024-03-01.
    ledger.note("ghost", "first", "2024-03-01")
    ledger.note("ghost", "second", "2024-01-15")
    ledger.event("ghost", "at-risk", "2024-02-01")
    proj = project(target())
    assert orphans(effective_ledger(ledger.entries), proj) == (
        Orphan("objective", "ghost", 3, day("2024-03-01")),)
