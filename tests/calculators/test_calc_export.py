"""api/v1/calculators.json and the server-rendered calculator mounts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup
from calckit import REPO, copy_data, load_copy, replace_in

from khub import calculators as calc
from khub import charts
from khub.calculator_html import NOJS, calculator_helper
from khub.model import FactSet, Range


def test_export_is_versioned_deterministic_json(factset: FactSet) -> None:
    files = calc.extra_files(factset)
    assert list(files) == ["api/v1/calculators.json"]
    assert files == calc.extra_files(factset)
    data = json.loads(files["api/v1/calculators.json"])
    assert data["schema_version"] == calc.SCHEMA_VERSION
    assert len(data["data_version"]) == 16
    assert sorted(data["calculators"]) == sorted(calc.NAMES)


def test_every_default_is_a_fact(data: dict[str, Any], factset: FactSet) -> None:
    for spec in data["calculators"].values():
        for item in spec["inputs"]:
            if item["kind"] != "number":
                continue
            fact = factset.facts[item["fact"]]
            value = fact.value
            edges = (value.low, value.high) if isinstance(value, Range) else (value,)
            halves = tuple(e / 2 for e in edges if isinstance(e, float))
            assert item["default"] in edges + halves, item["id"]


def test_the_price_options_come_from_the_price_facts(data: dict[str, Any]) -> None:
    models = data["calculators"]["api-cost"]["models"]
    assert [m["id"] for m in models] == [
        "llama-3-3-70b-deepinfra",
        "claude-opus-4-8",
        "claude-sonnet-4-6",
    ]
    assert models[1]["facts"] == [
        "api-input-price.claude-opus-4-8",
        "api-output-price.claude-opus-4-8",
    ]


def test_a_price_change_flows_into_the_export(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    replace_in(root / "data/facts/prices.yml", "      value: 25\n", "      value: 30\n")
    data = calc.export(load_copy(root))
    opus = next(
        m for m in data["calculators"]["api-cost"]["models"] if m["id"] == "claude-opus-4-8"
    )
    assert opus["output_price"] == 30


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


@pytest.mark.parametrize("name", calc.NAMES)
def test_every_input_has_a_label_and_an_error_slot(factset: FactSet, name: str) -> None:
    soup = _soup(calculator_helper(factset)(name))
    controls = soup.select("input, select")
    assert controls
    for control in controls:
        assert soup.select_one(f'label[for="{control["id"]}"]') is not None
        assert soup.find(id=f"{control['id']}-error") is not None
    root = soup.select_one("[data-khub-calc]")
    assert root is not None
    assert root["data-khub-src"] == "api/v1/calculators.json"
    assert soup.select_one("[role=status][aria-live=polite]") is not None
    assert NOJS in soup.get_text()
    assert "\n\n" not in str(soup), "a blank line would end the raw HTML block in Markdown"


def test_the_breakeven_mount_shows_defaults_and_working(factset: FactSet) -> None:
    soup = _soup(calculator_helper(factset)("self-hosting-breakeven"))
    shown = {dd["data-out"]: dd.get_text() for dd in soup.select("[data-out]")}
    assert shown["api_cost_per_day"] == "$0.12/day"
    assert shown["self_host_cost_per_day"] == "$43/day"
    assert shown["cost_ratio"] == "358×"
    work = soup.select_one('[data-work="api_cost_per_day"]')
    assert work is not None and work.get_text() == "1M ÷ 1,000,000 × $0.12 = $0.12/day"
    assert "does not reproduce" in soup.select_one(".khub-calc__note").get_text()


def test_the_api_cost_mount_marks_the_cheapest(factset: FactSet) -> None:
    soup = _soup(calculator_helper(factset)("api-cost"))
    rows = soup.select("tbody tr")
    assert [r.th.get_text() for r in rows] == [
        "Llama 3.3 70B on DeepInfra cheapest",
        "Claude Sonnet 4.6",
        "Claude Opus 4.8",
    ]
    assert rows[2].select("td")[0].get_text() == "$450/month"


def test_text_from_the_data_is_escaped(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    prices = root / "data/facts/prices.yml"
    text = prices.read_text(encoding="utf-8")
    hostile = 'label: "Claude <script>alert(1)</script> & co"'
    prices.write_text(text.replace("label: Claude Opus 4.8", hostile, 1), encoding="utf-8")
    html = calculator_helper(load_copy(root))("api-cost")
    assert "<script>" not in html
    assert "Claude &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_an_unknown_calculator_is_a_clear_error(factset: FactSet) -> None:
    with pytest.raises(calc.CalculatorError, match=r"unknown calculator 'breakeven'"):
        calculator_helper(factset)("breakeven")


def test_a_hub_without_the_facts_fails_only_where_a_page_uses_a_calculator() -> None:
    small = load_copy(REPO / "tests" / "fixtures" / "hub-small")
    data = calc.export(small)
    assert data["calculators"] == {}
    assert "'api-blended-price'" in data["unavailable"]["self-hosting-breakeven"]
    assert "data/decision-rules.yml" in data["unavailable"]["decision-helper"]
    helper = calculator_helper(small)
    with pytest.raises(calc.CalculatorError, match=r"calculator 'api-cost' cannot be built"):
        helper("api-cost")
    assert charts.extra_files(small) == {}
    with pytest.raises(charts.ChartError, match=r"needs facts in the series swe-bench-verified"):
        charts.chart_helper(small)("swe-bench-verified")
