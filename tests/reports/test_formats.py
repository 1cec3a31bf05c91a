"""Every report format shows the same computed numbers, and user text literally."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from report_support import AS_OF, HOSTILE_NOTE, HOSTILE_SOURCE, HOSTILE_TITLE, MARKUP

from mibtrack.render.text import literal

NUMBERS = ("actual", "target", "target_min", "target_max", "baseline", "planned", "variance",
           "progress", "expected", "variance_points", "schedule_variance_days",
           "forecast_at_due", "late_days")
DATES = ("eta", "start", "due", "last_observed", "expected_date", "done_date")


def report_json(cli, *extra: str) -> dict:  # noqa: ANN001
    result = cli("report", "--as-of", AS_OF, "--format", "json", *extra)
    assert result.code == 0, result.err
    return json.loads(result.out, parse_float=Decimal)


def exact(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def percent(value: object) -> str:
    return "—" if value is None else f"{(Decimal(str(value)) * 100).quantize(Decimal(1)):f}%"


# --------------------------------------------------------------------------- CSV

def test_csv_rows_hold_the_json_numbers(seeded) -> None:  # noqa: ANN001
    expected = {o["id"]: o for o in report_json(seeded)["objectives"]}
    result = seeded("report", "--as-of", AS_OF, "--format", "csv")
    assert result.code == 0, result.err
    rows = list(csv.DictReader(io.StringIO(result.out)))
    assert [r["id"] for r in rows] == list(expected)
    for row in rows:
        want = expected[row["id"]]
        assert row["status"] == want["status"]
        # A field only one kind has (baseline, done_date) is absent from the other kinds'
        # JSON and empty in their CSV row.
        for name in NUMBERS:
            cell = row[name]
            assert (Decimal(cell) if cell else None) == exact(want.get(name)), (row["id"], name)
            assert "," not in cell and "€" not in cell and " " not in cell
        for name in DATES:
            assert (row[name] or None) == want.get(name), (row["id"], name)
    jobs = next(r for r in rows if r["id"] == "jobs")
    assert jobs["actual"] == "52" and jobs["variance"].startswith("-")  # numbers stay numbers
    assert Decimal(jobs["variance"]) < 0


def test_csv_by_period_matches_json_periods(seeded) -> None:  # noqa: ANN001
    document = report_json(seeded, "--period", "quarter")
    result = seeded("report", "--as-of", AS_OF, "--format", "csv", "--period", "quarter")
    rows = list(csv.DictReader(io.StringIO(result.out)))
    periods = document["periods"]["rows"]
    assert len(rows) == len(periods) > 0
    for row, want in zip(rows, periods, strict=True):
        assert (row["id"], row["date"], row["status"]) == (want["id"], want["date"],
                                                           want["status"])
        for name in ("actual", "planned", "variance", "progress", "expected"):
            assert (Decimal(row[name]) if row[name] else None) == exact(want[name])
    jobs = [r for r in rows if r["id"] == "jobs"]
    assert [r["date"] for r in jobs] == ["2024-03-31", "2024-06-30", "2024-09-30",
                                         "2024-12-31", "2025-03-31", AS_OF]
    assert [r["actual"] for r in jobs] == ["10", "25", "31", "40", "52", "52"]


def test_csv_text_cannot_run_as_a_formula(hostile) -> None:  # noqa: ANN001
    result = hostile("report", "--as-of", AS_OF, "--format", "csv")
    assert result.code == 0, result.err
    assert "\x1b" not in result.out
    rows = {r["id"]: r for r in csv.DictReader(io.StringIO(result.out))}
    evil = rows["evil"]
    assert evil["title"] == "'" + literal(HOSTILE_TITLE)
    assert evil["source"] == "'" + literal(HOSTILE_SOURCE)
    assert evil["group"] == "'@group <b>bold</b>"
    assert evil["owner"] == "'+owner"
    assert Decimal(rows["jobs"]["variance"]) < 0 and rows["jobs"]["variance"].startswith("-")
    numeric = set(NUMBERS)
    for row in rows.values():
        for name, cell in row.items():
            if name not in numeric:
                assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (name, cell)


# --------------------------------------------------------------------------- Markdown

def md_rows(text: str) -> dict[str, list[str]]:
    """Table rows by their first cell, cells split on unescaped pipes and unescaped."""
    rows = {}
    for line in text.splitlines():
        if line.startswith("| ") and not line.startswith("| Objective"):
            cells = [re.sub(r"\\(.)", r"\1", c.strip())
                     for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows[cells[0]] = cells
    return rows


def test_markdown_tables_hold_the_json_numbers(seeded) -> None:  # noqa: ANN001
    expected = report_json(seeded)["objectives"]
    result = seeded("report", "--as-of", AS_OF, "--format", "markdown")
    assert result.code == 0, result.err
    rows = md_rows(result.out)
    header = "| Objective | Title | Status | Actual | Target | Progress | Plan | Variance |"
    assert header in result.out
    for want in expected:
        cells = rows[want["id"]]
        assert len(cells) == 11  # R2 added the Reason column
        assert cells[1] == want["title"]
        assert cells[2].split()[1] == want["status"]
        assert cells[5] == percent(want["progress"])
        assert cells[6] == percent(want["expected"])
    assert rows["jobs"][3] == "52 jobs" and rows["jobs"][4] == "100 jobs"
    assert rows["funding"][3] == "€3,500,000"
    assert rows["✔ achieved"][1] == "1"  # the summary table


def test_markdown_by_period(seeded) -> None:  # noqa: ANN001
    result = seeded("report", "--as-of", AS_OF, "--format", "markdown", "--period", "year")
    assert "## By year" in result.out and "### jobs" in result.out
    rows = md_rows(result.out)
    assert rows["2024-12-31"][2] in ("40 jobs", "€2,000,000", "done")


def test_markdown_escapes_user_text(hostile) -> None:  # noqa: ANN001
    result = hostile("report", "--as-of", AS_OF, "--format", "markdown")
    assert result.code == 0, result.err
    assert "\x1b" not in result.out and "<script>" not in result.out
    assert "<b>" not in result.out and "[a](b)" not in result.out
    evil = md_rows(result.out)["evil"]
    assert len(evil) == 11  # the | in the title did not add a cell (11 with R2's Reason)
    assert evil[1] == literal(HOSTILE_TITLE)
    assert "## @group" not in result.out and "## \\@group \\<b\\>bold\\</b\\>" in result.out
    [note] = [line for line in result.out.splitlines() if line.startswith("- **evil** ")]
    assert note.startswith(f"- **evil** {AS_OF}: \\@SUM(A1) note \\<script\\>")
    assert "\\|" in note and "\\*em\\*" in note


# --------------------------------------------------------------------------- HTML

class Cards(HTMLParser):
    """Each card's id, status, numbers (data-field → data-value) and SVG contents."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cards: dict[str, dict] = {}
        self.current: dict | None = None
        self.depth = 0
        self.in_svg = 0
        self.headings: list[str] = []
        self.text: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "script":
            self.scripts += 1
        if tag in ("h1", "h2", "h3"):
            self.headings.append(tag)
        if tag == "article" and "data-objective" in a:
            self.current = {"status": a["data-status"], "numbers": {}, "svg_shapes": 0,
                            "svg": 0, "text": []}
            self.cards[a["data-objective"]] = self.current
        if self.current is None:
            return
        if tag == "dd" and "data-field" in a:
            self.current["numbers"][a["data-field"]] = a["data-value"]
        if tag == "svg":
            self.current["svg"] += 1
            self.current["aria"] = a.get("aria-labelledby")
            self.current["role"] = a.get("role")
        if tag in ("path", "use", "rect", "line", "polyline") and self.current["svg"]:
            self.current["svg_shapes"] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "article":
            self.current = None

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self.current is not None:
            self.current["text"].append(data)


