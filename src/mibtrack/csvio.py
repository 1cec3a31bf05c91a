"""CSV in and out: the rows `mibtrack import` reads and the cells `mibtrack export` writes.

Reading is all validation and no writing: `read_import` turns a file into ledger drafts, or
into a list of problems each naming its line (the header is line 1) and column. The CLI
appends the drafts in one `Ledger.append` call, so an import records every row or none.

Files come from spreadsheets: UTF-8 with or without a BOM, CRLF or LF, comma or semicolon
delimited (a semicolon file is read with decimal commas: `1 234,5`, `1.234,5`).

Columns, in any order:
- observations: `metric,value,date`;
- milestone events: `objective,status,date` and `expected` (for `slipped`);
- both (what `export` writes): a row with a metric is an observation, a row with an objective
  and a status a milestone event, a row with an objective, no status and a note a note;
- optional everywhere: `source,note,key`.
A row without a key gets `csv:` + the SHA-256 of its normalised content, so importing the
same rows again, from any file and in any order, records nothing new.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TextIO

from .errors import MibtrackError, UsageError
from .ledger import draft
from .ledger.spool import REPEAT, Drafts
from .model import Project, slip_problem
from .values import (
    FORMULA_STARTS,
    dots_group_thousands,
    key_problem,
    neutralise,
    parse_date_in,
    parse_value,
    parse_value_in,
)

OBSERVATION_COLUMNS = ("metric", "value")
MILESTONE_COLUMNS = ("objective", "status")
OPTIONAL_COLUMNS = ("expected", "source", "note", "key")
KNOWN_COLUMNS = ("date", *OBSERVATION_COLUMNS, *MILESTONE_COLUMNS, *OPTIONAL_COLUMNS)
#: Columns `export` writes, in order; `import` reads every one of them back.
EXPORT_COLUMNS = ("date", "metric", "value", "objective", "status", "expected", "source",
                  "note", "key")
#: Columns of `export --raw --format csv`: every ledger field (an audit dump, not for import).
RAW_COLUMNS = ("id", "type", "writer", "seq", "recorded_at", "as_of", "metric", "value",
               "objective", "status", "expected", "target_entry", "date", "reason", "source",
               "note", "key", "prev")
TEXT_COLUMNS = ("source", "note", "key")
MILESTONE_STATUSES = ("done", "at-risk", "slipped", "reopened")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Problem:
    """One bad cell or row: `file:line: column c: what — hint`."""

    path: str
    line: int
    column: str | None
    message: str
    hint: str | None = None

    def text(self) -> str:
        column = f"column {self.column}: " if self.column else ""
        return f"{self.path}:{self.line}: {column}{self.message}"


@dataclass
class ImportPlan:
    """What a file would record: good rows (on disk, `Drafts`), bad rows, and rows repeated
    within the file."""

    path: str
    delimiter: str
    columns: tuple[str, ...]
    drafts: Drafts = field(default_factory=Drafts)
    problems: list[Problem] = field(default_factory=list)
    #: Rows whose key (given or derived) repeats an earlier row of the file with the same content.
    repeats: int = 0

    def raise_if_bad(self) -> None:
        """The first bad row as one error line, with how many more there are."""
        if not self.problems:
            return
        self.problems.sort(key=lambda p: p.line)  # key conflicts are found after the rows
        first, rest = self.problems[0], self.problems[1:]
        bad_lines = sorted({p.line for p in rest} - {first.line})
        more = ""
        if bad_lines:
            shown = ", ".join(str(n) for n in bad_lines[:10])
            more = (f" ({len(bad_lines)} more bad row{'s' if len(bad_lines) != 1 else ''}: "
                    f"line{'s' if len(bad_lines) != 1 else ''} {shown}"
                    f"{', …' if len(bad_lines) > 10 else ''})")
        hint = "nothing was imported; fix the file and run again"
        if first.hint:
            hint = f"{first.hint}; {hint}"
        raise UsageError(first.text() + more, hint)


# --------------------------------------------------------------------------- reading

def read_text(path: Path) -> str:
    """The file's text: UTF-8, a BOM dropped; unreadable or not UTF-8 is exit 2."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UsageError(f"{path}: cannot be read ({exc.strerror})",
                         "check the file name and its permissions") from None
    except ValueError:  # a NUL in the name
        raise UsageError(f"{path}: cannot be read (a NUL character in its name)",
                         "check the file name") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UsageError(f"{path}:{line}: not UTF-8 (byte {exc.start})",
                         "save the file as UTF-8 (\"CSV UTF-8\" in a spreadsheet)") from None


