"""Milestone trend analysis: a milestone slipped twice and then done, as a table (JSON, CSV),
a terminal chart in `show`, and an inline SVG in the HTML report checked in chromium.

The test programme (tests/support.py) starts 2024-01-01; `launch` is due 2024-06-30.
Events: slipped on 2024-03-15 to 2024-09-30, slipped on 2024-07-10 to 2024-12-15, done on
2024-11-20. At each month end the forecast date is therefore:
  Jan, Feb: 2024-06-30 (due) · Mar–Jun: 2024-09-30 · Jul–Oct: 2024-12-15 · Nov: 2024-11-20
(done) — eleven reporting dates, two slips, the line ending at the done date.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
from chromium_cdp import Browser, find_chromium

AS_OF = "2025-01-31"
EXPECTED = ([("2024-01-31", "2024-06-30"), ("2024-02-29", "2024-06-30")]
            + [(d, "2024-09-30") for d in ("2024-03-31", "2024-04-30", "2024-05-31",
                                           "2024-06-30")]
            + [(d, "2024-12-15") for d in ("2024-07-31", "2024-08-31", "2024-09-30",
                                           "2024-10-31")]
            + [("2024-11-30", "2024-11-20")])


@pytest.fixture
def slipped(cli):  # noqa: ANN001, ANN201
    for args in (("slipped", "--date", "2024-03-15", "--expected", "2024-09-30"),
                 ("slipped", "--date", "2024-07-10", "--expected", "2024-12-15"),
                 ("done", "--date", "2024-11-20")):
        assert cli("milestone", "launch", *args).code == 0
    return cli


def test_the_trend_table_in_json_and_csv(slipped) -> None:  # noqa: ANN001
    report = json.loads(slipped("report", "--as-of", AS_OF, "--format", "json").out)
    [trend] = report["milestone_trends"]
    assert (trend["id"], trend["due"], trend["slips"], trend["done"]) == (
        "launch", "2024-06-30", 2, "2024-11-20")
    assert [(p["reporting_date"], p["forecast_date"]) for p in trend["points"]] == EXPECTED
    assert trend["points"][-1]["state"] == "done"
    shown = json.loads(slipped("show", "launch", "--as-of", AS_OF, "--json").out)
    assert shown["trend"] == trend
    rows = list(csv.DictReader(io.StringIO(slipped("show", "launch", "--as-of", AS_OF,
                                                   "--csv").out)))
    assert [(r["reporting_date"], r["forecast_date"]) for r in rows] == EXPECTED
    by_quarter = json.loads(slipped("show", "launch", "--as-of", AS_OF, "--period", "quarter",
                                    "--json").out)["trend"]
    assert [(p["reporting_date"], p["forecast_date"]) for p in by_quarter["points"]] == [
        ("2024-03-31", "2024-09-30"), ("2024-06-30", "2024-09-30"),
        ("2024-09-30", "2024-12-15"), ("2024-12-31", "2024-11-20")]
    assert slipped("show", "jobs", "--csv").code == 2  # a target has no milestone trend


def test_show_draws_the_trend_in_the_terminal(slipped) -> None:  # noqa: ANN001
    out = slipped("show", "launch", "--as-of", AS_OF).out
    chart = out[out.index("milestone trend:"):].splitlines()
    assert chart[0] == ("milestone trend: forecast date at each reporting date (2 slips, "
                        "done 2024-11-20)")
    rows = chart[1:13]
    assert all(len(r.split("│")[1]) == len(EXPECTED) for r in rows)  # one column per month
    assert "".join(rows).count("●") == 10 and "".join(rows).count("✔") == 1
    assert rows[-1].split("│")[1].startswith("·")  # the diagonal starts bottom left


def test_the_html_report_holds_one_svg_per_milestone_trend(slipped) -> None:  # noqa: ANN001
    html = slipped("report", "--as-of", AS_OF, "--format", "html").out
    [svg] = re.findall(r'<svg [^>]*class="chart mta".*?</svg>', html, re.S)
    assert len(re.findall(r"<circle ", svg)) == len(EXPECTED)
    assert re.findall(r'data-forecast-date="([^"]+)"', svg) == [f for _, f in EXPECTED]
    assert 'class="diagonal"' in svg and 'class="due"' in svg and "2 slips" in svg


MTA = """(() => {
  const svg = document.querySelector('figure[data-objective="launch"] svg.mta');
  const box = svg.getBoundingClientRect();
  const line = svg.querySelector('polyline.forecast');
  return {width: box.width, height: box.height, points: line.points.numberOfItems,
          circles: svg.querySelectorAll('circle').length,
          diagonal: svg.querySelector('line.diagonal').getTotalLength(),
          title: svg.querySelector('title').textContent};
})()"""


@pytest.mark.browser
def test_the_mta_chart_in_chromium(slipped, tmp_path: Path) -> None:  # noqa: ANN001
    chromium = find_chromium()
    if chromium is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed, and CI must run the browser test")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    page = tmp_path / "report.html"
    assert slipped("report", "--as-of", AS_OF, "--format", "html", "--output",
                   str(page)).code == 0
    profile = tmp_path / "profile"
    profile.mkdir()
    browser = Browser(chromium, profile)
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.call(f"{domain}.enable")
        browser.call("Page.navigate", url=page.as_uri())
        browser.wait_for("Page.loadEventFired")
        drawn = browser.evaluate(MTA)
        problems = browser.problems()
    finally:
        browser.quit()
    assert problems == []
    assert drawn["points"] == drawn["circles"] == len(EXPECTED)
    assert drawn["width"] > 200 and drawn["height"] > 200  # drawn, not collapsed
    assert drawn["diagonal"] > 300  # the 45° line across the square plot (300 units a side)
    assert drawn["title"] == "Milestone trend: Launch"
