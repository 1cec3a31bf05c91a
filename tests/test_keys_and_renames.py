"""SPEC R2 through the CLI: a key names one fact in the whole ledger; renamed ids keep their
evidence; orphans are never silent.

The programme is tests/support.SMALL_TOML: `jobs` (latest, target 100 by 2026-01-01),
`funding_eur` (sum, target 10M by 2027-12-31), milestone `launch` due 2024-06-30.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from support import SMALL_TOML, ledger_digest


def lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def objective(cli, which: str, as_of: str) -> dict:
    result = cli("status", "--as-of", as_of, "--json")
    assert result.code == 0, result.err
    return next(o for o in json.loads(result.out)["objectives"] if o["id"] == which)


@pytest.fixture
def clone(project: Path) -> Path:
    """A second clone of the project (same objectives.toml, its own empty ledger)."""
    other = project.parent / "clone"
    (other / "ledger").mkdir(parents=True)
    shutil.copy(project / "objectives.toml", other / "objectives.toml")
    return other


@pytest.fixture
def write_csv(tmp_path: Path):
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


def merge(clone: Path, project: Path, feed: str) -> None:
    """What `git merge` does to the ledger: the clone's feed file arrives whole."""
    shutil.copy(clone / "ledger" / feed, project / "ledger" / feed)


def import_in_both(cli, project: Path, clone: Path, tmp_path: Path, count: int) -> None:
    """Alice (in the project) and bob (in the clone) import one export of `count` grants
    (funding_eur 1000, 1001, … under keys grant-0, grant-1, …); bob's feed is merged."""
    rows = tmp_path / "grants.csv"
    rows.write_text("metric,value,date,key\n" + "".join(
        f"funding_eur,{1000 + n},2025-01-{n + 1:02d},grant-{n}\n" for n in range(count)))
    assert cli("--writer", "alice", "import", str(rows)).code == 0
    assert cli("--writer", "bob", "import", str(rows), root=clone).code == 0
    merge(clone, project, "bob.jsonl")


def entry_id(cli, root: Path, writer: str) -> str:
    entries = json.loads(cli("log", "--json", root=root).out)["entries"]
    return next(e["id"] for e in entries if e["writer"] == writer)


# --------------------------------------------------------------------------- keys


def test_one_fact_recorded_in_two_clones_counts_once_and_verify_notes_it(
        cli, project: Path, clone: Path) -> None:
    assert cli("--writer", "alice", "record", "funding_eur", "1M", "--date", "2025-01-15",
               "--key", "grant-1").code == 0
    assert objective(cli, "funding", "2025-06-30")["actual"] == 1_000_000  # cache built
    # bob's clone recorded the same fact (type, metric, value, as_of) with its own remark
    assert cli("--writer", "bob", "record", "funding_eur", "1000000", "--date", "2025-01-15",
               "--key", "grant-1", "--note", "from the board minutes", root=clone).code == 0
    merge(clone, project, "bob.jsonl")
    # 1M once, not 2M: progress = 1M / 10M = 0.1
    funding = objective(cli, "funding", "2025-06-30")
    assert (funding["actual"], funding["progress"]) == (1_000_000, 0.1)
    verify = cli("verify")
    assert verify.code == 0
    assert "notice: key 'grant-1' recorded 2 times with the same content (alice.jsonl line 1, " \
           "bob.jsonl line 1): counted once" in lines(verify.out)
    keys = json.loads(cli("verify", "--json").out)["keys"]
    assert [(k["key"], k["kind"], [e["feed"] for e in k["entries"]]) for k in keys] == [
        ("grant-1", "duplicate", ["alice.jsonl", "bob.jsonl"])]
    exported = json.loads(cli("export", "--format", "json").out)["entries"]
    assert [(e["metric"], e["value"]) for e in exported] == [("funding_eur", 1_000_000)]


