"""Fixtures for the report formats: the small programme with evidence, and one whose user
text tries every trick (HTML, console markup, ANSI escapes, spreadsheet formulas, Markdown)."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_support import AS_OF, EVIDENCE, HOSTILE_NOTE, HOSTILE_SOURCE, HOSTILE_TOML


@pytest.fixture
def seeded(cli):
    """The small programme with jobs and funding observed and the launch done late."""
    for metric, value, day in EVIDENCE:
        assert cli("record", metric, value, "--date", day).code == 0
    assert cli("milestone", "launch", "done", "--date", "2024-07-15").code == 0
    return cli


@pytest.fixture
def hostile(project: Path, seeded):
    """The seeded project with an objective whose title, group, owner and source are hostile."""
    (project / "objectives.toml").write_text(HOSTILE_TOML, encoding="utf-8")
    assert seeded("validate").code == 0, seeded("validate").err
    assert seeded("note", "evil", HOSTILE_NOTE, "--date", AS_OF,
                  "--source", HOSTILE_SOURCE).code == 0
    return seeded
