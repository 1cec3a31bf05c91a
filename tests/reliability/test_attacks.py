"""Suite 8: the adversarial pass of issue 11, each attack kept as a test.

Nothing but the feeds can change a figure: a poisoned or copied cache, a forged batch
journal, a copied, hidden or symlinked feed, an edited line. Each attack below is made
the way an attacker (or an accident) would make it, and the figures must be the ones the
accepted feeds give. The blank project: `jobs` is a level (the newest value counts),
`funding_eur` a flow (values add up).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import child_env, cli, figure, make_project, snapshot

AS_OF = ("--as-of", "2025-12-31")


def _jobs(root: Path, *extra: str) -> tuple[object, dict, str]:
    """(actual jobs, the status document, stderr) as `status --json` reports them."""
    code, out, err = cli("--dir", root, "status", "--json", *AS_OF, *extra)
    assert code == 0, err
    document = json.loads(out)
    jobs = next(o for o in document["objectives"] if o["id"] == "jobs")
    return jobs["actual"], document, err


def _record(root: Path, *args: str, writer: str = "alice") -> str:
    code, out, err = cli("--dir", root, "--writer", writer, "record", *args)
    assert code == 0, err
    return out.strip()


def _seed(root: Path) -> None:
    """alice: jobs 10 (March), 45 (June); funding 1M + 0.5M = 1.5M."""
    _record(root, "jobs", "10", "--date", "2025-03-31")
    _record(root, "jobs", "45", "--date", "2025-06-30")
    _record(root, "funding_eur", "1M", "--date", "2025-02-01")
    _record(root, "funding_eur", "0.5M", "--date", "2025-05-01")


def _funding(document: dict) -> object:
    return next(o for o in document["objectives"] if o["id"] == "funding")["actual"]


# ------------------------------------------------------------------ the cache cannot lie

def _cache_file(root: Path) -> Path:
    from mibtrack.usersecret import project_folder

    folder = project_folder(root)
    assert folder is not None
    return folder / "daily.json"


def test_cache_lives_outside_the_clone_and_is_authenticated(project: Path) -> None:
    _seed(project)
    assert _jobs(project)[0] == 45
    cache = _cache_file(project)
    assert cache.is_file() and not (project / ".mibtrack" / "cache").exists()
    key = cache.parents[2] / "key"  # <cache>/projects/<id>/daily.json → <cache>/key
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_size == 32
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    # edited locally: any byte of it changed, the cache is ignored (and rebuilt)
    raw = cache.read_bytes()
    for at in (0, 70, len(raw) // 2, len(raw) - 2):
        cache.write_bytes(raw[:at] + bytes([raw[at] ^ 1]) + raw[at + 1:])
        actual, _, err = _jobs(project)
        assert actual == 45 and err == ""
    figure("cache", "4 byte flips of the cache file: ignored, figures unchanged")


def test_a_resealed_cache_is_not_trusted(project: Path, tmp_path: Path) -> None:
    """The cache's figures edited (45 jobs → 99) and sealed again the way anyone can (a
    plain SHA-256, as revision 1 did), or authenticated for another project (a cache copied
    from elsewhere): ignored. Control: sealed with this project's key, the same edit shows,
    so the key is all that stands between a cache file and the figures."""
    import hashlib

    from mibtrack.snapshot import _sealed
    from mibtrack.usersecret import project_identity

    _seed(project)
    assert _jobs(project)[0] == 45
    cache = _cache_file(project)
    body = cache.read_bytes().partition(b"\n")[2]
    assert body.count(b'"45"]') == 1
    forged = body.replace(b'"45"]', b'"99"]')
    other = make_project(tmp_path / "other")
    for sealed in (hashlib.sha256(forged).hexdigest().encode() + b"\n" + forged,
                   _sealed(project_identity(other), b"daily", forged)):
        cache.write_bytes(sealed)
        actual, document, err = _jobs(project)
        assert actual == 45 and _funding(document) == 1500000 and err == ""
    # nor does it survive later appends (revision 1 read only the appended bytes)
    cache.write_bytes(hashlib.sha256(forged).hexdigest().encode() + b"\n" + forged)
    _record(project, "funding_eur", "0.25M", "--date", "2025-07-01")
    actual, document, _ = _jobs(project)
    assert actual == 45 and _funding(document) == 1750000
    cache.write_bytes(_sealed(project_identity(project), b"daily", forged))
    assert _jobs(project)[0] == 99  # the control: only the per-user key protects the cache


def test_a_committed_cache_does_not_change_a_fresh_clone(tmp_path: Path) -> None:
    """By git: a cache file committed with `git add -f` reaches a fresh clone, whose
    figures must still be its feeds' (45 jobs, €1.5M)."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    origin = make_project(tmp_path / "origin")
    _seed(origin)
    _jobs(origin)
    poisoned = _cache_file(origin).read_bytes().replace(b'"45"', b'"99"')
    (origin / ".mibtrack" / "cache").mkdir(parents=True)
    (origin / ".mibtrack" / "cache" / "daily.json").write_bytes(poisoned)
    env = {**child_env(), "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}
    for args in (["init", "-q"], ["add", "-A"], ["add", "-f", ".mibtrack"],
                 ["commit", "-qm", "poisoned"]):
        subprocess.run(["git", *args], cwd=origin, env=env, check=True, capture_output=True)
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(origin), str(clone)], env=env, check=True,
                   capture_output=True)
    assert (clone / ".mibtrack" / "cache" / "daily.json").is_file()
    actual, document, _ = _jobs(clone)
    assert actual == 45 and _funding(document) == 1500000


