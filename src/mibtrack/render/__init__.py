"""Renderers: one module per format over the same computed Report. Nothing here decides a
status; every format shows the numbers `compute` produced."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..compute import Report
    from .periodic import PeriodicView

FORMATS = ("table", "markdown", "json", "csv", "html", "xlsx")


def render_report(report: Report, fmt: str, *, width: int = 100, color: bool = False,
                  periods: PeriodicView | None = None, locale: str | None = None,
                  evidence: Sequence[dict[str, Any]] = ()) -> str | bytes:
    """The report in one of FORMATS (text; bytes for xlsx); `periods` adds the periodic
    view; `locale` (en, fr) overrides the programme's for every format but JSON;
    `evidence` (export's applied records) fills the workbook's Evidence sheet."""
    from .i18n import use_locale

    if fmt == "json":
        return _render(report, fmt, width, color, periods, evidence)
    with use_locale(locale or report.program.locale):
        return _render(report, fmt, width, color, periods, evidence)


def _render(report: Report, fmt: str, width: int, color: bool,
            periods: PeriodicView | None, evidence: Sequence[dict[str, Any]]) -> str | bytes:
    if fmt == "xlsx":
        from .xlsx import render_workbook

        return render_workbook(report, periods, evidence)
    if fmt == "json":
        from .jsonout import dumps

        if periods is None:
            return dumps(report)
        from .jsonout import fields_of
        from .periodic import periodic_document

        return dumps({**fields_of(report), "periods": periodic_document(periods)})
    if fmt == "table":
        from .terminal import render_report_table

        return render_report_table(report, width=width, color=color, periods=periods)
    if fmt == "markdown":
        from .markdown import render_markdown

        return render_markdown(report, periods)
    if fmt == "csv":
        from .csvout import render_csv

        return render_csv(report, periods)
    if fmt == "html":
        from .html import render_html

        return render_html(report, periods)
    raise ValueError(f"unknown format {fmt!r}")
