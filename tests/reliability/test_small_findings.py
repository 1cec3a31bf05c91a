"""Suite 10: the smaller findings of issue 11, each kept fixed by a test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from mibtrack.ledger import feed as feeds

from .conftest import cli


def _chain_toml(depth: int) -> str:
    """A milestone under `depth` composites, each the only child of the next."""
    parts = ["""\
[program]
name = "Deep"
code = "DP"
start = 2025-01-01
end = 2029-12-31
currency = "EUR"

[[objectives]]
id = "leaf"
title = "Leaf"
kind = "milestone"
due = 2026-01-01
"""]
    below = "leaf"
    for level in range(1, depth + 1):
        parts.append(f'[[objectives]]\nid = "c{level}"\ntitle = "Level {level}"\n'
                     f'kind = "composite"\nchildren = ["{below}"]\n')
        below = f"c{level}"
    return "\n".join(parts)


def _deep(tmp_path: Path, depth: int) -> Path:
    root = tmp_path / f"deep{depth}"
    (root / "ledger").mkdir(parents=True)
    (root / "objectives.toml").write_text(_chain_toml(depth), encoding="utf-8")
    return root


def test_composites_nested_too_deep_are_refused_with_the_limit(tmp_path: Path) -> None:
    from mibtrack.objectives import MAX_COMPOSITE_DEPTH

    root = _deep(tmp_path, 400)
    for argv in (("validate",), ("show", "c400"), ("status",), ("report", "--format", "html")):
        code, _, err = cli("--dir", root, *argv)
        assert code == 3 and err.count("\n") == 1, (argv, err)
        assert f"over the limit of {MAX_COMPOSITE_DEPTH}" in err
        assert "RecursionError" not in err and "internal error" not in err


def test_composites_at_the_limit_work(tmp_path: Path) -> None:
    from mibtrack.objectives import MAX_COMPOSITE_DEPTH

    root = _deep(tmp_path, MAX_COMPOSITE_DEPTH)
    assert cli("--dir", root, "--writer", "w", "milestone", "leaf", "done", "--date",
               "2025-06-01")[0] == 0
    for argv in (("show", f"c{MAX_COMPOSITE_DEPTH}"), ("status", "--json"),
                 ("report", "--format", "html")):
        code, out, err = cli("--dir", root, *argv, "--as-of", "2025-12-31")
        assert code == 0 and out, err


@pytest.mark.parametrize("writer", ["tester\n", "tester\r", " tester", "tes ter", ".hidden",
                                    "a/b", "x" * 129])
def test_a_bad_writer_id_is_refused_and_creates_no_feed(project: Path, writer: str) -> None:
    before = sorted((project / "ledger").rglob("*"))
    code, out, err = cli("--dir", project, "--writer", writer, "record", "jobs", "5")
    assert code == 2 and out == "" and "is not usable as a feed name" in err
    assert sorted((project / "ledger").rglob("*")) == before  # no feed, not even empty


def test_a_refused_first_append_leaves_no_empty_feed(tmp_path: Path) -> None:
    path = tmp_path / "w.jsonl"

    def refuse(fd: int, size: int) -> None:
        raise ValueError("refused under the lock")

    with pytest.raises(ValueError):
        feeds.append(path, "w", [{"type": "note", "as_of": "2025-01-01", "objective": "x",
                                  "note": "n"}], guard=refuse)
    assert not path.exists()


def test_quiet_html_report_prints_no_font_warnings(project: Path) -> None:
    """cron mails every stderr line: the HTML report's charts are plain SVG drawn from the
    report values (no plotting library, so no font chatter), and --quiet says nothing."""
    assert cli("--dir", project, "record", "jobs", "5", "--date", "2025-03-01")[0] == 0
    code, out, err = cli("--dir", project, "--quiet", "report", "--format", "html")
    assert code == 0 and "<svg" in out and err == ""
    assert "matplotlib" not in out  # its SVG says "Created with matplotlib"


def test_repair_with_nothing_to_repair_never_opens_a_feed_for_writing(
        project: Path, monkeypatch) -> None:
    """As on a read-only ledger: nothing to repair is exit 0, without a write lock."""
    assert cli("--dir", project, "record", "jobs", "5")[0] == 0

    def read_only(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Read-only file system")

    monkeypatch.setattr(feeds, "locked", read_only)
    code, out, _ = cli("--dir", project, "repair")
    assert code == 0 and "nothing to repair" in out


def test_an_interrupted_repair_leaves_no_partial_quarantine_file(project: Path,
                                                                 monkeypatch) -> None:
    assert cli("--dir", project, "record", "jobs", "5")[0] == 0
    feed = project / "ledger" / "tester.jsonl"
    with feed.open("ab") as out:
        out.write(b'{"v":1,"seq":2,"ty')  # a torn tail
    before = feed.read_bytes()
    real = os.fsync

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    code, _, _ = cli("--dir", project, "repair")
    monkeypatch.setattr(os, "fsync", real)
    assert code == 130
    assert feed.read_bytes() == before
    quarantine = project / "ledger" / "quarantine"
    assert not list(quarantine.glob("*.torn")) and not list(quarantine.glob(".*"))
    code, out, _ = cli("--dir", project, "repair")
    assert code == 0 and "quarantined" in out
    [torn] = quarantine.glob("*.torn")
    assert torn.read_bytes() == b'{"v":1,"seq":2,"ty'


@pytest.mark.parametrize("value", ["١٢٣", "５", "1٢", "۳", "१०"])
def test_numbers_take_ascii_digits_only(project: Path, tmp_path: Path, value: str) -> None:
    # `١٢٣` and `５` were read as 123 and 5: a figure typed in another script is refused
    # (exit 2, one line, nothing written), by record and by import alike
    before = sorted((project / "ledger").rglob("*"))
    code, out, err = cli("--dir", project, "--writer", "w", "record", "jobs", value)
    assert code == 2 and out == "" and err.count("\n") == 1, err
    rows = tmp_path / "rows.csv"
    rows.write_text(f"metric,value,date\njobs,{value},2025-07-01\n", encoding="utf-8")
    code, out, err = cli("--dir", project, "--writer", "w", "import", rows)
    assert code == 2 and out == "" and "Traceback" not in err, err
    assert sorted((project / "ledger").rglob("*")) == before


def test_a_symlinked_state_folder_writes_nothing_outside(project: Path, tmp_path: Path) -> None:
    # a `.mibtrack/` committed as a symlink to elsewhere: nothing is written there (the
    # cache lives in the user's cache folder; the clone's writer id is not followed out)
    outside = tmp_path / "outside"
    outside.mkdir()
    state = project / ".mibtrack"
    if state.exists():
        import shutil

        shutil.rmtree(state)
    state.symlink_to(outside, target_is_directory=True)
    for argv in (("--writer", "w", "record", "jobs", "5", "--date", "2025-03-01"),
                 ("record", "jobs", "6", "--date", "2025-04-01"), ("status", "--json"),
                 ("report", "--format", "html"), ("verify",)):
        code, _, err = cli("--dir", project, *argv)
        assert "Traceback" not in err, (argv, err)
    assert list(outside.iterdir()) == []
