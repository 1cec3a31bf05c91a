"""`mibtrack export`: the ledger as it stands (or --raw), CSV that `import` reads back and
that a spreadsheet cannot run, JSON with exact numbers."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

from conftest import facts
from support import without_provenance


def _id(result) -> str:  # noqa: ANN001
    assert result.code == 0, result.err
    return result.out.strip()


def _seed(cli) -> dict[str, str]:  # noqa: ANN001
    """Observations, a correction of value and of date, a void, milestone events, a note."""
    ids = {
        "jobs40": _id(cli("record", "jobs", "40", "--date", "2025-03-31", "--source", "HR",
                          "--key", "jobs-q1")),
        "jobs55": _id(cli("record", "jobs", "55", "--date", "2025-06-30", "--note", "=1+1")),
        "grant": _id(cli("record", "funding_eur", "2.5M", "--date", "2025-01-15",
                         "--source", "+x")),
        "wrong": _id(cli("record", "funding_eur", "999", "--date", "2025-02-01",
                         "--note", "-x")),
        "clawback": _id(cli("record", "funding_eur", "-250000.75", "--date", "2025-05-01",
                            "--source", "@x")),
        "slip": _id(cli("milestone", "launch", "slipped", "--date", "2024-05-01", "--expected",
                        "2024-09-30", "--note", "permits")),
        "done": _id(cli("milestone", "launch", "done", "--date", "2024-09-15")),
        "remark": _id(cli("note", "jobs", "hiring freeze lifted", "--date", "2025-04-02")),
    }
    assert cli("correct", ids["jobs40"], "--value", "42", "--reason", "recount").code == 0
    assert cli("correct", ids["grant"], "--date", "2025-01-20", "--reason", "date").code == 0
    assert cli("void", ids["wrong"], "--reason", "duplicate").code == 0
    return ids


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_export_applies_corrections_and_drops_voids(cli) -> None:
    _seed(cli)
    result = cli("export")
    assert result.code == 0, result.err
    assert result.out.startswith("date,metric,value,objective,status,expected,source,note,key"
                                 "\r\n")
    rows = _rows(result.out)
    assert [(r["date"], r["metric"] or r["objective"], r["value"] or r["status"] or r["note"])
            for r in rows] == [
        ("2025-03-31", "jobs", "42"),                       # corrected value
        ("2025-06-30", "jobs", "55"),
        ("2025-01-20", "funding_eur", "2500000"),           # corrected date
        ("2025-05-01", "funding_eur", "-250000.75"),        # a negative number stays a number
        ("2024-05-01", "launch", "slipped"),
        ("2024-09-15", "launch", "done"),
        ("2025-04-02", "jobs", "hiring freeze lifted"),     # a note on an objective
    ]
    assert rows[0]["key"] == ""  # corrected: its key named the content as first recorded
    assert rows[4]["expected"] == "2024-09-30"


def test_csv_cells_cannot_start_a_formula(cli) -> None:
    _seed(cli)
    cli("record", "jobs", "1", "--date", "2024-01-02", "--note", "\tx", "--source", "\rx",
        "--key", "-k")
    text = cli("export").out
    rows = _rows(text)
    by_value = {r["value"]: r for r in rows}
    assert by_value["55"]["note"] == "'=1+1"
    assert by_value["2500000"]["source"] == "'+x"
    assert by_value["-250000.75"]["source"] == "'@x"
    assert by_value["1"]["note"] == "'\tx" and by_value["1"]["source"] == "'\rx"
    assert by_value["1"]["key"] == "'-k"
    raw = _rows(cli("export", "--raw").out)
    assert [r["note"] for r in raw if r["note"].lstrip("'").startswith("-")] == ["'-x"]
    for row in rows + raw:
        for column, cell in row.items():
            if column != "value" and cell:
                assert cell[0] not in "=+-@\t\r", (column, cell)
    assert all(r["value"] == "" or Decimal(r["value"]) for r in rows + raw)


def test_export_then_import_into_a_fresh_project_gives_the_same_facts(
        cli, project, fresh_project, tmp_path, entries) -> None:
    _seed(cli)
    out = tmp_path / "out.csv"
    assert cli("export", "--output", str(out)).code == 0
    result = cli("import", str(out), root=fresh_project)
    assert result.code == 0, result.err
    assert result.out == f"imported 7 entries from {out}\n"
    # the same facts as the source project's applied view, texts included (escapes undone)
    source = json.loads(cli("export", "--format", "json").out, parse_float=Decimal)["entries"]
    copied = entries(fresh_project)
    expected = sorted((e["type"], e["date"], e["metric"], e["value"], e["objective"],
                       e["status"], e["expected"], e["source"], e["note"]) for e in source)
    assert facts(copied) == expected
    # and exporting the copy gives the same CSV, apart from keys of corrected facts
    again = _rows(cli("export", root=fresh_project).out)
    first = _rows(out.read_text(encoding="utf-8"))
    assert [{k: v for k, v in r.items() if k != "key"} for r in again] == \
        [{k: v for k, v in r.items() if k != "key"} for r in first]
    # importing the export again (into either project) records nothing new
    assert cli("import", str(out), root=fresh_project).out.startswith("imported 0 entries")


def test_raw_export_is_every_entry_as_recorded(cli, entries) -> None:
    ids = _seed(cli)
    raw = _rows(cli("export", "--raw").out)
    assert len(raw) == len(entries()) == 11
    assert [r["id"] for r in raw] == [e["id"] for e in entries()]
    void = next(r for r in raw if r["type"] == "void")
    assert (void["target_entry"], void["reason"]) == (ids["wrong"], "duplicate")
    assert next(r for r in raw if r["id"] == ids["jobs40"])["value"] == "40"
    document = json.loads(cli("export", "--raw", "--format", "json").out)
    assert document["view"] == "raw" and len(document["entries"]) == 11


def test_a_raw_csv_is_refused_by_import_with_a_hint(cli, fresh_project, tmp_path) -> None:
    _seed(cli)
    out = tmp_path / "raw.csv"
    cli("export", "--raw", "-o", str(out))
    result = cli("import", str(out), root=fresh_project)
    assert result.code == 2
    assert "this is an `export --raw` file" in result.err


def test_json_export_has_exact_numbers(cli) -> None:
    _seed(cli)
    cli("record", "funding_eur", "0.1", "--date", "2025-07-01")
    text = cli("export", "--format", "json").out
    assert '"value": 0.1,' in text and '"value": -250000.75,' in text
    document = json.loads(text, parse_float=Decimal)
    assert document["schema_version"] == 1 and document["view"] == "applied"
    total = sum(e["value"] for e in document["entries"] if e["metric"] == "funding_eur")
    assert total == Decimal("2250000") - Decimal("0.75") + Decimal("0.1")


def test_filters_work_on_the_facts_as_corrected(cli) -> None:
    _seed(cli)
    def values(*args: str) -> list[str]:  # noqa: E306
        result = cli("export", *args)
        assert result.code == 0, result.err
        return [r["value"] or r["status"] or r["note"] for r in _rows(result.out)]

    assert values("--metric", "jobs") == ["42", "55"]
    assert values("--objective", "launch") == ["slipped", "done"]
    assert values("--objective", "jobs") == ["42", "55", "hiring freeze lifted"]
    # the grant was moved from 2025-01-15 to 2025-01-20 by a correction
    assert values("--metric", "funding_eur", "--since", "2025-01-16", "--until",
                  "2025-01-31") == ["2500000"]
    assert values("--metric", "funding_eur", "--until", "2025-01-15") == []
    assert values("--raw", "--metric", "funding_eur", "--until", "2025-01-15") == ["2500000",
                                                                                   ""]


def test_export_errors_are_one_line_exit_2(cli, tmp_path) -> None:
    cases = [
        (("export", "--format", "xml"), "unknown format 'xml'"),
        (("export", "--metric", "nope"), "unknown metric 'nope'"),
        (("export", "--objective", "nope"), "unknown objective 'nope'"),
        (("export", "--since", "yesterday"), "--since 'yesterday' is not a date"),
        (("export", "-o", str(tmp_path / "no" / "such" / "dir.csv")), "cannot be written"),
    ]
    for args, message in cases:
        result = cli(*args)
        assert result.code == 2 and message in result.err and result.err.count("\n") == 1, \
            result.err


def test_output_file_is_written_whole_and_quietly(cli, tmp_path: Path) -> None:
    _seed(cli)
    out = tmp_path / "x.json"
    result = cli("--quiet", "export", "--format", "json", "--output", str(out))
    assert (result.code, result.out, result.err) == (0, "", "")
    assert json.loads(out.read_text())["view"] == "applied"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".x.json")] == []


def test_export_then_import_gives_the_same_status(cli, fresh_project, tmp_path) -> None:
    _seed(cli)
    cli("record", "jobs", "70", "--date", "2025-06-30", "--note", "same day, recorded later")
    out = tmp_path / "out.csv"
    assert cli("export", "-o", str(out)).code == 0
    assert cli("import", str(out), root=fresh_project).code == 0
    for day in ("2024-08-01", "2025-03-31", "2025-07-01"):
        here = json.loads(cli("status", "--as-of", day, "--json").out)
        there = json.loads(cli("status", "--as-of", day, "--json", root=fresh_project).out)
        assert without_provenance(here) == without_provenance(there)
    jobs = next(o for o in json.loads(cli("status", "--as-of", "2025-07-01", "--json").out)[
        "objectives"] if o["id"] == "jobs")
    assert jobs["actual"] == 70  # the later recorded of two same-day values, on both sides
