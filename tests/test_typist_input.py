"""SPEC R2, input a typist gets wrong: each refusal is exit 2, one exact stderr line, and
nothing written; `--dry-run` says what would be recorded and writes nothing.

The programme is tests/support.SMALL_TOML with bounds on its metrics: `jobs` (latest)
0..100000 and `funding_eur` (sum) at least 0; milestone `launch` due 2024-06-30.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from mibtrack.values import parse_value
from support import SMALL_TOML, ledger_digest

BOUNDED_TOML = (SMALL_TOML
                .replace('cadence = "quarterly"\n',
                         'cadence = "quarterly"\nmin_value = 0\nmax_value = 100_000\n')
                .replace('[metrics.funding_eur]\n', '[metrics.funding_eur]\nmin_value = 0\n'))


@pytest.fixture
def bounded(project: Path) -> Path:
    (project / "objectives.toml").write_text(BOUNDED_TOML, encoding="utf-8")
    return project


@pytest.fixture
def write_csv(tmp_path: Path):
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def refused(cli, project: Path, *args: str) -> str:
    """Run a command that must be refused: exit 2, one stderr line, nothing written."""
    before = ledger_digest(project)
    result = cli(*args)
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and result.err.startswith("mibtrack: ")
    assert result.out == ""
    assert ledger_digest(project) == before
    return result.err


# --------------------------------------------------------------------------- numbers

@pytest.mark.parametrize(("typed", "line"), [
    ("1,234.5", "value '1,234.5' is ambiguous: a comma may group thousands or mark decimals — "
                "quote it as 1234.5"),
    ("1,5", "value '1,5' is ambiguous: a comma may group thousands or mark decimals — quote it "
            "as 1.5 or 15"),
    ("١٢٣", "value '١٢٣' has digits other than 0-9 — type the number with the digits 0 to 9"),
    ("５", "value '５' has digits other than 0-9 — type the number with the digits 0 to 9"),
])
def test_an_ambiguous_or_foreign_number_on_the_command_line_is_refused(
        cli, project: Path, typed: str, line: str) -> None:
    cli("record", "jobs", "1", "--date", "2025-01-01")
    assert refused(cli, project, "record", "jobs", typed, "--date", "2025-01-02") == \
        f"mibtrack: {line}\n"


def test_the_decimal_mark_rule_in_one_place() -> None:
    # decimal comma: a '.' only groups thousands (1.234,5 = 1234.5; 1.234.567,25)
    assert parse_value("1.234,5", decimal_comma=True) == Decimal("1234.5")
    assert parse_value("1.234.567,25", decimal_comma=True) == Decimal("1234567.25")
    for ambiguous in ("1,234.5", "1.5", "12.34,5"):
        with pytest.raises(Exception, match="ambiguous where the decimal mark is the comma"):
            parse_value(ambiguous, decimal_comma=True)
    # decimal point: plain numbers still read as before
    assert parse_value("1234.5") == Decimal("1234.5")
    assert parse_value("30_000_000") == Decimal(30_000_000)


def test_an_ambiguous_number_in_a_semicolon_file_is_a_bad_row(
        cli, project: Path, write_csv) -> None:
    path = write_csv("eu.csv", "metric;value;date\nfunding_eur;1.234,5;2025-01-15\n"
                               "funding_eur;1,234.5;2025-02-15\n")
    err = refused(cli, project, "import", str(path))
    assert err == (f"mibtrack: {path}:3: column value: '1,234.5' is ambiguous where the decimal "
                   "mark is the comma — write 1234,5 (a '.' only groups thousands, as in "
                   "1.234,5); nothing was imported; fix the file and run again\n")
    fixed = write_csv("fixed.csv", "metric;value;date\nfunding_eur;1.234,5;2025-01-15\n")
    assert cli("import", str(fixed)).code == 0
    # 1.234,5 in a decimal-comma file is 1234.5 euros
    entries = json.loads(cli("log", "--json").out)["entries"]
    assert [e["value"] for e in entries] == [1234.5]


def test_a_comma_in_a_comma_file_cell_is_a_bad_row(cli, project: Path, write_csv) -> None:
    path = write_csv("c.csv", 'metric,value,date\njobs,"1,234.5",2025-01-15\n')
    assert refused(cli, project, "import", str(path)).startswith(
        f"mibtrack: {path}:2: column value: '1,234.5' is ambiguous: a comma may group "
        "thousands or mark decimals")


# --------------------------------------------------------------------------- bounds

def test_values_outside_the_metric_bounds_are_refused(cli, bounded: Path, write_csv) -> None:
    assert refused(cli, bounded, "record", "jobs", "-1", "--date", "2025-01-01") == (
        "mibtrack: value '-1' is below the min_value 0 of metric 'jobs' — check for a typing "
        "mistake (the bounds are in objectives.toml)\n")
    assert refused(cli, bounded, "record", "jobs", "1.5M", "--date", "2025-01-01") == (
        "mibtrack: value '1.5M' is above the max_value 100000 of metric 'jobs' — check for a "
        "typing mistake (the bounds are in objectives.toml)\n")
    path = write_csv("b.csv", "metric,value,date\njobs,40,2025-01-01\nfunding_eur,-5,2025-01-02\n")
    assert refused(cli, bounded, "import", str(path)) == (
        f"mibtrack: {path}:3: column value: '-5' is below the min_value 0 of metric "
        "'funding_eur' — check for a typing mistake (the bounds are in objectives.toml); "
        "nothing was imported; fix the file and run again\n")
    first = cli("record", "jobs", "100000", "--date", "2025-01-01")  # the bound itself is fine
    assert first.code == 0
    assert refused(cli, bounded, "correct", first.out.strip()[:12], "--value", "100001",
                   "--reason", "typo").startswith(
        "mibtrack: --value '100001' is above the max_value 100000 of metric 'jobs'")


# --------------------------------------------------------------------------- milestones

def test_a_slip_to_before_the_event_is_refused(cli, project: Path, write_csv) -> None:
    assert refused(cli, project, "milestone", "launch", "slipped", "--date", "2024-05-01",
                   "--expected", "2024-04-30") == (
        "mibtrack: --expected: expected date 2024-04-30 is before the event's date 2024-05-01 "
        "— a milestone slips to a later date; check --expected and --date\n")
    path = write_csv("m.csv", "objective,status,date,expected\n"
                              "launch,slipped,2024-05-01,2024-04-01\n")
    assert refused(cli, project, "import", str(path)).startswith(
        f"mibtrack: {path}:2: column expected: expected date 2024-04-01 is before the event's "
        "date 2024-05-01")
    # the same day is not before it
    assert cli("milestone", "launch", "slipped", "--date", "2024-05-01",
               "--expected", "2024-05-01").code == 0


def test_done_on_a_milestone_already_done_is_refused(cli, project: Path) -> None:
    done = cli("milestone", "launch", "done", "--date", "2024-06-01", "--key", "launch-done")
    assert done.code == 0
    assert refused(cli, project, "milestone", "launch", "done", "--date", "2024-07-01") == (
        f"mibtrack: milestone 'launch' is already done as of 2024-07-01 (done on 2024-06-01, "
        f"entry {done.out.strip()[:12]}) — record `reopened` first if it was undone, or "
        "`mibtrack correct ENTRY --date` the earlier entry's date\n")
    # the same keyed record again is the idempotent no-op, not a second `done`
    again = cli("milestone", "launch", "done", "--date", "2024-06-01", "--key", "launch-done")
    assert (again.code, again.out) == (0, done.out)
    # as of an earlier date it was not done yet; after `reopened` it can be done again
    assert cli("milestone", "launch", "done", "--date", "2024-05-15").code == 0
    assert cli("milestone", "launch", "reopened", "--date", "2024-08-01").code == 0
    assert cli("milestone", "launch", "done", "--date", "2024-09-01").code == 0


# --------------------------------------------------------------------------- dry run

def test_dry_run_says_what_would_be_recorded_and_writes_nothing(cli, project: Path) -> None:
    result = cli("record", "jobs", "40", "--date", "2025-03-31", "--dry-run")
    assert (result.code, result.out) == (
        0, "dry run: observation jobs 40 on 2025-03-31: would be recorded; nothing written\n")
    assert ledger_digest(project) == {}  # not even an empty feed
    as_json = json.loads(cli("record", "jobs", "40", "--date", "2025-03-31", "--dry-run",
                             "--json").out)
    entry = as_json["entry"]
    assert as_json["dry_run"] is True and as_json["already_recorded"] is False
    assert (entry["type"], entry["metric"], entry["value"], entry["as_of"], entry["seq"],
            entry["writer"]) == ("observation", "jobs", 40, "2025-03-31", 1, "tester")
    assert cli("milestone", "launch", "done", "--date", "2024-06-01", "--dry-run").out == (
        "dry run: milestone launch done on 2024-06-01: would be recorded; nothing written\n")
    assert cli("note", "launch", "ribbon cut", "--date", "2024-06-01", "--dry-run").out == (
        "dry run: note launch 'ribbon cut' on 2024-06-01: would be recorded; nothing written\n")
    assert ledger_digest(project) == {}
    # after a real record, a dry run chains after it (seq 2) and still writes nothing
    cli("record", "jobs", "40", "--date", "2025-03-31", "--key", "q1")
    before = ledger_digest(project)
    second = json.loads(cli("record", "jobs", "50", "--date", "2025-06-30", "--dry-run",
                            "--json").out)["entry"]
    assert second["seq"] == 2
    same = cli("record", "jobs", "40", "--date", "2025-03-31", "--key", "q1", "--dry-run")
    assert same.out == ("dry run: observation jobs 40 on 2025-03-31: already recorded (key "
                        "'q1'); nothing written\n")
    assert ledger_digest(project) == before
    # a refusal is the same with --dry-run
    refused(cli, project, "record", "jobs", "41", "--date", "2025-03-31", "--key", "q1",
            "--dry-run")


def test_an_imported_done_row_for_a_milestone_already_done_is_a_bad_row(
        cli, project: Path, write_csv) -> None:
    done = cli("milestone", "launch", "done", "--date", "2024-06-01").out.strip()
    late = write_csv("late.csv", "objective,status,date\nlaunch,done,2024-07-01\n")
    assert refused(cli, project, "import", str(late)) == (
        f"mibtrack: {late}:2: column status: milestone 'launch' is already done as of "
        f"2024-07-01 (done on 2024-06-01, entry {done[:12]}) — record `reopened` first if it "
        "was undone; nothing was imported; fix the file and run again\n")
    # as of 2024-05-01 it was not done yet: that row is recorded, and importing the same
    # file again repeats that very event (its key): a no-op, not a second `done`
    early = write_csv("early.csv", "objective,status,date\nlaunch,done,2024-05-01\n")
    assert cli("import", str(early)).out == f"imported 1 entry from {early}\n"
    assert cli("import", str(early)).out == (f"imported 0 entries from {early}; "
                                             "1 already recorded\n")


# --------------------------------------------------------------------------- units

def test_a_value_may_carry_its_metrics_unit_or_the_currency(cli, project: Path,
                                                            write_csv) -> None:
    """A programme in another currency types `1 250 000 SEK` as readily as MIB types €:
    the metric's unit and the programme's currency may follow a number, in every locale."""
    toml = (SMALL_TOML.replace('currency = "EUR"', 'currency = "SEK"\nlocale = "fr"')
            .replace('unit = "EUR"', 'unit = "SEK"'))
    (project / "objectives.toml").write_text(toml, encoding="utf-8")
    out = cli("record", "funding_eur", "1 250 000,50 SEK", "--date", "2025-03-31",
              "--dry-run").out
    assert "observation funding_eur 1250000.5 on 2025-03-31" in out
    assert "observation jobs 45 on" in cli("record", "jobs", "45 jobs", "--date", "2025-03-31",
                                            "--dry-run").out
    # French CSV: the same cells, and a unit the programme does not use is a bad row
    good = write_csv("ok.csv", "metric;value;date\nfunding_eur;1 250 000,00 SEK;31/03/2025\n"
                                "jobs;45 jobs;31/03/2025\n")
    assert cli("import", str(good)).code == 0
    assert [e["value"] for e in json.loads(cli("log", "--json").out)["entries"]
            if e["type"] == "observation"] == [1250000, 45]
    bad = write_csv("bad.csv", "metric;value;date\nfunding_eur;1 250 000,00 kr;30/06/2025\n")
    err = refused(cli, project, "import", str(bad))
    assert "bad.csv:2: column value: '1 250 000,00 kr' is not a number" in err
    assert "write no unit but SEK, €, EUR, %" in err


def test_a_unit_spelled_like_a_multiplier_is_never_stripped(cli, project: Path) -> None:
    toml = SMALL_TOML.replace('unit = "EUR"', 'unit = "M"')
    (project / "objectives.toml").write_text(toml, encoding="utf-8")
    out = cli("record", "funding_eur", "30M", "--date", "2025-03-31", "--dry-run").out
    assert "observation funding_eur 30000000 on 2025-03-31" in out


def test_as_of_names_the_fact_date_on_record_as_it_does_on_reports(cli, project: Path) -> None:
    """The stored field and every report say `as_of`: a typist who writes --as-of on
    `record`, `milestone` or `note` means --date."""
    assert "observation jobs 45 on 2025-03-31" in cli(
        "record", "jobs", "45", "--as-of", "2025-03-31", "--dry-run").out
    assert "milestone launch done on 2024-06-01" in cli(
        "milestone", "launch", "done", "--as-of", "2024-06-01", "--dry-run").out
    assert "note launch 'cut' on 2024-06-01" in cli(
        "note", "launch", "cut", "--as-of", "2024-06-01", "--dry-run").out
