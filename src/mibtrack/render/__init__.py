"""Renderers: one module per format over the same computed Report. Nothing here decides a
status; every format shows the numbers `compute` produced."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..compute import Report
    from .periodic import PeriodicView

FORMATS = ("table", "markdown", "json", "csv", "html")


def render_report(report: Report, fmt: str, *, width: int = 100, color: bool = False,
                  periods: PeriodicView | None = None) -> str:
    """The report as text in one of FORMATS; `periods` adds the periodic view."""
    if fmt == "json":
        from .jsonout import dumps

        if periods is None:
            return dumps(report)
        from .jsonout import plain
        from .periodic import periodic_document

        return dumps({**plain(report), "periods": periodic_document(periods)})
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
