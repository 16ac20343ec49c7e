"""The decision helper's one recommendation, results that survive a bad input, selects that fit."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.kit import Guard, Site, open_module

pytestmark = pytest.mark.browser

DECISION = '[data-khub-calc="decision-helper"]'
BREAKEVEN = '[data-khub-calc="self-hosting-breakeven"]'
VERDICT = (
    "Overall recommendation: Use a closed API. (decided by Operational capacity (hard constraint))"
)
STANDINGS = {
    "volume": "[outweighed]",
    "sensitivity": "[agrees]",
    "capacity": "[decides]",
    "complexity": "[outweighed]",
}
# Every select's box, and the width its content needs, against its field and the viewport.
FITS = """() => [...document.querySelectorAll('.khub-calc select')].map(el => {
  const box = el.getBoundingClientRect();
  return {id: el.id, left: box.left, right: box.right, need: el.scrollWidth,
          room: el.parentElement.clientWidth, viewport: document.documentElement.clientWidth};
})"""


def _first_line(page: Page) -> str:
    return page.locator(f"{DECISION} .khub-calc__verdict p").first.inner_text()


def test_the_defaults_give_one_recommendation_with_reasons(page: Page, guard: Guard) -> None:
    open_module(page, "open-vs-closed")
    calc = page.locator(DECISION)
    expect(calc.locator(".khub-calc__outcome")).to_have_count(1)
    assert _first_line(page) == VERDICT
    expect(calc.locator(".khub-calc__verdict .khub-calc__reason")).to_contain_text(
        "With no MLOps capacity the team cannot keep a self-hosted or fine-tuned model working"
    )
    for vid, standing in STANDINGS.items():
        expect(calc.locator(f'[data-var="{vid}"]')).to_contain_text(standing)
        expect(calc.locator(f'[data-var="{vid}"] .khub-calc__reason')).to_contain_text("Why: ")
    calc.get_by_label("Data sensitivity", exact=True).select_option("on-premise-only")
    expect(calc.locator(".khub-calc__verdict p").first).to_have_text(
        "Overall recommendation: Run open-weight models on the client's own infrastructure. "
        "(decided by Data sensitivity (hard constraint))"
    )
    expect(calc.locator('[data-var="capacity"]')).to_contain_text("[outweighed]")
    guard.check()


def test_the_recommendation_is_on_the_page_with_javascript_off(
    browser: Browser, site: Site
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(f"{site.url}open-vs-closed/")
        assert _first_line(page) == VERDICT
        for vid, standing in STANDINGS.items():
            expect(page.locator(f'{DECISION} [data-var="{vid}"]')).to_contain_text(standing)
    finally:
        context.close()


def test_an_invalid_volume_keeps_the_results_that_do_not_need_it(page: Page, guard: Guard) -> None:
    open_module(page, "open-vs-closed")
    calc = page.locator(DECISION)
    calc.get_by_label("Volume, tokens", exact=True).fill("lots")
    expect(page.locator("#khub-decision-helper-volume-error")).to_have_text(
        "Enter a number in digits, such as 1,000,000."
    )
    expect(calc.locator('[data-var="volume"]')).to_have_text(
        "Volume: Correct the input above to see the recommendations."
    )
    expect(calc.locator('[data-var="capacity"]')).to_contain_text("Use closed APIs only.")
    expect(calc.locator('[data-var="sensitivity"]')).to_contain_text("A closed API is acceptable.")
    expect(calc.locator('[data-var="complexity"]')).to_contain_text("fine-tuned open-weight")
    assert _first_line(page) == VERDICT  # the hard rule needs no volume
    calc.get_by_label("Operational capacity", exact=True).select_option("full")
    expect(calc.locator(".khub-calc__verdict")).to_have_text(
        "Overall recommendation: Correct the volume above to see the overall recommendation."
    )
    breakeven = page.locator(BREAKEVEN)
    breakeven.get_by_label("Tokens per day", exact=True).fill("")
    expect(breakeven.locator('[data-out="api_cost_per_day"]')).to_have_text("—")
    expect(breakeven.locator('[data-out="self_host_cost_per_day"]')).to_have_text("$43/day")
    expect(breakeven.locator('[data-work="self_host_cost_per_day"]')).not_to_have_text("—")
    guard.check()


@pytest.mark.parametrize("width", [390, 1280])
def test_every_select_fits_its_field_and_the_viewport(page: Page, guard: Guard, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    open_module(page, "open-vs-closed")
    fits = page.evaluate(FITS)
    assert len(fits) >= 5
    for fit in fits:
        assert fit["need"] <= fit["room"], fit
        assert fit["left"] >= 0 and fit["right"] <= fit["viewport"], fit
    guard.check()


# How wide the select would be to show its longest label whole, against its real width.
NEEDS = """(sel) => {
  const el = document.querySelector(sel);
  const clone = el.cloneNode(true);
  clone.style.cssText = 'width:auto;max-width:none;position:absolute;visibility:hidden';
  el.parentElement.appendChild(clone);
  const need = clone.offsetWidth;
  clone.remove();
  return {need: need, width: el.offsetWidth};
}"""
MODEL = "#khub-self-hosting-breakeven-price_per_mtok"
LONGEST = "Claude Sonnet 4.6, equal input and output ($9 per million tokens)"


def test_the_model_select_shows_its_whole_label(page: Page, guard: Guard) -> None:
    open_module(page, "open-vs-closed")
    size = page.evaluate(NEEDS, MODEL)
    assert size["need"] <= size["width"], size
    expect(page.locator(f"{BREAKEVEN} .khub-calc__chosen")).to_be_hidden()
    page.set_viewport_size({"width": 390, "height": 900})
    chosen = page.locator(f"{BREAKEVEN} .khub-calc__chosen")
    expect(chosen).to_be_visible()
    page.locator(MODEL).select_option(label=LONGEST)
    expect(chosen).to_have_text(LONGEST)
    box = chosen.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    guard.check()


def test_the_variables_keep_their_order_once_the_script_runs(page: Page, guard: Guard) -> None:
    open_module(page, "open-vs-closed")
    order = page.locator(f"{DECISION} [data-var]").evaluate_all(
        "items => items.map(li => li.dataset.var)"
    )
    assert order == ["volume", "sensitivity", "capacity", "complexity"]
    guard.check()