def test_a_forged_receipt_does_not_hide_an_in_place_edit(project: Path, monkeypatch) -> None:
    """A receipt says "mibtrack grew this feed from stat A to stat B": forged (not
    authenticated), it must not let an edited feed pass as an append."""
    from mibtrack import snapshot

    _seed(project)
    real = snapshot._clock
    monkeypatch.setattr(snapshot, "_clock", lambda: real() + 10_000_000_000)  # not racy
    feed = project / "ledger" / "alice.jsonl"
    assert _jobs(project)[0] == 45
    before = snapshot.stat_key(feed.stat())
    data = feed.read_bytes()
    feed.write_bytes(data.replace(b'"value":"45"', b'"value":"95"'))  # same size
    after = snapshot.stat_key(feed.stat())
    receipts = _cache_file(project).parent / "receipts"
    receipts.mkdir(exist_ok=True)
    (receipts / "alice.jsonl.json").write_text(json.dumps([[before, after]]))
    actual, document, err = _jobs(project)
    assert actual is None  # neither the cached 45 nor the forged 95
    assert document["feeds_left_out"][0]["file"] == "alice.jsonl"
    assert document["feeds_left_out"][0]["line"] == 2  # jobs 45 was alice's second record
    assert "alice.jsonl:2" in err


# ------------------------------------------------------------------ journals cannot delete

def _forged_journals(feed: Path) -> list[bytes]:
    size = feed.stat().st_size
    return [
        b'{"size":0,"length":1,"sha256":"00"}',  # issue 11's forgery
        json.dumps({"size": 0, "length": size + 10, "sha256": "0" * 64, "lines": [],
                    "tag": "0" * 64}).encode(),  # claims a longer batch, tag made up
        b"\x00garbage",
    ]


