"""Pure computation: where each objective stands at a date (no I/O, no terminal).

files → model → **compute** → render → CLI. Start from `build_report`; use `Evaluator`
over an `effective_ledger` to evaluate objectives at many dates.
"""

from .formulas import (
    Forecast,
    MetricSeries,
    actual_latest,
    actual_sum,
    eta,
    evaluation_date,
    forecast,
    forecast_interval,
    is_stale,
    plan_vertices,
    planned,
    ratio,
    schedule_variance_days,
    student_t_cdf,
    student_t_quantile,
    to_decimal,
)
from .ledger_state import (
    EffectiveLedger,
    EffectiveMilestoneEvent,
    EffectiveNote,
    EffectiveObservation,
    effective_ledger,
)
from .report import (
    REPORT_SCHEMA_VERSION,
    AnyResult,
    CompositeResult,
    Evaluator,
    LimitResult,
    MilestoneResult,
    ObjectiveResult,
    ProgramInfo,
    Report,
    SeriesPoint,
    StaleMetric,
    TargetResult,
    build_report,
    build_report_from_ledger,
    period_ends,
    period_series,
    severity_sorted,
)
from .status import SEVERITY, Status, at_or_past, severity_rank, worst

__all__ = [
    "REPORT_SCHEMA_VERSION", "SEVERITY", "EffectiveLedger", "EffectiveMilestoneEvent",
    "EffectiveNote", "EffectiveObservation", "Evaluator", "MetricSeries", "ObjectiveResult",
    "AnyResult", "TargetResult", "LimitResult", "MilestoneResult", "CompositeResult",
    "ProgramInfo", "Report", "SeriesPoint", "StaleMetric", "Status", "actual_latest",
    "actual_sum", "at_or_past", "build_report", "build_report_from_ledger",
    "effective_ledger", "eta", "evaluation_date", "forecast", "forecast_interval",
    "Forecast", "is_stale", "period_ends", "period_series",
    "plan_vertices", "planned", "ratio", "schedule_variance_days", "severity_rank",
    "severity_sorted", "student_t_cdf", "student_t_quantile", "to_decimal", "worst",
]
