"""Evidence documents: `--evidence FILE` (repeatable) on record, milestone and note keeps
each file at evidence/<sha256>/<name>; the entry names it (name, size, SHA-256); `verify`
warns about a missing document and rejects a changed one (exit 4); `log`/`show` list them."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from support import ledger_digest


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_record_keeps_each_document_by_sha256_and_the_entry_names_it(
        cli, project: Path, tmp_path: Path) -> None:
    survey = write(tmp_path / "HR survey Q1.pdf", b"%PDF 212 jobs")
    minutes = write(tmp_path / "minutes.txt", b"board: 212")
    result = cli("record", "jobs", "212", "--date", "2025-03-31", "--evidence", str(survey),
                 "--evidence", str(minutes), "--json")
    assert result.code == 0, result.err
    digest = hashlib.sha256(b"%PDF 212 jobs").hexdigest()
    kept = project / "evidence" / digest / "HR survey Q1.pdf"
    assert kept.read_bytes() == b"%PDF 212 jobs"
    # the entry: name, size (13 bytes) and SHA-256 of each, in the order given
    line = json.loads((project / "ledger" / "tester.jsonl").read_text())
    assert line["evidence"] == (f"{digest}:13:HR survey Q1.pdf\n"
                                f"{hashlib.sha256(b'board: 212').hexdigest()}:10:minutes.txt")
    log = json.loads(cli("log", "--json").out)["entries"][0]
    assert log["evidence"] == [
        {"name": "HR survey Q1.pdf", "size": 13, "sha256": digest,
         "path": f"evidence/{digest}/HR survey Q1.pdf"},
        {"name": "minutes.txt", "size": 10,
         "sha256": hashlib.sha256(b"board: 212").hexdigest(),
         "path": f"evidence/{hashlib.sha256(b'board: 212').hexdigest()}/minutes.txt"}]
    shown = json.loads(cli("show", "jobs", "--json").out)
    assert [e.get("evidence") for e in shown["entries"]] == [log["evidence"]]
    assert cli("verify").code == 0


def test_milestone_and_note_take_evidence_too(cli, project: Path, tmp_path: Path) -> None:
    decision = write(tmp_path / "decision.pdf", b"launched")
    assert cli("milestone", "launch", "done", "--date", "2024-06-01", "--evidence",
               str(decision)).code == 0
    assert cli("note", "launch", "press cutting", "--evidence", str(decision)).code == 0
    entries = json.loads(cli("log", "--json").out)["entries"]
    assert [e["evidence"][0]["name"] for e in entries] == ["decision.pdf", "decision.pdf"]
    assert len(list((project / "evidence").rglob("decision.pdf"))) == 1  # kept once


def test_verify_warns_on_a_missing_document_and_rejects_a_changed_one(
        cli, project: Path, tmp_path: Path) -> None:
    doc = write(tmp_path / "survey.csv", b"jobs,212\n")
    assert cli("record", "jobs", "212", "--evidence", str(doc)).code == 0
    kept = next((project / "evidence").rglob("survey.csv"))
    rel = kept.relative_to(project).as_posix()
    kept.unlink()
    result = cli("verify")
    assert result.code == 0
    feed = project / "ledger" / "tester.jsonl"
    assert result.err.splitlines()[0] == (f"mibtrack: warning: {feed}:1: evidence {rel} is "
                                          "missing — restore it from where it came (it is "
                                          "named by its SHA-256)")
    kept.write_bytes(b"jobs,999\n")  # same size, other bytes
    result = cli("verify")
    assert result.code == 4
    assert f"BROKEN tester.jsonl: 0 entries; line 1: evidence {rel} is changed (its SHA-256 " \
           "or size differs)" in result.out
    assert "a document was changed after an entry named it" in result.err


def test_a_refused_record_keeps_no_copy(cli, project: Path, tmp_path: Path) -> None:
    doc = write(tmp_path / "survey.csv", b"jobs,212\n")
    before = ledger_digest(project)
    result = cli("record", "nope", "212", "--evidence", str(doc))
    assert result.code == 2
    result = cli("record", "jobs", "212", "--evidence", str(tmp_path / "absent.pdf"))
    assert result.code == 2 and "--evidence" in result.err and "no such file" in result.err
    assert ledger_digest(project) == before
    assert not (project / "evidence").exists()


def test_an_append_refused_after_the_copy_takes_the_copy_back(cli, project: Path,
                                                             tmp_path: Path,
                                                             monkeypatch) -> None:  # noqa: ANN001
    import datetime as dt

    assert cli("record", "jobs", "1").code == 0
    before = ledger_digest(project)
    behind = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # the clock behind the feed: refused
    monkeypatch.setattr("mibtrack.ledger.feed.utc_now", lambda: behind)
    doc = write(tmp_path / "survey.csv", b"jobs,212\n")
    result = cli("record", "jobs", "212", "--evidence", str(doc))
    assert result.code == 2 and "behind the newest entry" in result.err
    assert ledger_digest(project) == before
    assert list((project / "evidence").rglob("*")) == []