def parse_html(text: str) -> Cards:
    parser = Cards()
    parser.feed(text)
    parser.close()
    return parser


def test_html_cards_hold_the_json_numbers(seeded, tmp_path: Path) -> None:  # noqa: ANN001
    expected = report_json(seeded)["objectives"]
    target = tmp_path / "board.html"
    result = seeded("report", "--as-of", AS_OF, "--format", "html", "--output", str(target))
    assert result.code == 0, result.err
    page = parse_html(target.read_text(encoding="utf-8"))
    assert list(page.cards) == [o["id"] for o in expected]
    assert page.headings.count("h1") == 1 and "h2" in page.headings and "h3" in page.headings
    for want in expected:
        card = page.cards[want["id"]]
        assert card["status"] == want["status"]
        assert card["svg"] == 1 and card["svg_shapes"] > 0 and card["role"] == "img"
        for field, value in card["numbers"].items():
            if field in ("target",):
                wanted = want["target"] if want["target"] is not None else want["target_min"]
            else:
                wanted = want[field]
            if field in NUMBERS:
                assert (Decimal(value) if value else None) == exact(wanted), (want["id"], field)
            else:
                assert (value or None) == (None if wanted is None else str(wanted).lower()
                                           if isinstance(wanted, bool) else str(wanted))
        text = " ".join(card["text"])
        assert want["title"] in text and f"Source: {want['source']}" in text \
            if want["source"] else want["title"] in text
    jobs = page.cards["jobs"]
    assert set(jobs["numbers"]) >= {"actual", "planned", "variance", "forecast_at_due", "eta"}
    assert "52 jobs" in " ".join(jobs["text"])
    assert "launch" in page.cards and page.cards["launch"]["numbers"]["late_days"] == "15"


