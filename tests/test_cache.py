"""The incremental cache of daily actuals (in the user's cache folder) never makes a report
wrong."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from mibtrack import snapshot


class _CacheFile:
    """`project / CACHE`: this project's cache file in the user's cache folder (the tests'
    MIBTRACK_CACHE_DIR)."""

    def __rtruediv__(self, root: Path) -> Path:
        from mibtrack.usersecret import project_folder

        folder = project_folder(root)
        assert folder is not None
        return folder / "daily.json"


CACHE = _CacheFile()


def _seed(cli) -> None:
    for value, day in (("10", "2024-03-01"), ("20", "2024-06-01"), ("35", "2024-09-01")):
        assert cli("record", "jobs", value, "--date", day).code == 0
    for value, day in (("1M", "2024-02-01"), ("2.5M", "2024-05-01")):
        assert cli("record", "funding_eur", value, "--date", day).code == 0


def _status(cli, *extra: str) -> dict:
    result = cli("status", "--json", "--as-of", "2025-01-01", *extra)
    assert result.code == 0, result.err
    document = json.loads(result.out)
    del document["generated_at"]  # when it was read; the ledger head must agree
    return document


def _cold(cli, project: Path) -> dict:
    shutil.rmtree((project / CACHE).parent, ignore_errors=True)
    report = _status(cli)
    return report


def test_append_then_status_equals_cold_status(cli, project: Path) -> None:
    _seed(cli)
    _status(cli)
    assert (project / CACHE).is_file()
    assert cli("record", "jobs", "50", "--date", "2024-12-01").code == 0
    assert cli("record", "funding_eur", "0.5M", "--date", "2024-01-15").code == 0
    warm = _status(cli)
    assert warm == _cold(cli, project)
    assert warm["objectives"][0]["actual"] == 50
    assert warm["objectives"][1]["actual"] == 4000000


def test_correction_appended_after_caching_is_applied(cli, project: Path) -> None:
    _seed(cli)
    _status(cli)
    entry = json.loads(cli("log", "--json").out)["entries"][2]["id"]
    assert cli("correct", entry, "--value", "30", "--reason", "typo").code == 0
    warm = _status(cli)
    assert warm["objectives"][0]["actual"] == 30
    assert warm == _cold(cli, project)


def test_changed_byte_in_the_middle_is_noticed(cli, project: Path) -> None:
    _seed(cli)
    before = _status(cli)
    feed = project / "ledger" / "tester.jsonl"
    data = bytearray(feed.read_bytes())
    at = data.index(b'"value":"20"')
    data[at + 9:at + 11] = b"90"  # same size: only a digest can tell
    feed.write_bytes(bytes(data))
    after = cli("status", "--json", "--as-of", "2024-07-01")
    # the changed line no longer matches its id: neither the cached 20 nor the forged 90
    # counts; the feed is left out, and said so (line 2: jobs 20 is the second record)
    assert after.code == 0
    document = json.loads(after.out)
    assert document["objectives"][0]["actual"] is None
    assert [(f["file"], f["line"]) for f in document["feeds_left_out"]] == [("tester.jsonl", 2)]
    assert "tester.jsonl:2: entry bytes do not match its id" in after.err
    assert before["objectives"][0]["actual"] == 35


def test_objectives_change_invalidates(cli, project: Path) -> None:
    _seed(cli)
    assert _status(cli)["objectives"][0]["actual"] == 35
    toml = project / "objectives.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index("[metrics.jobs]")
    toml.write_text(text[:start] + text[start:].replace('aggregate = "latest"',
                                                        'aggregate = "sum"', 1),
                    encoding="utf-8")
    assert _status(cli)["objectives"][0]["actual"] == 65


def test_truncated_feed_is_noticed(cli, project: Path) -> None:
    _seed(cli)
    _status(cli)
    feed = project / "ledger" / "tester.jsonl"
    lines = feed.read_bytes().splitlines(keepends=True)
    feed.write_bytes(b"".join(lines[:2]))  # jobs 10 and 20 remain
    assert _status(cli)["objectives"][0]["actual"] == 20


def test_corrupt_or_foreign_cache_is_ignored(cli, project: Path) -> None:
    _seed(cli)
    good = _status(cli)
    cache = project / CACHE
    for junk in (b"", b"not json", cache.read_bytes()[:-40], b"0" * 64 + b"\n{}",
                 b"\xff\xfe garbage"):
        cache.write_bytes(junk)
        assert _status(cli) == good
    # rewritten, still usable: the first line authenticates the JSON body after it (an HMAC
    # under the user's key, for this project)
    from mibtrack.usersecret import project_identity

    body = snapshot._unsealed(project_identity(project), b"daily", cache.read_bytes())
    assert body is not None and json.loads(body)
    assert _status(cli) == good


def test_unwritable_cache_never_fails_a_command(cli, project: Path, monkeypatch,
                                                tmp_path: Path) -> None:
    _seed(cli)
    (tmp_path / "not-a-folder").write_text("a file where the cache folder should be")
    monkeypatch.setenv("MIBTRACK_CACHE_DIR", str(tmp_path / "not-a-folder"))
    assert _status(cli)["objectives"][0]["actual"] == 35


def test_known_at_reads_in_full_and_matches(cli, project: Path) -> None:
    _seed(cli)
    warm = _status(cli)  # served from the cache
    now = _status(cli, "--known-at", "2999-01-01")  # read in full: the cache is not used
    assert now["objectives"][0]["actual"] == 35
    assert now.pop("known_at") is not None and warm.pop("known_at") is None
    assert now == warm


def test_parallel_read_equals_serial(cli, project: Path, monkeypatch, tmp_path: Path) -> None:
    """Two forked readers fold pieces of the feeds; what they send back is merged: every
    field the fold keeps (evidence documents included) must come back."""
    _seed(cli)
    survey = tmp_path / "survey.pdf"
    survey.write_bytes(b"HR survey")
    assert cli("record", "jobs", "40", "--date", "2024-11-01", "--evidence",
               str(survey)).code == 0
    serial = _cold(cli, project)
    assert [e["name"] for e in serial["objectives"][0]["evidence"]] == ["survey.pdf"]
    monkeypatch.setattr(snapshot, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(snapshot, "_cpus", lambda: 2)
    assert _cold(cli, project) == serial



def test_forked_readers_leave_the_progress_to_their_parent(
        cli, project: Path, monkeypatch, tmp_path: Path) -> None:
    """The cold read's forked readers (and validate's) start silent: only the parent tells
    the progress, each byte once (a child's copy of the bar drew over the parent's)."""
    import os

    from mibtrack.ledger import scan

    _seed(cli)
    monkeypatch.setattr(snapshot, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(snapshot, "_cpus", lambda: 2)
    log = tmp_path / "told"

    def told(size: int) -> None:
        with log.open("a") as out:  # a file, so a forked child's call is seen too
            out.write(f"{os.getpid()} {size}\n")

    monkeypatch.setattr(scan, "progress", told)
    feeds = sum(f.stat().st_size for f in (project / "ledger").glob("*.jsonl"))
    for command in (("status", "--json"), ("validate",)):
        shutil.rmtree((project / CACHE).parent, ignore_errors=True)
        log.write_text("")
        assert cli(*command).code == 0
        calls = [line.split() for line in log.read_text().splitlines()]
        assert {pid for pid, _ in calls} == {str(os.getpid())}
        assert sum(int(size) for _, size in calls) >= feeds  # the fold's pieces among them


# -- proofs without hashing (stat, append receipts), and where they must not be trusted

def _later(monkeypatch, seconds: float = 10.0) -> None:
    """Make the cache record its stats `seconds` after the feeds' last write (not racy)."""
    real = snapshot._clock
    monkeypatch.setattr(snapshot, "_clock", lambda: real() + int(seconds * 1e9))