def test_a_forged_journal_deletes_nothing(project: Path) -> None:
    _seed(project)
    feed = project / "ledger" / "alice.jsonl"
    good, jobs = feed.read_bytes(), 45
    for journal in _forged_journals(feed):
        (project / "ledger" / "alice.jsonl.pending").write_bytes(journal)
        actual, document, err = _jobs(project)
        assert actual == jobs and _funding(document) == 1500000
        assert "alice.jsonl.pending: batch journal ignored" in err
        assert cli("--dir", project, "repair")[0] == 0
        assert cli("--dir", project, "verify")[0] == 0
        assert feed.read_bytes() == good  # not one byte quarantined
        assert not list((project / "ledger").glob("quarantine/*"))
        assert (project / "ledger" / "alice.jsonl.pending").read_bytes() == journal  # left alone
        jobs += 1  # and recording goes on (the journal is still left alone)
        assert cli("--dir", project, "--writer", "alice", "record", "jobs", str(jobs),
                   "--date", "2025-07-01")[0] == 0
        good = feed.read_bytes()


def test_a_journal_of_another_user_or_feed_is_not_honoured(project: Path, monkeypatch,
                                                           tmp_path: Path) -> None:
    """mibtrack's own journal for a batch cut short is honoured; the same bytes under
    another user's key, or beside another feed, are not."""
    from support import begin_batch

    _seed(project)
    feed = project / "ledger" / "alice.jsonl"
    size = feed.stat().st_size
    last = feed.read_bytes()  # a batch of two lines, cut after its first (both whole lines)
    _record(project, "jobs", "50", "--date", "2025-07-31")
    _record(project, "jobs", "60", "--date", "2025-08-31")
    batch = feed.read_bytes()[size:]
    feed.write_bytes(last + batch[:batch.index(b"\n") + 1])
    begin_batch(feed, size, batch)
    assert _jobs(project)[0] == 45  # honoured: the partial batch is set aside
    monkeypatch.setenv("MIBTRACK_CACHE_DIR", str(tmp_path / "another-user"))
    actual, _, err = _jobs(project)
    assert actual == 50 and "authentication fails" in err  # named, and nothing deleted


def test_a_fifo_named_like_a_journal_or_a_feed_never_hangs(project: Path) -> None:
    _seed(project)
    os.mkfifo(project / "ledger" / "alice.jsonl.pending")
    os.mkfifo(project / "ledger" / "bob.jsonl")
    for argv in (("status", *AS_OF), ("verify",), ("record", "jobs", "50"), ("log",),
                 ("--writer", "bob", "record", "jobs", "1")):
        done = subprocess.run([sys.executable, "-m", "mibtrack", "--dir", str(project),
                               *argv], env={**child_env(), "MIBTRACK_WRITER": "alice"},
                              capture_output=True, text=True, timeout=60)
        assert "Traceback" not in done.stderr
        assert done.returncode in (0, 4), (argv, done.stderr)
    assert stat.S_ISFIFO((project / "ledger" / "bob.jsonl").lstat().st_mode)


def test_journals_are_ignored_by_git(tmp_path: Path) -> None:
    root = make_project(tmp_path / "p")
    assert "ledger/*.pending" in (root / ".gitignore").read_text()
    repo = Path(__file__).resolve().parents[2]
    assert "ledger/*.pending" in (repo / ".gitignore").read_text()


# ------------------------------------------------------------------ only what verify accepts

def _bad_feeds(root: Path) -> dict[str, str]:
    """Each way a feed is made that verify rejects; name → what verify says."""
    ledger = root / "ledger"
    alice = ledger / "alice.jsonl"
    shutil.copy(alice, ledger / "alice copy.jsonl")
    shutil.copy(alice, ledger / ".alice.jsonl")
    os.symlink("alice.jsonl", ledger / "bob.jsonl")
    return {"alice copy.jsonl": "not a writer id", ".alice.jsonl": "not a writer id",
            "bob.jsonl": "symbolic link"}


