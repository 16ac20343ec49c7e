"""Freshness and provenance as readers see them, in Chromium: the line, the notice, popovers.

The repository's hub is built on 1 September 2026 with one recorded failing check: its API
prices (stale after 45 days) are overdue, one of them could not be re-checked since
3 August 2026, and every other figure (120 days) is fresh.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from typing import Literal

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.browser.kit import Guard, Site, axe_violations, build, serve
from tests.kit.hubs import copy_repo, write_module

DAY = dt.date(2026, 9, 1)
FAILING = "api-input-price.claude-opus-4-8"
STATE = f"""facts:
  {FAILING}:
    outcome: not-found
    checked: 2026-08-31
    failing_since: 2026-08-03
    reason: the pricing table has no row for this model
"""
# A module author forging a fact link: script in the popover data, handlers, other data-*.
FORGED = (
    '<a class="khub-fact" href="#top" data-fact-id="x.y" data-status="official" '
    'data-as-of="2026-06-30" data-verified="2026-06-30" '
    'data-source="<img src=x onerror=window.pwned=1>" onmouseover="window.pwned=2" '
    'onfocus="window.pwned=3" data-md-state="x" style="position:fixed">forged figure</a>\n'
)
POP = "#khub-pop"
ISO = re.compile(r"\d{4}-\d{2}-\d{2}")
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def stale_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Build the repository's hub on DAY with one failing check, and serve it."""
    root = copy_repo(tmp_path_factory.mktemp("stale") / "hub")
    (root / "data" / "check-state.yml").write_text(STATE, encoding="utf-8")
    write_module(root, "forged", FORGED, title="Forged popover")
    (root / "site").mkdir()
    with serve(root) as (url, folder):
        build(root, url, today=DAY)
        yield Site(root, folder, url)


@pytest.fixture
def phone(browser: Browser, stale_site: Site) -> Iterator[BrowserContext]:
    """Open a touch phone context, 390 px wide, on the stale site."""
    context = browser.new_context(
        viewport=PHONE, has_touch=True, is_mobile=True, base_url=stale_site.url
    )
    yield context
    context.close()


def _open(page: Page, site: Site, module: str) -> None:
    page.goto(f"{site.url}{module}/")
    page.wait_for_function("window.khubFacts !== undefined")


def _pop_box(page: Page) -> dict[str, float]:
    box = page.locator(POP).bounding_box()
    assert box is not None
    return box


def _clear_of_line(page: Page, link: Locator) -> None:
    """Assert the popover sits wholly below or above the link's line, inside the viewport."""
    pop = _pop_box(page)
    line = link.bounding_box()
    assert line is not None
    below = pop["y"] >= line["y"] + line["height"]
    above = pop["y"] + pop["height"] <= line["y"]
    assert below or above, (pop, line)
    width = page.evaluate("document.documentElement.clientWidth")
    assert pop["x"] >= 0 and pop["x"] + pop["width"] <= width, (pop, width)


def test_the_page_opens_with_one_freshness_line_and_one_notice(
    page: Page, guard: Guard, stale_site: Site
) -> None:
    _open(page, stale_site, "api-prices")
    line = page.locator("article h1 + p.khub-freshness")
    expect(line).to_have_text("All figures checked on 30 June 2026 · June 2026 edition")
    notices = page.locator("article .admonition.warning")
    expect(notices).to_have_count(1)
    text = notices.inner_text()
    ids = page.locator("article a.khub-fact.khub-stale").evaluate_all(
        "links => links.map(a => a.dataset.factId)"
    )
    count = len(set(ids))  # a figure shown twice is counted once
    assert count > 0
    assert f"{count} figures on this page are overdue for a check" in text
    assert "the first since 15 August 2026" in text  # 30 June + 45 days allowed
    assert "1 figure could not be re-checked against its source since 3 August 2026" in text
    failing = page.locator(f'article a.khub-fact[data-fact-id="{FAILING}"]').first
    expect(failing.locator(".khub-badge")).to_have_text(["overdue", "not re-checked"])
    expect(page.locator("article a.khub-fact:not(.khub-stale) .khub-badge")).to_have_count(0)
    assert "†" not in page.locator("article").inner_text()
    notices.get_by_role("link", name="which checks fail").click()
    page.wait_for_url(re.compile(r"/health/#failing$"))
    expect(page.locator("#failing")).to_contain_text("Checks failing (1)")
    guard.check()


