"""The charts in a real Chromium: legible on a phone, in the site's font, light and dark.

Each case opens the module with both charts at a phone (390 px) and a desktop (1280 px)
width, in the light and the dark scheme, and measures what a reader sees: the size each
label is drawn at once the viewBox is scaled to the page, its font, and the luminance of
its fill against the scheme. A screenshot of every chart goes to $KHUB_SHOTS when it is
set (the test's own temporary folder otherwise).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.kit import Guard, Site, luminance, shots_folder

pytestmark = pytest.mark.browser

MIN_PX = 11.0
MODULE = "open-vs-closed"

# For every chart: the smallest drawn text size (CSS font-size scaled by the viewBox),
# its font families, its fills as [r, g, b], and the body's font family.
MEASURE = """() => [...document.querySelectorAll('figure.khub-chart svg')].map(svg => {
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const texts = [...svg.querySelectorAll('text')];
  const styles = texts.map(t => getComputedStyle(t));
  return {
    name: svg.closest('figure').id,
    count: texts.length,
    smallest: Math.min(...styles.map(s => parseFloat(s.fontSize) * scale)),
    fonts: [...new Set(styles.map(s => s.fontFamily))],
    fills: [...new Set(styles.map(s => s.fill))].map(f => f.match(/[0-9.]+/g).map(Number)),
    body: getComputedStyle(document.body).fontFamily,
    background: getComputedStyle(svg).backgroundColor,
  };
})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_chart_text_is_legible_in_the_site_font_and_scheme(
    browser: Browser, site: Site, tmp_path: Path, width: int, scheme: Literal["light", "dark"]
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    guard = Guard()
    context.route("**/*", guard.route)
    try:
        page = context.new_page()
        page.on("console", guard.console)
        page.goto(f"{site.url}{MODULE}/")
        figures = page.locator("figure.khub-chart")
        expect(figures).to_have_count(2)
        measured: list[dict[str, Any]] = page.evaluate(MEASURE)
        folder = shots_folder(tmp_path)
        for index, chart in enumerate(measured):
            name = chart["name"].removeprefix("khub-chart-")
            assert chart["count"] > 5, name
            assert chart["smallest"] >= MIN_PX, (name, chart["smallest"])
            assert chart["fonts"] == [chart["body"]], name  # the site's font, not a fallback
            assert chart["background"] == "rgba(0, 0, 0, 0)", name  # no painted box
            for fill in chart["fills"]:
                light = luminance(fill) > 0.5
                assert light == (scheme == "dark"), (name, fill)
            figures.nth(index).screenshot(path=str(folder / f"charts-{name}-{width}-{scheme}.png"))
        guard.check()
    finally:
        context.close()
