"""What tests share besides fixtures: the small test programme and a ledger fingerprint."""

from __future__ import annotations

import hashlib
from pathlib import Path

#: A small programme written out in full, so each test's numbers can be worked out by hand.
SMALL_TOML = """\
[program]
name = "Test programme"
code = "TST"
start = 2024-01-01
end = 2030-12-31
currency = "EUR"

[metrics.jobs]
unit = "jobs"
aggregate = "latest"
cadence = "quarterly"

[metrics.funding_eur]
unit = "EUR"
aggregate = "sum"

[[objectives]]
id = "jobs"
title = "100 jobs by 2026"
kind = "target"
metric = "jobs"
target = 100
due = 2026-01-01

[[objectives]]
id = "funding"
title = "€10M raised"
kind = "target"
metric = "funding_eur"
target = 10_000_000
due = 2027-12-31

[[objectives]]
id = "launch"
title = "Launch"
kind = "milestone"
due = 2024-06-30
"""


def ledger_digest(root: Path) -> dict[str, str]:
    """Every file under ledger/ and its SHA-256: to show a refused command wrote nothing."""
    folder = root / "ledger"
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


#: What differs between two documents of the same figures: when and from what they were read.
PROVENANCE = ("generated_at", "plan_version", "ledger_head")


def without_provenance(document: dict) -> dict:
    """A report document without its provenance stamp (to compare figures across projects)."""
    return {k: v for k, v in document.items() if k not in PROVENANCE}


def without_notices(err: str) -> str:
    """stderr without notice lines (a project with no plan version recorded gets one, SPEC R2)."""
    return "".join(line for line in err.splitlines(keepends=True)
                   if not line.startswith("mibtrack: notice: "))


def begin_batch(feed: Path, size: int, batch: bytes) -> None:
    """Write the journal mibtrack writes before appending `batch` (whole lines) at byte
    `size` of `feed`: what a crash in the middle of an import leaves beside the feed."""
    from mibtrack.ledger.feed import Batch, _begin_batch

    journal = Batch(feed.parent)
    for line in batch.splitlines(keepends=True):
        journal.add(line, hashlib.sha256(line[:-1]).digest())
    _begin_batch(feed, size, journal)
    journal.close()
