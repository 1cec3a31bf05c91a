"""Reports list and link the evidence behind each figure (SPEC R2 "Evidence documents").

Each objective's `evidence` lists the documents behind its figures at the as-of date:
- target/limit on a `latest` metric: the documents of the observation giving A(t) (not
  those of an older one it replaced);
- on a `sum` metric: the documents of every observation summed into A(t);
- milestone: those of the event giving its state;
- any kind: those of the entry its `reason` is the note of.
Each item names the figure it backs, the entry, its date, and the document (name, size,
SHA-256, path evidence/<sha256>/<name>). JSON, Markdown, HTML (relative links, escaped) and
the workbook's Evidence sheet carry them; `show` lists them too. The documents here are made
by hand, so every SHA-256 and size below is computed from bytes the test wrote.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest


def doc(tmp_path: Path, name: str, data: bytes) -> tuple[str, str]:
    """A document written by the test: its path (for --evidence) and its SHA-256."""
    path = tmp_path / name
    path.write_bytes(data)
    return str(path), hashlib.sha256(data).hexdigest()


def evidence_of(cli, *args: str) -> dict[str, list[tuple]]:
    document = json.loads(cli("report", "--format", "json", *args).out)
    return {o["id"]: [(e["backs"], e["kind"], e["date"], e["name"], e["size"], e["path"])
                      for e in o["evidence"]] for o in document["objectives"]}


@pytest.fixture
def documented(cli, tmp_path: Path) -> dict[str, str]:
    """jobs (latest): 10 on 2025-01-31 with q1.pdf, 20 on 2025-02-28 with q2.pdf;
    funding (sum): 5 on 2025-01-31 with grant-a.pdf, 7 on 2025-02-28 without, 9 on
    2025-03-31 with grant-b.pdf; launch: done on 2024-05-01 with minutes.txt; a note on
    jobs dated 2025-03-01 with memo.txt (the jobs reason from then on)."""
    files = {"q1": doc(tmp_path, "q1.pdf", b"jobs: 10"),
             "q2": doc(tmp_path, "q2.pdf", b"jobs: 20!"),
             "grant-a": doc(tmp_path, "grant-a.pdf", b"grant 5"),
             "grant-b": doc(tmp_path, "grant-b.pdf", b"grant 9 EUR"),
             "minutes": doc(tmp_path, "minutes.txt", b"launched"),
             "memo": doc(tmp_path, "memo.txt", b"hiring freeze")}
    ids = {}
    for name, args in (
            ("q1", ("record", "jobs", "10", "--date", "2025-01-31")),
            ("q2", ("record", "jobs", "20", "--date", "2025-02-28")),
            ("grant-a", ("record", "funding_eur", "5", "--date", "2025-01-31")),
            (None, ("record", "funding_eur", "7", "--date", "2025-02-28")),
            ("grant-b", ("record", "funding_eur", "9", "--date", "2025-03-31")),
            ("minutes", ("milestone", "launch", "done", "--date", "2024-05-01")),
            ("memo", ("note", "jobs", "hiring freeze", "--date", "2025-03-01"))):
        extra = ("--evidence", files[name][0]) if name else ()
        result = cli(*args, *extra)
        assert result.code == 0, result.err
        ids[name or "plain"] = result.out.strip()
    return {**{f"sha:{k}": v[1] for k, v in files.items()}, **ids}


def test_report_json_lists_the_documents_behind_each_figure(cli, documented) -> None:
    sha = {k[4:]: v for k, v in documented.items() if k.startswith("sha:")}
    found = evidence_of(cli, "--as-of", "2025-03-31")
    # jobs: A = 20 (2025-02-28): q2.pdf, not q1.pdf; its reason is the note, with memo.txt
    assert found["jobs"] == [
        ("actual", "observation", "2025-02-28", "q2.pdf", 9, f"evidence/{sha['q2']}/q2.pdf"),
        ("reason", "note", "2025-03-01", "memo.txt", 13, f"evidence/{sha['memo']}/memo.txt")]
    # funding: A = 5 + 7 + 9: the two documented observations, oldest first
    assert found["funding"] == [
        ("actual", "observation", "2025-01-31", "grant-a.pdf", 7,
         f"evidence/{sha['grant-a']}/grant-a.pdf"),
        ("actual", "observation", "2025-03-31", "grant-b.pdf", 11,
         f"evidence/{sha['grant-b']}/grant-b.pdf")]
    assert found["launch"] == [("state", "milestone", "2024-05-01", "minutes.txt", 8,
                                f"evidence/{sha['minutes']}/minutes.txt")]
    document = json.loads(cli("report", "--format", "json", "--as-of", "2025-03-31").out)
    item = document["objectives"][0]["evidence"][0]
    assert item["entry"] == documented["q2"] and item["sha256"] == sha["q2"]


def test_an_earlier_as_of_date_lists_the_documents_of_its_own_figures(cli, documented) -> None:
    found = evidence_of(cli, "--as-of", "2025-02-15")
    assert [e[3] for e in found["jobs"]] == ["q1.pdf"]  # A = 10 then; no reason yet
    assert [e[3] for e in found["funding"]] == ["grant-a.pdf"]
    assert found["launch"][0][3] == "minutes.txt"
    assert evidence_of(cli, "--as-of", "2024-04-30")["launch"] == []  # not done yet


def test_a_voided_or_corrected_observation_moves_its_documents_with_it(cli, documented) -> None:
    assert cli("void", documented["q2"], "--reason", "double count").code == 0
    found = evidence_of(cli, "--as-of", "2025-03-31")
    assert [e[3] for e in found["jobs"]] == ["q1.pdf", "memo.txt"]  # A = 10 again
    # grant-b moved after the as-of date: no longer behind the figure
    assert cli("correct", documented["grant-b"], "--date", "2025-04-30",
               "--reason", "paid in April").code == 0
    found = evidence_of(cli, "--as-of", "2025-03-31")
    assert [e[3] for e in found["funding"]] == ["grant-a.pdf"]
    assert [(e[2], e[3]) for e in evidence_of(cli, "--as-of", "2025-05-01")["funding"]] == [
        ("2025-01-31", "grant-a.pdf"), ("2025-04-30", "grant-b.pdf")]


def test_a_later_undocumented_value_on_the_same_day_lists_nothing(cli, documented) -> None:
    # a second value for 2025-02-28, recorded later: it is the day's level, and names no
    # document; q2.pdf stood behind a value that no longer counts
    assert cli("record", "jobs", "21", "--date", "2025-02-28").code == 0
    found = evidence_of(cli, "--as-of", "2025-02-28")
    assert found["jobs"] == []


def test_status_cached_and_as_known_at_give_the_same_documents(cli, documented) -> None:
    first = json.loads(cli("status", "--json", "--as-of", "2025-03-31").out)
    again = json.loads(cli("status", "--json", "--as-of", "2025-03-31").out)  # the cache
    at = json.loads(cli("status", "--json", "--as-of", "2025-03-31", "--known-at",
                        first["generated_at"]).out)  # a full read as known at a moment
    lists = [[o["evidence"] for o in d["objectives"]] for d in (first, again, at)]
    assert lists[0] == lists[1] == lists[2]
    assert sum(len(x) for x in lists[0]) == 5


def test_markdown_and_html_link_each_document_relative_and_escaped(
        cli, project: Path, tmp_path: Path) -> None:
    name = 'Q1 <b>&"minutes" [v2]*.txt'
    path, digest = doc(tmp_path, name, b"jobs: 12")
    assert cli("record", "jobs", "12", "--date", "2025-01-31", "--evidence", path).code == 0
    href = f"evidence/{digest}/Q1%20%3Cb%3E%26%22minutes%22%20%5Bv2%5D%2A.txt"
    markdown = cli("report", "--format", "markdown", "--as-of", "2025-02-01").out
    assert (f"- **jobs** [Q1 \\<b\\>\\&\"minutes\" \\[v2\\]\\*.txt]({href}) "
            "(actual, 2025-01-31, entry ") in markdown
    html = cli("report", "--format", "html", "--as-of", "2025-02-01").out
    assert (f'<a href="{href}" data-sha256="{digest}">Q1 &lt;b&gt;&amp;&quot;minutes&quot; '
            "[v2]*.txt</a>") in html
    assert "<b>&" not in html
    # the link leads to the document kept in the project
    assert (project / href.replace("%20", " ").replace("%3C", "<").replace("%3E", ">")
            .replace("%26", "&").replace("%22", '"').replace("%5B", "[").replace("%5D", "]")
            .replace("%2A", "*")).read_bytes() == b"jobs: 12"


def test_show_lists_the_documents(cli, documented) -> None:
    sha = documented["sha:q2"]
    out = cli("show", "jobs", "--as-of", "2025-02-28").out
    assert f"evidence/{sha}/q2.pdf (actual, 2025-02-28, entry {documented['q2'][:12]})" \
        in " ".join(out.split())
    shown = json.loads(cli("show", "jobs", "--as-of", "2025-02-28", "--json").out)
    assert [e["name"] for e in shown["result"]["evidence"]] == ["q2.pdf"]


def test_the_workbook_evidence_sheet_names_each_fact_s_documents(
        cli, documented, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "pack.xlsx"
    assert cli("report", "--format", "xlsx", "--output", str(out), "--as-of",
               "2025-03-31").code == 0
    sheet = openpyxl.load_workbook(out)["Evidence"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][-2:] == ("Id", "Documents")
    documents = {row[-2]: row[-1] for row in rows[1:]}
    assert documents[documented["q1"]] == f"evidence/{documented['sha:q1']}/q1.pdf"
    assert documents[documented["plain"]] is None
    assert documents[documented["minutes"]] == \
        f"evidence/{documented['sha:minutes']}/minutes.txt"


def test_the_schemas_describe_the_evidence_the_documents_carry(cli, documented) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    for kind, args in (("report", ("report", "--format", "json")),
                       ("status", ("status", "--json")), ("show", ("show", "jobs", "--json"))):
        schema = json.loads(cli("schema", "--kind", kind).out)
        document = json.loads(cli(*args, "--as-of", "2025-03-31").out)
        jsonschema.Draft202012Validator(schema).validate(document)
    item = json.loads(cli("schema", "--kind", "report").out)["$defs"]["EvidenceItem"]
    assert list(item["properties"]) == ["backs", "entry", "date", "kind", "name", "size",
                                        "sha256", "path"]
    assert item["properties"]["backs"]["enum"] == ["actual", "state", "reason"]


def test_the_csv_and_the_table_report_name_the_documents_too(cli, documented) -> None:
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(
        cli("report", "--format", "csv", "--as-of", "2025-03-31").out)))
    by_id = {row["id"]: row["evidence"] for row in rows}
    sha = {k[4:]: v for k, v in documented.items() if k.startswith("sha:")}
    # paths separated by a space (each starts with evidence/<sha256>/)
    assert by_id["funding"] == (f"evidence/{sha['grant-a']}/grant-a.pdf "
                                f"evidence/{sha['grant-b']}/grant-b.pdf")
    assert by_id["launch"] == f"evidence/{sha['minutes']}/minutes.txt"
    table = cli("report", "--as-of", "2025-03-31").out
    assert (f"jobs  evidence/{sha['q2']}/q2.pdf  (actual, 2025-02-28, entry "
            f"{documented['q2'][:12]})") in table