def sniff_delimiter(header: str) -> str:
    """`;` when the header holds more semicolons than commas (European spreadsheets)."""
    return ";" if header.count(";") > header.count(",") else ","


def read_import(path: Path, project: Project, today: dt.date,
                progress: Progress | None = None, text: str | None = None) -> ImportPlan:
    """Validate every row of a CSV file against the project; write nothing."""
    name = str(path)
    text = read_text(path) if text is None else text
    if not text.strip():
        raise UsageError(f"{name}: the file is empty",
                         "expected a header row such as metric,value,date and one row per record")
    header_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = sniff_delimiter(header_line)
    reader = csv.reader(_lines(text), delimiter=delimiter, strict=True)
    try:
        header = next(reader)
        while not any(cell.strip() for cell in header):
            header = next(reader)
    except csv.Error as exc:
        raise UsageError(f"{name}:{reader.line_num}: unreadable header ({exc})") from None
    header_at = reader.line_num

    def rows() -> Iterable[tuple[int, list[str]] | Problem]:
        line = reader.line_num + 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Problem(name, line, None, f"unreadable row ({exc})",
                              "check the quotes on this line")
                return
            yield line, cells
            line = reader.line_num + 1

    total = text.count("\n") + (0 if text.endswith("\n") else 1)
    return check_rows(name, header_at, header, rows(), project, today, delimiter,
                      decimal_comma=delimiter == ";" or project.program.locale == "fr",
                      progress=progress, total=total)


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def _lines(text: str) -> Iterator[str]:
    """The text's lines, ends kept, split where `io.StringIO(text, newline="")` splits
    (that copy of a big file's text cost four bytes a character)."""
    return (match.group() for match in _LINE.finditer(text))


def check_rows(name: str, header_at: int, header: Sequence[str],
               rows: Iterable[tuple[int, list[str]] | Problem], project: Project,
               today: dt.date, delimiter: str, decimal_comma: bool,
               progress: Progress | None = None, total: int = 0) -> ImportPlan:
    """THE row checking of `import`, whatever the file: CSV lines or a workbook's rows, each
    given with its line (row) number; a Problem stops the reading."""
    columns = _columns(name, header_at, header)
    plan = ImportPlan(name, delimiter, columns)
    validator = _RowValidator(project, today, name, decimal_comma=decimal_comma)
    try:
        for item in rows:
            if isinstance(item, Problem):
                plan.problems.append(item)
                break
            start, cells = item
            if progress is not None and start % 500 == 0:
                progress(start, total)
            if not any(cell.strip() for cell in cells):
                continue  # blank lines (a trailing newline, a spacer row) carry nothing
            if len(cells) != len(columns):
                plan.problems.append(Problem(
                    name, start, None, f"{len(cells)} cells where the header has "
                    f"{len(columns)}", f"quote cells that contain a '{delimiter}'"))
                continue
            result = validator.row(start, dict(zip(columns, cells, strict=True)))
            if isinstance(result, Problem):
                plan.problems.append(result)
                continue
            plan.drafts.add(start, result)
        _same_key(plan)
    except BaseException:
        plan.drafts.close()
        raise
    if progress is not None:
        progress(total, total)
    return plan


def _same_key(plan: ImportPlan) -> None:
    """Rows with one key: the first is kept; a later one with the same content is a repeat,
    with other content a bad row."""
    drafts = plan.drafts
    for group in drafts.same_key():
        first_index, first = group[0]
        for index, later in group[1:]:
            if later != first:
                plan.problems.append(Problem(
                    plan.path, drafts.lines[index], "key", f"key {first['key']!r} is also on "
                    f"line {drafts.lines[first_index]} with other content",
                    "give each record its own key"))
            else:
                plan.repeats += 1
                drafts.skip[index] = REPEAT


