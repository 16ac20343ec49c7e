"""The freshness line, its notice and the per-series staleness policy, on the small hub.

The small hub's bench-score.model-b was verified on 15 January 2026, every other fact on
30 June 2026; it is rendered on 1 July 2026 (tests.kit.hubs.TODAY) with the hub default of
120 days, so model B and the derived lead (A − B) are overdue, nothing else.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from khub.data.health import health, render_page
from khub.data.model import FactSet
from khub.render.elements import Freshness, fact_element, formula_text, popover_data
from khub.render.freshness import DRAFT, freshness_line, module_lead, notice, page_state
from khub.site.generate import NO_EDITION
from tests.kit.hubs import TODAY, copy_hub, load_hub, replace_once

ALPHA = ("bench-score.model-a", "bench-score.model-b", "lead", "prices.input", "prices.output")


def _hub(tmp_path: Path) -> Path:
    return copy_hub(tmp_path / "hub")


def _set_series_days(hub: Path, series_title: str, days: int) -> None:
    bench = hub / "data" / "facts" / "bench.yml"
    replace_once(bench, series_title, f"{series_title}\n  stale_after_days: {days}")


def test_the_line_states_the_oldest_and_newest_check_and_the_edition(tmp_path: Path) -> None:
    factset = load_hub(_hub(tmp_path))
    state = page_state(factset, Freshness(TODAY, 120), ALPHA)
    assert freshness_line(state, "2026-06") == (
        "Figures checked between 15 January 2026 and 30 June 2026 · June 2026 edition"
    )
    assert freshness_line(state, NO_EDITION) == (
        f"Figures checked between 15 January 2026 and 30 June 2026 · {DRAFT}"
    )


def test_one_check_day_is_said_once(tmp_path: Path) -> None:
    factset = load_hub(_hub(tmp_path))
    state = page_state(factset, Freshness(TODAY, 120), ["prices.input", "prices.output"])
    assert freshness_line(state, "2026-06") == (
        "All figures checked on 30 June 2026 · June 2026 edition"
    )
    assert notice(state, "alpha.md") == ""


def test_the_notice_counts_overdue_and_unchecked_figures_and_links_health(
    tmp_path: Path,
) -> None:
    factset = load_hub(_hub(tmp_path))
    factset.failing_since["prices.input"] = dt.date(2026, 6, 3)
    lead = module_lead(factset, Freshness(TODAY, 120), ALPHA, "2026-06", "alpha.md")
    assert "2 figures on this page are overdue for a check, the first since 16 May 2026" in lead
    assert "[which are overdue](health.md#stale)" in lead
    assert "1 figure could not be re-checked against its source since 3 June 2026" in lead
    assert "[which checks fail](health.md#failing)" in lead
    assert lead.count('<p class="admonition-title">Some figures need a fresh check</p>') == 1
    assert '<span class="khub-badge" data-search-exclude>overdue</span>' in lead
    assert '<span class="khub-badge" data-search-exclude>not re-checked</span>' in lead


def test_the_health_page_has_the_anchors_the_notice_links(tmp_path: Path) -> None:
    factset = load_hub(_hub(tmp_path))
    hub = Path(factset.root)
    (hub / "data" / "check-state.yml").write_text("facts: {}\n", encoding="utf-8")
    page = render_page(health(factset, hub, TODAY, 120))
    assert "## Stale facts (1) {#stale}" in page
    assert "## Checks failing (0) {#failing}" in page


def test_the_legend_explains_the_labels_the_page_shows(tmp_path: Path) -> None:
    factset = load_hub(_hub(tmp_path))
    lead = module_lead(factset, Freshness(TODAY, 120), ALPHA, "2026-06", "alpha.md")
    assert "vendor</span> reported by the vendor, not confirmed independently" in lead
    assert "est." not in lead  # alpha shows no estimate
    quiet = module_lead(factset, Freshness(TODAY, 120), ["prices.input"], "2026-06", "alpha.md")
    assert "Labels:" not in quiet and "admonition" not in quiet


def _stale(factset: FactSet, today: dt.date, default: int) -> tuple[set[str], set[str]]:
    """Return (facts Freshness calls stale, facts the health report lists as stale)."""
    freshness = Freshness(today, default)
    marked = {f.id for f in factset.facts.values() if freshness.is_stale(f) and not f.derived}
    listed = {i.id for i in health(factset, Path(factset.root), today, default).stale}
    return marked, listed


def test_a_series_sets_its_own_stale_window_and_pages_and_health_agree(tmp_path: Path) -> None:
    hub = _hub(tmp_path)
    _set_series_days(hub, "title: Bench score, share of tasks solved", 400)
    factset = load_hub(hub)
    assert factset.facts["bench-score.model-b"].stale_after_days == 400
    assert factset.facts["prices.input"].stale_after_days is None
    marked, listed = _stale(factset, TODAY, 120)
    assert marked == listed == set()  # model B is 167 days old, allowed 400
    later = dt.date(2026, 11, 1)  # prices are 124 days old: over the hub's 120
    marked, listed = _stale(factset, later, 120)
    assert marked == listed == {f for f in factset.facts if f.startswith(("prices.", "costs."))}


def test_a_short_window_makes_a_series_stale_before_the_default(tmp_path: Path) -> None:
    hub = _hub(tmp_path)
    _set_series_days(hub, "title: Bench score, share of tasks solved", 1)
    factset = load_hub(hub)
    marked, listed = _stale(factset, dt.date(2026, 7, 2), 120)  # model A is 2 days old
    assert marked == listed == {"bench-score.model-a", "bench-score.model-b"}
    entry = next(i for i in health(factset, hub, TODAY, 120).stale if i.id.endswith("model-b"))
    assert entry.detail == "verified 2026-01-15, 167 days ago (stale after 1)"


def test_a_derived_figure_is_stale_when_an_input_is(tmp_path: Path) -> None:
    hub = _hub(tmp_path)
    replace_once(
        hub / "data" / "facts" / "bench.yml", "verified: 2026-01-15", "verified: 2026-06-30"
    )
    _set_series_days(hub, "title: Bench score, share of tasks solved", 30)
    factset = load_hub(hub)
    lead = factset.facts["lead"]
    assert lead.derived and lead.basis == ((dt.date(2026, 6, 30), 30),)
    assert not Freshness(dt.date(2026, 7, 30), 120).is_stale(lead)
    assert Freshness(dt.date(2026, 7, 31), 120).is_stale(lead)  # 31 days > 30, under 120


def test_fact_elements_carry_their_provenance_as_data(tmp_path: Path) -> None:
    factset = load_hub(_hub(tmp_path))
    freshness = Freshness(TODAY, 120)
    element = fact_element(
        factset.facts["bench-score.model-b"], "80.2%", "alpha.md", factset, freshness
    )
    assert element == (
        '[80.2%<span class="khub-label" data-search-exclude>vendor</span>'
        '<span class="khub-badge" data-search-exclude>overdue</span>]'
        "(facts/bench-score.md#model-b){.khub-fact .khub-stale "
        'data-fact-id="bench-score.model-b" data-status="vendor-reported" '
        'data-as-of="2026-06-30" data-verified="2026-01-15" '
        'data-source="Bench leaderboard (Bench Org)" data-stale-after="120"}'
    )
    lead = popover_data(factset.facts["lead"], factset, freshness)
    assert lead["data-formula"] == "Model A 88.6% \u2212 Model B 80.2%"
    assert "data-source" not in lead and lead["data-status"] == "derived"


def test_the_formula_in_words_names_labels_and_values_not_ids(tmp_path: Path) -> None:
    factset = load_hub(_hub(tmp_path))
    for fact in factset.facts.values():
        if fact.derived:
            words = formula_text(fact, factset)
            assert not any(fid in words for fid in fact.inputs), words
