"""The report value: its shape, determinism, series over dates, and a few properties."""

import datetime as dt
import random
from decimal import Decimal

import pytest
from compute_factory import D, Ledger, day, milestone, project, target
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from mibtrack.compute import (
    SEVERITY,
    CompositeResult,
    Evaluator,
    LimitResult,
    MilestoneResult,
    ObjectiveResult,
    Report,
    TargetResult,
    build_report,
    effective_ledger,
    period_ends,
    period_series,
)
from mibtrack.compute.report import EvidenceItem, ProgramInfo, SeriesPoint, StaleMetric

PROJECT = project(
    target("jobs", due="2024-04-10"),
    target("money", metric="s", target=1000, due="2024-12-31"),
    milestone("launch", due="2024-01-31"),
    {"id": "both", "title": "Both", "kind": "composite", "children": ["jobs", "launch"]},
)


def sample_ledger() -> Ledger:
    ledger = Ledger()
    ledger.obs("m", "10", "2024-01-11")
    wrong = ledger.obs("m", "99", "2024-01-15")
    ledger.obs("m", "30", "2024-02-10")
    ledger.void(wrong)
    money = ledger.obs("s", "100", "2024-01-20")
    ledger.correct(money, value="150")
    ledger.obs("s", "0.1", "2024-02-01")
    ledger.event("launch", "done", "2024-02-03")
    return ledger


def test_report_shape():
    ledger = sample_ledger()
    report = build_report(PROJECT, ledger.entries, day("2024-02-20"))
    assert report.schema_version == 1
    assert report.as_of == day("2024-02-20") and report.known_at is None
    assert report.program.code == "TP" and report.program.currency == "EUR"
    assert [o.id for o in report.objectives] == ["jobs", "money", "launch", "both"]
    assert [o.status for o in report.objectives] == ["off-track", "on-track", "achieved",
                                                     "off-track"]
    # jobs: A = 30 (99 was voided), P(day 50) = 50 → r = 0.6
    # money: A = 150 + 0.1 (corrected), P(2024-02-20) = 1000 × 50/365 = 136.986301…
    assert report.objectives[1].actual == D("150.1")
    assert report.objectives[1].planned == D("136.986301")
    assert report.objectives[2].late_days == 3
    assert list(report.summary) == list(SEVERITY)
    # R2: the summary counts leaves; the composite is a roll-up, counted apart
    assert report.summary == {"missed": 0, "off-track": 1, "at-risk": 0, "no-data": 0,
                              "on-track": 1, "not-started": 0, "achieved": 1}
    assert report.rollups == {"missed": 0, "off-track": 1, "at-risk": 0, "no-data": 0,
                              "on-track": 0, "not-started": 0, "achieved": 0}


def test_report_records_known_at():
    ledger = sample_ledger()
    moment = dt.datetime(2020, 1, 1, 3, 30, tzinfo=dt.UTC)
    report = build_report(PROJECT, ledger.entries, day("2024-02-20"), moment)
    assert report.known_at == moment
    # the void (04:00) is not known yet: the 99 of 2024-01-15 stands, the 30 (03:00) too
    assert report.objectives[0].actual == D(30)
    early = build_report(PROJECT, ledger.entries, day("2024-02-20"),
                         dt.datetime(2020, 1, 1, 2, 30, tzinfo=dt.UTC))
    assert early.objectives[0].actual == D(99)


def test_the_same_inputs_give_the_same_bytes_whatever_the_entry_order():
    ledger = sample_ledger()
    shuffled = list(ledger.entries)
    random.Random(7).shuffle(shuffled)
    first = build_report(PROJECT, ledger.entries, day("2024-02-20")).model_dump_json()
    assert build_report(PROJECT, shuffled, day("2024-02-20")).model_dump_json() == first
    assert build_report(PROJECT, ledger.entries, day("2024-02-20")).model_dump_json() == first


