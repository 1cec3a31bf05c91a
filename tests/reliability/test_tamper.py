"""Suite 4: tamper sweep over a 200-entry feed.

Every byte flipped (full; a sample in CI), bytes inserted and deleted, lines deleted,
duplicated and swapped: `Ledger.verify()` must detect 100% and name the feed and the right
line; a sample goes through `mibtrack verify` too; the untouched ledger raises no alarm.
Deleting the *last* line leaves a valid shorter chain: that is what `verify --history`
catches (test_history.py), so it is not part of this sweep.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import random
import time
from decimal import Decimal
from pathlib import Path

import pytest

from mibtrack.ledger import Ledger, draft

from .conftest import cli, figure, make_project

ENTRIES = 200
WRITER = "tamper"


def _build(root: Path, key: object = None) -> bytes:
    """The feed of 200 entries; with `key`, signed, its first entry authorising the key
    (and ledger/writers written to match)."""
    ledger = Ledger(root)
    rng = random.Random(7)
    first = 0
    if key is not None:
        from types import SimpleNamespace

        from mibtrack.ledger.signing import apply_change, write_writers_file

        ledger.signer = lambda: key.sign  # type: ignore[attr-defined]
        change = dict(action="add", principal=WRITER, public_key=key.public_line())
        ledger.append(WRITER, [draft("writers", as_of=dt.date(2025, 1, 1), **change)])
        write_writers_file(root, apply_change([], SimpleNamespace(**change, valid_after=None,
                                                                  valid_before=None)))
        first = 1
    for n in range(first, ENTRIES):
        if n % 5 == 4:
            d = draft("milestone", as_of=dt.date(2025, 1, 1) + dt.timedelta(days=n),
                      objective="launch", status="at-risk", note=f"é note {n}")
        else:
            d = draft("observation", as_of=dt.date(2025, 1, 1) + dt.timedelta(days=n),
                      metric="jobs", value=Decimal(rng.randint(0, 10**6)) / 100,
                      source=f"survey {n}" if n % 3 else None)
        ledger.append(WRITER, [d])
    return (root / f"{WRITER}.jsonl").read_bytes()


def _line_of(data: bytes, pos: int) -> int:
    """1-based line holding byte `pos` (its newline included)."""
    return data.count(b"\n", 0, pos) + 1


def mutate(data: bytes, kind: str, a: int, rng_byte: int) -> tuple[bytes, int]:
    """The mutated feed and the line verify must report."""
    lines = data.split(b"\n")[:-1]
    if kind == "flip":
        return data[:a] + bytes([data[a] ^ 0x01]) + data[a + 1:], _line_of(data, a)
    if kind == "delete-byte":
        return data[:a] + data[a + 1:], _line_of(data, a)
    if kind == "insert-byte":
        return data[:a] + bytes([rng_byte]) + data[a:], _line_of(data, a)
    if kind == "delete-line":
        return b"".join(x + b"\n" for i, x in enumerate(lines) if i != a), a + 1
    if kind == "duplicate-line":
        out = lines[: a + 1] + [lines[a]] + lines[a + 1:]
        return b"".join(x + b"\n" for x in out), a + 2
    if kind == "swap-lines":
        out = lines[:a] + [lines[a + 1], lines[a]] + lines[a + 2:]
        return b"".join(x + b"\n" for x in out), a + 1
    raise AssertionError(kind)


def _sweep(job: tuple) -> list[tuple]:
    """Apply each mutation in a private ledger folder; (kind, a, expected, verdict) each.
    A job is (folder, feed bytes, mutations[, ledger/writers text for a signed feed])."""
    folder, data, mutations, *writers = job
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    feed = root / f"{WRITER}.jsonl"
    ledger = Ledger(root)
    if writers:
        (root / "writers").write_text(writers[0], encoding="utf-8")
    mode = "required" if writers else "optional"
    results = []
    for kind, a, byte in mutations:
        mutated, expected = mutate(data, kind, a, byte)
        feed.write_bytes(mutated)
        broken = [v for v in ledger.verify(mode) if v.problem]
        found = (broken[0].problem.path.name, broken[0].problem.line) if broken else None
        results.append((kind, a, expected, found))
    return results


def _mutations(data: bytes, scale: str, rng: random.Random) -> list[tuple[str, int, int]]:
    size = len(data)
    full = scale == "full"
    positions = range(size) if full else rng.sample(range(size), 1500)
    extra = rng.sample(range(size + 1), 4000 if full else 400)
    muts = [("flip", p, 0) for p in positions]
    muts += [("insert-byte", p, rng.randrange(256)) for p in extra]
    muts += [("delete-byte", p, 0) for p in extra if p < size]
    lines = range(ENTRIES - 1)  # not the last line: see the module docstring
    muts += [("delete-line", k, 0) for k in lines]
    muts += [("duplicate-line", k, 0) for k in range(ENTRIES)]
    muts += [("swap-lines", k, 0) for k in lines]
    return muts


def test_tamper_sweep(tmp_path: Path, scale: str) -> None:
    data = _build(make_project(tmp_path) / "ledger")
    assert all(v.problem is None for v in Ledger(tmp_path / "ledger").verify()), "false alarm"
    code, out, err = cli("--dir", tmp_path, "verify")
    assert code == 0, out + err
    rng = random.Random(1234)
    muts = _mutations(data, scale, rng)
    start = time.perf_counter()
    workers = 2
    jobs = [(str(tmp_path / f"w{i}"), data, muts[i::workers]) for i in range(workers)]
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        results = [r for chunk in pool.map(_sweep, jobs) for r in chunk]
    elapsed = time.perf_counter() - start
    by_kind: dict[str, list[int]] = {}
    missed, wrong = [], []
    for kind, a, expected, found in results:
        tally = by_kind.setdefault(kind, [0, 0, 0])
        tally[0] += 1
        if found is None:
            missed.append((kind, a))
            continue
        tally[1] += 1
        if found != (f"{WRITER}.jsonl", expected):
            wrong.append((kind, a, expected, found))
        else:
            tally[2] += 1
    summary = ", ".join(f"{k} {d}/{n} detected ({r} right line)" for k, (n, d, r) in
                        by_kind.items())
    figure("tamper", f"{len(data)}-byte feed of {ENTRIES} entries, {len(results)} mutations in "
           f"{elapsed:.1f}s: {summary}; missed {len(missed)}, wrong line {len(wrong)}; "
           f"false alarms on the untouched ledger 0")
    assert not missed, missed[:10]
    assert not wrong, wrong[:10]


@pytest.mark.parametrize("kind", ["flip", "insert-byte", "delete-byte", "delete-line",
                                  "duplicate-line", "swap-lines"])
def test_tamper_through_cli(tmp_path: Path, kind: str) -> None:
    """A sample through `mibtrack verify`: exit 4, the feed and line named, one stderr line."""
    data = _build(make_project(tmp_path) / "ledger")
    feed = tmp_path / "ledger" / f"{WRITER}.jsonl"
    rng = random.Random(kind)
    limit = len(data) if "byte" in kind or kind == "flip" else ENTRIES - 1
    for _ in range(8):
        mutated, line = mutate(data, kind, rng.randrange(limit), rng.randrange(256))
        feed.write_bytes(mutated)
        code, out, err = cli("--dir", tmp_path, "verify")
        assert code == 4, out
        assert f"{WRITER}.jsonl: " in out and f"line {line}:" in out, out
        assert err.count("\n") == 1 and f"{WRITER}.jsonl:{line}:" in err, err
        assert "Traceback" not in err


def test_tamper_sweep_signed_feed(tmp_path: Path, scale: str) -> None:
    """The same sweep over a signed feed with signatures required (a sample in CI: each
    mutation re-checks 200 signatures): 100% detected at the right line; plus a whole-feed
    re-hash that the chain alone cannot see, rejected by the signature."""
    from mibtrack.ledger.signing import keygen

    key = keygen(tmp_path / "key", "tamper")
    root = make_project(tmp_path / "p") / "ledger"
    data = _build(root, key)
    writers = (root / "writers").read_text()
    # init's plan version, unsigned, was recorded before signatures were required
    since = Ledger(root).read().entries[0].recorded_at
    assert all(v.problem is None for v in Ledger(root).verify("required", since)), \
        "false alarm"
    rng = random.Random(99)
    muts = _mutations(data, scale, rng)
    if scale != "full":
        muts = rng.sample(muts, 150)
    start = time.perf_counter()
    jobs = [(str(tmp_path / f"w{i}"), data, muts[i::2], writers) for i in range(2)]
    with multiprocessing.get_context("fork").Pool(2) as pool:
        results = [r for chunk in pool.map(_sweep, jobs) for r in chunk]
    elapsed = time.perf_counter() - start
    missed = [(k, a) for k, a, _, found in results if found is None]
    wrong = [r for r in results if r[3] is not None and r[3] != (f"{WRITER}.jsonl", r[2])]
    # a forger re-hashes the whole feed after changing line 101's value: ids and prevs
    # consistent again, the signature (over the old bytes) is not
    from mibtrack.ledger import encode, sha256
    from mibtrack.ledger.codec import parse_fields

    out, prev = [], "0" * 64
    for number, line in enumerate(data.split(b"\n")[:-1], start=1):
        fields = parse_fields(line)
        fields.pop("id")
        sig = fields.pop("sig")
        fields["prev"] = prev
        if number == 101:  # n = 100: an observation
            fields["value"] = "1"
        body = encode(fields)
        body = body[: body.rindex(b',"id":')] + b',"sig":"' + sig.encode() + b'"}'
        new = body[:-1] + b',"id":"' + sha256(body).encode() + b'"}\n'
        out.append(new)
        prev = sha256(new[:-1])
    (root / f"{WRITER}.jsonl").write_bytes(b"".join(out))
    [verdict] = [v for v in Ledger(root).verify("required", since) if v.problem]
    figure("tamper", f"signed feed of {ENTRIES} entries, signatures required, "
           f"{len(results)} mutations in {elapsed:.1f}s: missed {len(missed)}, wrong line "
           f"{len(wrong)}; consistent re-hash of the whole feed: {verdict.problem.problem} "
           f"at line {verdict.problem.line}")
    assert not missed, missed[:10]
    assert not wrong, wrong[:10]
    assert verdict.problem.line == 101 and "bad signature" in verdict.problem.problem
