"""Renderers: one module per format over the same computed Report. Nothing here decides a
status; every format shows the numbers `compute` produced."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..compute import Report

FORMATS = ("table", "json")


def render_report(report: Report, fmt: str, *, width: int = 100, color: bool = False) -> str:
    """The report as text in one of FORMATS."""
    if fmt == "json":
        from .jsonout import dumps

        return dumps(report)
    if fmt == "table":
        from .terminal import render_report_table

        return render_report_table(report, width=width, color=color)
    raise ValueError(f"unknown format {fmt!r}")