def test_report_records_are_frozen_strict_and_documented():
    report = build_report(PROJECT, sample_ledger().entries, day("2024-02-20"))
    with pytest.raises(ValidationError):
        report.objectives[0].status = "achieved"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        SeriesPoint(date=day("2024-01-01"), value=D(1), colour="red")  # type: ignore[call-arg]
    # Every field is documented, in the JSON Schema (from the docstring under the field).
    from mibtrack.schema import json_schema

    schema = json_schema("report")
    definitions = {"Report": schema, **schema["$defs"]}
    for record in (Report, TargetResult, LimitResult, MilestoneResult, CompositeResult,
                   ProgramInfo, SeriesPoint, StaleMetric, EvidenceItem):
        properties = definitions[record.__name__]["properties"]
        assert list(properties) == list(record.model_fields), record.__name__
        undocumented = [n for n, p in properties.items() if not p.get("description")]
        assert undocumented == [], record.__name__
    assert definitions["TargetResult"]["properties"]["actual"]["description"].startswith(
        "Target, limit: A at the as-of date")


def test_making_a_schema_leaves_the_report_models_as_they_are():
    before = {name: field.description for name, field in TargetResult.model_fields.items()}
    import mibtrack.schema

    mibtrack.schema.json_schema("status")
    after = {name: field.description for name, field in TargetResult.model_fields.items()}
    assert after == before
    assert before["actual"] is None  # the docstring is not copied into the model


def test_each_kind_has_its_own_result_type_on_a_shared_base():
    # Issue 12: a discriminated union on `kind`, not one record with every field.
    report = build_report(PROJECT, sample_ledger().entries, day("2024-02-20"))
    assert [type(o) for o in report.objectives] == [TargetResult, TargetResult, MilestoneResult,
                                                    CompositeResult]
    assert all(isinstance(o, ObjectiveResult) for o in report.objectives)
    assert "state" not in TargetResult.model_fields
    assert "children" not in MilestoneResult.model_fields
    assert "baseline" not in LimitResult.model_fields
    # The report's JSON round-trips through the union: each object comes back as its kind.
    again = Report.model_validate_json(report.model_dump_json())
    assert [type(o) for o in again.objectives] == [type(o) for o in report.objectives]


def test_the_spec_json_fields_are_all_there():
    report = build_report(PROJECT, sample_ledger().entries, day("2024-02-20"))
    fields = report.objectives[0].model_dump(mode="json")
    for name in ("id", "kind", "status", "actual", "target", "target_min", "target_max",
                 "planned", "progress", "expected", "variance", "variance_points",
                 "schedule_variance_days", "forecast_at_due", "eta", "stale", "above_range",
                 "late_days"):
        assert name in fields
    assert {"schema_version", "as_of", "known_at", "objectives"} <= set(
        report.model_dump(mode="json"))


# --------------------------------------------------------------------------- over dates

def test_period_ends():
    assert period_ends(day("2025-01-01"), day("2025-08-15"), "quarter") == (
        day("2025-03-31"), day("2025-06-30"), day("2025-08-15"))
    assert period_ends(day("2024-01-15"), day("2024-03-31"), "month") == (
        day("2024-01-31"), day("2024-02-29"), day("2024-03-31"))
    assert period_ends(day("2024-03-01"), day("2026-06-30"), "year") == (
        day("2024-12-31"), day("2025-12-31"), day("2026-06-30"))
    assert period_ends(day("2024-11-20"), day("2025-02-10"), "month") == (
        day("2024-11-30"), day("2024-12-31"), day("2025-01-31"), day("2025-02-10"))
    assert period_ends(day("2024-03-01"), day("2024-02-01"), "month") == ()


def test_series_over_dates_agrees_with_a_report_at_each_date():
    ledger = sample_ledger()
    evaluator = Evaluator(PROJECT, effective_ledger(ledger.entries))
    dates = period_ends(day("2024-01-01"), day("2024-03-15"), "month")
    by_series = period_series(evaluator, "money", day("2024-01-01"), day("2024-03-15"),
                              "month")
    by_report = tuple(build_report(PROJECT, ledger.entries, t).objectives[1] for t in dates)
    assert by_series == by_report
    # money (sum): 150 by 2024-01-31, 150.1 from 2024-02-01
    assert [r.actual for r in by_series] == [D(150), D("150.1"), D("150.1")]