def test_fresh_figures_carry_no_notice(page: Page, guard: Guard, stale_site: Site) -> None:
    _open(page, stale_site, "licences")
    expect(page.locator("article h1 + p.khub-freshness")).to_contain_text("June 2026 edition")
    expect(page.locator("article .admonition.warning")).to_have_count(0)
    expect(page.locator("article .khub-badge")).to_have_count(0)
    guard.check()


def test_hover_shows_plain_words_below_or_above_the_line(
    page: Page, guard: Guard, stale_site: Site
) -> None:
    _open(page, stale_site, "open-vs-closed")
    link = page.locator('article a.khub-fact[data-status="vendor-reported"]').first
    link.scroll_into_view_if_needed()
    link.hover()
    pop = page.locator(POP)
    expect(pop).to_be_visible()
    text = pop.inner_text()
    assert text.startswith("Reported by the vendor · as of 30 June 2026 · checked 30 June 2026")
    assert "Source: " in text and "status" not in text and not ISO.search(text), text
    assert float(pop.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")) >= 14
    expect(link).to_have_attribute("aria-describedby", "khub-pop")
    _clear_of_line(page, link)
    page.mouse.move(5, 5)
    expect(pop).to_be_hidden()
    expect(link).not_to_have_attribute("aria-describedby", "khub-pop")
    guard.check()


def test_a_derived_figure_shows_its_formula_in_labels_and_values(
    page: Page, guard: Guard, stale_site: Site
) -> None:
    _open(page, stale_site, "open-vs-closed")
    link = page.locator('article a.khub-fact[data-fact-id="open-closed-gap"]').first
    link.hover()
    text = page.locator(POP).inner_text()
    assert "Calculated from other figures" in text
    assert "= Gemini 3.1 Pro 80.6% \u2212 MiniMax M2.5 80.2%" in text, text
    assert "swe-bench-verified." not in text
    guard.check()


def test_keyboard_focus_opens_it_and_escape_closes_it(
    page: Page, guard: Guard, stale_site: Site
) -> None:
    _open(page, stale_site, "api-prices")
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('khub-fact')"):
            break
    else:
        pytest.fail("no fact link reached with Tab")
    focused = page.locator("a.khub-fact:focus")
    pop = page.locator(POP)
    expect(pop).to_be_visible()
    assert pop.inner_text().split(" · ")[0] in ("Official figure", "Calculated from other figures")
    _clear_of_line(page, focused)
    page.keyboard.press("Escape")
    expect(pop).to_be_hidden()
    guard.check()


def test_a_tap_opens_the_popover_and_its_link_leads_to_the_fact(phone: BrowserContext) -> None:
    page = phone.new_page()
    watch = Guard()
    phone.route("**/*", watch.route)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    page.goto("api-prices/")
    page.wait_for_function("window.khubFacts !== undefined")
    link = page.locator(f'article a.khub-fact[data-fact-id="{FAILING}"]').first
    link.scroll_into_view_if_needed()
    before = page.url
    link.tap()
    pop = page.locator(POP)
    expect(pop).to_be_visible()
    assert page.url == before, "the first tap followed the link"
    text = pop.inner_text()
    assert "Overdue: not checked within 45 days." in text
    assert "Could not be re-checked against its source since 3 August 2026." in text
    _clear_of_line(page, link)
    page.locator("article h1").tap()
    expect(pop).to_be_hidden()
    link.tap()
    expect(pop).to_be_visible()
    pop.get_by_role("link", name="Open the fact page").tap()
    page.wait_for_url(re.compile(r"/facts/api-input-price/#claude-opus-4-8$"))
    watch.check()


@pytest.mark.parametrize("module", ["api-prices", "open-vs-closed"])
def test_no_sideways_scroll_on_a_phone(phone: BrowserContext, module: str) -> None:
    page = phone.new_page()
    page.goto(f"{module}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{module}/ is {width} px wide at {PHONE['width']} px"


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("module", ["api-prices", "open-vs-closed"])
def test_marks_notice_and_open_popover_pass_axe(
    browser: Browser, stale_site: Site, module: str, scheme: Literal["light", "dark"]
) -> None:
    context = browser.new_context(viewport=PHONE, color_scheme=scheme)
    try:
        page = context.new_page()
        _open(page, stale_site, module)
        # opened from the script: a hovered or focused link takes the theme's hover colour
        page.evaluate("khubFacts.show(document.querySelector('article a.khub-fact'))")
        expect(page.locator(POP)).to_be_visible()
        bad = axe_violations(page)
        assert bad == [], "\n".join(bad)
    finally:
        context.close()


def test_search_leaves_out_labels_and_badges(stale_site: Site) -> None:
    index = json.loads((stale_site.folder / "search" / "search_index.json").read_text("utf-8"))
    modules = [d for d in index["docs"] if d["location"].startswith("api-prices/")]
    assert modules, "api-prices/ is not in the search index"
    text = " ".join(d["text"] + " " + d["title"] for d in modules)
    assert "$5" in text or "5.00" in text or "MTok" in text, "the page's figures are indexed"
    for hidden in ("overdue", "not re-checked", "(stale)", "All figures checked", "Labels:"):
        assert hidden not in text, hidden


def test_a_forged_fact_link_shows_its_data_as_text_and_runs_nothing(
    page: Page, guard: Guard, stale_site: Site
) -> None:
    _open(page, stale_site, "forged")
    link = page.locator("article a.khub-fact", has_text="forged figure")
    assert link.evaluate("a => a.getAttributeNames().sort()") == [
        "class",
        "data-as-of",
        "data-fact-id",
        "data-source",
        "data-status",
        "data-verified",
        "href",
    ]
    link.hover()
    pop = page.locator(POP)
    expect(pop).to_be_visible()
    assert "Source: <img src=x onerror=window.pwned=1>" in pop.inner_text()
    expect(pop.locator("img")).to_have_count(0)
    link.focus()
    assert page.evaluate("window.pwned") is None
    guard.check()


def test_cite_this_figure_gives_the_edition_and_its_permalink(
    page: Page, guard: Guard, stale_site: Site
) -> None:
    _open(page, stale_site, "open-vs-closed")
    fid = "swe-bench-verified.claude-opus-4-8"
    link = page.locator(f'article a.khub-fact[data-fact-id="{fid}"]').first
    value = link.evaluate(
        "el => el.firstChild.nodeType === 3 ? el.firstChild.textContent.trim() : ''"
    )
    assert value.endswith("%"), value
    link.scroll_into_view_if_needed()
    link.hover()
    pop = page.locator(POP)
    expect(pop).to_be_visible()
    pop.get_by_role("button", name="Cite this figure").click()
    citation = pop.locator(".khub-pop__citation")
    expect(citation).to_be_visible()
    text = citation.inner_text()
    history = json.loads((stale_site.folder / "api/v1/facts/swe-bench-verified.json").read_text())
    label = f"{history['title']}: {history['facts'][fid]['label']}"
    assert text.startswith(f"{label}: {value}. "), text  # the "vendor" label is not cited
    assert "June 2026 edition." in text, text
    assert "/editions/2026-06/facts/swe-bench-verified/#claude-opus-4-8 (accessed " in text
    assert not ISO.search(text), text
    guard.check()
