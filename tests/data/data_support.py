"""Helpers of the data tests, in a module of their own: `from conftest import …` would get
whichever conftest.py was imported first (tests/reports has one too), so it depended on the
order the folders were collected in."""

from __future__ import annotations


def facts(entries: list[dict]) -> list[tuple]:
    """What a fact says, whoever wrote it and whenever: to compare two projects' ledgers."""
    return sorted((e["type"], e["as_of"], e.get("metric"), e.get("value"), e.get("objective"),
                   e.get("status"), e.get("expected"), e.get("source"), e.get("note"))
                  for e in entries)