def test_verify_lists_twenty_harmless_copies_and_counts_the_rest(
        cli, project: Path, clone: Path, tmp_path: Path) -> None:
    """Two offices importing the same export each record its rows: every key is then
    recorded twice (counted once). The terminal shows twenty such notices and the count of
    the others; the JSON document lists every one."""
    import_in_both(cli, project, clone, tmp_path, 23)
    verify = cli("verify")
    assert verify.code == 0
    notices = [line for line in lines(verify.out) if line.startswith("notice: ")]
    assert len(notices) == 21
    assert notices[0] == ("notice: key 'grant-0' recorded 2 times with the same content "
                          "(alice.jsonl line 1, bob.jsonl line 1): counted once")
    assert notices[-1] == ("notice: and 3 more keys recorded more than once with the same "
                           "content, each counted once (`mibtrack verify --json` lists every one)")
    keys = json.loads(cli("verify", "--json").out)["keys"]
    assert sorted(k["key"] for k in keys) == sorted(f"grant-{n}" for n in range(23))
    assert {k["kind"] for k in keys} == {"duplicate"}


def test_an_export_both_clones_imported_counts_once_and_a_correction_of_either_copy_applies(
        cli, project: Path, clone: Path, tmp_path: Path) -> None:
    """The copies of an export two offices imported are plain copies (the fold keeps which
    lines are later copies, not the copies): each key counts once, warm or cold, as known
    at any moment; a correction naming the later copy applies to the fact."""
    from mibtrack import snapshot
    from mibtrack.usersecret import project_folder

    import_in_both(cli, project, clone, tmp_path, 3)
    assert objective(cli, "funding", "2025-06-30")["actual"] == 3003  # not 6006
    folder = project_folder(project)
    assert folder is not None and not list(folder.glob(snapshot.KEYED_PREFIX + "*"))
    assert objective(cli, "funding", "2025-06-30")["actual"] == 3003  # warm
    assert objective(cli, "funding", "2025-01-02")["actual"] == 2001
    entries = json.loads(cli("log", "--json").out)["entries"]
    bobs = next(e["id"] for e in entries if e["writer"] == "bob" and e["key"] == "grant-1")
    assert cli("--writer", "bob", "correct", bobs[:12], "--value", "5000",
               "--reason", "the grant was revised").code == 0
    assert objective(cli, "funding", "2025-06-30")["actual"] == 1000 + 5000 + 1002
    marks = {line.split()[0]: line.split()[1] for line in lines(cli("log").out)[2:]
             if line.split()[1].startswith("(")}
    assert marks == {e["id"][:12]: "(copy," if e["id"] == bobs else "(copy)"
                     for e in entries if e["writer"] == "bob"}  # bob's: "(copy, corrected)"
    shutil.rmtree(folder)
    assert objective(cli, "funding", "2025-06-30")["actual"] == 7002  # cold
    result = cli("status", "--json", "--known-at", "2000-01-01T00:00:00Z")
    assert result.code == 0
    assert next(o for o in json.loads(result.out)["objectives"]
                if o["id"] == "funding")["actual"] is None  # nothing known then
    verify = cli("verify", "--json")
    assert sorted(k["key"] for k in json.loads(verify.out)["keys"]) == [
        "grant-0", "grant-1", "grant-2"]  # verify still lists every copy


