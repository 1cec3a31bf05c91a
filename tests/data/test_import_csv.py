"""`mibtrack import`: every row checked first, then all written in one append or none."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from pathlib import Path

from conftest import facts
from support import ledger_digest, without_notices

PLAIN = """metric,value,date,source,note
jobs,40,2025-03-31,HR survey,first count
funding_eur,1234.5,2025-01-15,board,
funding_eur,-250,2025-02-01,board,clawback
jobs,55,2025-06-30,,
"""


def test_import_records_every_row_with_its_numbers(cli, write_csv, entries) -> None:
    result = cli("import", str(write_csv("a.csv", PLAIN)))
    assert result.code == 0, result.err
    assert result.out == "imported 4 entries from " + str(Path(result.out.split()[-1])) + "\n"
    got = entries()
    assert [(e["metric"], e["value"], e["as_of"]) for e in got] == [
        ("jobs", 40, "2025-03-31"), ("funding_eur", Decimal("1234.5"), "2025-01-15"),
        ("funding_eur", -250, "2025-02-01"), ("jobs", 55, "2025-06-30")]
    assert got[0]["source"] == "HR survey" and got[0]["note"] == "first count"
    assert got[1]["note"] is None
    assert all(e["key"].startswith("csv:") and len(e["key"]) == 68 for e in got)
    # one append: one recorded_at, consecutive sequence numbers
    assert len({e["recorded_at"] for e in got}) == 1
    assert [e["seq"] for e in got] == [1, 2, 3, 4]


def test_one_bad_row_among_a_thousand_writes_nothing_and_names_its_line(
        cli, project, write_csv) -> None:
    cli("record", "jobs", "1", "--date", "2024-12-31")  # a ledger that is not empty
    before = ledger_digest(project)
    rows = [f"funding_eur,{i},2025-01-{1 + i % 28:02d}" for i in range(1000)]
    rows[616] = "funding_eur,abc,2025-01-05"  # line 618: the header is line 1
    path = write_csv("big.csv", "metric,value,date\n" + "\n".join(rows) + "\n")
    result = cli("import", str(path))
    assert result.code == 2
    assert result.out == ""
    assert result.err == (f"mibtrack: {path}:618: column value: 'abc' is not a number — use "
                          "digits like 30000000, 30_000_000, 30e6, 30M or 1.5k; nothing was "
                          "imported; fix the file and run again\n")
    assert ledger_digest(project) == before


def test_every_bad_row_is_counted_and_the_first_reported(cli, project, write_csv) -> None:
    path = write_csv("bad.csv", "metric,value,date\n"
                                "jobs,1,2025-01-01\n"
                                "nope,1,2025-01-01\n"
                                "jobs,1,2025-02-30\n"
                                "jobs,,2025-01-01\n"
                                "jobs,2,2999-01-01\n"
                                "jobs,1,2025-01-01,extra\n")
    result = cli("import", str(path))
    assert result.code == 2
    assert result.err.startswith(f"mibtrack: {path}:3: column metric: unknown metric 'nope' "
                                 "(4 more bad rows: lines 4, 5, 6, 7) — declared metrics: "
                                 "funding_eur, jobs; nothing was imported")
    assert result.err.count("\n") == 1
    assert ledger_digest(project) == {}


def test_each_problem_names_its_column(cli, write_csv) -> None:
    cases = {
        "jobs,1,2025-02-30": "column date: '2025-02-30' is not a real date",
        "jobs,2,2999-01-01": "column date: 2999-01-01 is in the future",
        "jobs,,2025-01-01": "column value: empty",
        "jobs,1e99,2025-01-01": "column value: '1e99' is too large",
        ",1,2025-01-01": "column metric: empty",
        "jobs,1,2025-01-01,extra": "4 cells where the header has 3",
    }
    for row, expected in cases.items():
        path = write_csv("one.csv", f"metric,value,date\n{row}\n")
        result = cli("import", str(path))
        assert result.code == 2, row
        assert result.err.startswith(f"mibtrack: {path}:2: {expected}"), result.err


def test_importing_the_same_file_twice_records_it_once(cli, write_csv, entries) -> None:
    path = write_csv("a.csv", PLAIN)
    assert cli("import", str(path)).code == 0
    again = cli("import", str(path))
    assert again.code == 0, again.err
    assert again.out == f"imported 0 entries from {path}; 4 already recorded\n"
    assert len(entries()) == 4


def test_the_same_rows_in_another_order_and_file_record_nothing_new(
        cli, write_csv, entries) -> None:
    header, *rows = PLAIN.splitlines()
    assert cli("import", str(write_csv("a.csv", PLAIN))).code == 0
    random.Random(5).shuffle(rows)
    shuffled = write_csv("other-name.csv", "\n".join([header, "", *rows]) + "\n")
    assert cli("import", str(shuffled)).out.startswith("imported 0 entries")
    assert len(entries()) == 4


def test_an_explicit_key_with_other_content_is_refused_with_its_line(
        cli, project, write_csv) -> None:
    cli("record", "jobs", "40", "--date", "2025-03-31", "--key", "q1-jobs")
    before = ledger_digest(project)
    path = write_csv("k.csv", "metric,value,date,key\njobs,41,2025-04-01,new\n"
                              "jobs,41,2025-03-31,q1-jobs\n")
    result = cli("import", str(path))
    assert result.code == 2
    assert result.err.startswith(f"mibtrack: {path}:3: column key: key 'q1-jobs' was already "
                                 "recorded with other content")
    assert ledger_digest(project) == before
    dry = cli("import", str(path), "--dry-run")
    assert dry.code == 2 and dry.err == result.err


def test_a_key_twice_in_one_file_with_other_content_is_refused(cli, project, write_csv) -> None:
    path = write_csv("k.csv", "metric,value,date,key\njobs,1,2025-01-01,k\njobs,2,2025-01-01,k\n")
    result = cli("import", str(path))
    assert result.code == 2
    assert result.err.startswith(f"mibtrack: {path}:3: column key: key 'k' is also on line 2 "
                                 "with other content")
    assert ledger_digest(project) == {}


def test_exact_repeats_within_a_file_count_once_with_a_warning(cli, write_csv, entries) -> None:
    path = write_csv("r.csv", "metric,value,date\njobs,1,2025-01-01\njobs,1,2025-01-01\n")
    result = cli("import", str(path))
    assert result.code == 0
    assert without_notices(result.err) == (
        f"mibtrack: warning: {path}: 1 exact repeat of an earlier row, counted once (give "
        "each row its own key if they are separate facts)\n")
    assert len(entries()) == 1


def test_semicolon_decimal_comma_bom_and_crlf_import_the_same_numbers(
        cli, project, fresh_project, write_csv, entries) -> None:
    plain = write_csv("plain.csv", "metric,value,date\nfunding_eur,1234.5,2025-01-15\n"
                                   "funding_eur,1234567.25,2025-02-15\njobs,-3,2025-03-01\n")
    european = write_csv("eu.csv", "metric;value;date\r\nfunding_eur;1 234,5;2025-01-15\r\n"
                                   "funding_eur;\"1.234.567,25\";2025-02-15\r\njobs;-3;2025-03-01"
                                   "\r\n", bom=True)
    assert cli("import", str(plain)).code == 0
    result = cli("import", str(european), root=fresh_project)
    assert result.code == 0, result.err
    assert facts(entries(fresh_project)) == facts(entries())
    assert [e["value"] for e in entries(fresh_project)] == [
        Decimal("1234.5"), Decimal("1234567.25"), -3]
    # the same facts make the same keys: importing the plain file there records nothing new
    assert cli("import", str(plain), root=fresh_project).out.startswith("imported 0 entries")


def test_bom_and_crlf_with_commas(cli, fresh_project, write_csv, entries) -> None:
    assert cli("import", str(write_csv("a.csv", PLAIN))).code == 0
    other = write_csv("b.csv", PLAIN, crlf=True, bom=True)
    assert cli("import", str(other), root=fresh_project).code == 0
    assert facts(entries(fresh_project)) == facts(entries())


def test_a_decimal_point_in_a_semicolon_file_is_refused_not_misread(cli, write_csv) -> None:
    path = write_csv("eu.csv", "metric;value;date\nfunding_eur;1234.5;2025-01-15\n")
    result = cli("import", str(path))
    assert result.code == 2
    assert result.err.startswith(f"mibtrack: {path}:2: column value: '1234.5' has a decimal "
                                 "point in a semicolon-separated file")


def test_milestone_file(cli, write_csv, entries) -> None:
    path = write_csv("m.csv", "objective,status,date,expected,note\n"
                              "launch,slipped,2024-05-01,2024-09-30,permits late\n"
                              "launch,done,2024-09-15,,\n")
    result = cli("import", str(path))
    assert result.code == 0, result.err
    got = entries()
    assert [(e["objective"], e["status"], e["expected"], e["as_of"]) for e in got] == [
        ("launch", "slipped", "2024-09-30", "2024-05-01"), ("launch", "done", None, "2024-09-15")]


def test_milestone_rows_are_checked(cli, write_csv) -> None:
    cases = {
        "launch,slipped,2024-05-01,": "column expected: a slipped milestone needs its expected",
        "launch,done,2024-05-01,2024-06-01": "column expected: an expected date goes with",
        "launch,finished,2024-05-01,": "column status: unknown milestone status 'finished'",
        "jobs,done,2024-05-01,": "column objective: 'jobs' is not a milestone objective",
        "nope,done,2024-05-01,": "column objective: unknown objective 'nope'",
    }
    for row, expected in cases.items():
        path = write_csv("m.csv", f"objective,status,date,expected\n{row}\n")
        result = cli("import", str(path))
        assert (result.code, result.err.startswith(f"mibtrack: {path}:2: {expected}")) == \
            (2, True), result.err


def test_dry_run_shows_what_would_be_recorded_and_writes_nothing(
        cli, project, write_csv) -> None:
    path = write_csv("a.csv", PLAIN)
    result = cli("import", str(path), "--dry-run")
    assert result.code == 0, result.err
    assert result.out.splitlines() == [
        "line 2: observation jobs 40 on 2025-03-31",
        "line 3: observation funding_eur 1234.5 on 2025-01-15",
        "line 4: observation funding_eur -250 on 2025-02-01",
        "line 5: observation jobs 55 on 2025-06-30",
        "dry run: would record 4 entries; nothing written",
    ]
    assert ledger_digest(project) == {}
    cli("import", str(path))
    again = cli("import", str(path), "--dry-run")
    assert again.out == "dry run: would record 0 entries; 4 already recorded; nothing written\n"


def test_file_problems_are_one_line_exit_2(cli, project, tmp_path, write_csv) -> None:
    missing = tmp_path / "missing.csv"
    cases = [
        (missing, f"{missing}: cannot be read (No such file or directory)"),
        (write_csv("empty.csv", ""), "the file is empty"),
        (write_csv("blank.csv", "\n\n"), "the file is empty"),
        (write_csv("cols.csv", "metric,value,date,colour,size\njobs,1,2025-01-01,red,2\n"),
         "unknown columns 'colour', 'size'"),
        (write_csv("nodate.csv", "metric,value\njobs,1\n"), "the header 'metric,value' is "
         "neither metric,value,date nor objective,status,date"),
        (write_csv("latin1.csv", "metric,value,date\n") , None),
    ]
    (tmp_path / "latin1.csv").write_bytes(b"metric,value,date,note\njobs,1,2025-01-01,caf\xe9\n")
    cases[-1] = (tmp_path / "latin1.csv", f"{tmp_path / 'latin1.csv'}:2: not UTF-8")
    for path, expected in cases:
        result = cli("import", str(path))
        assert result.code == 2, (path, result.err)
        assert expected in result.err and result.err.count("\n") == 1, result.err
        assert result.out == ""
    assert ledger_digest(project) == {}


def test_a_header_alone_is_nothing_to_import(cli, project, write_csv) -> None:
    path = write_csv("h.csv", "metric,value,date\n")
    result = cli("import", str(path))
    assert result.code == 0
    assert without_notices(result.err) == f"{path}: a header and no rows: nothing to import\n"
    assert cli("--quiet", "import", str(path)).err == ""
    assert ledger_digest(project) == {}


def test_quiet_import_prints_only_what_changed(cli, write_csv) -> None:
    path = write_csv("a.csv", PLAIN)
    assert cli("--quiet", "import", str(path)).out.startswith("imported 4")
    assert cli("--quiet", "import", str(path)).out == ""


def test_no_progress_bar_or_colour_when_not_a_terminal(cli, write_csv) -> None:
    rows = "".join(f"funding_eur,{i},2025-01-01\n" for i in range(6000))
    result = cli("import", str(write_csv("big.csv", "metric,value,date\n" + rows)))
    assert result.code == 0
    assert without_notices(result.err) == "" and "\x1b" not in result.out


def test_import_json_of_log_after_import_is_valid_json(cli, write_csv) -> None:
    cli("import", str(write_csv("a.csv", PLAIN)))
    assert json.loads(cli("log", "--json").out)["schema_version"] == 1
