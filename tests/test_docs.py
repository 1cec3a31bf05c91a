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