def test_an_undeclared_objective_is_a_key_error():
    evaluator = Evaluator(PROJECT, effective_ledger([]))
    with pytest.raises(KeyError, match="nope"):
        evaluator.evaluate("nope", day("2024-01-01"))


# --------------------------------------------------------------------------- properties

amounts = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False,
                      allow_infinity=False)


@settings(max_examples=60, deadline=None)
@given(a=amounts, b=amounts, t=st.integers(min_value=0, max_value=120))
def test_progress_is_monotone_in_actual_for_an_increase(a, b, t):
    low, high = sorted((a, b))
    when = day("2024-01-01") + dt.timedelta(days=t)
    results = []
    for value in (low, high):
        ledger = Ledger()
        ledger.obs("m", str(value), "2024-01-01")
        results.append(build_report(PROJECT, ledger.entries, when).objectives[0])
    assert results[0].progress <= results[1].progress
    assert results[0].variance <= results[1].variance
    assert results[0].schedule_variance_days <= results[1].schedule_variance_days


@settings(max_examples=60, deadline=None)
@given(a=amounts, b=amounts)
def test_progress_is_monotone_the_other_way_for_a_decrease(a, b):
    low, high = sorted((a, b))
    proj = project(target(baseline=1000, target=100, direction="decrease", due="2024-04-10"))
    results = []
    for value in (low, high):
        ledger = Ledger()
        ledger.obs("m", str(value), "2024-01-01")
        results.append(build_report(proj, ledger.entries, day("2024-02-20")).objectives[0])
    assert results[0].progress >= results[1].progress


later_entry = st.tuples(
    st.sampled_from(["obs-m", "obs-s", "correct", "void", "done"]),
    st.integers(min_value=0, max_value=200), amounts)


@settings(max_examples=60, deadline=None)
@given(extra=st.lists(later_entry, max_size=8), t=st.integers(min_value=0, max_value=200))
def test_entries_recorded_after_known_at_change_nothing(extra, t):
    ledger = sample_ledger()
    known_at = ledger.clock
    when = day("2024-01-01") + dt.timedelta(days=t)
    before = build_report(PROJECT, ledger.entries, when, known_at).model_dump_json()
    targets = list(ledger.entries)
    for kind, offset, value in extra:
        as_of = (day("2024-01-01") + dt.timedelta(days=offset)).isoformat()
        target_entry = targets[offset % len(targets)]
        if kind == "obs-m":
            targets.append(ledger.obs("m", str(value), as_of))
        elif kind == "obs-s":
            targets.append(ledger.obs("s", str(value), as_of))
        elif kind == "correct" and target_entry.type in ("observation", "milestone"):
            ledger.correct(target_entry, value=str(value), date=as_of)
        elif kind == "void":
            targets.append(ledger.void(target_entry))
        elif kind == "done":
            ledger.event("launch", "done", as_of)
    assert build_report(PROJECT, ledger.entries, when, known_at).model_dump_json() == before


@settings(max_examples=60, deadline=None)
@given(t=st.integers(min_value=-30, max_value=150))
def test_plan_stays_between_baseline_and_target_and_expected_in_zero_one(t):
    when = day("2024-01-01") + dt.timedelta(days=t)
    r = build_report(PROJECT, [], when).objectives[1]  # money: 0 → 1000 over 2024
    assert Decimal(0) <= r.planned <= Decimal(1000)
    assert Decimal(0) <= r.expected <= Decimal(1)