def test_copied_hidden_and_symlinked_feeds_are_left_out(project: Path) -> None:
    _seed(project)
    expected = _bad_feeds(project)
    actual, document, err = _jobs(project)
    # counted once: 1.5M, not 3 × or 4 × 1.5M
    assert actual == 45 and _funding(document) == 1500000
    left = {f["file"]: f["problem"] for f in document["feeds_left_out"]}
    assert set(left) == set(expected)
    for name, words in expected.items():
        assert words in left[name]
        assert name in err
    code, out, _ = cli("--dir", project, "verify")
    assert code == 4
    for name in expected:
        assert f"BROKEN {name}" in out
    code, out, _ = cli("--dir", project, "log", "--json")
    observations = [e for e in json.loads(out)["entries"] if e["type"] == "observation"]
    assert code == 0 and len(observations) == 4  # alice's four, once
    figure("feeds", f"{len(expected)} copied/hidden/symlinked feeds: left out, named, verify 4")


def test_the_report_document_names_the_feeds_it_left_out(project: Path) -> None:
    # report --format json says what status --json and check --json say: a copied feed is
    # not counted (funding 1.5M, not 3M) and is named, with verify's words
    _seed(project)
    ledger = project / "ledger"
    shutil.copy(ledger / "alice.jsonl", ledger / "alice copy.jsonl")
    code, out, err = cli("--dir", project, "report", "--format", "json", *AS_OF)
    assert code == 0, err
    document = json.loads(out)
    assert _funding(document) == 1500000
    assert document["feeds_left_out"] == [
        {"file": "alice copy.jsonl", "line": None,
         "problem": document["feeds_left_out"][0]["problem"]}]
    assert "not a writer id" in document["feeds_left_out"][0]["problem"]
    assert "alice copy.jsonl" in err
    code, out, _ = cli("--dir", project, "report", "--format", "json", "--period", "quarter",
                       *AS_OF)
    assert code == 0 and json.loads(out)["feeds_left_out"][0]["file"] == "alice copy.jsonl"
    (ledger / "alice copy.jsonl").unlink()
    code, out, _ = cli("--dir", project, "report", "--format", "json", *AS_OF)
    assert code == 0 and json.loads(out)["feeds_left_out"] == []


def test_an_edited_line_is_left_out_and_record_refuses(project: Path) -> None:
    _seed(project)
    feed = project / "ledger" / "alice.jsonl"
    feed.write_bytes(feed.read_bytes().replace(b'"value":"45"', b'"value":"95"'))
    before = snapshot(project)
    actual, document, err = _jobs(project)
    assert actual is None
    assert document["feeds_left_out"] == [{"file": "alice.jsonl", "line": 2, "problem":
                                           "entry bytes do not match its id (changed after "
                                           "it was written)"}]
    assert "alice.jsonl:2: entry bytes do not match its id" in err
    for argv in (("--writer", "alice", "record", "jobs", "50"),):
        code, out, err = cli("--dir", project, *argv)
        assert code == 4 and out == "" and err.count("\n") == 1
        assert "alice.jsonl:2" in err and "nothing was recorded" in err
    csv = project.parent / "rows.csv"
    csv.write_text("metric,value,date\njobs,50,2025-07-01\njobs,55,2025-08-01\n")
    code, _, err = cli("--dir", project, "--writer", "alice", "import", csv)
    assert code == 4 and "alice.jsonl:2" in err
    assert snapshot(project) == before
    # another writer may still record: only the broken feed is refused
    assert cli("--dir", project, "--writer", "carol", "record", "jobs", "50")[0] == 0
    code, out, _ = cli("--dir", project, "check", "--json", *AS_OF)
    assert json.loads(out)["feeds_left_out"][0]["file"] == "alice.jsonl"


def test_a_git_conflict_is_named_as_such(project: Path) -> None:
    _seed(project)
    feed = project / "ledger" / "alice.jsonl"
    lines = feed.read_bytes().splitlines(keepends=True)
    feed.write_bytes(b"".join(lines[:2]) + b"<<<<<<< HEAD\n" + lines[2] + b"=======\n"
                     + lines[3] + b">>>>>>> theirs\n")
    code, out, _ = cli("--dir", project, "verify")
    assert code == 4 and "line 3: git conflict marker" in out
    _, _, err = _jobs(project)
    assert "alice.jsonl:3: git conflict marker" in err and "not valid JSON" not in err