def test_one_key_with_other_content_in_two_clones_is_a_conflict(
        cli, project: Path, clone: Path) -> None:
    cli("--writer", "alice", "record", "funding_eur", "1M", "--date", "2025-01-15",
        "--key", "grant-1")
    cli("--writer", "bob", "record", "funding_eur", "2M", "--date", "2025-01-15",
        "--key", "grant-1", root=clone)
    merge(clone, project, "bob.jsonl")
    alice, bob = entry_id(cli, project, "alice"), entry_id(cli, project, "bob")
    conflict = (f"key 'grant-1' names different facts: alice.jsonl line 1 (entry {alice[:12]}) "
                f"and bob.jsonl line 1 (entry {bob[:12]})")
    before = ledger_digest(project)
    verify = cli("verify")
    assert verify.code == 4
    assert verify.err == (f"mibtrack: {conflict} — void the wrong entry (`mibtrack void ENTRY "
                          "--reason ...`): of one key, only the earliest recorded version "
                          "counts\n")
    assert f"CONFLICT {conflict}" in lines(verify.out)
    assert json.loads(cli("verify", "--json").out)["ok"] is False
    # reading commands warn and use the earliest recorded: alice's 1M
    status = cli("status", "--as-of", "2025-06-30", "--json")
    funding = next(o for o in json.loads(status.out)["objectives"] if o["id"] == "funding")
    assert funding["actual"] == 1_000_000
    warnings = [line for line in lines(status.err) if "grant-1" in line]
    assert warnings == [
        f"mibtrack: warning: key 'grant-1' names different facts in alice.jsonl line 1 (entry "
        f"{alice[:12]}) and bob.jsonl line 1 (entry {bob[:12]}): the earliest recorded, "
        "alice.jsonl line 1, is used; void the wrong one (`mibtrack void ENTRY --reason ...`)"]
    assert ledger_digest(project) == before
    # voiding the wrong version resolves it: bob's 2M is now the one fact
    assert cli("--writer", "alice", "void", alice[:12], "--reason", "bob's figure is the "
               "signed one").code == 0
    assert objective(cli, "funding", "2025-06-30")["actual"] == 2_000_000
    assert cli("verify").code == 0
    assert "grant-1" not in cli("status").err


def test_a_key_recorded_in_another_feed_is_a_no_op_or_refused(
        cli, project: Path, write_csv) -> None:
    first = cli("--writer", "alice", "record", "jobs", "40", "--date", "2025-03-31",
                "--key", "hr-q1")
    alice = first.out.strip()
    before = ledger_digest(project)
    same = cli("--writer", "bob", "record", "jobs", "40", "--date", "2025-03-31",
               "--key", "hr-q1")
    assert (same.code, same.out.strip()) == (0, alice)
    assert "already recorded" in same.err
    other = cli("--writer", "bob", "record", "jobs", "41", "--date", "2025-03-31",
                "--key", "hr-q1")
    assert other.code == 2
    assert other.err == (f"mibtrack: key 'hr-q1' was already recorded with other content "
                         f"(entry {alice[:12]}, alice.jsonl line 1) — use a new key, or "
                         "`mibtrack correct` the earlier entry\n")
    path = write_csv("q1.csv", "metric,value,date,key\njobs,40,2025-03-31,hr-q1\n")
    again = cli("--writer", "bob", "import", str(path))
    assert again.out == f"imported 0 entries from {path}; 1 already recorded\n"
    assert ledger_digest(project) == before  # no bob.jsonl either


# --------------------------------------------------------------------------- renames

OLD_TOML = (SMALL_TOML.replace("[metrics.jobs]", "[metrics.headcount]")
            .replace('metric = "jobs"', 'metric = "headcount"')
            .replace('id = "launch"', 'id = "go-live"'))
RENAMED_TOML = (SMALL_TOML.replace("[metrics.jobs]\n", '[metrics.jobs]\nrenamed_from = '
                                   '["headcount"]\n')
                .replace('id = "launch"\n', 'id = "launch"\nrenamed_from = ["go-live"]\n'))


@pytest.fixture
def old_evidence(cli, project: Path) -> Path:
    """Two years of evidence recorded under the old ids `headcount` and `go-live`."""
    (project / "objectives.toml").write_text(OLD_TOML, encoding="utf-8")
    first = cli("record", "headcount", "40", "--date", "2024-12-31").out.strip()
    cli("record", "headcount", "60", "--date", "2025-03-31")
    cli("correct", first[:12], "--value", "45", "--reason", "survey re-counted")
    cli("milestone", "go-live", "done", "--date", "2024-05-01")
    cli("note", "go-live", "opened by the mayor", "--date", "2024-05-02")
    return project