#: What compute/ may import: the pure standard library, pydantic, the domain and its errors,
#: itself.
PURE_MODULES = {"__future__", "bisect", "calendar", "collections", "dataclasses", "datetime",
                "decimal", "fractions", "functools", "math", "typing", "pydantic",
                "mibtrack.errors", "mibtrack.model", "mibtrack.values", "mibtrack.compute"}
#: Calls that read a clock, a file, the environment or the terminal.
IMPURE_CALLS = {"open", "print", "input", "now", "today", "utcnow", "utc_now", "time",
                "monotonic", "getenv", "read_text", "read_bytes", "write_text", "write_bytes"}


def impurities(source: str, package: str = "mibtrack.compute") -> list[str]:
    """What in a module's source reads a clock, a file or the environment, or prints: its
    imports outside PURE_MODULES, and calls to IMPURE_CALLS (by name or attribute)."""
    import ast

    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [package if node.level else (node.module or "")]
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in IMPURE_CALLS:
                found.append(f"line {node.lineno}: calls {name}()")
            continue
        else:
            continue
        found += [f"line {node.lineno}: imports {name}" for name in names
                  if name != "mibtrack"  # the package root: only __version__
                  and not any(name == m or name.startswith(m + ".") for m in PURE_MODULES)]
    return found


def test_compute_reads_no_clock_no_file_and_prints_nothing():
    import pathlib

    import mibtrack.compute as compute

    paths = sorted(pathlib.Path(compute.__file__).parent.glob("*.py"))
    assert len(paths) >= 5
    for path in paths:
        assert impurities(path.read_text(encoding="utf-8")) == [], path.name


def test_the_purity_check_catches_what_it_looks_for():
    sample = ("import os\nfrom pathlib import Path\nimport datetime as dt\n"
              "from .formulas import ratio\n"
              "def f(p):\n    print(dt.date.today(), open(p), Path(p).read_text())\n")
    assert impurities(sample) == [
        "line 1: imports os", "line 2: imports pathlib", "line 6: calls print()",
        "line 6: calls today()", "line 6: calls open()", "line 6: calls read_text()"]


def test_notes_are_carried_newest_first_dated_on_or_before_t_and_voids_drop_them() -> None:
    from mibtrack.compute.report import NOTES_SHOWN

    ledger = Ledger()
    notes = [ledger.note("ms", f"n{i}", f"2024-0{i}-01") for i in range(1, 9)]
    ledger.void(notes[7])
    declared = project(milestone("ms"))
    launch = build_report(declared, ledger.entries, day("2024-08-15")).objectives[0]
    # n8 is voided; of n1..n7 the newest five, newest first
    assert [n.text for n in launch.notes] == ["n7", "n6", "n5", "n4", "n3"]
    assert NOTES_SHOWN == 5
    early = build_report(declared, ledger.entries, day("2024-02-15")).objectives[0]
    assert [n.text for n in early.notes] == ["n2", "n1"]


@settings(max_examples=60, deadline=None)
@given(days=st.lists(st.integers(0, 400), min_size=1, max_size=12, unique=True),
       levels=st.lists(st.integers(-10**6, 10**6), min_size=12, max_size=12),
       asked=st.lists(st.integers(-30, 430), min_size=1, max_size=15))
def test_actual_series_sliced_from_one_build_is_the_definition(days, levels, asked):
    # the Evaluator builds a series' SeriesPoints once and slices them for each day asked
    # (`since` asks many days); each answer equals building them for that day alone
    from mibtrack.compute.formulas import MetricSeries

    start = day("2024-01-01")
    dates = tuple(sorted(start + dt.timedelta(days=d) for d in days))
    series = MetricSeries("latest", dates, tuple(Decimal(v) / 100 for v in levels[:len(dates)]))
    metric = next(iter(PROJECT.metrics))
    evaluator = Evaluator(PROJECT, effective_ledger([]), series={metric: series})
    for offset in asked:
        t = start + dt.timedelta(days=offset)
        assert evaluator.actual_line(metric, t) == tuple(
            SeriesPoint(date=d, value=v) for d, v in series.points(dt.date.min, t))
