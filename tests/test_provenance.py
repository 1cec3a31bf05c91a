"""Every document carries its provenance stamp (SPEC R2): mibtrack_version, as_of, known_at,
generated_at, plan_version, ledger_head; `report --known-at <generated_at>` reproduces it.

The test programme (tests/support.py): `jobs` latest, target 100 by 2026-01-01; `funding`
sum to €10M by 2027-12-31; `launch` a milestone due 2024-06-30.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from mibtrack import __version__
from mibtrack.values import parse_moment

MOMENT = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
MOMENT_IN_TEXT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
HEX64 = re.compile(r"^[0-9a-f]{64}$")


def document(cli, *args: str) -> dict:
    result = cli(*args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def edit(project: Path, old: str, new: str) -> None:
    path = project / "objectives.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def generated_at_of(text: str) -> str:
    """The stamp's generated_at, as any format writes it (a JSON field, a footer, a column)."""
    return MOMENT_IN_TEXT.findall(text)[-1]


def test_status_json_carries_the_stamp(cli, project: Path) -> None:
    first = cli("record", "jobs", "40", "--date", "2025-01-01").out.strip()
    doc = document(cli, "status", "--json", "--as-of", "2025-01-01")
    assert doc["mibtrack_version"] == __version__
    assert doc["as_of"] == "2025-01-01" and doc["known_at"] is None
    assert MOMENT.match(doc["generated_at"]) and parse_moment(doc["generated_at"])
    # no plan version recorded: the SHA-256 of objectives.toml as read
    assert doc["plan_version"] == hashlib.sha256(
        (project / "objectives.toml").read_bytes()).hexdigest()
    # one feed, `tester`, whose newest entry is `first`: one "<writer> <id>\n" line hashed
    assert doc["ledger_head"] == hashlib.sha256(f"tester {first}\n".encode()).hexdigest()
    second = cli("--writer", "alice", "record", "jobs", "41", "--date", "2025-01-02").out.strip()
    doc = document(cli, "status", "--json")
    assert doc["ledger_head"] == hashlib.sha256(
        f"alice {second}\ntester {first}\n".encode()).hexdigest()  # sorted by feed name
    # as known before alice's record: her feed had no entry yet
    moment = document(cli, "log", "--json")["entries"][0]["recorded_at"]
    doc = document(cli, "status", "--json", "--known-at", moment)
    assert doc["ledger_head"] == hashlib.sha256(f"tester {first}\n".encode()).hexdigest()


def test_an_empty_ledger_has_the_head_of_nothing(cli) -> None:
    doc = document(cli, "report", "--format", "json")
    assert doc["ledger_head"] == hashlib.sha256(b"").hexdigest() and HEX64.match(
        doc["plan_version"])


def test_a_board_report_is_reproduced_from_its_stamp(cli, project: Path) -> None:
    cli("replan", "--reason", "first recorded version")
    entry = cli("record", "jobs", "40", "--date", "2025-01-01").out.strip()
    cli("record", "funding_eur", "2M", "--date", "2025-02-01")
    cli("milestone", "launch", "slipped", "--date", "2024-05-01", "--expected", "2024-09-30")
    board = {fmt: cli("report", "--as-of", "2025-03-31", "--format", fmt).out
             for fmt in ("json", "markdown", "html", "csv", "table")}
    stamp = json.loads(board["json"])
    # afterwards: more evidence, a correction, and a revised plan (target cut, objective
    # added, metric renamed)
    cli("record", "jobs", "55", "--date", "2025-03-01")
    cli("correct", entry[:10], "--value", "45", "--reason", "recount")
    edit(project, "target = 100\n", "target = 80\n")
    with (project / "objectives.toml").open("a", encoding="utf-8") as out:
        out.write('\n[[objectives]]\nid = "hub"\ntitle = "Hub"\nkind = "milestone"\n'
                  'due = 2026-06-30\n')
    edit(project, "[metrics.jobs]\n", '[metrics.direct_jobs]\nrenamed_from = ["jobs"]\n')
    edit(project, 'metric = "jobs"\n', 'metric = "direct_jobs"\n')
    assert cli("replan", "--reason", "July COPIL").code == 0
    now = document(cli, "report", "--as-of", "2025-03-31", "--format", "json")
    assert now["plan_version"] != stamp["plan_version"] and len(now["objectives"]) == 4
    # each document is reproduced from the moment its own stamp gives
    again = {fmt: cli("report", "--as-of", "2025-03-31", "--known-at",
                      generated_at_of(board[fmt]), "--format", fmt).out for fmt in board}
    redone = json.loads(again["json"])
    # the same figures, plan and ledger head; only known_at says it was asked for
    assert redone["known_at"] == stamp["generated_at"]
    assert {**redone, "known_at": None} == stamp
    for fmt in ("markdown", "html", "csv", "table"):
        assert again[fmt] == board[fmt], fmt  # byte for byte
    assert f"--known-at {generated_at_of(board['markdown'])}`" in board["markdown"]


@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_documents_show_the_stamp_in_a_footer(cli, fmt: str) -> None:
    cli("replan", "--reason", "first recorded version")
    doc = document(cli, "report", "--format", "json")
    text = cli("report", "--format", fmt).out
    tail = text[text.rindex("Generated at"):]
    for field in ("plan_version", "ledger_head", "mibtrack_version"):
        assert doc[field] in tail, field


def test_a_report_as_known_at_a_moment_is_the_same_each_time(cli) -> None:
    cli("record", "jobs", "40", "--date", "2025-01-01")
    moment = document(cli, "log", "--json")["entries"][0]["recorded_at"]
    first = cli("report", "--known-at", moment, "--format", "json").out
    cli("record", "jobs", "50", "--date", "2025-02-01")
    assert cli("report", "--known-at", moment, "--format", "json").out == first
    assert json.loads(first)["generated_at"] == moment  # the document generated at that moment
