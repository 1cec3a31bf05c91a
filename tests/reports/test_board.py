"""The board pack (issue 15): parts of a programme, groups in order and nested, exceptions
first in every format, and the wording and layout defects directors found."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from support import ledger_digest

BOARD_TOML = """\
[program]
name = "Plan régional"
code = "PR"
start = 2024-01-01
end = 2030-12-31
currency = "EUR"
groups = ["Axis 2", "Axis 1"]

[metrics.intros]
unit = "introductions"
aggregate = "sum"

[metrics.firms]
unit = "companies"
aggregate = "latest"

[[objectives]]
id = "intros"
title = "150 introductions to investors"
kind = "target"
metric = "intros"
target = 150
due = 2026-12-31
group = "Axis 1 > Recommendation 3"
owner = "Claire"
tags = ["investors"]

[[objectives]]
id = "firms"
title = "One more company"
kind = "target"
metric = "firms"
baseline = 0
target = 2
due = 2025-12-31
group = "Axis 1"
owner = "Marc"

[[objectives]]
id = "vote"
title = "Co-financing voted"
kind = "milestone"
due = 2025-06-30
group = "Axis 2"
owner = "Claire"
tags = ["budget"]

[[objectives]]
id = "opening"
title = "Opening"
kind = "milestone"
due = 2025-03-31
group = "Axis 2"
"""

AS_OF = "2025-06-15"


@pytest.fixture
def board(cli, project: Path):
    (project / "objectives.toml").write_text(BOARD_TOML, encoding="utf-8")
    for args in (("record", "intros", "20", "--date", "2024-06-30"),
                 ("record", "intros", "30", "--date", "2025-06-30"),
                 ("record", "firms", "1", "--date", "2025-01-31"),
                 ("milestone", "vote", "slipped", "--date", "2025-05-10", "--expected",
                  "2026-03-31", "--note", "co-financing to be voted in the 2026 budget"),
                 ("milestone", "opening", "done", "--date", "2025-04-01")):
        result = cli(*args)
        assert result.code == 0, result.err
    return cli


def _json(result) -> dict:
    assert result.code == 0, result.err
    return json.loads(result.out, parse_float=Decimal)


# --------------------------------------------------------------------------- parts

def test_group_selects_a_group_and_its_nested_groups(board) -> None:
    doc = _json(board("status", "--as-of", AS_OF, "--group", "Axis 1", "--json"))
    assert [o["id"] for o in doc["objectives"]] == ["intros", "firms"]
    assert doc["part"] == {"group": "Axis 1"}
    assert sum(doc["summary"].values()) == 2  # counts only the part
    nested = _json(board("status", "--as-of", AS_OF, "--json", "--group",
                         "Axis 1 > Recommendation 3"))
    assert [o["id"] for o in nested["objectives"]] == ["intros"]


def test_owner_and_tag_select_and_combine(board) -> None:
    mine = _json(board("report", "--as-of", AS_OF, "--format", "json", "--owner", "claire"))
    assert [o["id"] for o in mine["objectives"]] == ["intros", "vote"]  # case-insensitive
    both = _json(board("status", "--as-of", AS_OF, "--json", "--owner", "Claire",
                       "--tag", "budget"))
    assert [o["id"] for o in both["objectives"]] == ["vote"]


def test_check_judges_only_the_part(board) -> None:
    # vote slipped past its due date: off-track (exit 1); Marc's firms: 1 of 2 on
    # 2025-01-31 against a plan of 2 × 531/730 = 1.45 by 2025-06-15: r = 0.69, off-track too;
    # Axis 2 holds vote (off-track, not missed: due 2025-06-30) and opening (achieved)
    whole = board("check", "--as-of", AS_OF, "--group", "Axis 2")
    assert whole.code == 1 and "vote" in whole.out and "opening" not in whole.out
    assert "): co-financing to be voted in the 2026 budget" in whole.out  # why, for cron mail
    fine = board("check", "--as-of", AS_OF, "--group", "Axis 2", "--fail-on", "missed")
    assert fine.code == 0 and fine.out == ""


def test_an_unknown_part_is_exit_2_naming_what_exists(board, project: Path) -> None:
    before = ledger_digest(project)
    result = board("status", "--group", "Axis 9")
    assert result.code == 2 and result.out == ""
    assert result.err.startswith("mibtrack: no objective has group 'Axis 9'")
    assert "Axis 1 > Recommendation 3" in result.err and len(result.err.splitlines()) == 1
    none = board("report", "--owner", "Claire", "--tag", "nope")
    assert none.code == 2 and "tag" in none.err
    assert ledger_digest(project) == before


def test_groups_follow_the_programme_s_order_and_nest(board) -> None:
    out = board("report", "--as-of", AS_OF, "--format", "markdown").out
    heads = [line for line in out.splitlines() if re.match(r"^#{2,3} ", line)]
    groups = [h for h in heads if "Axis" in h or "Recommendation" in h]
    # [program] groups puts Axis 2 first; Recommendation 3 nests inside Axis 1
    assert groups == ["## Axis 2", "## Axis 1", "### Recommendation 3"]
    html = board("report", "--as-of", AS_OF, "--format", "html").out
    assert html.index("<h2>Axis 2</h2>") < html.index("<h2>Axis 1</h2>") < \
        html.index('<h3 class="subgroup">Recommendation 3</h3>')
    table = board("report", "--as-of", AS_OF).out
    assert table.index("Axis 2") < table.index("Axis 1 › Recommendation 3")


# --------------------------------------------------------------------------- why, first

def test_every_format_puts_the_exceptions_first_with_their_reason(board) -> None:
    reason = "co-financing to be voted in the 2026 budget"
    doc = _json(board("report", "--as-of", AS_OF, "--format", "json"))
    vote = next(e for e in doc["exceptions"] if e["id"] == "vote")
    # slipped to 2026-03-31, due 2025-06-30: 274 days behind; off-track since the slip
    assert (vote["status"], vote["reason"], vote["days_behind"]) == ("off-track", reason, 274)
    assert (vote["next_date"], vote["next_date_kind"], vote["since"]) == (
        "2026-03-31", "expected", "2025-05-10")
    assert vote["owner"] == "Claire"
    for fmt in ("table", "markdown", "html"):
        out = board("report", "--as-of", AS_OF, "--format", fmt).out
        first_group = out.index("Axis 2")
        assert out.index(reason) < first_group, fmt  # on the first screen, before groups
        assert out.count(reason) >= 2 if fmt != "table" else True  # and on its card/row
    csv_out = board("report", "--as-of", AS_OF, "--format", "csv").out
    header, *rows = csv_out.splitlines()
    assert "reason" in header.split(",")
    assert any(reason in row and row.startswith("vote,") for row in rows)


def test_a_slipped_milestone_s_card_says_why_it_is_late(board) -> None:
    html = board("report", "--as-of", AS_OF, "--format", "html").out
    card = html[html.index('data-objective="vote"', html.index('<article')):]
    card = card[:card.index("</article>")]
    late = re.search(r'data-field="late_days"[^>]*>([^<]*)<', card)[1]
    # expected 2026-03-31 − due 2025-06-30 = 274 days
    assert late == "slipped: expected 2026-03-31, 274 days after due"
    assert "Late —" not in card and "co-financing to be voted" in card


# --------------------------------------------------------------------------- wording

def test_markdown_has_no_stray_backslash_before_numbers(board) -> None:
    from mibtrack.render.markdown import md

    assert md("143.67 companies") == "143.67 companies"
    assert md("1. first") == "1\\. first" and md("1) first") == "1\\) first"  # real lists
    out = board("report", "--as-of", AS_OF, "--format", "markdown").out
    assert not re.search(r"\\\d", out)


def test_one_of_a_unit_is_singular_and_zero_is_never_negative(board) -> None:
    from mibtrack.render.cells import points
    from mibtrack.render.text import amount

    assert amount(Decimal(1), "companies") == "1 company"
    assert amount(Decimal(2), "companies") == "2 companies"
    assert amount(Decimal(1), "jobs") == "1 job" and amount(Decimal(1), "EUR", "EUR") == "€1"
    assert points(Decimal("-0.004")) == "0 pts" and points(Decimal("0.05")) == "+5 pts"
    out = board("report", "--as-of", AS_OF, "--format", "markdown").out
    assert "| 1 company |" in out  # firms' actual
    assert "-0 pts" not in out and "+0 pts" not in out
    assert "1 companies" not in board("status", "--as-of", AS_OF).out


def test_one_day_late_is_singular(board) -> None:
    # opening was due 2025-03-31 and done 2025-04-01: one day late
    out = board("report", "--as-of", AS_OF, "--format", "markdown").out
    assert "1 day late" in out and "1 days late" not in out


@pytest.mark.parametrize("columns", ["120", "160"])
def test_the_terminal_never_cuts_a_target_short(board, monkeypatch, columns) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    out = board("status", "--as-of", AS_OF).out
    assert "150 introductions" in out and "introduc…" not in out
    assert max(len(line) for line in out.splitlines()) <= int(columns)


def test_log_keeps_ids_and_dates_whole_at_80_columns(board, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    out = board("log").out
    rows = [line for line in out.splitlines() if re.match(r"^[0-9a-f]{6}", line)]
    assert len(rows) == 5
    for line in rows:
        assert re.match(r"^[0-9a-f]{12}\s+\d{4}-\d{2}-\d{2}\s", line), line
    assert max(len(line) for line in out.splitlines()) <= 80


def test_period_tables_are_full_width_and_never_break_words(board) -> None:
    html = board("report", "--as-of", AS_OF, "--format", "html", "--period", "quarter").out
    assert 'class="card wide"' in html  # a card with a period table spans the row
    card_rule = re.search(r"\n\.card\{[^}]*\}", html)[0]
    assert "anywhere" not in card_rule  # words are not broken letter by letter in cards
    assert ".periods th,.periods td{white-space:nowrap}" in html
