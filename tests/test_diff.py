"""`diff --since T` names exactly what moved after a board report made at T, and
`check --since T` only what got worse (silent when nothing did).

The test programme (tests/support.py): `jobs` latest, target 100, 2024-01-01 → 2026-01-01
(731 days); `funding` sum, €10M, 2024-01-01 → 2027-12-31 (1460 days, no cadence); `launch`
a milestone due 2024-06-30. Every report here is as of 2025-01-01 (366 days in):
- jobs: plan 100 × 366/731 = 50.068399; 60 recorded → progress 0.6 ≥ 0.500684: on-track;
  then 70 recorded the same day (the later recorded wins) → variance 19.931601, on-track;
- funding: plan 10M × 366/1460 = 2,506,849.315068; 3M → progress 0.3 ≥ 0.250685:
  on-track; corrected to 1M → progress 0.1, r = 0.1/0.250685 = 0.40 < 0.9: off-track;
- launch: done 2024-06-01: achieved throughout.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

AS_OF = "2025-01-01"


def document(cli, *args: str) -> dict:
    result = cli(*args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def board(cli, project: Path) -> tuple[str, str]:
    """The board report at T; returns (T, the funding entry's id)."""
    assert cli("replan", "--reason", "first recorded version").code == 0
    funding = cli("record", "funding_eur", "3M", "--date", "2024-12-31").out.strip()
    cli("milestone", "launch", "done", "--date", "2024-06-01")
    cli("record", "jobs", "60", "--date", AS_OF)
    report = document(cli, "report", "--as-of", AS_OF, "--format", "json")
    assert [o["status"] for o in report["objectives"]] == ["on-track", "on-track", "achieved"]
    return report["generated_at"], funding


def after_the_board(cli, project: Path, funding: str) -> None:
    cli("correct", funding[:10], "--value", "1M", "--reason", "signed amount was 1M")
    cli("record", "jobs", "70", "--date", AS_OF, "--source", "HR survey")
    cli("note", "funding", "grant delayed", "--date", "2024-12-31")
    with (project / "objectives.toml").open("a", encoding="utf-8") as out:
        out.write('\n[[objectives]]\nid = "hub"\ntitle = "Hub opened"\nkind = "milestone"\n'
                  'due = 2026-06-30\n')
    assert cli("replan", "--reason", "hub added by the board", "--decided", "2024-12-15"
               ).code == 0


def test_diff_names_exactly_what_moved(cli, project: Path) -> None:
    moment, funding = board(cli, project)
    nothing = document(cli, "diff", "--json", "--since", moment, "--as-of", AS_OF)
    assert nothing["summary"] == dict.fromkeys(
        ("got_worse", "got_better", "status_moved", "values_moved", "plan_revisions",
         "new_evidence", "corrections", "voids", "notes"), 0)
    after_the_board(cli, project, funding)
    diff = document(cli, "diff", "--json", "--since", moment, "--as-of", AS_OF)
    assert [(c["id"], c["from"], c["to"]) for c in diff["got_worse"]] == [
        ("funding", "on-track", "off-track")]
    assert diff["got_worse"][0]["reason"] == "grant delayed"
    assert diff["got_better"] == []
    assert [(c["id"], c["from"], c["to"]) for c in diff["status_moved"]] == [
        ("hub", None, "on-track")]
    assert [(v["id"], v["field"], v["from"], v["to"]) for v in diff["values_moved"]] == [
        ("jobs", "actual", 60, 70),
        ("jobs", "variance", 9.931601, 19.931601),       # 60 / 70 − 50.068399
        ("jobs", "progress", 0.6, 0.7),
        ("funding", "actual", 3000000, 1000000),
        ("funding", "variance", 493150.684932, -1506849.315068),  # 3M / 1M − 2,506,849.315068
        ("funding", "progress", 0.3, 0.1)]
    [revision] = diff["plan_revisions"]
    assert (revision["version"], revision["decided"], revision["reason"]) == (
        2, "2024-12-15", "hub added by the board")
    assert [(c["id"], c["change"]) for c in revision["changes"]] == [("hub", "added")]
    assert [(e["type"], e["about"], e["value"], e["text"]) for e in diff["new_evidence"]] == [
        ("observation", "jobs", "70", "HR survey")]
    assert [(e["about"], e["value"], e["text"]) for e in diff["corrections"]] == [
        (document(cli, "log", "--json")["entries"][1]["id"], "value 1000000",
         "signed amount was 1M")]
    assert diff["voids"] == []
    assert [(e["about"], e["text"]) for e in diff["notes"]] == [("funding", "grant delayed")]
    assert diff["before"]["plan_version"] != diff["after"]["plan_version"]
    text = cli("diff", "--since", moment, "--as-of", AS_OF)
    assert text.code == 0
    assert "Got worse (1)\n  ▼ funding: on-track → off-track" in text.out
    assert "  v2 decided 2024-12-15: hub added by the board\n    - objective hub added" \
        in text.out
    assert "Voids" not in text.out and "Got better" not in text.out  # only what moved


def test_diff_until_an_earlier_moment_and_bad_input(cli, project: Path) -> None:
    moment, funding = board(cli, project)
    after_the_board(cli, project, funding)
    # until the board itself: nothing moved
    same = document(cli, "diff", "--json", "--since", moment, "--until", moment,
                    "--as-of", AS_OF)
    assert not any(same["summary"].values())
    assert cli("diff", "--since", moment, "--until", "2020-01-01").code == 2
    assert cli("diff", "--since", "yesterday").code == 2
    assert cli("diff").code == 2


def test_check_since_is_silent_unless_something_got_worse(cli, project: Path) -> None:
    moment, funding = board(cli, project)
    quiet = cli("check", "--as-of", AS_OF, "--since", moment)
    assert (quiet.code, quiet.out, quiet.err) == (0, "", "")
    after_the_board(cli, project, funding)
    news = cli("check", "--as-of", AS_OF, "--since", moment)
    assert news.code == 1
    assert news.out.startswith("off-track: funding — €10M raised") and news.out.count("\n") == 1
    # the next day's run: funding is still off-track, but that is no news
    later = document(cli, "status", "--json")["generated_at"]
    again = cli("check", "--as-of", AS_OF, "--since", later)
    assert (again.code, again.out) == (0, "")
    assert cli("check", "--as-of", AS_OF).code == 1  # without --since: every breach
    verdict = json.loads(cli("check", "--as-of", AS_OF, "--since", moment, "--json").out)
    assert verdict["breaches"] == ["funding"] and verdict["since"] == moment


def test_the_new_documents_follow_their_schemas(cli, project: Path) -> None:
    moment, funding = board(cli, project)
    after_the_board(cli, project, funding)

    def schema(kind: str) -> dict:
        return document(cli, "schema", "--kind", kind)

    for kind, args in (("diff", ("diff", "--since", moment, "--json")),
                       ("plans", ("plans", "--json")),
                       ("status", ("status", "--json")),
                       ("check", ("check", "--json", "--since", moment)),
                       ("log", ("log", "--json"))):
        result = cli(*args)
        jsonschema.Draft202012Validator(schema(kind)).validate(json.loads(result.out))
