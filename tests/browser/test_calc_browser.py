"""The calculators and charts in a real Chromium, on the built hub served on loopback."""

from __future__ import annotations

from typing import Literal

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.kit import MODULES, Guard, Site, axe_violations, open_module, wait_ready

pytestmark = pytest.mark.browser

BREAKEVEN = '[data-khub-calc="self-hosting-breakeven"]'
API_COST = '[data-khub-calc="api-cost"]'
DECISION = '[data-khub-calc="decision-helper"]'


def _out(page: Page, name: str) -> str:
    return page.locator(f'{BREAKEVEN} [data-out="{name}"]').inner_text()


def test_breakeven_defaults_survive_the_script_and_inputs_update_it(
    page: Page, guard: Guard
) -> None:
    page.goto("open-vs-closed/")
    served = page.locator(BREAKEVEN).inner_text()
    wait_ready(page)
    calc = page.locator(BREAKEVEN)
    assert calc.locator("[data-khub-results]").inner_text() in served
    assert _out(page, "api_cost_per_day") == "$0.12/day"
    assert _out(page, "self_host_cost_per_day") == "$43/day"
    assert _out(page, "cost_ratio") == "358×"
    page.locator(BREAKEVEN).get_by_label("Tokens per day", exact=True).fill("500,000,000")
    assert _out(page, "api_cost_per_day") == "$60/day"
    assert calc.locator('[data-work="api_cost_per_day"]').inner_text() == (
        "500M ÷ 1,000,000 × $0.12 = $60/day"
    )
    page.locator(BREAKEVEN).get_by_label("GPU utilisation, %", exact=True).fill("40")
    assert _out(page, "self_host_cost_per_day") == "$430/day"
    page.locator(BREAKEVEN).get_by_label("API model and price", exact=True).select_option(
        "claude-sonnet-4-6-even"
    )
    assert _out(page, "api_cost_per_day") == "$4,500/day"
    expect(calc.locator("[data-khub-status]")).to_contain_text("API cost per day: $4,500/day")
    guard.check()


def test_the_calculator_shows_the_total_cost_the_prose_shows(page: Page, guard: Guard) -> None:
    """The prose gives the 3–5× multiplier's range; the calculator's default is the same range."""
    open_module(page, "open-vs-closed")
    prose = page.locator(".md-content details, .md-content .admonition").filter(
        has_text="Apply the total-cost multiple"
    )
    expect(prose.first).to_contain_text("self-hosting comes to $129–$215/day")
    assert _out(page, "tco_cost_per_day") == "$129–$215/day"
    field = page.locator(BREAKEVEN).get_by_label("Total-cost multiplier over GPU rental, ×")
    expect(field).to_have_value("3–5")
    field.fill("4")
    assert _out(page, "tco_cost_per_day") == "$172/day"
    field.fill("2 to 6")
    assert _out(page, "tco_cost_per_day") == "$86–$258/day"
    assert page.locator(f'{BREAKEVEN} [data-work="tco_cost_per_day"]').inner_text() == (
        "$43 × 2–6× = $86–$258/day"
    )
    field.fill("6–2")
    error = page.locator("#khub-self-hosting-breakeven-tco_multiplier-error")
    expect(error).to_have_text("Put the smaller number first, such as 3–5.")
    guard.check()


def test_api_cost_sorts_models_and_marks_the_cheapest(page: Page, guard: Guard) -> None:
    open_module(page, "api-prices")
    calc = page.locator(API_COST)
    rows = calc.locator("tbody tr")
    expect(rows.nth(2)).to_contain_text("$450/month")
    calc.get_by_label("Input tokens per month", exact=True).fill("1000000")
    calc.get_by_label("Output tokens per month", exact=True).fill("0")
    expect(rows.nth(0)).to_contain_text("Llama 3.3 70B on DeepInfra cheapest")
    expect(rows.nth(1)).to_contain_text("Claude Sonnet 4.6$3/month")
    expect(rows.nth(2)).to_contain_text("Claude Opus 4.8$5/month")
    assert calc.locator(".khub-calc__cheapest").count() == 1
    guard.check()


