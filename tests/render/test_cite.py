"""Citable figures: permalinks per edition and the text that cites a figure."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from khub.data.load import load
from khub.editions.store import edition_snapshot, read_editions
from khub.render.cite import citation, cite_data, fact_anchor, fact_citation, permalink
from tests.kit.editions import edit_facts

DAY = dt.date(2026, 7, 2)


def test_permalink_is_per_edition_series_and_subject() -> None:
    assert permalink("https://h.test/", "2026-05", "score.alpha", "score") == (
        "https://h.test/editions/2026-05/facts/score/#alpha"
    )
    assert permalink(None, "2026-05", "lead", None) == "/editions/2026-05/facts/derived/#lead"
    assert fact_anchor("score.alpha.x", "score") == ("score", "alpha.x")


def test_citation_names_label_value_hub_edition_link_and_access_date() -> None:
    text = citation("Bench: Alpha", "82.5%", "The Hub", "2026-05", "https://h.test/e", DAY)
    assert text == (
        "Bench: Alpha: 82.5%. The Hub, May 2026 edition. https://h.test/e (accessed 2 July 2026)."
    )


def test_fact_citation_cites_the_value_the_edition_published(hub3: Path) -> None:
    edit_facts(hub3, "value: 82.5", "value: 90.0")  # the working data moved on since June
    factset, _ = load(hub3)
    june = edition_snapshot(read_editions(hub3)[-1])
    fact = factset.facts["score.alpha"]
    text = fact_citation(fact, factset, june.facts.get(fact.id), "Hub", "2026-06", None, DAY)
    assert text is not None
    assert text.startswith("Bench score, share of tasks resolved: Alpha | One: 82.5%. Hub, June")
    assert "/editions/2026-06/facts/score/#alpha" in text
    assert fact_citation(fact, factset, None, "Hub", "2026-06", None, DAY) is None


def test_cite_data_holds_a_pattern_for_any_fact() -> None:
    data = cite_data("Hub", "2026-06", "https://h.test/")
    assert data["edition_name"] == "June 2026"
    assert data["permalink"].format(series="score", subject="alpha") == (
        "https://h.test/editions/2026-06/facts/score/#alpha"
    )