def test_a_missing_ledger_folder_is_an_error(project: Path) -> None:
    shutil.rmtree(project / "ledger")
    for argv in (("verify",), ("status",), ("validate",), ("record", "jobs", "5")):
        code, out, err = cli("--dir", project, *argv)
        assert code == 3 and "no ledger folder" in err and err.count("\n") == 1, (argv, err)
        assert "no feeds yet" not in out
    assert not (project / "ledger").exists()


# ------------------------------------------------------------------ files written safely

def test_output_never_follows_a_planted_name(project: Path) -> None:
    _seed(project)
    victim = project.parent / "victim.txt"
    victim.write_text("precious")
    out = project.parent / "out.csv"
    for planted in (f".{out.name}.tmp", f".{out.name}.{os.getpid()}.tmp"):
        os.symlink(victim, out.parent / planted)
    for argv in (("export", "-o", out), ("report", *AS_OF, "--format", "csv", "-o", out)):
        code, _, err = cli("--dir", project, *argv)
        assert code == 0, err
        assert victim.read_text() == "precious" and out.is_file() and not out.is_symlink()


def test_output_refuses_a_device_or_fifo(project: Path, tmp_path: Path) -> None:
    _seed(project)
    fifo = tmp_path / "fifo.html"
    os.mkfifo(fifo)
    targets = [fifo, tmp_path]
    if os.geteuid() == 0:  # a character device of our own (never the real /dev/full)
        device = tmp_path / "full"
        os.mknod(device, 0o600 | stat.S_IFCHR, os.makedev(1, 7))
        targets.append(device)
    for target in targets:
        kind = stat.S_IFMT(target.lstat().st_mode)
        for argv in (("export", "-o", target), ("report", "--format", "html", "-o", target)):
            code, out, err = cli("--dir", project, *argv)
            assert code == 2 and "not a regular file" in err and err.count("\n") == 1
            assert stat.S_IFMT(target.lstat().st_mode) == kind  # still what it was
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_output_keeps_mode_and_writes_through_a_symlink(project: Path, tmp_path: Path) -> None:
    _seed(project)
    private = tmp_path / "board.md"
    private.write_text("old")
    private.chmod(0o600)
    assert cli("--dir", project, "report", "--format", "markdown", "-o", private)[0] == 0
    assert stat.S_IMODE(private.stat().st_mode) == 0o600 and "old" not in private.read_text()
    real = tmp_path / "real.html"
    link = tmp_path / "latest.html"
    real.write_text("old")
    os.symlink(real, link)
    assert cli("--dir", project, "report", "--format", "html", "-o", link)[0] == 0
    assert link.is_symlink() and "<html" in real.read_text()


def test_a_symlinked_feed_is_never_written_through(project: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside.jsonl"
    outside.write_bytes(b"")
    os.symlink(outside, project / "ledger" / "alice.jsonl")
    code, _, err = cli("--dir", project, "--writer", "alice", "record", "jobs", "5")
    assert code == 4 and "symbolic link" in err and err.count("\n") == 1
    assert outside.read_bytes() == b""
    code, out, _ = cli("--dir", project, "verify")
    assert code == 4 and "BROKEN alice.jsonl" in out


# ------------------------------------------------------------------ stdout faults

def _child(*argv: str, stdout: object, root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mibtrack", "--dir", str(root), *argv],
                          env={**child_env(), "MIBTRACK_WRITER": "alice"}, stdout=stdout,
                          stderr=subprocess.PIPE, text=True, timeout=60)


def _log_ids(root: Path) -> list[str]:
    """The observations' ids (init's plan version is an entry too)."""
    return [e["id"] for e in json.loads(cli("--dir", root, "log", "--json")[1])["entries"]
            if e["type"] == "observation"]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="no /dev/full")