def test_decision_helper_says_when_the_hub_has_no_rule(page: Page, guard: Guard) -> None:
    open_module(page, "open-vs-closed")
    calc = page.locator(DECISION)
    volume = calc.locator('[data-var="volume"]')
    expect(volume).to_contain_text("Evaluate managed open-weight hosting")
    calc.get_by_label("Volume, tokens", exact=True).fill("20,000,000")
    expect(volume).to_contain_text("No rule. The hub gives no rule for this volume.")
    calc.get_by_label("Per", exact=True).select_option("month")
    expect(volume).to_contain_text("Evaluate managed open-weight hosting")
    calc.get_by_label("Volume, tokens", exact=True).fill("600000000")
    calc.get_by_label("Per", exact=True).select_option("day")
    expect(volume).to_contain_text("Self-hosting becomes cost-rational")
    calc.get_by_label("Data sensitivity", exact=True).select_option("on-premise-only")
    expect(calc.locator('[data-var="sensitivity"]')).to_contain_text(
        "Run open-weight models on-premise."
    )
    guard.check()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Enter a number."),
        ("lots", "Enter a number in digits, such as 1,000,000."),
        ("-3", "Enter a number above 0."),
        ("1e308", "Enter at most 1,000,000,000,000,000."),
        ("1e400", "That number is too large; enter at most 1,000,000,000,000,000."),
    ],
)
def test_bad_input_shows_a_message_never_nan(
    page: Page, guard: Guard, typed: str, message: str
) -> None:
    open_module(page, "open-vs-closed")
    field = page.locator(BREAKEVEN).get_by_label("Tokens per day", exact=True)
    field.fill(typed)
    error = page.locator("#khub-self-hosting-breakeven-tokens_per_day-error")
    expect(error).to_have_text(message)
    expect(field).to_have_attribute("aria-invalid", "true")
    text = page.locator(BREAKEVEN).inner_text()
    assert "NaN" not in text and "Infinity" not in text
    field.fill("2000000")
    expect(error).to_be_hidden()
    assert _out(page, "api_cost_per_day") == "$0.24/day"
    guard.check()


def test_every_input_works_from_the_keyboard(page: Page, guard: Guard) -> None:
    open_module(page, "open-vs-closed")
    first = page.locator(BREAKEVEN).get_by_label("Tokens per day", exact=True)
    first.focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("3000000")
    assert _out(page, "api_cost_per_day") == "$0.36/day"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "price_per_mtok"
    page.keyboard.press("ArrowDown")
    assert _out(page, "api_cost_per_day") == "$45/day"
    names = []
    for _ in range(6):
        page.keyboard.press("Tab")
        names.append(page.evaluate("document.activeElement.name"))
    assert names == [
        "gpu_cost_per_day",
        "gpu_utilisation",
        "tco_multiplier",
        "ml_engineering_per_year",
        "update_cycle_cost",
        "update_cycle_weeks",
    ]
    guard.check()


def test_calculators_work_again_after_instant_navigation(page: Page, guard: Guard) -> None:
    page.goto("./")
    page.evaluate("window.khubNoReload = true")
    page.locator('.md-content a[href$="open-vs-closed/"]').first.click()
    page.wait_for_url("**/open-vs-closed/")
    wait_ready(page)
    page.locator(BREAKEVEN).get_by_label("Tokens per day", exact=True).fill("10,000,000")
    assert _out(page, "api_cost_per_day") == "$1.20/day"
    page.locator('.md-content a[href$="api-prices/"]').first.click()
    page.wait_for_url("**/api-prices/")
    wait_ready(page)
    page.locator(API_COST).get_by_label("Output tokens per month", exact=True).fill("0")
    expect(page.locator(f"{API_COST} tbody tr").nth(2)).to_contain_text("$75/month")
    page.go_back()
    page.wait_for_url("**/open-vs-closed/")
    wait_ready(page)
    page.locator(".md-tabs").get_by_role("link", name="Modules", exact=True).click()
    page.wait_for_function("location.pathname === '/'")
    page.locator('.md-content a[href$="open-vs-closed/"]').first.click()
    page.wait_for_url("**/open-vs-closed/")
    wait_ready(page)
    page.locator(BREAKEVEN).get_by_label("Tokens per day", exact=True).fill("20,000,000")
    assert _out(page, "api_cost_per_day") == "$2.40/day"
    assert page.evaluate("window.khubNoReload") is True, "navigation reloaded the page"
    guard.check()


def test_charts_and_defaults_render_with_javascript_off(browser: Browser, site: Site) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site.url}open-vs-closed/")
        charts = page.locator("figure.khub-chart svg[role=img]")
        expect(charts).to_have_count(2)
        for chart in charts.all():
            box = chart.bounding_box()
            assert box is not None and box["width"] > 300 and box["height"] > 100
        assert page.locator(f'{BREAKEVEN} [data-out="cost_ratio"]').inner_text() == "358×"
        expect(page.locator(f"{BREAKEVEN} .khub-calc__nojs")).to_be_visible()
    finally:
        context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("module", MODULES)
def test_module_pages_pass_axe(
    page: Page, guard: Guard, module: str, scheme: Literal["light", "dark"]
) -> None:
    page.emulate_media(color_scheme=scheme)
    open_module(page, module)
    bad = axe_violations(page, ("serious", "critical"))
    assert bad == [], "\n".join(bad)
    guard.check()
