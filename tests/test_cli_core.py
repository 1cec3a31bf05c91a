"""The evidence commands through the CLI: happy paths, exit codes, one stderr line,
and a ledger byte-identical after every refused command."""

import json
import shutil
from pathlib import Path

import pytest

from mibtrack.cli import run
from support import ledger_digest, without_notices


def lines(text: str) -> list[str]:
    return text.strip().splitlines()


def test_record_prints_the_new_entry_id_and_log_shows_it(cli) -> None:
    result = cli("record", "jobs", "40", "--date", "2025-03-31", "--source", "HR survey")
    # a project made before plan versions only gets the notice saying how to record one
    assert result.code == 0 and without_notices(result.err) == ""
    [entry_id] = lines(result.out)
    assert len(entry_id) == 64
    logged = json.loads(cli("log", "--json").out)
    assert logged["schema_version"] == 1
    [entry] = logged["entries"]
    assert entry["id"] == entry_id
    assert (entry["type"], entry["metric"], entry["value"], entry["as_of"], entry["writer"],
            entry["source"]) == ("observation", "jobs", 40, "2025-03-31", "tester", "HR survey")
    assert entry["recorded_at"].endswith("Z")


def test_record_json_prints_the_entry(cli) -> None:
    result = cli("record", "funding_eur", "1.5M", "--date", "2025-01-01", "--json")
    document = json.loads(result.out)
    assert document["schema_version"] == 1 and document["already_recorded"] is False
    assert document["entry"]["value"] == 1500000


