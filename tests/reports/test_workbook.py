"""`report --format xlsx`: the board pack as a workbook, read back cell by cell with
openpyxl (not the writer's own library); byte-stable; typed cells; exceptions first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from report_support import AS_OF

from support import ledger_digest

openpyxl = pytest.importorskip("openpyxl")


def _book(seeded, tmp_path: Path, *args: str, name: str = "pack.xlsx"):
    out = tmp_path / name
    result = seeded("report", "--as-of", AS_OF, "--format", "xlsx", "--output", str(out), *args)
    assert result.code == 0, result.err
    return out, openpyxl.load_workbook(out)


def _rows(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(values_only=True) if any(c is not None for c in row)]


def test_the_summary_sheet_has_one_typed_row_per_objective_exceptions_first(
        seeded, tmp_path: Path) -> None:
    _, book = _book(seeded, tmp_path)
    assert book.sheetnames == ["Summary", "Plan vs actual", "Evidence", "About"]
    sheet = book["Summary"]
    header, *rows = _rows(sheet)
    col = {name: i for i, name in enumerate(header)}
    assert header[0] == "Id"
    # jobs is the one exception (off-track), so it comes first; then the others by group
    assert [r[0] for r in rows] == ["jobs", "funding", "launch"]
    jobs = dict(zip(header, rows[0], strict=True))
    # jobs: 52 on 2025-03-31, a quarterly metric read as at that report (τ): plan at
    # 2025-03-31 = 100 × 455/731 = 62.243502
    assert jobs["Actual"] == 52 and isinstance(jobs["Actual"], int | float)
    assert jobs["Planned now"] == pytest.approx(62.243502)
    assert jobs["Variance"] == pytest.approx(52 - 62.243502)
    assert jobs["Status"] == "▼ off-track"
    assert jobs["Due"] == dt.datetime(2026, 1, 1)  # a date cell, not text
    assert jobs["Target"] == 100 and jobs["Baseline"] == 0
    assert isinstance(jobs["Exception since"], dt.datetime)
    launch = dict(zip(header, rows[2], strict=True))
    assert launch["Status"] == "✔ achieved" and launch["Exception since"] is None
    # frozen header and id column, a filter over the table, the status coloured
    assert sheet.freeze_panes == "B2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}4"
    status_cell = sheet.cell(2, col["Status"] + 1)
    assert status_cell.fill.fgColor.rgb.endswith("F8D7DA")  # off-track's red
    money = sheet.cell(3, col["Actual"] + 1)
    assert money.value == 3_500_000 and "€" in money.number_format  # 1.5M + 2M


def test_plan_vs_actual_and_evidence_sheets(seeded, tmp_path: Path) -> None:
    _, book = _book(seeded, tmp_path)
    header, *rows = _rows(book["Plan vs actual"])
    assert header[:3] == ("Id", "Period end", "Status")
    jobs = [r for r in rows if r[0] == "jobs"]
    # quarter ends from 2024-01-01 to the as-of date: 4 in 2024, 2025-03-31, then 2025-04-30
    assert [r[1].date() for r in jobs] == [
        dt.date(2024, 3, 31), dt.date(2024, 6, 30), dt.date(2024, 9, 30),
        dt.date(2024, 12, 31), dt.date(2025, 3, 31), dt.date(2025, 4, 30)]
    assert [r[3] for r in jobs] == [10, 25, 31, 40, 52, 52]
    header, *rows = _rows(book["Evidence"])
    assert header[:5] == ("Date", "Kind", "Metric", "Objective", "Value")
    observed = [(r[0].date(), r[2], r[4]) for r in rows if r[1] == "observation"]
    assert (dt.date(2024, 2, 15), "funding_eur", 1_500_000) in observed
    assert len(observed) == 7
    assert any(r[1] == "milestone" and r[3] == "launch" for r in rows)


def test_the_same_report_gives_the_same_bytes(seeded, tmp_path: Path) -> None:
    first, _ = _book(seeded, tmp_path, name="a.xlsx")
    second, _ = _book(seeded, tmp_path, name="b.xlsx")
    assert first.read_bytes() == second.read_bytes()


def test_a_workbook_needs_an_output_file(seeded, project: Path) -> None:
    result = seeded("report", "--format", "xlsx")
    assert result.code == 2 and "--output" in result.err and result.out == ""


def test_user_text_is_never_a_formula_in_the_workbook(hostile, tmp_path: Path) -> None:
    out = tmp_path / "evil.xlsx"
    assert hostile("report", "--as-of", AS_OF, "--format", "xlsx", "--output",
                   str(out)).code == 0
    book = openpyxl.load_workbook(out)
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    titles = [r[1] for r in _rows(book["Summary"])]
    assert any(str(t).startswith('=HYPERLINK("x")') for t in titles)  # shown literally
    assert not any("\x1b" in str(c) for r in _rows(book["Summary"]) for c in r)


def test_an_unknown_owner_writes_no_workbook(seeded, tmp_path: Path,
                                            project: Path) -> None:
    before = ledger_digest(project)
    result = seeded("report", "--format", "xlsx", "--output", str(tmp_path / "x.xlsx"),
                    "--owner", "nobody")
    assert result.code == 2 and "owner" in result.err
    assert not (tmp_path / "x.xlsx").exists() and ledger_digest(project) == before
