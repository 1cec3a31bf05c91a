"""More of SPEC revision 2 through the CLI: cadence thresholds, limits on a running sum,
reasons as known at a moment, and the shipped MIB project read as a director would."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from test_r2_rules import PROGRAM, objective, status  # noqa: F401  (fixtures below)

ROOT = Path(__file__).resolve().parents[2]


def write(project: Path, body: str) -> None:
    (project / "objectives.toml").write_text(PROGRAM + body, encoding="utf-8")


def ok(result) -> str:  # noqa: ANN001
    assert result.code == 0, result.err
    return result.out.strip()


CADENCES = """
[metrics.monthly]
unit = "jobs"
aggregate = "latest"
cadence = "monthly"

[metrics.yearly]
unit = "jobs"
aggregate = "latest"
cadence = "yearly"

[[objectives]]
id = "monthly"
title = "Monthly"
kind = "target"
metric = "monthly"
target = 100
due = 2026-01-01

[[objectives]]
id = "yearly"
title = "Yearly"
kind = "target"
metric = "yearly"
target = 100
due = 2026-01-01
"""


def test_each_cadence_holds_the_evaluation_date_for_one_cadence(cli, project: Path) -> None:
    write(project, CADENCES)
    ok(cli("record", "monthly", "10", "--date", "2024-03-01"))
    ok(cli("record", "yearly", "10", "--date", "2024-03-01"))
    # Monthly: 31 days after 2024-03-01 is 2024-04-01 (τ held); 32 days, 2024-04-02, not.
    assert objective(cli, "2024-04-01", "monthly")["evaluated_at"] == "2024-03-01"
    assert objective(cli, "2024-04-02", "monthly")["evaluated_at"] == "2024-04-02"
    # Yearly: 366 days after 2024-03-01 is 2025-03-02 (2024 is a leap year only up to Feb).
    assert objective(cli, "2025-03-02", "yearly")["evaluated_at"] == "2024-03-01"
    assert objective(cli, "2025-03-03", "yearly")["evaluated_at"] == "2025-03-03"
    # Day 60 (2024-03-01) of 731: P(τ) = 6000/731 = 8.207934…; A = 10 → on-track at τ.
    held = objective(cli, "2025-03-02", "yearly")
    assert (held["planned"], held["status"]) == (8.207934, "on-track")


SUM_CEILING = """
[metrics.spend_keur]
unit = "kEUR"
aggregate = "sum"

[[objectives]]
id = "facilitator"
title = "Spend at most €150k on the facilitator"
kind = "limit"
metric = "spend_keur"
max = 150
start = 2024-01-01
due = 2024-12-31
"""


def test_a_ceiling_on_a_running_total(cli, project: Path) -> None:
    write(project, SUM_CEILING)
    ok(cli("record", "spend_keur", "100", "--date", "2024-03-01"))
    ok(cli("record", "spend_keur", "30", "--date", "2024-06-01"))
    # Running totals 100, 130: inside; headroom 150 − 130 = 20. Pace: 30 per 92 days from
    # 130 on 2024-06-01: F(2024-12-31) = 130 + 30 × 213/92 = 199.45… > 150 → at-risk.
    inside = objective(cli, "2024-06-02", "facilitator")
    assert (inside["status"], inside["headroom"], inside["within"]) == ("at-risk", 20, True)
    assert inside["forecast_at_due"] == 199.456522
    assert inside["eta"] is None and inside["p_meet"] is None
    ok(cli("record", "spend_keur", "40", "--date", "2024-09-01"))
    # 170 > 150 from 2024-09-01: off-track since then, 20 over.
    over = objective(cli, "2024-10-01", "facilitator")
    assert (over["status"], over["headroom"], over["breached_since"]) == (
        "off-track", -20, "2024-09-01")
    ok(cli("record", "spend_keur", "5", "--date", "2025-02-01"))   # after due: not counted
    ended = objective(cli, "2025-03-01", "facilitator")
    assert (ended["status"], ended["breaches"]) == ("missed", 1)


NOTES = """
[[objectives]]
id = "launch"
title = "Launch"
kind = "milestone"
due = 2024-06-30
"""


def test_the_reason_is_as_known_at_the_moment_asked(cli, project: Path) -> None:
    write(project, NOTES)
    ok(cli("milestone", "launch", "at-risk", "--date", "2024-03-01", "--note",
           "Landlord has not signed"))
    between = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ok(cli("note", "launch", "Lease signed, fit-out starts", "--date", "2024-03-01"))
    # Same date: the later recorded is the newer; as known before it, the first stands.
    assert objective(cli, "2024-03-02", "launch")["reason"] == "Lease signed, fit-out starts"
    early = json.loads(ok(cli("status", "--json", "--as-of", "2024-03-02",
                              "--known-at", between)))
    launch = next(o for o in early["objectives"] if o["id"] == "launch")
    assert (launch["status"], launch["reason"]) == ("at-risk", "Landlord has not signed")
    # A milestone entry without a note is the newest: the reason is cleared.
    ok(cli("milestone", "launch", "done", "--date", "2024-04-01"))
    assert objective(cli, "2024-04-01", "launch")["reason"] is None


def test_the_shipped_programme_is_not_missed_years_before_its_due(cli) -> None:
    # The MIB proof point (due 2028-11-06) has one part past due without evidence: it goes
    # at its own pace (off-track), never `missed` in 2026; the summary counts leaves only.
    document = json.loads(ok(cli("status", "--json", "--as-of", "2026-11-24", root=ROOT)))
    proof = next(o for o in document["objectives"] if o["id"] == "proof-point")
    assert proof["status"] != "missed" and proof["due"] == "2028-11-06"
    assert proof["worst_child"]["id"] == "platforms-installed"
    leaves = [o for o in document["objectives"] if o["kind"] != "composite"]
    assert sum(document["summary"].values()) == len(leaves)
    assert sum(document["rollups"].values()) == len(document["objectives"]) - len(leaves)
