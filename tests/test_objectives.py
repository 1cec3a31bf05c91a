"""objectives.toml: strict loading, every problem named with its file and line (exit 3)."""

from pathlib import Path

import pytest

from mibtrack.objectives import Problems, load_project, parse_project
from mibtrack.templates import template_text
from support import SMALL_TOML

ROOT = Path(__file__).resolve().parents[1]


def problems_of(text: str) -> list[str]:
    with pytest.raises(Problems) as caught:
        parse_project(text, "objectives.toml")
    return caught.value.problems


def test_the_shipped_mib_project_loads_and_declares_every_commitment() -> None:
    project = load_project(ROOT / "objectives.toml")
    ids = {o.id for o in project.objectives}
    assert {"public-funding", "launch", "platform-allocation", "platforms-installed",
            "direct-jobs", "startups", "proof-point", "first-revenue", "wealth-generated",
            "blockbuster", "niche-antibodies", "phase-2-3-antibodies", "immunology-companies",
            "capital-raised", "financial-autonomy"} <= ids
    assert all(o.source for o in project.objectives), "every MIB objective names its source"
    jobs = project.objective("direct-jobs")
    assert (jobs.target_min, jobs.target_max, str(jobs.start)) == (200, 500, "2023-05-12")


def test_the_root_objectives_file_is_the_mib_template() -> None:
    assert (ROOT / "objectives.toml").read_text(encoding="utf-8") == template_text("mib")


def test_blank_template_is_valid() -> None:
    assert parse_project(template_text("blank")).program.code == "PRG"


def test_target_start_defaults_to_the_programme_start() -> None:
    project = parse_project(SMALL_TOML)
    assert str(project.objective("jobs").start) == "2024-01-01"


def test_unknown_key_is_named_with_its_line() -> None:
    text = SMALL_TOML.replace('target = 100\n', 'target = 100\ntargte = 5\n')
    line = text.splitlines().index("targte = 5") + 1
    assert problems_of(text) == [f"objectives.toml:{line}: objectives[1].targte: unknown key "
                                 "(check its spelling against docs/objectives.md)"]


def test_wrong_type_is_named_with_its_line() -> None:
    text = SMALL_TOML.replace('aggregate = "latest"', 'aggregate = "average"')
    line = text.splitlines().index('aggregate = "average"') + 1
    [problem] = problems_of(text)
    assert problem.startswith(f"objectives.toml:{line}: metrics.jobs.aggregate: ")


def test_toml_syntax_error_gives_the_line() -> None:
    [problem] = problems_of("[program]\nname = \n")
    assert problem.startswith("objectives.toml:2: ")


def test_checkpoint_outside_start_to_due_is_refused() -> None:
    text = SMALL_TOML.replace("due = 2026-01-01",
                              "due = 2026-01-01\ncheckpoints = [{ date = 2027-01-01, value = 50 }]")
    [problem] = problems_of(text)
    assert "checkpoint 2027-01-01 is outside start..due (2024-01-01..2026-01-01)" in problem


def test_undeclared_metric_is_refused() -> None:
    text = SMALL_TOML.replace('metric = "jobs"', 'metric = "staff"')
    [problem] = problems_of(text)
    line = text.splitlines().index('metric = "staff"') + 1
    assert problem.startswith(f"objectives.toml:{line}: metric 'staff' is not declared")


def test_composite_with_unknown_child_and_cycles_are_refused() -> None:
    unknown = SMALL_TOML + '\n[[objectives]]\nid = "c"\ntitle = "C"\nkind = "composite"\n' \
                           'children = ["jobs", "ghost"]\n'
    assert any("unknown child 'ghost'" in p for p in problems_of(unknown))
    cycle = SMALL_TOML + ('\n[[objectives]]\nid = "a"\ntitle = "A"\nkind = "composite"\n'
                          'children = ["b"]\n\n[[objectives]]\nid = "b"\ntitle = "B"\n'
                          'kind = "composite"\nchildren = ["a"]\n')
    assert any("cycle: a → b → a" in p for p in problems_of(cycle))


def test_every_problem_is_collected() -> None:
    text = SMALL_TOML.replace('unit = "jobs"', 'unit = "jobs"\ncolour = "red"').replace(
        'kind = "milestone"', 'kind = "milestone"\nowner = 5')
    assert len(problems_of(text)) == 2


def test_range_and_direction_rules() -> None:
    swapped = SMALL_TOML.replace("target = 100", "target_min = 500\ntarget_max = 200")
    assert any("target_min 500 must be below target_max 200" in p for p in problems_of(swapped))
    backwards = SMALL_TOML.replace("target = 100", 'target = 100\nbaseline = 150')
    assert any("must be above the baseline" in p for p in problems_of(backwards))
    decrease = SMALL_TOML.replace("target = 100",
                                  'target = 100\nbaseline = 150\ndirection = "decrease"')
    assert parse_project(decrease).objective("jobs").direction == "decrease"


def test_duplicate_objective_ids_are_refused() -> None:
    text = SMALL_TOML.replace('id = "funding"', 'id = "jobs"')
    assert any("duplicate objective id 'jobs'" in p for p in problems_of(text))


def test_decimal_numbers_in_toml_stay_exact() -> None:
    from decimal import Decimal

    text = SMALL_TOML.replace("target = 100", "target = 12345678901234.567")
    assert parse_project(text).objective("jobs").target == Decimal("12345678901234.567")
