"""What `verify` finds, as one typed value (`compute.verify.VerifyResult`): the ledger's own
checks (chains, signatures, evidence, git history) and the keys recorded more than once,
resolved by the fold's rules."""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter
from typing import TYPE_CHECKING

from .compute.verify import FeedFinding, HistoryFinding, KeyedEntry, KeyFinding, VerifyResult

if TYPE_CHECKING:
    from .compute.ledger_state import KeyConflict
    from .ledger.history import FeedHistory
    from .ledger.store import FeedVerdict, Ledger


def key_findings(ledger: Ledger, shown: int | None = None) -> tuple[tuple[KeyFinding, ...], int]:
    """Keys recorded more than once across the ledger: duplicates (copies of one fact,
    counted once), then conflicts (one key naming different facts: the earliest recorded
    is used); with `shown`, only the first `shown` duplicates in ledger order (the terminal
    prints twenty: two clones that imported one export have hundreds of thousands). Also
    how many duplicates there are."""
    from .gcpause import paused

    with paused():
        return _key_findings(ledger, shown=shown)


def _key_findings(ledger: Ledger, plain: bool = True, shown: int | None = None
                  ) -> tuple[tuple[KeyFinding, ...], int]:
    """`plain`: the copies of a key that are all canonical observations of one content,
    named by no amendment (`scan.keyed_facts`), listed as they are read rather than
    resolved with the rest (two offices that imported the same export: hundreds of
    thousands); the same findings, in the same order (tests/test_scan.py)."""
    from .compute.daily import moment_text
    from .compute.ledger_state import KeyCopies, Place, known_in_order, resolve
    from .ledger.scan import amendment_lines, keyed_facts, named_by

    paths = ledger.feed_paths()
    amendments = [e for p in paths for e in amendment_lines(p)]
    facts = keyed_facts(paths, named_by(amendments) if plain else None, plain=shown)
    if not facts.entries and not facts.plain_keys:
        return (), 0
    known = known_in_order([*facts.entries, *amendments], None)
    rules = resolve(known)
    # resolve lists a key's versions where its first copy is, in ledger order
    order = {e.id: (moment_text(e.recorded_at), e.writer, e.seq)  # type: ignore[attr-defined]
             for e in known}
    first: dict[str, tuple[str, str, int]] = {}
    for e in known:
        key = getattr(e, "key", None)
        if key is not None and key not in first:
            first[key] = order[e.id]  # type: ignore[attr-defined]
    duplicates = [((first[copies.key], order[copies.ids[0]]), copies)
                  for copies in rules.duplicates]
    for key, ordered in facts.plain:  # (recorded_at, writer, seq, id) of each copy, in order
        start = ordered[0][:3]
        duplicates.append(((start, start), KeyCopies(
            key, tuple(copy[3] for copy in ordered),
            tuple(Place(f"{copy[1]}.jsonl", copy[2]) for copy in ordered))))
    duplicates.sort(key=itemgetter(0))
    found = [*(("duplicate", copies.key, copies.places, copies.ids, copies.notice())
               for _, copies in duplicates[:shown]),
             *(("conflict", conflict.key, conflict.places,
                tuple(ids[0] for ids in conflict.versions), _conflict_text(conflict))
               for conflict in rules.conflicts)]
    return tuple(
        KeyFinding(key=key, kind="duplicate" if kind == "duplicate" else "conflict",
                   entries=tuple(KeyedEntry(feed=place.feed, line=place.line, id=entry_id)
                                 for place, entry_id in zip(places, ids, strict=True)),
                   text=text)
        for kind, key, places, ids, text in found), len(rules.duplicates) + facts.plain_keys


def _conflict_text(conflict: KeyConflict) -> str:
    versions = " and ".join(f"{place} (entry {ids[0][:12]})"
                            for place, ids in zip(conflict.places, conflict.versions, strict=True))
    return f"key {conflict.key!r} names different facts: {versions}"


def verify_result(verdicts: Sequence[FeedVerdict], keys: Sequence[KeyFinding],
                  histories: Sequence[FeedHistory] | None = None) -> VerifyResult:
    """The findings as one value; `histories`: with `--history` (else None)."""
    feeds = tuple(FeedFinding(feed=v.path.name, entries=v.entries, ok=v.problem is None,
                              line=v.problem.line if v.problem else None,
                              problem=v.problem.problem if v.problem else None)
                  for v in verdicts)
    history = None if histories is None else tuple(
        HistoryFinding(feed=h.path.name, commits=h.commits, ok=h.problem is None,
                       commit=h.problem.commit if h.problem else None,
                       previous=h.problem.previous if h.problem else None,
                       problem=h.problem.problem if h.problem else None) for h in histories)
    ok = (all(f.ok for f in feeds) and all(h.ok for h in history or ())
          and not any(k.kind == "conflict" for k in keys))
    return VerifyResult(ok=ok, feeds=feeds, keys=tuple(keys), history=history)
