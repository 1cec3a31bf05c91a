"""`mibtrack import FILE.xlsx`: the first sheet of a workbook, read with python-calamine
(imported only here), checked row by row exactly as a CSV file is (`csvio.check_rows`).

The sheet has the CSV's columns (a header row, then one row per record). A date cell is a
date; a number cell is the number it holds; a text cell is read as the CSV's text would be.
Rows are named by their row number in the sheet, as lines are in a CSV file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

from .csvio import ImportPlan, Problem, check_rows
from .errors import UsageError
from .model import Project

SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def _cell_text(value: Any, decimal_comma: bool) -> str:
    """A cell as the text a CSV file would hold for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")  # refused as "not a date", as it should be
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return repr(value)  # refused by the value check
        text = format(Decimal(repr(value)), "f")  # the shortest decimal that is this double
        return text.replace(".", ",") if decimal_comma else text
    return str(value)


def read_workbook(path: Path) -> list[list[Any]]:
    """The first sheet's cells, row by row from A1; exit 2 when it cannot be read."""
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        if not book.sheet_names:
            raise UsageError(f"{path}: the workbook has no sheet")
        sheet = book.get_sheet_by_index(0)
        return sheet.to_python(skip_empty_area=False)
    except UsageError:
        raise
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror or exc})",
                         "check the file name and its permissions") from None
    except Exception as exc:  # calamine's errors for a damaged or foreign file
        raise UsageError(f"{path}: not a readable workbook ({type(exc).__name__}: "
                         f"{' '.join(str(exc).split())[:160]})",
                         "save it from the spreadsheet as .xlsx, or export CSV") from None


def read_workbook_import(path: Path, project: Project, today: dt.date,
                         cells: list[list[Any]] | None = None) -> ImportPlan:
    """Validate every row of the workbook's first sheet against the project; write nothing."""
    name = str(path)
    grid = read_workbook(path) if cells is None else cells
    decimal_comma = project.program.locale == "fr"
    texts = [[_cell_text(v, decimal_comma) for v in row] for row in grid]
    header_at = next((i + 1 for i, row in enumerate(texts) if any(c.strip() for c in row)),
                     None)
    if header_at is None:
        raise UsageError(f"{name}: the first sheet is empty",
                         "expected a header row such as metric,value,date and one row per "
                         "record")
    header = texts[header_at - 1]
    while header and not header[-1].strip():  # trailing empty columns of the used area
        header = header[:-1]
    width = len(header)

    def rows() -> Iterable[tuple[int, list[str]] | Problem]:
        for number in range(header_at + 1, len(texts) + 1):
            row = texts[number - 1]
            extra = [c for c in row[width:] if c.strip()]
            if extra:
                yield number, row  # the cell count check names the row
                continue
            yield number, (row[:width] + [""] * (width - len(row)))[:width]

    return check_rows(name, header_at, header, rows(), project, today, ",",
                      decimal_comma=decimal_comma, total=len(texts))
