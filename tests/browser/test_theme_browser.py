"""The hub's theme in a real Chromium: brand, module links, search on demand, phone width.

The site is the repository's hub built once (tests/browser/conftest.py). The brand's
expected values are read from data/hub.yml through khub's own settings, so the test follows
an editor's change of colour or footer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from playwright.sync_api import Browser, Page, expect

from khub.data.settings import HubSettings, load_settings
from tests.browser.kit import MODULES, Guard, Site, build, lay_out_all, serve
from tests.kit.hubs import TODAY, copy_repo

pytestmark = pytest.mark.browser

PHONE = 390
# Built a year later, every figure is stale and carries its marks: the widest form of a page.
STALE_DAY = TODAY + dt.timedelta(days=365)


@pytest.fixture(scope="module")
def stale_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Build and serve the repository's hub as read a year later: every figure stale."""
    root = copy_repo(tmp_path_factory.mktemp("stale") / "hub")
    (root / "site").mkdir()
    with serve(root) as (url, folder):
        build(root, url, today=STALE_DAY)
        yield Site(root, folder, url)


def _pages(folder: Path) -> list[str]:
    """Return the URL path of every HTML page of the built site."""
    paths = []
    for page in sorted(folder.rglob("*.html")):
        rel = page.relative_to(folder).as_posix()
        paths.append(rel.removesuffix("index.html") if rel.endswith("index.html") else rel)
    return paths


def _settings(site: Site) -> HubSettings:
    return load_settings(site.root)


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


@pytest.mark.parametrize("when", ["today", "a year later"])
def test_no_page_scrolls_sideways_on_a_phone(
    browser: Browser, request: pytest.FixtureRequest, when: str
) -> None:
    site: Site = request.getfixturevalue("site" if when == "today" else "stale_site")
    context = browser.new_context(viewport={"width": PHONE, "height": 844})
    guard = Guard()
    context.route("**/*", guard.route)
    wide: dict[str, int] = {}
    try:
        page = context.new_page()
        page.on("console", guard.console)
        pages = _pages(site.folder)
        assert len(pages) > 20, pages  # the modules, every fact page, sources, health...
        for path in pages:
            page.goto(f"{site.url}{path}")
            width = int(page.evaluate("document.scrollingElement.scrollWidth"))
            # Blocks below the first screen are contained (content-visibility, theme.css),
            # which clips what overflows them: measure again with every block laid out.
            lay_out_all(page)
            width = max(width, int(page.evaluate("document.scrollingElement.scrollWidth")))
            if width > PHONE:
                wide[path] = width
    finally:
        context.close()
    guard.check()
    assert wide == {}, f"pages wider than {PHONE} px: {wide}"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_header_footer_and_logo_are_the_hubs(
    browser: Browser, site: Site, scheme: Literal["light", "dark"]
) -> None:
    settings = _settings(site)
    colours = settings.palette.light if scheme == "light" else settings.palette.dark
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    guard = Guard()
    context.route("**/*", guard.route)
    try:
        page = context.new_page()
        page.on("console", guard.console)
        page.goto(f"{site.url}open-vs-closed/")
        header = page.locator("header.md-header")
        assert header.evaluate("h => getComputedStyle(h).backgroundColor") == _rgb(colours.primary)
        expect(page.locator(".md-header__topic").first).to_have_text(settings.title)
        logo = page.locator(".md-header__button.md-logo img")
        assert (logo.get_attribute("src") or "").endswith("assets/hub/logo.svg")
        assert logo.evaluate("img => img.naturalWidth") > 0
        footer = page.locator(".khub-footer")
        expect(footer).to_contain_text(settings.footer.copyright)
        expect(footer).to_contain_text(settings.footer.disclaimer)
        expect(footer).to_contain_text(f"Published by {settings.publisher}")
        contact = footer.locator("a")
        assert contact.get_attribute("href") == settings.footer.contact
        expect(page.locator("footer")).not_to_contain_text("Material for MkDocs")
        assert page.title().endswith(settings.title)
        page.goto(site.url)  # the home page's module list: plain links in the link colour
        link = page.locator(f"article table a[href$='{MODULES[0]}/']")
        link_colour = _rgb(colours.primary if scheme == "light" else colours.accent)
        assert link.evaluate("a => getComputedStyle(a).color") == link_colour
    finally:
        context.close()
    guard.check()