def _no_hashing(monkeypatch) -> None:
    def refuse(*_args, **_kwargs):
        raise AssertionError("hashed a feed whose stat or receipts proved it")

    monkeypatch.setattr(snapshot, "_digests", refuse)


def _edit_same_size(feed: Path, old: bytes, new: bytes, keep_mtime: bool) -> None:
    import os
    import time

    stat = feed.stat()
    time.sleep(0.05)  # a later timestamp tick than the last write
    data = feed.read_bytes()
    assert len(old) == len(new) and data.count(old) == 1
    feed.write_bytes(data.replace(old, new))
    if keep_mtime:
        os.utime(feed, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert feed.stat().st_size == stat.st_size


def test_unchanged_stat_proves_without_hashing(cli, project: Path, monkeypatch) -> None:
    _seed(cli)
    _later(monkeypatch)
    cold = _status(cli)
    _no_hashing(monkeypatch)
    assert _status(cli) == cold


def test_own_appends_are_proven_by_receipts(cli, project: Path, monkeypatch) -> None:
    _seed(cli)
    _later(monkeypatch)
    _status(cli)
    with monkeypatch.context() as patched:
        _no_hashing(patched)
        assert cli("record", "jobs", "50", "--date", "2024-12-01").code == 0
        assert cli("record", "funding_eur", "0.5M", "--date", "2024-01-15").code == 0
        warm = _status(cli)
    assert ((project / CACHE).parent / "receipts" / "tester.jsonl.json").is_file()
    assert warm["objectives"][0]["actual"] == 50
    assert warm == _cold(cli, project)


def test_edit_restoring_size_and_mtime_is_noticed(cli, project: Path, monkeypatch) -> None:
    _seed(cli)
    _later(monkeypatch)  # the recorded stat is trusted: only ctime can tell
    assert _status(cli)["objectives"][0]["actual"] == 35
    _edit_same_size(project / "ledger" / "tester.jsonl", b'"value":"35"', b'"value":"95"',
                    keep_mtime=True)
    _assert_left_out(_status(cli), line=3)  # jobs 35 was the third record


def test_racy_stat_is_not_trusted(cli, project: Path) -> None:
    """An edit in the same timestamp tick as the cached stat leaves the stat unchanged:
    simulated by recording the edited feed's stat in the cache, taken just now (racy)."""
    _seed(cli)
    assert _status(cli)["objectives"][0]["actual"] == 35
    feed = project / "ledger" / "tester.jsonl"
    _edit_same_size(feed, b'"value":"35"', b'"value":"95"', keep_mtime=True)
    cache = project / CACHE
    body = json.loads(cache.read_bytes().partition(b"\n")[2])
    body["feeds"]["tester.jsonl"]["stat"] = snapshot.stat_key(feed.stat())
    raw = json.dumps(body, separators=(",", ":")).encode()
    from mibtrack.usersecret import project_identity

    cache.write_bytes(snapshot._sealed(project_identity(project), b"daily", raw))
    _assert_left_out(_status(cli), line=3)


def _assert_left_out(document: dict, line: int) -> None:
    """The edit was seen: the edited feed counts for nothing (neither 35 nor 95 jobs)."""
    assert document["objectives"][0]["actual"] is None
    assert [(f["file"], f["line"]) for f in document["feeds_left_out"]] == \
        [("tester.jsonl", line)]


def test_append_by_hand_is_read(cli, project: Path, monkeypatch) -> None:
    from mibtrack.ledger.codec import encode, sha256

    _seed(cli)
    _later(monkeypatch)
    _status(cli)
    assert cli("record", "jobs", "40", "--date", "2024-10-01").code == 0  # leaves a receipt
    feed = project / "ledger" / "tester.jsonl"
    last = feed.read_bytes().splitlines()[-1]
    # recorded at the same moment as the line before (clocks only move forward in a feed)
    moment = json.loads(last)["recorded_at"]
    line = encode({"v": 1, "seq": 7, "type": "observation", "writer": "tester",
                   "recorded_at": moment, "as_of": "2024-12-02",
                   "metric": "jobs", "value": "60", "prev": sha256(last)})
    with feed.open("ab") as out:  # another tool: no receipt for this one
        out.write(line)
    warm = _status(cli)
    assert warm["objectives"][0]["actual"] == 60
    assert warm == _cold(cli, project)
    assert cli("verify").code == 0


def test_receipt_chain() -> None:
    a, b, c, d = ([1, 2, n, 5, 5] for n in (10, 20, 30, 40))
    pairs = [[a, b], [b, c]]
    assert snapshot._chain(pairs, a, c) and snapshot._chain(pairs, b, c)
    assert not snapshot._chain(pairs, a, d) and not snapshot._chain(pairs, a, a)
    assert not snapshot._chain([[a, b], [b, a]], a, d)  # a loop ends


def test_small_appends_do_not_rewrite_the_cache(cli, project: Path, monkeypatch) -> None:
    _seed(cli)
    _later(monkeypatch)
    _status(cli)
    saved = (project / CACHE).read_bytes()
    for value in ("40", "45", "50"):
        assert cli("record", "jobs", value, "--date", "2024-12-01").code == 0
        assert _status(cli)["objectives"][0]["actual"] == int(value)
    assert (project / CACHE).read_bytes() == saved  # read again from the receipts instead
    monkeypatch.setattr(snapshot, "SAVE_BYTES", 0)
    warm = _status(cli)
    assert (project / CACHE).read_bytes() != saved
    assert warm == _status(cli) == _cold(cli, project)


def test_parallel_read_leaves_a_cache_proven_by_stat(cli, project: Path, monkeypatch) -> None:
    _seed(cli)
    monkeypatch.setattr(snapshot, "PARALLEL_BYTES", 0)
    monkeypatch.setattr(snapshot, "_cpus", lambda: 2)
    _later(monkeypatch)
    cold = _cold(cli, project)
    with monkeypatch.context() as patched:
        _no_hashing(patched)
        assert _status(cli) == cold
        assert cli("record", "jobs", "50", "--date", "2024-12-01").code == 0
        warm = _status(cli)
    monkeypatch.setattr(snapshot, "PARALLEL_BYTES", 1 << 62)
    assert warm == _cold(cli, project)


def test_an_import_cut_short_is_set_aside_by_reports_too(cli, project) -> None:
    """A batch journal names a batch whose last line never arrived: status (fast path and
    cache alike) must ignore the batch's lines exactly as log and verify do."""
    import json
    import shutil

    from mibtrack.ledger import Ledger, draft
    from mibtrack.values import parse_date, parse_value
    from support import begin_batch

    cli("record", "jobs", "10", "--date", "2025-01-01")
    assert cli("status", "--json", "--as-of", "2025-06-30").code == 0  # warm the cache
    feed = project / "ledger" / "tester.jsonl"
    size = feed.stat().st_size
    scratch = project.parent / "scratch"
    shutil.copytree(project / "ledger", scratch)
    Ledger(scratch).append("tester", [
        draft("observation", as_of=parse_date(f"2025-0{m}-01"), metric="jobs",
              value=parse_value(str(m * 10))) for m in (2, 3, 4)])
    batch = (scratch / "tester.jsonl").read_bytes()[size:]
    # the journal mibtrack writes before the batch (authenticated with the user's key)
    begin_batch(feed, size, batch)
    two_lines = batch[: batch.index(b"\n", batch.index(b"\n") + 1) + 1]
    with feed.open("ab") as out:
        out.write(two_lines)  # the crash came after two whole lines of three
    status = json.loads(cli("status", "--json", "--as-of", "2025-06-30").out)
    jobs = next(o for o in status["objectives"] if o["id"] == "jobs")
    assert jobs["actual"] == 10
    assert len(json.loads(cli("log", "--json").out)["entries"]) == 1
    assert cli("verify").code == 4


def test_a_feed_being_read_cannot_be_cut_back_under_the_reader(cli, project) -> None:
    """Readers map feeds; a feed shrinking under a mapping would kill the reader (SIGBUS).
    mibtrack only cuts a feed back under its exclusive lock, so readers hold it shared."""
    import threading
    import time

    from mibtrack.ledger import Ledger
    from mibtrack.ledger.feed import steady

    cli("record", "jobs", "10", "--date", "2025-01-01")
    feed = project / "ledger" / "tester.jsonl"
    feed.write_bytes(feed.read_bytes() + b'{"v":1,"se')  # a torn tail for repair to cut
    done = threading.Event()
    with feed.open("rb") as handle, steady(handle):
        worker = threading.Thread(target=lambda: (Ledger(feed.parent).repair(), done.set()))
        worker.start()
        time.sleep(0.3)
        assert not done.is_set(), "repair must wait while the feed is being read"
        size_while_read = feed.stat().st_size
    worker.join(10)
    assert done.is_set() and feed.stat().st_size < size_while_read


def test_a_cache_built_for_other_aggregates_is_not_reused(cli, project) -> None:
    """objectives.toml edited between its parse and the cache's digest of it: the file on
    disk still matches the cache, but the project parsed declares other aggregates."""
    from mibtrack.ledger import Ledger
    from mibtrack.objectives import parse_project
    from mibtrack.snapshot import DailyCache

    cli("record", "funding_eur", "1M", "--date", "2025-01-01")
    assert cli("status", "--json").code == 0  # the cache now holds funding_eur as a sum
    toml = project / "objectives.toml"
    parsed = parse_project(toml.read_text().replace(
        'unit = "EUR"\naggregate = "sum"', 'unit = "EUR"\naggregate = "latest"'))
    daily = DailyCache(project, toml, Ledger(project / "ledger")).read(parsed)
    assert "funding_eur" in daily.fold.latest and "funding_eur" not in daily.fold.sums


# --- merged clones: the keyed copies kept beside the cache --------------------------------

def _merged_clones(cli, project: Path, tmp_path: Path, rows: int = 12,
                   differ: range = range(6)) -> None:
    """Two offices import the same export before pulling: every key recorded twice; the
    laptop's export says other values for the rows `differ` (those keys are conflicts:
    their copies are held for the rules; the others are plain copies, kept as bits)."""
    def export(name: str, shift: range) -> Path:
        path = tmp_path / name
        path.write_text("metric,value,date,key\n" + "".join(
            f"funding_eur,{1000 + n + (n in shift)},2024-0{1 + n % 9}-{n + 1:02d},grant-{n}\n"
            for n in range(rows)))
        return path

    other = tmp_path / "laptop"
    (other / "ledger").mkdir(parents=True)
    shutil.copy(project / "objectives.toml", other / "objectives.toml")
    assert cli("import", str(export("office.csv", range(0)))).code == 0
    assert cli("--writer", "laptop", "import", str(export("laptop.csv", differ)),
               root=other).code == 0
    shutil.copy(other / "ledger" / "laptop.jsonl", project / "ledger" / "laptop.jsonl")


def _keyed_files(project: Path) -> list[Path]:
    return sorted((project / CACHE).parent.glob(snapshot.KEYED_PREFIX + "*.json"))


def test_keyed_copies_are_kept_beside_the_cache_and_a_warm_read_never_reads_them(
        cli, project: Path, tmp_path: Path) -> None:
    _merged_clones(cli, project, tmp_path)
    cold = _status(cli)
    [keyed] = _keyed_files(project)
    assert sorted(json.loads(keyed.read_bytes())[1]) == sorted(
        f"grant-{n}" for n in range(6) for _ in range(2))  # both versions of each conflict
    assert [o["actual"] for o in cold["objectives"] if o["id"] == "funding"] == [12_066]
    # 1000 + 1001 + … + 1011: each key counted once, a conflict as its earliest version
    # a warm read neither needs nor reads them: were it to, these bytes would be refused
    kept = keyed.read_bytes()
    keyed.write_bytes(b"[]")
    assert _status(cli) == cold
    assert cli("record", "jobs", "40", "--date", "2024-10-01").code == 0
    warm = _status(cli)
    keyed.write_bytes(kept)
    assert warm == _cold(cli, project)
    assert warm != cold


def test_a_cache_whose_keyed_copies_are_gone_or_changed_is_read_in_full(
        cli, project: Path, tmp_path: Path) -> None:
    _merged_clones(cli, project, tmp_path)
    cold = _status(cli)
    [keyed] = _keyed_files(project)
    kept = keyed.read_bytes()
    keyed.unlink()
    assert _status(cli) == cold  # the cache names a file that is not there: read in full
    [again] = _keyed_files(project)
    assert again.read_bytes() == kept  # the same copies, written again
    data = bytearray(again.read_bytes())
    data[data.index(b"grant-3")] = ord("G")
    again.write_bytes(bytes(data))
    folder = (project / CACHE).parent
    from mibtrack.ledger import Ledger
    from mibtrack.objectives import load_project

    cache = snapshot.DailyCache(project, project / "objectives.toml", Ledger(project / "ledger"))
    state = cache._load()
    assert state is not None and cache.folder == folder
    # the sealed cache names the file and its digest, which its bytes no longer have:
    # asked for, they are refused with one line, never folded
    import pytest

    from mibtrack.errors import ProjectError

    with pytest.raises(ProjectError, match="changed while it was in use"):
        state["fold"].given  # noqa: B018
    assert load_project(project / "objectives.toml")  # (the project itself is unharmed)


def test_keyed_copies_read_back_from_beside_the_cache_are_the_fold_s_own(
        cli, project: Path, tmp_path: Path) -> None:
    from mibtrack.ledger import Ledger
    from mibtrack.objectives import load_project

    _merged_clones(cli, project, tmp_path)
    ledger = Ledger(project / "ledger")
    proj = load_project(project / "objectives.toml")
    fresh = snapshot.read_daily(proj, ledger).fold
    _status(cli)
    state = snapshot.DailyCache(project, project / "objectives.toml", ledger)._load()
    assert state is not None
    kept = state["fold"]
    assert isinstance(kept._keyed_state, snapshot.KeyedFile)
    by_id = {e.id: e for e in fresh.given}
    assert {e.id: e for e in kept.given} == by_id and len(by_id) == 12  # the conflicts'
    assert kept.copies == fresh.copies and fresh.copies  # the plain copies, as bits
    assert kept.rules.duplicates == fresh.rules.duplicates


def test_keyed_copies_no_cache_names_are_removed_once_old(
        cli, project: Path, tmp_path: Path, monkeypatch) -> None:
    import os
    import time

    _merged_clones(cli, project, tmp_path)
    _status(cli)
    [kept] = _keyed_files(project)
    folder = kept.parent
    stale, fresh = folder / f"{snapshot.KEYED_PREFIX}{'0' * 32}.json", \
        folder / f"{snapshot.KEYED_PREFIX}{'1' * 32}.json"
    for path in (stale, fresh):
        path.write_text("[]")
    old = time.time() - snapshot.KEYED_KEPT_S - 60
    os.utime(stale, (old, old))
    os.utime(kept, (old, old))
    # a cache saved again keeps the file it names, however old
    snapshot._drop_unnamed_keyed(folder, {"file": kept.name, "sha256": "-"})
    assert _keyed_files(project) == sorted([kept, fresh])  # another process's may be new
    (project / CACHE).unlink()
    _status(cli)  # read in full: its copies written again, the old file no longer named
    [written] = [p for p in _keyed_files(project) if p not in (kept, fresh)]
    assert _keyed_files(project) == sorted([fresh, written])