def test_a_renamed_metric_and_objective_keep_their_evidence(cli, old_evidence: Path) -> None:
    (old_evidence / "objectives.toml").write_text(RENAMED_TOML, encoding="utf-8")
    # jobs: 45 (40 corrected) on 2024-12-31, 60 on 2025-03-31; target 100
    assert objective(cli, "jobs", "2025-01-31")["actual"] == 45
    jobs = objective(cli, "jobs", "2025-03-31")
    assert (jobs["actual"], jobs["progress"]) == (60, 0.6)
    launch = objective(cli, "launch", "2024-12-31")  # done 2024-05-01, due 2024-06-30
    assert (launch["status"], launch["late_days"]) == ("achieved", 0)
    assert [n["text"] for n in launch["notes"]] == ["opened by the mayor"]
    status = cli("status")
    assert "count for nothing" not in status.err
    assert cli("validate").code == 0
    logged = json.loads(cli("log", "--metric", "jobs", "--json").out)["entries"]
    assert [e["type"] for e in logged] == ["observation", "observation", "correction"]
    shown = json.loads(cli("show", "launch", "--as-of", "2024-12-31", "--json").out)
    assert "done" in json.dumps(shown)


def test_evidence_under_an_undeclared_id_is_warned_once_and_refused_by_validate(
        cli, old_evidence: Path) -> None:
    (old_evidence / "objectives.toml").write_text(SMALL_TOML, encoding="utf-8")
    metric = ("2 entries under metric 'headcount' (newest dated 2025-03-31) count for "
              "nothing: objectives.toml does not declare it; declare it under [metrics], or add "
              "renamed_from = [\"headcount\"] to the metric it became")
    # go-live: the done event (2024-05-01) and the note (2024-05-02)
    milestone = ("2 entries under objective 'go-live' (newest dated 2024-05-02) count for "
                 "nothing: objectives.toml does not declare it; declare it under "
                 "[[objectives]], or add renamed_from = [\"go-live\"] to the objective it "
                 "became")
    for command in (("status",), ("report",), ("check",), ("show", "jobs"), ("log",),
                    ("export",)):
        result = cli(*command)
        orphans = [line for line in lines(result.err) if "count for nothing" in line]
        assert orphans == [f"mibtrack: warning: {metric}", f"mibtrack: warning: {milestone}"], \
            command
    validate = cli("validate")
    assert validate.code == 3
    assert lines(validate.err)[-2:] == [f"mibtrack: {milestone}", f"mibtrack: {metric}"]


@pytest.mark.parametrize(("renamed", "message"), [
    ('[metrics.jobs]\nrenamed_from = ["funding_eur"]\n',
     "metric 'jobs': renamed_from 'funding_eur' is a declared metric"),
    ('[metrics.jobs]\nrenamed_from = ["staff"]\n[metrics.funding_eur]\nrenamed_from = ["staff"]\n',
     "metric 'funding_eur': renamed_from 'staff' is also claimed by metric 'jobs'"),
])
def test_renamed_from_must_name_an_old_id_claimed_once(cli, project: Path, renamed: str,
                                                       message: str) -> None:
    text = SMALL_TOML.replace("[metrics.jobs]\n", renamed.split("[metrics.funding_eur]")[0])
    if "[metrics.funding_eur]\n" in renamed:
        text = text.replace("[metrics.funding_eur]\n", "[metrics.funding_eur]\n"
                            + renamed.split("[metrics.funding_eur]\n")[1])
    (project / "objectives.toml").write_text(text, encoding="utf-8")
    result = cli("validate")
    assert result.code == 3
    assert message in result.err
    assert len(lines(result.err)) == 1


def test_init_in_an_empty_folder_without_a_writer_id_set(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    # the README's first command: no --dir, no MIBTRACK_WRITER, no project yet
    from mibtrack.cli import run

    monkeypatch.delenv("MIBTRACK_WRITER")
    monkeypatch.chdir(tmp_path)
    assert run(["init", "--template", "blank"]) == 0
    assert (tmp_path / "objectives.toml").is_file()
    [feed] = (tmp_path / "ledger").glob("*.jsonl")  # the plan version, in this clone's feed
    assert feed.name == (tmp_path / ".mibtrack" / "writer").read_text().strip() + ".jsonl"