def _follow_next(page: Page, expected: str) -> None:
    title = page.locator("article h1").inner_text()
    page.locator("a.md-footer__link--next").click()
    page.wait_for_url(f"**/{expected}/")
    # instant navigation changes the URL before it swaps the page in: wait for the new title
    expect(page.locator("article h1")).not_to_have_text(title)


def test_modules_link_to_each_other_in_order_with_instant_navigation(
    page: Page, guard: Guard, site: Site
) -> None:
    page.goto(f"{site.url}{MODULES[0]}/")
    assert page.locator("a.md-footer__link--prev").count() == 0
    for module in MODULES[1:]:
        before = page.evaluate("window.performance.timeOrigin")
        _follow_next(page, module)
        # Material's instant navigation swapped the page in: the document was not reloaded.
        assert page.evaluate("window.performance.timeOrigin") == before
    expect(page.locator("a.md-footer__link--next")).to_have_count(0)
    page.locator("a.md-footer__link--prev").click()
    page.wait_for_url(f"**/{MODULES[-2]}/")
    tab = page.locator("a.md-tabs__link", has_text="Modules")
    tab.click()
    page.wait_for_url(site.url)
    for module in MODULES:
        expect(page.locator(f"article a[href$='{module}/']")).to_have_count(1)


def test_modules_are_reachable_without_javascript(browser: Browser, site: Site) -> None:
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.goto(f"{site.url}{MODULES[1]}/")
        expect(page.locator("a.md-footer__link--prev")).to_have_attribute(
            "href", f"../{MODULES[0]}/"
        )
        expect(page.locator("a.md-footer__link--next")).to_have_attribute(
            "href", f"../{MODULES[2]}/"
        )
        expect(page.locator("a.md-tabs__link", has_text="Modules")).to_have_attribute("href", "..")
    finally:
        context.close()


def _search_requests(page: Page) -> list[str]:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "search" in r.url else None)
    return requests


@pytest.mark.parametrize("width", [PHONE, 1280])
def test_search_index_loads_only_when_search_opens(
    browser: Browser, site: Site, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    guard = Guard()
    context.route("**/*", guard.route)
    try:
        page = context.new_page()
        page.on("console", guard.console)
        requests = _search_requests(page)
        page.goto(f"{site.url}{MODULES[0]}/")
        page.wait_for_load_state("networkidle")
        assert requests == []
        if width == PHONE:
            page.locator("label.md-header__button[for='__search']").click()
        else:
            page.locator("input.md-search__input").click()
        page.locator("input.md-search__input").fill("licence")
        expect(page.locator(".md-search-result__item").first).to_be_visible()
        assert any(r.endswith("search/search_index.json") for r in requests)
        assert any("/workers/search." in r for r in requests)
    finally:
        context.close()
    guard.check()


def test_search_opened_with_the_keyboard_and_from_a_result(
    page: Page, guard: Guard, site: Site
) -> None:
    page.goto(f"{site.url}{MODULES[0]}/")
    page.keyboard.press("s")  # Material's shortcut opens search
    page.keyboard.type("licence")
    first = page.locator(".md-search-result__item a").first
    expect(first).to_be_visible()
    first.click()
    expect(page.locator("article mark")).not_to_have_count(0)  # search.highlight marked it


def test_footnote_markers_in_tables_are_readable(page: Page, guard: Guard, site: Site) -> None:
    page.goto(f"{site.url}{MODULES[0]}/")
    sizes: list[float] = page.evaluate(
        "[...document.querySelectorAll('article table .footnote-ref')]"
        ".map(a => parseFloat(getComputedStyle(a).fontSize))"
    )
    assert sizes, "the flagship module cites sources in its tables"
    assert min(sizes) >= 11.0, sizes
