"""The README tells the truth: its set-up commands, CI's command and every CLI command."""

import re
from pathlib import Path

from mibtrack.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def setup_commands() -> list[str]:
    section = README.split("## Set-up: two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```\n(.+?)\n```", section)


def test_readme_gives_two_set_up_commands() -> None:
    run, test = setup_commands()
    assert run.startswith("python3 -m venv .venv") and "mibtrack status" in run
    assert test.endswith("python -m pytest")


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, test = setup_commands()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test in ci.splitlines()


def test_every_command_is_documented_in_the_readme() -> None:
    import typer

    names = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]
    assert len(names) >= 14
    missing = [name for name in names if f"mibtrack {name}" not in README]
    assert missing == []


def test_the_readme_status_example_is_real_output(monkeypatch, capsys) -> None:
    """README shows `mibtrack status` on the shipped project; regenerate it when this fails:
    COLUMNS=100 mibtrack status --as-of 2026-11-24 | sed 's/ *$//'."""
    from mibtrack.cli import run

    block = README.split("$ mibtrack status --as-of 2026-11-24\n", 1)[1].split("```", 1)[0]
    monkeypatch.setenv("COLUMNS", "100")
    capsys.readouterr()
    assert run(["--dir", str(ROOT), "status", "--as-of", "2026-11-24"]) == 0
    shown = "".join(line.rstrip() + "\n" for line in capsys.readouterr().out.splitlines())
    assert shown == block
