"""A fact's past values on its page: periods from its history and the editions, and a chart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from khub.data.load import load
from khub.editions.store import read_editions
from khub.render.elements import Freshness
from khub.render.history import MIN_CHART_POINTS, fact_periods, history_block, published_values
from khub.render.pages import series_page
from tests.kit.editions import edit_facts
from tests.kit.history import history_hub
from tests.kit.hubs import TODAY

MAX_CHART_BYTES = 20 * 1024


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return the three-edition hub with price.alpha's recorded history."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KHUB_TODAY", "2026-06-30")
    return history_hub(tmp_path)


def _page(hub: Path, sid: str) -> BeautifulSoup:
    factset, _ = load(hub)
    published = published_values(read_editions(hub))
    facts = [f for f in factset.facts.values() if f.series == sid]
    text = series_page(sid, factset.series[sid], facts, factset, Freshness(TODAY, 365), published)
    return BeautifulSoup(text, "html.parser")


def _history_rows(page: BeautifulSoup) -> list[list[str]]:
    table = next(t for t in page.find_all("table") if t.find("th", string="From"))
    return [[td.get_text() for td in tr.find_all("td")] for tr in table.tbody.find_all("tr")]


def test_three_numbers_give_a_table_and_a_chart_with_text(hub: Path) -> None:
    page = _page(hub, "price")
    assert _history_rows(page) == [
        ["$5 per million tokens", "1 April 2026", "now", "Price list", "April 2026", ""],
        ["$6 per million tokens", "15 January 2026", "1 April 2026", "Price list", "—", ""],
        [
            "$6.50 per million tokens",
            "1 October 2025",
            "15 January 2026",
            "Price list",
            "—",
            "Launch price.",
        ],
    ]
    figure = page.find("figure", class_="khub-chart")
    assert figure is not None
    svg = figure.find("svg")
    labels = [t.get_text() for t in svg.find_all("text")]
    assert labels[:3] == [
        "$6.50 per million tokens",
        "$6 per million tokens",
        "$5 per million tokens",
    ]
    assert {"Oct 2025", "Apr 2026"} <= set(labels)
    assert svg.has_attr("data-search-exclude")
    assert "1 October 2025 to 1 April 2026" in figure.figcaption.get_text()
    assert "Source: Price list." in figure.figcaption.get_text()
    assert len(str(figure).encode()) <= MAX_CHART_BYTES
    assert figure.find("table") is None  # the history table below is the chart's data


def test_two_values_give_a_table_without_a_chart(hub: Path) -> None:
    page = _page(hub, "score")
    alpha = page.find(string=re.compile("Alpha")).find_parent()
    assert alpha is not None
    rows = _history_rows(page)
    # 80% was never recorded in the history: the April edition published it, and the
    # working data moved on to 82.5% (as of 20 May) before the May edition.
    assert rows == [
        ["82.5%", "20 May 2026", "now", "Bench leaderboard", "May 2026", ""],
        ["80%", "1 April 2026", "20 May 2026", "Bench leaderboard", "April 2026", ""],
    ]
    assert page.find("svg") is None
    assert MIN_CHART_POINTS == 3


def test_a_value_changed_since_the_last_edition_is_not_yet_published(hub: Path) -> None:
    edit_facts(hub, "value: 5.0", "value: 4.0")
    last = "        - {value: 6.0, from: 2026-01-15, to: 2026-04-01}\n"
    edit_facts(hub, last, last + "        - {value: 5.0, from: 2026-04-01, to: 2026-04-01}\n")
    factset, _ = load(hub)
    published = published_values(read_editions(hub))
    periods = fact_periods(factset.facts["price.alpha"], published["price.alpha"])
    assert [(p.value, p.edition) for p in periods][-2:] == [(5.0, "2026-04"), (4.0, None)]
    page = _page(hub, "price")
    assert _history_rows(page)[0][4] == "not yet published"


def test_a_fact_with_one_value_has_no_history_block(hub1: Path) -> None:
    factset, _ = load(hub1)
    fact = factset.facts["score.alpha"]
    assert len(fact_periods(fact)) == 1
    assert history_block(fact, "facts/score.md", factset, (), "80%") == ""


def test_editions_name_the_first_edition_of_each_value(hub: Path) -> None:
    factset, _ = load(hub)
    published = published_values(read_editions(hub))
    beta = factset.facts["score.beta"]
    assert [(p.value, p.edition) for p in fact_periods(beta, published[beta.id])] == [
        (70.0, "2026-04"),
        (79.0, "2026-06"),
    ]
