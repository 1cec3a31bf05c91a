"""Plan versions through the CLI: `init` and `replan` record objectives.toml in the ledger,
reports as known at a moment use the version in force then, `plans` lists each version,
`check --strict` refuses unrecorded changes, and a project without plan versions is told
how to record its first one.

The test programme (tests/support.py): `jobs` latest, baseline 0, target 100, from
2024-01-01 to 2026-01-01 (731 days); `funding` sum to €10M by 2027-12-31; `launch` a
milestone due 2024-06-30.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from mibtrack.cli import run
from support import ledger_digest, without_notices

NOTICE = ('mibtrack: notice: no plan version is recorded yet: run `mibtrack replan --reason '
          '"first recorded version"` to record objectives.toml as the plan\n')


def edit(project: Path, old: str, new: str) -> None:
    path = project / "objectives.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def document(cli, *args: str) -> dict:
    result = cli(*args)
    assert result.code == 0, result.err
    return json.loads(result.out)


def objective(doc: dict, objective_id: str) -> dict:
    return next(o for o in doc["objectives"] if o["id"] == objective_id)


def recorded_at(cli, entry_id: str) -> str:
    return next(e["recorded_at"] for e in document(cli, "log", "--json")["entries"]
                if e["id"] == entry_id)


def test_a_project_without_plan_versions_gets_one_notice_per_command(cli) -> None:
    recorded = cli("record", "jobs", "40", "--date", "2025-01-01")
    assert recorded.code == 0 and recorded.err == NOTICE
    status = cli("status", "--as-of", "2025-01-01")
    assert status.code == 0 and status.err == NOTICE
    # --quiet keeps stderr for errors; a refused command prints exactly its error line
    assert cli("--quiet", "status").err == ""
    refused = cli("record", "nope", "1")
    assert refused.code == 2 and refused.err.count("\n") == 1 and "notice" not in refused.err
    # recording the first version ends the notices
    first = cli("replan", "--reason", "first recorded version")
    assert first.code == 0 and first.err == ""
    assert cli("status").err == ""


def test_replan_keeps_a_byte_exact_copy_and_a_plan_entry(cli, project: Path) -> None:
    data = (project / "objectives.toml").read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    result = cli("replan", "--reason", "first recorded version", "--decided", "2024-01-05")
    assert result.code == 0
    [entry_id] = result.out.split()
    assert (project / "ledger" / "plans" / f"{digest}.toml").read_bytes() == data
    [entry] = document(cli, "log", "--json")["entries"]
    assert entry["id"] == entry_id and entry["type"] == "plan" and entry["writer"] == "tester"
    assert (entry["sha256"], entry["decided"], entry["reason"]) == (
        digest, "2024-01-05", "first recorded version")
    assert cli("verify").code == 0 and cli("validate").code == 0


def test_replan_of_an_unchanged_file_records_nothing(cli, project: Path) -> None:
    first = cli("replan", "--reason", "first recorded version").out
    before = ledger_digest(project)
    again = cli("replan", "--reason", "again")
    assert again.code == 0 and again.out == first  # the version it already is
    assert "plan version 1 already" in again.err and "nothing recorded" in again.err
    assert ledger_digest(project) == before


def test_replan_refuses_bad_input_and_writes_nothing(cli, project: Path) -> None:
    cli("replan", "--reason", "first recorded version")
    before = ledger_digest(project)
    edit(project, "target = 100\n", "target = 90\n")
    for args, code, message in (
            (("--reason", " "), 2, "--reason is empty"),
            (("--reason", "cut", "--decided", "2999-01-01"), 2, "is in the future"),
            (("--reason", "cut", "--decided", "01/02/2025"), 2, "--decided"),
    ):
        result = cli("replan", *args)
        assert (result.code, result.out) == (code, ""), result.err
        assert message in result.err and result.err.count("\n") == 1
    edit(project, "target = 90\n", "target = 90\nbogus = 1\n")
    invalid = cli("replan", "--reason", "cut")
    assert invalid.code == 3 and "objectives.toml" in invalid.err
    assert ledger_digest(project) == before


def test_reports_use_the_plan_version_in_force_at_known_at(cli, project: Path) -> None:
    cli("record", "jobs", "40", "--date", "2025-01-01")
    first = cli("replan", "--reason", "first recorded version").out.strip()
    moment = recorded_at(cli, first)
    edit(project, "target = 100\n", "target = 50\n")
    second = cli("replan", "--reason", "COPIL: target cut to 50", "--decided", "2025-01-01")
    assert second.code == 0
    # now: target 50; progress 40/50 = 0.8
    jobs = objective(document(cli, "status", "--as-of", "2025-01-01", "--json"), "jobs")
    assert (jobs["target"], jobs["progress"]) == (50, 0.8)
    assert jobs["original_target"] == 100
    assert jobs["revision"]["from"] == 100 and jobs["revision"]["to"] == 50
    assert jobs["revision"]["decided"] == "2025-01-01"
    assert jobs["revision"]["reason"] == "COPIL: target cut to 50"
    assert [(c["field"], c["from"], c["to"]) for c in jobs["revision"]["changes"]] == [
        ("target", 100, 50)]
    # as known when the first version was recorded: target 100, progress 40/100 = 0.4, and
    # nothing was revised yet; the as-of date never chooses a version
    then = document(cli, "status", "--as-of", "2025-01-01", "--known-at", moment, "--json")
    jobs = objective(then, "jobs")
    assert (jobs["target"], jobs["progress"]) == (100, 0.4)
    assert jobs["original_target"] is None and jobs["revision"] is None
    assert then["plan_version"] == hashlib.sha256(
        (project / "ledger" / "plans" / f"{then['plan_version']}.toml").read_bytes()).hexdigest()


def test_baseline_compares_against_an_earlier_version(cli, project: Path) -> None:
    cli("replan", "--reason", "first recorded version")
    edit(project, "target = 100\n", "target = 80\n")
    cli("replan", "--reason", "first cut")
    edit(project, "target = 80\n", "target = 60\n")
    cli("replan", "--reason", "second cut")
    by_default = objective(document(cli, "status", "--json"), "jobs")
    assert (by_default["original_target"], by_default["revision"]["reason"]) == (100, "second cut")
    against_2 = objective(document(cli, "status", "--json", "--baseline", "2"), "jobs")
    assert (against_2["original_target"], against_2["revision"]["from"]) == (80, 80)
    assert against_2["revision"]["to"] == 60
    newest = document(cli, "plans", "--json")["versions"][-1]["sha256"]
    against_3 = objective(document(cli, "status", "--json", "--baseline", newest[:8]), "jobs")
    assert against_3["revision"] is None
    bad = cli("status", "--baseline", "7")
    assert bad.code == 2 and "3 plan versions" in bad.err


def test_unrecorded_changes_warn_and_check_strict_fails_with_3(cli, project: Path) -> None:
    cli("replan", "--reason", "first recorded version")
    cli("record", "jobs", "100", "--date", "2025-01-01")
    cli("record", "funding_eur", "10M", "--date", "2025-01-01")
    cli("milestone", "launch", "done", "--date", "2024-06-01")
    assert cli("check", "--as-of", "2025-01-02", "--strict").code == 0
    edit(project, "target = 100\n", "target = 300\n")
    result = cli("status", "--as-of", "2025-01-02", "--json")
    assert result.code == 0
    assert objective(json.loads(result.out), "jobs")["target"] == 300  # the file is used
    assert result.err.count("\n") == 1 and "differs from the newest recorded plan version" \
        in result.err and "mibtrack replan" in result.err
    strict = cli("check", "--as-of", "2025-01-02", "--strict")
    assert strict.code == 3 and strict.out == "" and strict.err.count("\n") == 1
    assert "not recorded as a plan version" in strict.err
    # 3 takes precedence over 1: jobs at 100 of 300 is now off-track (367 of 731 days:
    # expected 0.502, progress 0.333, r = 0.66 < 0.9)
    assert cli("check", "--as-of", "2025-01-02").code == 1
    assert cli("check", "--as-of", "2025-01-02", "--strict").code == 3


def test_plans_lists_each_version_with_why_and_what_changed(cli, project: Path) -> None:
    cli("replan", "--reason", "first recorded version", "--decided", "2024-01-05")
    edit(project, "target = 100\n", "target = 300\n")
    edit(project, "due = 2024-06-30\n", "due = 2024-09-30\n")
    cli("replan", "--reason", "July COPIL", "--decided", "2024-07-10")
    with (project / "objectives.toml").open("a", encoding="utf-8") as out:
        out.write('\n[[objectives]]\nid = "hub"\ntitle = "Hub opened"\nkind = "milestone"\n'
                  'due = 2026-06-30\n')
    cli("replan", "--reason", "hub added by the board", "--decided", "2024-10-01")
    doc = document(cli, "plans", "--json")
    assert doc["unrecorded"] is False
    assert [(v["version"], v["decided"], v["reason"], v["writer"]) for v in doc["versions"]] == [
        (1, "2024-01-05", "first recorded version", "tester"),
        (2, "2024-07-10", "July COPIL", "tester"),
        (3, "2024-10-01", "hub added by the board", "tester")]
    changes = [[(c["subject"], c["id"], c["change"], c["field"], c["from"], c["to"])
                for c in v["changes"]] for v in doc["versions"]]
    assert changes == [
        [],
        [("objective", "jobs", "changed", "target", 100, 300),
         ("objective", "launch", "changed", "due", "2024-06-30", "2024-09-30")],
        [("objective", "hub", "added", None, None, None)]]
    text = cli("plans")
    assert text.code == 0
    assert "v2  decided 2024-07-10" in text.out and "why: July COPIL" in text.out
    assert "- objective jobs: target 100 → 300" in text.out
    assert "- objective hub added" in text.out


def test_a_plan_version_cannot_be_voided(cli) -> None:
    first = cli("replan", "--reason", "first recorded version").out.strip()
    result = cli("void", first[:10], "--reason", "oops")
    assert result.code == 2 and "plan version" in result.err


def test_init_records_the_first_version(tmp_path: Path, capsys) -> None:
    target = tmp_path / "new"
    target.mkdir()
    assert run(["--dir", str(target), "init"]) == 0
    out = capsys.readouterr()
    assert "recorded plan version 1" in out.out and without_notices(out.err) == out.err == ""
    digest = hashlib.sha256((target / "objectives.toml").read_bytes()).hexdigest()
    assert (target / "ledger" / "plans" / f"{digest}.toml").is_file()
    assert run(["--dir", str(target), "plans", "--json"]) == 0
    [version] = json.loads(capsys.readouterr().out)["versions"]
    assert (version["sha256"], version["reason"]) == (digest, "initial plan (mibtrack init)")


def test_the_plan_entries_a_report_reads_are_those_the_feeds_hold(cli, project: Path) -> None:
    """Reports as known now take the plan entries from the (cached) daily fold; with
    --known-at, from a byte search of the feeds. Both see the same entries, whatever the
    writers, the order of records and a torn tail."""
    from mibtrack.ledger.plans import plan_entries
    from mibtrack.project import Workspace

    for round_, writer in enumerate(("alice", "bob", "alice", "carol")):
        cli("--writer", writer, "record", "jobs", str(round_), "--date", "2025-01-01")
        edit(project, "title = \"Launch", f"title = \"Launch {round_}")
        assert cli("--writer", writer, "replan", "--reason", f"round {round_}").code == 0
        cli("--writer", writer, "note", "launch", f"note {round_}")
    with (project / "ledger" / "bob.jsonl").open("ab") as feed:
        feed.write(b'{"v":1,"seq":9,"type":"plan"')  # a torn tail is not an entry
    assert cli("status").code == 0  # builds the cache
    workspace = Workspace(project)
    folded = [e for e in workspace.daily(None).fold.others if e.type == "plan"]
    searched = plan_entries(workspace.ledger.feed_paths())
    assert sorted(e.id for e in folded) == sorted(e.id for e in searched)
    assert [e.reason for e in searched] == [f"round {n}" for n in range(4)]


def test_three_revisions_target_objective_and_metric_rename(cli, project: Path) -> None:
    """The plan revised three times: a target cut, an objective added, a metric renamed.
    A rename is listed but is no revision: the evidence under the old id still counts."""
    cli("record", "jobs", "40", "--date", "2025-01-01")
    cli("replan", "--reason", "first recorded version", "--decided", "2024-01-05")
    edit(project, "target = 100\n", "target = 80\n")
    cli("replan", "--reason", "COPIL: target cut to 80", "--decided", "2024-07-10")
    with (project / "objectives.toml").open("a", encoding="utf-8") as out:
        out.write('\n[[objectives]]\nid = "hub"\ntitle = "Hub opened"\nkind = "milestone"\n'
                  'due = 2026-06-30\n')
    cli("replan", "--reason", "hub added by the board", "--decided", "2024-10-01")
    edit(project, "[metrics.jobs]\n", '[metrics.direct_jobs]\nrenamed_from = ["jobs"]\n')
    edit(project, 'metric = "jobs"\n', 'metric = "direct_jobs"\n')
    renamed = cli("replan", "--reason", "metric named as in the HR system",
                  "--decided", "2025-02-01")
    assert renamed.code == 0, renamed.err
    doc = document(cli, "plans", "--json")
    assert [(v["version"], v["reason"]) for v in doc["versions"][1:]] == [
        (2, "COPIL: target cut to 80"), (3, "hub added by the board"),
        (4, "metric named as in the HR system")]
    assert [[(c["subject"], c["id"], c["change"], c["field"], c["from"], c["to"])
             for c in v["changes"]] for v in doc["versions"][1:]] == [
        [("objective", "jobs", "changed", "target", 100, 80)],
        [("objective", "hub", "added", None, None, None)],
        [("metric", "direct_jobs", "renamed", "id", "jobs", "direct_jobs")]]
    assert "- metric direct_jobs renamed from jobs" in cli("plans").out
    # 40 recorded under `jobs` counts for `direct_jobs`: 40 of 80 at 2025-01-01 is 0.5
    jobs = objective(document(cli, "status", "--as-of", "2025-01-01", "--json"), "jobs")
    assert (jobs["actual"], jobs["progress"]) == (40, 0.5)
    assert jobs["revision"]["version"] == 2  # the rename did not revise it
    assert [c["field"] for c in jobs["revision"]["changes"]] == ["target"]