def _columns(name: str, line: int, header: Sequence[str]) -> tuple[str, ...]:
    columns = tuple(cell.strip().lower() for cell in header)
    unknown = [c for c in columns if c not in KNOWN_COLUMNS]
    if {"id", "type", "prev"} <= set(columns):
        raise UsageError(f"{name}:{line}: this is an `export --raw` file (every entry as "
                         "recorded), which cannot be imported",
                         "export without --raw to get rows `import` reads back")
    if unknown:
        raise UsageError(f"{name}:{line}: unknown column{'s' if len(unknown) > 1 else ''} "
                         f"{', '.join(repr(c) for c in unknown)}",
                         f"columns are {', '.join(KNOWN_COLUMNS)}")
    doubled = sorted({c for c in columns if columns.count(c) > 1})
    if doubled:
        raise UsageError(f"{name}:{line}: column{'s' if len(doubled) > 1 else ''} "
                         f"{', '.join(doubled)} given twice")
    has_obs = all(c in columns for c in OBSERVATION_COLUMNS)
    has_ms = all(c in columns for c in MILESTONE_COLUMNS)
    if "date" not in columns or not (has_obs or has_ms) \
            or (not has_obs and any(c in columns for c in OBSERVATION_COLUMNS)) \
            or (not has_ms and "status" in columns):
        raise UsageError(f"{name}:{line}: the header {','.join(columns)!r} is neither "
                         "metric,value,date nor objective,status,date",
                         "observations need metric,value,date; milestone events "
                         "objective,status,date[,expected]; both may add source,note,key")
    return columns


def unescape(text: str) -> str:
    """Undo `neutralise`: a `'` that `export` put before a formula-like start or before a
    `'` is dropped (so a text that itself starts with `'` reads back unchanged)."""
    if len(text) > 1 and text[0] == "'" and (text[1] in FORMULA_STARTS or text[1] == "'"):
        return text[1:]
    return text