def test_record_to_a_full_stdout_says_it_was_recorded(project: Path) -> None:
    with open("/dev/full", "w") as full:
        done = _child("record", "jobs", "5", "--date", "2025-01-31", stdout=full, root=project)
    ids = _log_ids(project)
    assert done.returncode == 74 and len(ids) == 1
    assert done.stderr == (f"mibtrack: entry {ids[0]} WAS recorded, but stdout failed (No "
                           "space left on device) — do not record it again without a --key; "
                           "`mibtrack log` shows it\n")
    with open("/dev/full", "w") as full:
        done = _child("status", stdout=full, root=project)
    assert done.returncode == 74 and done.stderr.count("\n") == 1
    assert "Traceback" not in done.stderr


def test_record_to_a_closed_stdout_says_it_was_recorded(project: Path) -> None:
    done = subprocess.run([sys.executable, "-c", "import os, runpy, sys; os.close(1); "
                           "sys.argv = ['mibtrack'] + sys.argv[1:]; "
                           "runpy.run_module('mibtrack', run_name='__main__')",
                           "--dir", str(project), "record", "jobs", "5"],
                          env={**child_env(), "MIBTRACK_WRITER": "alice"},
                          capture_output=True, text=True, timeout=60)
    ids = _log_ids(project)
    assert done.returncode == 74 and len(ids) == 1, done.stderr
    assert f"entry {ids[0]} WAS recorded" in done.stderr and done.stderr.count("\n") == 1


def test_piped_into_head_is_quiet(project: Path) -> None:
    """`log` of 3,000 entries (far more than a pipe holds) into a reader that stops after
    one line: no BrokenPipe noise, exit 0."""
    import datetime as dt
    from decimal import Decimal

    from mibtrack.ledger import Ledger, draft

    Ledger(project / "ledger").append("alice", [
        draft("observation", as_of=dt.date(2020, 1, 1) + dt.timedelta(days=n), metric="jobs",
              value=Decimal(n), note="x" * 40) for n in range(3000)])
    with subprocess.Popen([sys.executable, "-m", "mibtrack", "--dir", str(project), "log"],
                          env=child_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE
                          ) as child:
        assert child.stdout is not None and child.stderr is not None
        child.stdout.readline()
        child.stdout.close()
        err = child.stderr.read().decode()
        code = child.wait(timeout=60)
    assert err == "" and code == 0


# ------------------------------------------------------------------ chain marks

def test_record_checks_only_what_its_mark_does_not_prove(project: Path, monkeypatch) -> None:
    """After its own append, `record` notes (authenticated) how far its feed is known good;
    the next `record` checks from there, a forged mark or any change means from the top."""
    from mibtrack.ledger import scan

    starts: list[int] = []
    real = scan.fast_chain

    def spy(path: Path, writer: str, start: int = 0, first: int = 1) -> object:
        starts.append(start)
        return real(path, writer, start, first)

    monkeypatch.setattr(scan, "fast_chain", spy)
    _seed(project)
    feed = project / "ledger" / "alice.jsonl"
    assert starts[0] == 0 and all(s > 0 for s in starts[1:])  # the first record checked all
    marks = _cache_file(project).parent / "chains" / "alice.jsonl.json"
    mark = marks.read_bytes()
    marks.write_bytes(b"0" * 64 + mark[64:])  # forged: the tag no longer matches
    starts.clear()
    _record(project, "jobs", "50", "--date", "2025-07-31")
    assert starts == [0]
    # an edit since the last append (here it changes the size): checked from the top, refused
    data = feed.read_bytes()
    feed.write_bytes(data.replace(b'"value":"10"', b'"value":"100"'))
    starts.clear()
    code, _, err = cli("--dir", project, "--writer", "alice", "record", "jobs", "5")
    assert code == 4 and starts[0] == 0 and "alice.jsonl:1" in err