def test_record_accepts_a_negative_value(cli) -> None:
    result = cli("record", "funding_eur", "-250k", "--date", "2025-01-01", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["entry"]["value"] == -250000


@pytest.mark.parametrize(("args", "code", "message"), [
    (("record", "staff", "5"), 2, "unknown metric 'staff' — declared metrics: funding_eur, jobs"),
    (("record", "jobs", "abc"), 2, "value 'abc' is not a number"),
    (("record", "jobs", "1e400000"), 2, "too large"),
    (("record", "jobs", "NaN"), 2, "is not a number"),
    (("record", "jobs", "5", "--date", "2023-02-30"), 2, "is not a real date"),
    (("record", "jobs", "5", "--date", "2999-01-01"), 2, "is in the future"),
    (("record", "jobs"), 2, "Missing argument"),
    (("milestone", "nope", "done"), 2, "unknown objective 'nope'"),
    (("milestone", "jobs", "done"), 2, "is a target, not a milestone"),
    (("milestone", "launch", "finished"), 2, "unknown milestone status 'finished'"),
    (("milestone", "launch", "slipped"), 2, "needs --expected"),
    (("void", "ffff", "--reason", "x"), 2, "no entry with id 'ffff'"),
    (("correct", "zz", "--reason", "x"), 2, "is not an entry id"),
    (("note", "ghost", "hello"), 2, "unknown objective 'ghost'"),
    (("status", "--as-of", "someday"), 2,
     "--as-of 'someday' is not a date — write it as YYYY-MM-DD, e.g. 2025-06-30"),
    (("frobnicate",), 2, "No such command"),
])
def test_bad_input_is_one_line_its_exit_code_and_nothing_written(
        cli, project: Path, args: tuple[str, ...], code: int, message: str) -> None:
    cli("record", "jobs", "1", "--date", "2025-01-01")
    before = ledger_digest(project)
    result = cli(*args)
    assert result.code == code
    assert len(lines(result.err)) == 1 and result.err.startswith("mibtrack: ")
    assert message in result.err
    assert "Traceback" not in result.err + result.out
    assert ledger_digest(project) == before


def test_same_key_same_content_is_a_no_op(cli, project: Path) -> None:
    first = cli("record", "jobs", "40", "--date", "2025-03-31", "--key", "hr-q1")
    before = ledger_digest(project)
    again = cli("record", "jobs", "40", "--date", "2025-03-31", "--key", "hr-q1")
    assert again.code == 0
    assert again.out == first.out
    assert "already recorded" in again.err
    assert ledger_digest(project) == before


def test_same_key_other_content_is_refused(cli, project: Path) -> None:
    cli("record", "jobs", "40", "--date", "2025-03-31", "--key", "hr-q1")
    before = ledger_digest(project)
    result = cli("record", "jobs", "41", "--date", "2025-03-31", "--key", "hr-q1")
    assert result.code == 2
    assert "key 'hr-q1' was already recorded with other content" in result.err
    assert ledger_digest(project) == before


def test_milestone_slipped_then_done(cli) -> None:
    assert cli("milestone", "launch", "slipped", "--date", "2024-05-01",
               "--expected", "2024-09-30").code == 0
    assert cli("milestone", "launch", "done", "--date", "2024-09-15").code == 0
    entries = json.loads(cli("log", "--json", "--objective", "launch").out)["entries"]
    assert [(e["status"], e["expected"]) for e in entries] == [("slipped", "2024-09-30"),
                                                             ("done", None)]


def test_correct_by_unique_prefix_keeps_the_original(cli) -> None:
    entry_id = cli("record", "jobs", "40", "--date", "2025-03-31").out.strip()
    result = cli("correct", entry_id[:8], "--value", "42", "--reason", "typo in survey")
    assert result.code == 0
    entries = json.loads(cli("log", "--json").out)["entries"]
    original, correction = entries
    assert original["value"] == 40 and original["corrected_by"] == [correction["id"]]
    assert (correction["type"], correction["target_entry"], correction["value"],
            correction["reason"]) == ("correction", entry_id, 42, "typo in survey")


def test_log_json_names_every_correction_and_void_of_an_entry_in_ledger_order(cli) -> None:
    first = cli("record", "jobs", "40", "--date", "2025-03-31").out.strip()
    second = cli("record", "jobs", "50", "--date", "2025-04-30").out.strip()
    fixes = [json.loads(cli("correct", first, "--value", v, "--reason", "typo",
                            "--json").out)["entry"]["id"] for v in ("41", "42")]
    void = json.loads(cli("void", first, "--reason", "counted twice", "--json").out)["entry"]["id"]
    entries = {e["id"]: e for e in json.loads(cli("log", "--json").out)["entries"]}
    assert (entries[first]["corrected_by"], entries[first]["voided_by"]) == (fixes, [void])
    assert (entries[second]["corrected_by"], entries[second]["voided_by"]) == ([], [])
    assert entries[void]["voided_by"] == entries[fixes[0]]["corrected_by"] == []


def test_a_long_log_is_one_plain_line_an_entry_with_the_tables_cells(cli, monkeypatch) -> None:
    """Past LONG_LISTING entries `log` prints aligned lines (rich lays out ~1,000 table rows
    a second): the same cells as the table, one line an entry, the note never folded."""
    import mibtrack.render.terminal as terminal

    first = cli("record", "jobs", "40", "--date", "2025-03-31", "--note", "n" * 150).out.strip()
    second = cli("record", "jobs", "50", "--date", "2025-04-30").out.strip()
    cli("correct", second, "--value", "51", "--reason", "typo")
    cli("void", first, "--reason", "counted twice")
    table = cli("log").out
    monkeypatch.setattr(terminal, "LONG_LISTING", 2)
    lines = cli("log").out.splitlines()
    assert lines[0].split() == ["id", "as", "of", "type", "about", "value", "writer", "source",
                                "/", "note"]
    assert set(lines[1]) <= {"─", " "} and len(lines) == 2 + 4
    assert lines[2].startswith(f"{first[:12]} (void)") and lines[2].endswith("n" * 150)
    assert lines[3].startswith(f"{second[:12]} (corrected)")
    assert lines[4].split()[2:5] == ["correction", "fixes", second[:12]]
    width = lines[1].index(" ")  # the columns line up: each date starts where its rule does
    assert all(line[width:width + 2] == "  " and line[width + 2:width + 6] == "2025"
               for line in lines[2:4])
    for line in lines[2:]:  # every cell the table shows (folded there), in the same order
        cells = [c for c in line.split("  ") if c.strip()]
        assert all(cell.strip()[:10] in table for cell in cells)
    shown = cli("show", "jobs").out.splitlines()  # its evidence alike
    assert f"{first[:12]} (void)" in "\n".join(shown)
    assert any(line.startswith(f"{first[:12]} (void)") and line.endswith("n" * 150)
               for line in shown)


def test_correct_can_move_the_date(cli) -> None:
    entry_id = cli("record", "jobs", "40", "--date", "2025-03-31").out.strip()
    assert cli("correct", entry_id, "--date", "2025-03-30", "--reason", "wrong day").code == 0
    correction = json.loads(cli("log", "--json").out)["entries"][1]
    assert correction["date"] == "2025-03-30"


def test_correct_needs_something_to_change(cli) -> None:
    entry_id = cli("record", "jobs", "40", "--date", "2025-03-31").out.strip()
    result = cli("correct", entry_id, "--reason", "x")
    assert result.code == 2 and "nothing to correct" in result.err


def test_void_then_voiding_again_is_refused(cli, project: Path) -> None:
    entry_id = cli("record", "jobs", "40", "--date", "2025-03-31").out.strip()
    assert cli("void", entry_id, "--reason", "duplicate of the HR figure").code == 0
    before = ledger_digest(project)
    result = cli("void", entry_id, "--reason", "again")
    assert result.code == 2 and "was voided by" in result.err
    assert ledger_digest(project) == before
    table = cli("log").out
    assert f"{entry_id[:12]} (void)" in table


def test_an_entry_is_named_by_a_unique_prefix_and_an_ambiguous_one_is_refused() -> None:
    import datetime as dt

    from mibtrack.errors import UsageError
    from mibtrack.ledger import LedgerContent
    from mibtrack.model import Note

    def note(entry_id: str) -> Note:
        return Note.model_construct(type="note", id=entry_id, objective="launch", note="x",
                                    as_of=dt.date(2025, 1, 1))

    content = LedgerContent(entries=[note("abcd" + "1" * 60), note("abcd" + "2" * 60)])
    assert content.resolve("ABCD1").id == "abcd" + "1" * 60
    with pytest.raises(UsageError, match="'abcd' names 2 entries"):
        content.resolve("abcd")
    with pytest.raises(UsageError, match="is not an entry id"):
        content.resolve("abc")


def test_note_on_an_objective(cli) -> None:
    assert cli("note", "funding", "Board approved the plan", "--date", "2025-02-01").code == 0
    [entry] = json.loads(cli("log", "--json", "--objective", "funding").out)["entries"]
    assert (entry["type"], entry["objective"], entry["note"]) == ("note", "funding",
                                                                  "Board approved the plan")


def test_log_filters_by_metric_and_dates(cli) -> None:
    cli("record", "jobs", "10", "--date", "2024-12-31")
    cli("record", "jobs", "20", "--date", "2025-03-31")
    cli("record", "funding_eur", "5M", "--date", "2025-03-31")
    got = json.loads(cli("log", "--json", "--metric", "jobs", "--since", "2025-01-01").out)
    assert [e["value"] for e in got["entries"]] == [20]
    got = json.loads(cli("log", "--json", "--until", "2025-01-01").out)
    assert [e["value"] for e in got["entries"]] == [10]


def test_user_text_is_shown_literally_in_the_log(cli) -> None:
    cli("note", "launch", "[bold]x[/bold] \x1b[31mred\x1b[0m <script>", "--date", "2024-01-02")
    out = cli("log").out
    assert "[bold]x[/bold]" in out and "\x1b" not in out and "\\x1b[31mred" in out


def test_verify_reports_each_feed(cli, project: Path) -> None:
    cli("record", "jobs", "1", "--date", "2025-01-01")
    result = cli("verify", "--json")
    assert result.code == 0
    document = json.loads(result.out)
    assert document["ok"] is True
    assert document["feeds"] == [{"feed": "tester.jsonl", "entries": 1, "ok": True,
                                  "line": None, "problem": None}]
    feed = project / "ledger" / "tester.jsonl"
    feed.write_bytes(feed.read_bytes().replace(b'"value":"1"', b'"value":"7"'))
    result = cli("verify")
    assert result.code == 4
    assert "BROKEN tester.jsonl" in result.out and "line 1" in result.out


def test_torn_tail_reading_warns_record_refuses_repair_fixes(cli, project: Path) -> None:
    cli("record", "jobs", "1", "--date", "2025-01-01")
    feed = project / "ledger" / "tester.jsonl"
    feed.write_bytes(feed.read_bytes() + b'{"v":1,"se')
    result = cli("log", "--json")
    assert result.code == 0 and len(json.loads(result.out)["entries"]) == 1
    assert "tester.jsonl:2: torn last line" in result.err
    assert cli("verify").code == 4
    before = ledger_digest(project)
    refused = cli("record", "jobs", "2", "--date", "2025-01-02")
    assert refused.code == 4 and "mibtrack repair" in refused.err
    assert ledger_digest(project) == before
    repaired = cli("repair")
    assert repaired.code == 0 and "quarantined" in repaired.out
    [quarantined] = (project / "ledger" / "quarantine").iterdir()
    assert quarantined.read_bytes() == b'{"v":1,"se'
    assert cli("verify").code == 0
    assert cli("record", "jobs", "2", "--date", "2025-01-02").code == 0


def test_validate_counts_what_it_checked(cli) -> None:
    cli("record", "jobs", "1", "--date", "2025-01-01")
    result = cli("validate")
    assert (result.code, result.out) == (0, "ok: 3 objectives, 2 metrics, 1 entries in 1 feed\n")


@pytest.mark.parametrize("readers", ["one process", "two forked readers"])
def test_validate_names_a_void_whose_target_is_not_in_the_ledger(
        cli, project: Path, monkeypatch: pytest.MonkeyPatch, readers: str) -> None:
    # validate streams every feed once: the void's target is looked for while folding (by
    # forked readers, a piece each, above 64 MB: forced here)
    if readers == "two forked readers":
        from mibtrack import snapshot

        monkeypatch.setattr(snapshot, "PARALLEL_BYTES", 0)
        monkeypatch.setattr(snapshot, "_cpus", lambda: 2)
        forked = snapshot._every_entry_parallel
        calls: list[int] = []
        monkeypatch.setattr(snapshot, "_every_entry_parallel",
                            lambda *a: calls.append(1) or forked(*a))
    entry = cli("--writer", "alice@x", "record", "jobs", "1", "--date", "2025-01-01").out.strip()
    kept = cli("--writer", "bob@x", "record", "jobs", "2", "--date", "2025-01-02").out.strip()
    assert cli("--writer", "bob@x", "void", entry, "--reason", "twice").code == 0
    assert cli("--writer", "bob@x", "void", kept, "--reason", "typo").code == 0
    assert cli("validate").out == "ok: 3 objectives, 2 metrics, 4 entries in 2 feeds\n"
    (project / "ledger" / "alice@x.jsonl").unlink()
    result = cli("validate")
    assert (result.code, result.out) == (0, "ok: 3 objectives, 2 metrics, 3 entries in 1 feed\n")
    missing = [line for line in lines(result.err) if "not in the ledger" in line]
    assert len(missing) == 1 and f"targets entry {entry[:12]}" in missing[0]
    if readers == "two forked readers":
        assert calls == [1, 1]


def test_broken_objectives_file_exits_3(cli, project: Path) -> None:
    (project / "objectives.toml").write_text("{broken")
    for command in (["validate"], ["log"], ["record", "jobs", "1"]):
        result = cli(*command)
        assert result.code == 3 and len(lines(result.err)) == 1
        assert "objectives.toml:1:" in result.err


def test_validate_lists_every_problem(cli, project: Path) -> None:
    text = (project / "objectives.toml").read_text()
    (project / "objectives.toml").write_text(
        text.replace('unit = "jobs"', 'unit = "jobs"\ncolour = 1').replace(
            'kind = "milestone"', 'kind = "milestone"\nowner = 5'))
    result = cli("validate")
    assert result.code == 3 and len(lines(result.err)) == 2


def test_project_is_found_like_git(project: Path, tmp_path: Path, monkeypatch,
                                   capsys) -> None:
    nested = project / "reports" / "2025"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    assert run(["validate"]) == 0
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert run(["validate"]) == 3
    assert "no objectives.toml" in capsys.readouterr().err
    monkeypatch.setenv("MIBTRACK_DIR", str(project))
    assert run(["validate"]) == 0


def test_init_writes_a_project_and_never_overwrites(tmp_path: Path, capsys) -> None:
    target = tmp_path / "new"
    target.mkdir()
    assert run(["--dir", str(target), "init", "--template", "mib"]) == 0
    assert (target / "ledger").is_dir()
    assert run(["--dir", str(target), "validate"]) == 0
    before = (target / "objectives.toml").read_bytes()
    capsys.readouterr()
    assert run(["--dir", str(target), "init"]) == 2
    assert "is already a project" in capsys.readouterr().err
    assert (target / "objectives.toml").read_bytes() == before
    assert run(["--dir", str(target), "init", "--template", "nope"]) == 2


def test_init_keeps_objectives_declared_before_the_ledger(tmp_path: Path, capsys) -> None:
    """An office that writes objectives.toml first then runs init gets its file, untouched,
    as plan version 1; a file that does not parse is refused with nothing written."""
    from tests.support import SMALL_TOML

    target = tmp_path / "declared"
    target.mkdir()
    (target / "objectives.toml").write_text("[program\n", encoding="utf-8")
    assert run(["--dir", str(target), "init"]) == 3
    assert sorted(p.name for p in target.iterdir()) == ["objectives.toml"]
    (target / "objectives.toml").write_text(SMALL_TOML, encoding="utf-8")
    capsys.readouterr()
    assert run(["--dir", str(target), "init"]) == 0
    out = capsys.readouterr().out
    assert "kept" in out and "recorded plan version 1" in out
    assert (target / "objectives.toml").read_text(encoding="utf-8") == SMALL_TOML
    assert run(["--dir", str(target), "plans", "--json"]) == 0
    import hashlib
    import json

    plans = json.loads(capsys.readouterr().out)
    digest = hashlib.sha256(SMALL_TOML.encode()).hexdigest()
    assert [p["sha256"] for p in plans["versions"]] == [digest]


def test_init_makes_the_folder_it_is_given(tmp_path: Path) -> None:
    assert run(["--dir", str(tmp_path / "fresh"), "init"]) == 0
    assert (tmp_path / "fresh" / "ledger").is_dir()
    assert run(["--dir", str(tmp_path / "no" / "such"), "init"]) == 2
    assert not (tmp_path / "no").exists()


def test_an_internal_failure_is_one_line_and_exit_70(cli, monkeypatch) -> None:
    import mibtrack.ledger.store as store

    def boom(self):
        raise RuntimeError("disk gremlin")

    monkeypatch.setattr(store.Ledger, "read", boom)
    result = cli("log")
    assert result.code == 70
    assert lines(result.err) == ["mibtrack: internal error: RuntimeError: disk gremlin (run with "
                                 "--debug for the traceback and report it)"]


def test_debug_shows_the_traceback_of_an_internal_failure(project: Path, monkeypatch,
                                                          capsys) -> None:
    import mibtrack.ledger.store as store

    monkeypatch.setattr(store.Ledger, "read", lambda self: 1 / 0)
    assert run(["--debug", "--dir", str(project), "log"]) == 70
    assert "Traceback" in capsys.readouterr().err


def test_writer_option_names_the_feed(cli, project: Path) -> None:
    assert run(["--dir", str(project), "--writer", "hr-bot", "record", "jobs", "1",
                "--date", "2025-01-01"]) == 0
    assert (project / "ledger" / "hr-bot.jsonl").is_file()
    assert run(["--dir", str(project), "--writer", "../evil", "record", "jobs", "1"]) == 2


@pytest.mark.parametrize("key", ["", "x" * 201, "tab\there"])
def test_a_bad_key_is_bad_input_and_creates_no_feed(cli, project: Path, key: str) -> None:
    before = ledger_digest(project)
    result = cli("--writer", "newcomer", "record", "jobs", "1", "--date", "2025-01-01",
                 "--key", key)
    assert result.code == 2 and "--key" in result.err
    assert ledger_digest(project) == before
    assert not (project / "ledger" / "newcomer.jsonl").exists()


def test_init_honours_mibtrack_dir_and_prepares_git(tmp_path: Path, monkeypatch,
                                                    capsys) -> None:
    target = tmp_path / "elsewhere"
    target.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MIBTRACK_DIR", str(target))
    assert run(["init"]) == 0
    assert (target / "objectives.toml").is_file() and not (tmp_path / "objectives.toml").exists()
    assert (target / ".gitignore").read_text() == ".mibtrack/\nledger/*.pending\n"
    assert "ledger/*.jsonl -text" in (target / ".gitattributes").read_text()


def test_long_reads_show_progress_on_a_terminal_only(cli, project: Path,
                                                     monkeypatch) -> None:
    """verify over a ledger bigger than the threshold: a bar on a terminal (stderr), not a
    byte of it in a pipe."""
    import importlib

    app_module = importlib.import_module("mibtrack.cli.app")  # the module, not the Typer app
    for day in range(1, 4):
        assert cli("record", "jobs", str(day), "--date", f"2025-01-0{day}").code == 0
    monkeypatch.setattr(app_module, "PROGRESS_FROM_BYTES", 1)
    piped = cli("verify")
    assert piped.code == 0 and without_notices(piped.err) == ""
    from rich.progress import Progress

    seen: list[tuple[str, float, float | None]] = []
    stop = Progress.stop

    def stopped(bar: Progress) -> None:
        seen.extend((t.description, t.completed, t.total) for t in bar.tasks)
        stop(bar)

    monkeypatch.setattr(Progress, "stop", stopped)
    monkeypatch.setattr(app_module, "on_terminal", lambda stream=None: True)
    size = (project / "ledger" / "tester.jsonl").stat().st_size
    assert cli("verify").code == 0
    assert seen == [("verifying", size, size)]  # started, and every byte read was told
    # a cold report reads each feed twice (its chain checked, then folded): the bar's
    # total says so, and ends full
    from mibtrack.usersecret import project_folder

    folder = project_folder(project)
    assert folder is not None
    shutil.rmtree(folder, ignore_errors=True)
    seen.clear()
    assert cli("status").code == 0
    assert seen == [("reading the ledger", 2 * size, 2 * size)]


def test_the_entry_table_heads_its_date_column_as_of(cli) -> None:
    """English keeps `as of` (French `show` says `date`: tests/reports/test_french.py)."""
    assert cli("record", "jobs", "4", "--date", "2025-01-01").code == 0
    header = cli("log").out.splitlines()[0].split()
    assert header[:4] == ["id", "as", "of", "type"]