def test_html_is_self_contained_and_summarises(seeded) -> None:  # noqa: ANN001
    out = seeded("report", "--as-of", AS_OF, "--format", "html").out
    assert out.startswith("<!DOCTYPE html>") and "@media print" in out and "size:A4" in out
    assert 'name="viewport"' in out
    assert re.findall(r"https?://[^\"' ]+", out) and all(
        u.startswith("http://www.w3.org/") for u in re.findall(r"https?://[^\"' ]+", out))
    assert "<script" not in out.lower() and "<link" not in out.lower()
    assert " src=" not in out and " href=" not in out
    assert all(ref.startswith("#") for ref in re.findall(r"url\(([^)]*)\)", out))
    ids = re.findall(r' id="([^"]+)"', out)
    assert len(ids) == len(set(ids))  # many inline SVGs, no id clash
    page = parse_html(out)
    body = " ".join(page.text)
    assert "Programme 2024-01-01 → 2030-12-31" in body and AS_OF in body
    # as known when the ledger was read: the footer stamp's moment, to the second
    generated = re.search(r'data-field="generated_at"><code>([^<]+)</code>', out)[1]
    assert f"as known at {generated[:10]} {generated[11:19]} UTC" in body
    assert "<title" in out and "<desc" in out


def test_html_escapes_user_text(hostile) -> None:  # noqa: ANN001
    out = hostile("report", "--as-of", AS_OF, "--format", "html").out
    assert "<script" not in out.lower() and "<b>" not in out and "\x1b" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out
    page = parse_html(out)
    assert page.scripts == 0
    evil = " ".join(page.cards["evil"]["text"])
    assert literal(HOSTILE_TITLE) in evil and literal(HOSTILE_SOURCE) in evil
    assert literal(HOSTILE_NOTE) in evil, "the note is shown, as text"
    assert MARKUP in evil and "\\x1b[31mred" in evil


