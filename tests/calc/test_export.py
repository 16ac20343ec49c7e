"""api/v1/calculators.json and the server-rendered calculator mounts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from khub.calc import export as calc
from khub.calc.form import NOJS, calculator_helper
from khub.calc.spec import show_fact
from khub.data.model import FactSet, Range
from khub.render import charts
from tests.kit.hubs import copy_data, load_hub, replace_once
from tests.kit.paths import REPO

NAMES = ("self-hosting-breakeven", "api-cost", "decision-helper")


def test_export_is_versioned_deterministic_json(factset: FactSet) -> None:
    files = calc.extra_files(factset)
    assert list(files) == ["api/v1/calculators.json"]
    assert files == calc.extra_files(factset)
    data = json.loads(files["api/v1/calculators.json"])
    assert data["schema_version"] == calc.SCHEMA_VERSION == 2
    assert len(data["data_version"]) == 16
    kinds = {name: spec["kind"] for name, spec in data["calculators"].items()}
    assert kinds == {
        "self-hosting-breakeven": "outputs",
        "api-cost": "table",
        "decision-helper": "rules",
    }


def test_every_default_comes_from_its_facts(data: dict[str, Any], factset: FactSet) -> None:
    for spec in data["calculators"].values():
        for item in spec["inputs"]:
            if item["kind"] != "number":
                continue
            assert item["facts"], item["id"]
            value = factset.facts[item["facts"][0]].value
            edges = [value.low, value.high] if isinstance(value, Range) else [value]
            halves = [e / 2 for e in edges if isinstance(e, float)]
            assert item["default"] in [*edges, *halves, edges], item["id"]


def test_a_range_default_keeps_the_whole_range(data: dict[str, Any]) -> None:
    inputs = {i["id"]: i for i in data["calculators"]["self-hosting-breakeven"]["inputs"]}
    assert inputs["tco_multiplier"]["default"] == [3, 5]
    assert inputs["tco_multiplier"]["range"] is True
    assert inputs["update_cycle_weeks"]["default"] == 8  # edge: high of 6–8 weeks
    assert inputs["update_cycle_weeks"]["range"] is False


def test_formulas_ship_compiled_with_their_conversions(data: dict[str, Any]) -> None:
    outputs = {o["id"]: o for o in data["calculators"]["self-hosting-breakeven"]["outputs"]}
    assert outputs["api_cost_per_day"]["formula"] == [
        "*",
        ["/", "tokens_per_day", 1e6],
        "price_per_mtok",
    ]
    assert outputs["api_cost_per_day"]["format"] == "usd"
    assert outputs["api_cost_per_day"]["suffix"] == "/day"
    constants = data["calculators"]["self-hosting-breakeven"]["constants"]
    assert [c["id"] for c in constants] == [
        "self-hosting.min-gpu-utilisation",
        "self-hosting.low-utilisation-cost-rise",
    ]


def test_the_price_options_come_from_the_price_facts(data: dict[str, Any]) -> None:
    rows = data["calculators"]["api-cost"]["table"]["rows"]
    assert [r["id"] for r in rows] == [
        "llama-3-3-70b-deepinfra",
        "claude-opus-4-8",
        "claude-sonnet-4-6",
    ]
    assert rows[1]["facts"] == [
        "api-input-price.claude-opus-4-8",
        "api-output-price.claude-opus-4-8",
    ]
    prices = data["calculators"]["self-hosting-breakeven"]["inputs"][1]["options"]
    assert [(o["id"], o["value"]) for o in prices[:4]] == [
        ("llama-3-3-70b-deepinfra", 0.12),
        ("claude-opus-4-8-even", 15),
        ("claude-opus-4-8-input", 5),
        ("claude-opus-4-8-output", 25),
    ]
    assert prices[1]["label"] == "Claude Opus 4.8, equal input and output ($15 per million tokens)"


def test_a_price_change_flows_into_the_export(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    replace_once(root / "data/facts/prices.yml", "      value: 25\n", "      value: 30\n")
    data = calc.export(load_hub(root))
    rows = data["calculators"]["api-cost"]["table"]["rows"]
    opus = next(r for r in rows if r["id"] == "claude-opus-4-8")
    assert opus["values"]["output_price"] == 30


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


@pytest.mark.parametrize("name", NAMES)
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
    assert shown["tco_cost_per_day"] == "$129–$215/day"
    assert shown["tco_breakeven_tokens_per_day"] == "1.07B–1.79B tokens/day"
    work = {w["data-work"]: w.get_text() for w in soup.select("[data-work]")}
    assert work["api_cost_per_day"] == "1M ÷ 1,000,000 × $0.12 = $0.12/day"
    assert work["tco_cost_per_day"] == "$43 × 3–5× = $129–$215/day"
    assert work["engineering_per_day"] == ("$145,000 ÷ 365 + $12,000 ÷ (8 weeks × 7) = $611.55/day")
    field = soup.select_one('input[name="tco_multiplier"]')
    assert field is not None and field["value"] == "3–5" and not field.has_attr("inputmode")
    note = soup.select_one(".khub-calc__note")
    assert note is not None and "does not reproduce" in note.get_text()


def test_the_calculator_shows_what_the_prose_shows(factset: FactSet) -> None:
    """Every output that declares a fact shows that fact's text at the defaults."""
    soup = _soup(calculator_helper(factset)("self-hosting-breakeven"))
    shown = {dd["data-out"]: dd.get_text() for dd in soup.select("[data-out]")}
    for oid, fid in (
        ("api_cost_per_day", "self-hosting.api-cost-per-day"),
        ("self_host_cost_per_day", "self-hosting.self-host-cost-per-day"),
        ("tco_cost_per_day", "self-hosting-tco-per-day"),
    ):
        assert shown[oid] == show_fact(factset.facts[fid]), oid


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
    html = calculator_helper(load_hub(root))("api-cost")
    assert "<script>" not in html
    assert "Claude &lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in html


def test_an_unknown_calculator_is_a_clear_error(factset: FactSet) -> None:
    with pytest.raises(calc.CalculatorError, match=r"unknown calculator 'breakeven'"):
        calculator_helper(factset)("breakeven")


def test_a_hub_without_calculators_has_none() -> None:
    small = load_hub(REPO / "tests" / "fixtures" / "hub-small")
    data = calc.export(small)
    assert data["calculators"] == {}
    helper = calculator_helper(small)
    with pytest.raises(calc.CalculatorError) as caught:
        helper("api-cost")
    assert str(caught.value) == (
        "unknown calculator 'api-cost' (use one of: none: this hub has no data/calculators.yml)"
    )
    assert charts.extra_files(small) == {}
    with pytest.raises(charts.ChartError, match=r"needs facts in the series swe-bench-verified"):
        charts.chart_helper(small)("swe-bench-verified")
    with pytest.raises(charts.ChartError, match=r"needs the calculator 'self-hosting-breakeven'"):
        charts.chart_helper(small)("cost-vs-volume")
