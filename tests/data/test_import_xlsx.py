"""`mibtrack import FILE.xlsx`: the first sheet, the CSV's columns and checks, dates as
dates, all or nothing, bad rows named by their row number."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from support import ledger_digest

xlsxwriter = pytest.importorskip("xlsxwriter")


def workbook(path: Path, rows: list[list], second: list[list] | None = None) -> Path:
    """A workbook written cell by cell: dates as date cells, numbers as number cells."""
    book = xlsxwriter.Workbook(str(path))
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    for name, content in (("Data", rows), ("Other", second)):
        if content is None:
            continue
        sheet = book.add_worksheet(name)
        for r, row in enumerate(content):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), dates)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return path


def test_a_workbook_imports_like_a_csv_with_date_cells_as_dates(cli, entries,
                                                                tmp_path: Path) -> None:
    path = workbook(tmp_path / "in.xlsx", [
        ["metric", "value", "date", "source"],
        ["jobs", 40, dt.date(2025, 3, 31), "HR survey"],
        ["funding_eur", 1234.5, dt.date(2025, 1, 15), None],
        ["jobs", "55", "2025-06-30", None],  # text cells are read as the CSV's text
    ], second=[["metric", "value", "date"], ["jobs", 999, dt.date(2025, 1, 1)]])
    result = cli("import", str(path))
    assert result.code == 0, result.err
    assert result.out.startswith("imported 3 entries")
    got = [(e["metric"], e["value"], e["as_of"], e["source"]) for e in entries()]
    # only the first sheet; 1234.5 exactly (the shortest decimal of the double)
    assert got == [("jobs", 40, "2025-03-31", "HR survey"),
                   ("funding_eur", Decimal("1234.5"), "2025-01-15", None),
                   ("jobs", 55, "2025-06-30", None)]
    again = cli("import", str(path))  # the same rows again record nothing new
    assert again.code == 0 and "imported 0 entries" in again.out


def test_a_bad_row_in_a_workbook_writes_nothing_and_names_its_row(cli, project: Path,
                                                                  tmp_path: Path) -> None:
    path = workbook(tmp_path / "bad.xlsx", [
        ["metric", "value", "date"],
        ["jobs", 40, dt.date(2025, 3, 31)],
        ["nope", 1, dt.date(2025, 3, 31)],
    ])
    before = ledger_digest(project)
    result = cli("import", str(path))
    assert result.code == 2
    assert result.err.startswith(f"mibtrack: {path}:3: column metric: unknown metric 'nope'")
    assert len(result.err.splitlines()) == 1 and "Traceback" not in result.err
    assert ledger_digest(project) == before


def test_a_file_that_is_not_a_workbook_is_one_line_and_exit_2(cli, tmp_path: Path) -> None:
    path = tmp_path / "fake.xlsx"
    path.write_text("metric,value,date\n", encoding="utf-8")
    result = cli("import", str(path))
    assert result.code == 2 and "not a readable workbook" in result.err
    assert len(result.err.splitlines()) == 1
    missing = cli("import", str(tmp_path / "missing.xlsx"))
    assert missing.code == 2 and len(missing.err.splitlines()) == 1


def test_the_report_workbook_is_not_mistaken_for_an_import(cli, tmp_path: Path,
                                                           project: Path) -> None:
    out = tmp_path / "pack.xlsx"
    assert cli("report", "--as-of", "2025-01-01", "--format", "xlsx",
               "--output", str(out)).code == 0
    before = ledger_digest(project)
    result = cli("import", str(out))
    assert result.code == 2 and "unknown column" in result.err
    assert ledger_digest(project) == before


def test_a_workbook_dry_run_writes_nothing(cli, project: Path, tmp_path: Path) -> None:
    path = workbook(tmp_path / "dry.xlsx", [["metric", "value", "date"],
                                            ["jobs", 7, dt.date(2025, 3, 31)]])
    before = ledger_digest(project)
    result = cli("import", str(path), "--dry-run")
    assert result.code == 0, result.err
    assert "line 2: observation jobs 7 on 2025-03-31" in result.out
    assert "nothing written" in result.out and ledger_digest(project) == before