def test_html_by_period(seeded) -> None:  # noqa: ANN001
    document = report_json(seeded, "--period", "month")
    out = seeded("report", "--as-of", AS_OF, "--format", "html", "--period", "month").out
    rows = [r for r in document["periods"]["rows"] if r["id"] == "jobs"]
    assert rows[0]["date"] == "2024-01-31" and rows[-1]["date"] == AS_OF
    jobs = out[out.index('data-objective="jobs"'):out.index('data-objective="funding"')]
    for row in rows:
        assert f'<tr data-date="{row["date"]}">' in jobs
    assert 'data-period="month"' in jobs


# --------------------------------------------------------------------------- terminal

def test_table_report_and_periods(seeded) -> None:  # noqa: ANN001
    result = seeded("report", "--as-of", AS_OF, "--period", "quarter")
    assert result.code == 0, result.err
    assert "jobs by quarter" in result.out and "2024-12-31" in result.out


@pytest.mark.parametrize("command", [("report",), ("status",), ("show", "evil"),
                                     ("report", "--format", "markdown"),
                                     ("report", "--format", "csv")])
def test_terminal_shows_user_text_literally(hostile, command) -> None:  # noqa: ANN001
    result = hostile(*command, "--as-of", AS_OF)
    assert result.code == 0, result.err
    assert "\x1b" not in result.out and "\x1b" not in result.err
    shown = result.out.replace("\\\\", "\\").replace("\\[", "[").replace("\\]", "]")
    assert "[bold red]lo" in shown  # markup shown, not interpreted (tables may cut the rest)
    if command[0] in ("show", "report") and len(command) > 2 or command[0] == "show":
        assert "\\x1b[31mred" in shown  # the escape shown, not sent


def test_show_draws_plan_actual_forecast(seeded) -> None:  # noqa: ANN001
    result = seeded("show", "jobs", "--as-of", AS_OF)
    assert result.code == 0, result.err
    assert "plan vs actual vs forecast" in result.out
    chart = result.out[result.out.index("plan vs actual vs forecast"):result.out.index("evidence")]
    for mark in ("◆", "·", "╌", "┄", "│"):
        assert mark in chart
    assert "as of 2025-04-30" in chart


@pytest.mark.parametrize("columns", ["80", "100", "120", "160", "200"])
def test_status_fits_and_sparklines_only_where_they_fit(seeded, monkeypatch,
                                                        columns) -> None:  # noqa: ANN001
    monkeypatch.setenv("COLUMNS", columns)
    result = seeded("status", "--as-of", AS_OF)
    assert result.code == 0, result.err
    assert max(len(line) for line in result.out.splitlines()) <= int(columns)
    # the sparkline comes once target, plan and variance fit (128 columns), never at 80
    assert ("trend" in result.out) == (int(columns) >= 128)
    if int(columns) >= 128:
        assert "▁▃▄▆█" in result.out  # 10, 25, 31, 40, 52


# --------------------------------------------------------------------------- render functions

def test_render_functions_agree(project: Path, seeded) -> None:  # noqa: ANN001
    from mibtrack.compute import Evaluator, build_report_from_ledger, effective_ledger
    from mibtrack.project import Workspace
    from mibtrack.render import FORMATS, render_report
    from mibtrack.render.periodic import periodic_view

    assert set(FORMATS) == {"table", "markdown", "json", "csv", "html"}
    workspace = Workspace(project)
    evaluator = Evaluator(workspace.project, effective_ledger(workspace.content.entries))
    import datetime as dt

    report = build_report_from_ledger(workspace.project, evaluator.ledger,
                                      dt.date.fromisoformat(AS_OF), evaluator)
    view = periodic_view(evaluator, report, "year")
    cli_json = report_json(seeded, "--period", "year")
    assert json.loads(render_report(report, "json", periods=view),
                      parse_float=Decimal) == {**cli_json, "generated_at": None,
                                               "plan_version": None, "ledger_head": None,
                                               "milestone_trends": []}
    for fmt in FORMATS:
        assert render_report(report, fmt) == render_report(report, fmt)  # deterministic
    with pytest.raises(ValueError):
        render_report(report, "pdf")