class _RowValidator:
    """Turns one row's cells into a draft, or the first problem with it."""

    def __init__(self, project: Project, today: dt.date, name: str, decimal_comma: bool) -> None:
        self.project = project
        self.today = today
        self.name = name
        self.decimal_comma = decimal_comma
        self.milestones = {o.id for o in project.objectives if o.kind == "milestone"}
        self.objectives = {o.id for o in project.objectives}
        self._days: dict[str, dt.date] = {}

    def problem(self, line: int, column: str | None, message: str,
                hint: str | None = None) -> Problem:
        return Problem(self.name, line, column, message, hint)

    def row(self, line: int, cells: dict[str, str]) -> dict[str, Any] | Problem:
        get = {k: v.strip() for k, v in cells.items()}
        text = {k: unescape(cells.get(k, "")) for k in TEXT_COLUMNS}
        source = text["source"].strip() or None
        note = text["note"].strip() or None
        key = text["key"].strip() or None
        metric, objective = get.get("metric", ""), get.get("objective", "")
        if metric and objective:
            return self.problem(line, "objective", "a row has a metric or an objective, not both",
                                "put observations and milestone events on separate rows")
        if not metric and not objective:
            column = "metric" if "metric" in cells else "objective"
            return self.problem(line, column, "empty", "every row names what it is about")
        if key is not None and (why := key_problem(key)) is not None:
            return self.problem(line, "key", why, "give 1 to 200 printable characters")
        try:
            day = self.date(get.get("date", ""))
        except MibtrackError as exc:
            return self.problem(line, "date", exc.message.strip(), exc.hint)
        if metric:
            made = self.observation(line, metric, get, day, source, note)
        else:
            made = self.event(line, objective, get, day, source, note)
        if isinstance(made, Problem):
            return made
        made["key"] = key or content_key(made)
        return made

    def date(self, cell: str) -> dt.date:
        day = self._days.get(cell)  # a file holds few distinct dates
        if day is None:
            day = self._date(cell)
            if len(self._days) < 1 << 16:
                self._days[cell] = day
        return day

    def _date(self, cell: str) -> dt.date:
        if not cell:
            raise UsageError("empty", "every row needs its date, YYYY-MM-DD")
        day = parse_date_in(cell, "", self.project.program.locale)
        if day > self.today:
            raise UsageError(f"{day} is in the future",
                             "record facts once they hold; plans belong in objectives.toml")
        return day

    def observation(self, line: int, metric: str, get: dict[str, str], day: dt.date,
                    source: str | None, note: str | None) -> dict[str, Any] | Problem:
        if metric in self.project.renames.metrics:
            return self.problem(line, "metric", f"metric {metric!r} was renamed to "
                                f"{self.project.renames.metrics[metric]!r}",
                                "write the new id in the file")
        if metric not in self.project.metrics:
            return self.problem(line, "metric", f"unknown metric {metric!r}",
                                f"declared metrics: {', '.join(sorted(self.project.metrics))}")
        for extra in ("status", "expected"):
            if get.get(extra):
                return self.problem(line, extra, "an observation has no " + extra,
                                    "leave it empty on metric rows")
        try:
            value = self.value(get.get("value", ""), self.project.typed_units(metric))
        except MibtrackError as exc:
            return self.problem(line, "value", exc.message.strip(), exc.hint)
        if (bounds := self.project.metrics[metric].out_of_bounds(value)) is not None:
            return self.problem(line, "value", f"{get['value']!r} is {bounds}",
                                "check for a typing mistake (the bounds are in objectives.toml)")
        return draft("observation", as_of=day, metric=metric, value=value, source=source,
                     note=note)

    def value(self, cell: str, units: tuple[str, ...]) -> Decimal:
        if not cell:
            raise UsageError("empty", "every observation needs its value")
        if self.project.program.locale == "fr":
            return parse_value_in(cell, "", "fr", units)  # 1 250, 41,2 %, 1 000 000,00 €
        if self.decimal_comma and "," not in cell and not dots_group_thousands(cell):
            raise UsageError(f"{cell!r} has a decimal point in a semicolon-separated file",
                             "write decimals with a comma (1234,5) or save the file with commas")
        return parse_value(cell, "", decimal_comma=self.decimal_comma)

    def event(self, line: int, objective: str, get: dict[str, str], day: dt.date,
              source: str | None, note: str | None) -> dict[str, Any] | Problem:
        if objective not in self.objectives:
            return self.problem(line, "objective", f"unknown objective {objective!r}",
                                "declared: " + ", ".join(o.id for o in self.project.objectives))
        if get.get("value"):
            return self.problem(line, "value", "a milestone event or note has no value",
                                "leave it empty on objective rows")
        status, expected = get.get("status", ""), get.get("expected", "")
        if not status:
            if note is None:
                return self.problem(line, "status", "empty",
                                    f"use one of {', '.join(MILESTONE_STATUSES)}, or give a note")
            if expected:
                return self.problem(line, "expected", "a note has no expected date")
            return draft("note", as_of=day, objective=objective, note=note, source=source)
        if objective not in self.milestones:
            return self.problem(line, "objective", f"{objective!r} is not a milestone objective",
                                "milestone events are for milestone objectives")
        if status not in MILESTONE_STATUSES:
            return self.problem(line, "status", f"unknown milestone status {status!r}",
                                f"use one of {', '.join(MILESTONE_STATUSES)}")
        expected_day = None
        if status == "slipped":
            if not expected:
                return self.problem(line, "expected", "a slipped milestone needs its expected "
                                    "date", "say when it is now expected, YYYY-MM-DD")
            try:
                expected_day = parse_date_in(expected, "", self.project.program.locale)
            except MibtrackError as exc:
                return self.problem(line, "expected", exc.message.strip(), exc.hint)
            if (slip := slip_problem(day, expected_day)) is not None:
                return self.problem(line, "expected", slip, "a milestone slips to a later date")
        elif expected:
            return self.problem(line, "expected", f"an expected date goes with `slipped`, not "
                                f"`{status}`")
        return draft("milestone", as_of=day, objective=objective, status=status,
                     expected=expected_day, source=source, note=note)


def content_key(fields: dict[str, Any]) -> str:
    """`csv:` + SHA-256 of the record's content: the same fact gives the same key, whatever
    the file, its line numbers or its order."""
    content = [fields.get(name) for name in ("type", "as_of", "metric", "value", "objective",
                                              "status", "expected", "source", "note")]
    data = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return "csv:" + hashlib.sha256(data.encode()).hexdigest()


# --------------------------------------------------------------------------- writing


def cell(value: Any, decimal_comma: bool = False) -> str:
    """One CSV cell: numbers and dates as themselves, text neutralised, None empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        text = format(value, "f") if isinstance(value, Decimal) else str(value)
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, dt.datetime):
        from .values import format_moment

        return format_moment(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


def write_csv(out: TextIO, columns: Sequence[str], records: Iterable[dict[str, Any]],
              french: bool = False) -> int:
    """A header and one line per record (CRLF, as RFC 4180 and spreadsheets expect); in
    French `;` between cells and the decimal comma (`import` reads it back)."""
    writer = csv.writer(out, lineterminator="\r\n", delimiter=";" if french else ",")
    writer.writerow(columns)
    count = 0
    for record in records:
        writer.writerow([cell(record.get(name), french) for name in columns])
        count += 1
    return count
