"""The what-changed block and the fact pages' history in a real Chromium, phone and desktop.

The repository's hub is built with its what-changed blocks (as `khub build` wires them) and
the three-edition hub with a price's recorded history; both are served on loopback.
Screenshots go to $KHUB_SHOTS when it is set (the test's temporary folder otherwise).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Literal

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from khub.calc import export as calculators
from khub.calc.form import calculator_helper
from khub.data.load import load
from khub.render import charts
from khub.render.charts import chart_helper
from khub.render.whatchanged import extra_files, module_preamble
from khub.site.builder import mkdocs_build
from khub.site.generate import generate
from tests.browser.kit import Guard, luminance, serve, shots_folder
from tests.kit.history import history_hub
from tests.kit.hubs import TODAY, copy_repo

pytestmark = pytest.mark.browser
Scheme = Literal["light", "dark"]

# Where the block sits among the article's top-level elements, and whether its list shows.
BLOCK = """() => {
  const article = document.querySelector('article');
  // the title, its links and the freshness lead (line, legend, notice) come before the body
  const lead = el => el.matches('.khub-freshness, .khub-legend, .khub-notice');
  const kids = [...article.children].filter(el => !['H1', 'A'].includes(el.tagName) && !lead(el));
  const block = article.querySelector('details.khub-changes');
  const item = block.querySelector('li, p');
  const box = block.getBoundingClientRect();
  return {
    first: kids[0].tagName,
    index: kids.indexOf(block),
    open: block.open,
    summary: block.querySelector('summary').getBoundingClientRect().height,
    item: item ? item.checkVisibility() : false,
    right: box.right,
    width: document.documentElement.clientWidth,
  };
}"""

HISTORY = """() => {
  const svg = document.querySelector('figure.khub-chart svg');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const texts = [...svg.querySelectorAll('text')];
  const table = [...document.querySelectorAll('article table')]
    .find(t => [...t.querySelectorAll('th')].some(th => th.textContent === 'From'));
  return {
    texts: texts.length,
    smallest: Math.min(...texts.map(t => parseFloat(getComputedStyle(t).fontSize) * scale)),
    fill: getComputedStyle(texts[0]).fill.match(/[0-9.]+/g).map(Number),
    line: getComputedStyle(svg.querySelector('polyline')).stroke,
    rows: table ? table.querySelectorAll('tbody tr').length : 0,
    tableVisible: table ? table.getBoundingClientRect().height > 0 : false,
  };
}"""


def _build(root: Path, url: str, *, widgets: bool) -> None:
    """Generate with the what-changed blocks (and the calculators and charts), then build."""
    factset, _ = load(root, today=TODAY, cache=False)
    helpers = (
        {"calculator": calculator_helper(factset), "chart": chart_helper(factset)}
        if widgets
        else {}
    )
    extra = [extra_files, calculators.extra_files, charts.extra_files] if widgets else [extra_files]
    generate(
        root,
        factset,
        helpers=helpers,
        module_preamble=module_preamble(root, factset),
        extra_files=extra,
        today=TODAY,
        cache=False,
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KHUB_SITE_URL", url)
        mkdocs_build(root)


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Build and serve the repository's hub and the history hub; yield their URLs and folders."""
    base = tmp_path_factory.mktemp("changes-browser")
    repo = copy_repo(base / "repo")
    history = history_hub(base / "history")
    with ExitStack() as stack:
        out: dict[str, Any] = {}
        for name, root, widgets in (("repo", repo, True), ("history", history, False)):
            (root / "site").mkdir()
            url, folder = stack.enter_context(serve(root))
            _build(root, url, widgets=widgets)
            out[name], out[f"{name}-site"] = url, folder
        yield out


def _context(browser: Browser, width: int, scheme: Scheme, js: bool = True) -> BrowserContext:
    return browser.new_context(
        viewport={"width": width, "height": 900}, color_scheme=scheme, java_script_enabled=js
    )


@contextmanager
def _guarded(browser: Browser, width: int, scheme: Scheme) -> Iterator[Page]:
    """Yield a page at a width and scheme whose requests stay on loopback, without errors."""
    context = _context(browser, width, scheme)
    guard = Guard()
    context.route("**/*", guard.route)
    try:
        page = context.new_page()
        page.on("console", guard.console)
        yield page
        guard.check()
    finally:
        context.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_a_long_block_follows_the_opening_and_starts_closed(
    browser: Browser, sites: dict[str, Any], tmp_path: Path, width: int
) -> None:
    with _guarded(browser, width, "light") as page:
        page.goto(f"{sites['repo']}open-vs-closed/")
        found = page.evaluate(BLOCK)
        assert found["first"] == "P" and found["index"] == 1  # right after the opening
        assert found["open"] is False and found["summary"] > 0 and found["item"] is False
        assert found["right"] <= found["width"]
        summary = page.locator("details.khub-changes > summary")
        expect(summary).to_contain_text("What changed in the June 2026 edition")
        page.screenshot(path=str(shots_folder(tmp_path) / f"block-closed-{width}.png"))
        summary.click()
        expect(page.locator("details.khub-changes li").first).to_be_visible()
        page.screenshot(path=str(shots_folder(tmp_path) / f"block-open-{width}.png"))


def test_a_short_block_is_open_and_the_long_one_opens_without_javascript(
    browser: Browser, sites: dict[str, Any]
) -> None:
    context = _context(browser, 390, "light", js=False)
    try:
        page = context.new_page()
        page.goto(f"{sites['history']}mod-a/")
        found = page.evaluate(BLOCK)
        assert found["first"] == "P" and found["index"] == 1
        assert found["open"] is True and found["item"] is True
        expect(page.get_by_text("12.5 points → 3.5 points (−72%)")).to_be_visible()
        page.goto(f"{sites['repo']}open-vs-closed/")
        assert page.evaluate(BLOCK)["open"] is False
        page.locator("details.khub-changes > summary").click()
        expect(page.locator("details.khub-changes li").first).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [390, 1280])
def test_a_fact_with_history_shows_its_table_and_chart(
    browser: Browser, sites: dict[str, Any], tmp_path: Path, width: int, scheme: Scheme
) -> None:
    with _guarded(browser, width, scheme) as page:
        page.goto(f"{sites['history']}facts/price/")
        found = page.evaluate(HISTORY)
        assert found["rows"] == 3 and found["tableVisible"]
        assert found["texts"] >= 5
        assert found["smallest"] >= 11.0
        assert (luminance(found["fill"]) > 0.5) == (scheme == "dark")
        assert found["line"] != "none"
        page.locator("figure.khub-chart").screenshot(
            path=str(shots_folder(tmp_path) / f"history-chart-{width}-{scheme}.png")
        )


def test_chart_text_stays_out_of_search(sites: dict[str, Any]) -> None:
    index = json.loads((sites["repo-site"] / "search" / "search_index.json").read_text())
    module = " ".join(d["text"] for d in index["docs"] if d["location"].startswith("open-vs"))
    assert "Horizontal bar chart" not in module  # the chart's SVG description
    assert "The numbers in this chart" not in module  # its data table
    assert "open against closed models" not in module  # its title
    assert "SWE-bench Verified" in module  # the prose around it is still found
