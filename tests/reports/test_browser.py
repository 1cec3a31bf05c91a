"""The HTML report of the shipped MIB project in a real headless chromium: it loads with no
console error, every objective card is there, each chart is drawn, it fits a phone."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from chromium_cdp import Browser, find_chromium

REPO = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium() -> str:
    found = find_chromium()
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed, and CI must run the browser test "
                        "(.ci/run installs Debian's chromium)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return found


CARDS = """(() => {
  const cards = [...document.querySelectorAll('article.card')];
  return cards.map(c => {
    const svg = c.querySelector('svg.chart');
    const box = svg ? svg.getBoundingClientRect() : null;
    return {id: c.dataset.objective, status: c.dataset.status,
            svg: !!svg, shapes: svg ? svg.querySelectorAll('path, use').length : 0,
            width: box ? box.width : 0, height: box ? box.height : 0,
            label: svg ? svg.getAttribute('aria-labelledby') : null,
            title: svg && svg.querySelector('title') ? svg.querySelector('title').textContent
                                                      : ''};
  });
})()"""


def test_mib_html_report_in_chromium(chromium: str, cli, tmp_path: Path) -> None:
    page = tmp_path / "mib-report.html"
    result = cli("report", "--format", "html", "--output", str(page), root=REPO)
    assert result.code == 0, result.err
    expected = json.loads(cli("report", "--format", "json", root=REPO).out)["objectives"]

    profile = tmp_path / "profile"
    profile.mkdir()
    browser = Browser(chromium, profile)
    try:
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.call(f"{domain}.enable")
        browser.call("Page.navigate", url=page.as_uri())
        browser.wait_for("Page.loadEventFired")
        cards = browser.evaluate(CARDS)
        shot = browser.screenshot(Path(os.environ.get("MIBTRACK_SCREENSHOT",
                                                      tmp_path / "mib-report.png")))
        assert browser.evaluate("document.title").startswith("Marseille Immunology Biocluster")
        # a phone: the page reflows to the width, nothing sticks out sideways
        browser.call("Emulation.setDeviceMetricsOverride", width=390, height=844,
                     deviceScaleFactor=2, mobile=True)
        phone_overflow = browser.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth")
        browser.screenshot(tmp_path / "mib-report-phone.png")
        problems = browser.problems()
    finally:
        browser.quit()

    assert problems == []
    assert shot.startswith(b"\x89PNG") and len(shot) > 10_000
    assert sorted(c["id"] for c in cards) == sorted(o["id"] for o in expected)  # by group
    by_id = {o["id"]: o for o in expected}
    for card in cards:
        want = by_id[card["id"]]
        assert card["status"] == want["status"]
        assert card["svg"] and card["shapes"] > 0, card
        assert card["width"] > 200 and card["height"] > 50, card  # drawn, not collapsed
        assert card["label"] and card["title"].startswith(want["id"])
    assert phone_overflow <= 0
