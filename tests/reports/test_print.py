"""The HTML board pack in a real headless chromium: exceptions and their reasons on the
first screen, and printed on A4 as a board pack — the summary and exceptions on page one,
then one page (or less) per group, no card cut across pages."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from chromium_cdp import Browser, find_chromium, print_to_pdf

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed, and CI must run the browser test")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


FIRST_SCREEN = """(() => {
  const box = document.querySelector('section.exceptions').getBoundingClientRect();
  const rows = [...document.querySelectorAll('table.exceptions tbody tr')];
  return {top: box.top, rows: rows.map(r => ({id: r.dataset.objective,
          reason: r.querySelector('[data-field=reason]').textContent,
          bottom: r.getBoundingClientRect().bottom}))};
})()"""

PRINTED = """(() => ({
  front: document.querySelector('section.front').getBoundingClientRect().height,
  groups: [...document.querySelectorAll('section.group')].map(
      g => Math.round(g.getBoundingClientRect().height)),
  avoid: [...document.querySelectorAll('article.card')].map(
      c => getComputedStyle(c).breakInside),
  frontBreak: getComputedStyle(document.querySelector('section.front')).breakAfter,
}))()"""

#: A4 less the @page margins (12 mm top and bottom), in CSS pixels (96 per inch).
PAGE_HEIGHT = (297 - 24) / 25.4 * 96


def _open(chromium: str, page: Path, profile: Path) -> Browser:
    profile.mkdir()
    browser = Browser(chromium, profile, width=1280, height=800)
    for domain in ("Page", "Runtime", "Log"):
        browser.call(f"{domain}.enable")
    browser.call("Page.navigate", url=page.as_uri())
    browser.wait_for("Page.loadEventFired")
    return browser


def test_exceptions_and_reasons_are_on_the_first_screen(chromium: str, cli, tmp_path: Path,
                                                        project: Path) -> None:
    from test_board import AS_OF, BOARD_TOML

    (project / "objectives.toml").write_text(BOARD_TOML, encoding="utf-8")
    assert cli("milestone", "vote", "slipped", "--date", "2025-05-10", "--expected",
               "2026-03-31", "--note", "co-financing to be voted in the 2026 budget").code == 0
    page = tmp_path / "board.html"
    assert cli("report", "--as-of", AS_OF, "--format", "html", "--output", str(page)).code == 0
    browser = _open(chromium, page, tmp_path / "profile")
    try:
        browser.call("Emulation.setDeviceMetricsOverride", width=1280, height=800,
                     deviceScaleFactor=1, mobile=False)
        seen = browser.evaluate(FIRST_SCREEN)
        problems = browser.problems()
    finally:
        browser.quit()
    assert problems == []
    rows = {row["id"]: row for row in seen["rows"]}
    assert rows["vote"]["reason"] == "co-financing to be voted in the 2026 budget"
    assert rows["vote"]["bottom"] <= 800  # visible without scrolling


def test_the_shipped_report_prints_as_a_board_pack(chromium: str, cli, tmp_path: Path) -> None:
    page = tmp_path / "mib.html"
    assert cli("report", "--as-of", "2026-11-24", "--format", "html", "--output", str(page),
               root=REPO).code == 0
    groups = {o["group"].split(" > ")[0] for o in json.loads(
        cli("report", "--as-of", "2026-11-24", "--format", "json", root=REPO).out)["objectives"]}
    browser = _open(chromium, page, tmp_path / "profile")
    try:
        pages = print_to_pdf(browser, tmp_path / "mib.pdf")
        browser.call("Emulation.setEmulatedMedia", media="print")
        browser.call("Emulation.setDeviceMetricsOverride", width=718, height=1031,
                     deviceScaleFactor=1, mobile=False)  # A4's width less the margins
        printed = browser.evaluate(PRINTED)
    finally:
        browser.quit()
    # page one holds the summary and exceptions, then each group starts a page and fits it
    assert printed["frontBreak"] == "page" and printed["front"] <= PAGE_HEIGHT
    assert all(height <= PAGE_HEIGHT for height in printed["groups"]), printed["groups"]
    assert set(printed["avoid"]) == {"avoid"}  # no card is cut across two pages
    assert pages == 1 + len(groups)
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"prints on (\d+) A4 pages", readme)
    assert stated and int(stated[1]) == pages
