"""The reference computation: defaults reproduce the module's figures, inputs are read safely."""

from __future__ import annotations

from typing import Any

import pytest

from khub.calc import export as calc
from khub.data.model import FactSet, Range


def _value(factset: FactSet, fid: str) -> float:
    value = factset.facts[fid].value
    assert isinstance(value, float)
    return value


def _edges(value: float | list[float]) -> tuple[float, float]:
    return (value[0], value[1]) if isinstance(value, list) else (value, value)


def test_defaults_reproduce_the_modules_figures(data: dict[str, Any], factset: FactSet) -> None:
    result = calc.compute(data, "self-hosting-breakeven", {})
    out = result["outputs"]
    assert result["ok"] is True
    assert out["api_cost_per_day"] == pytest.approx(
        _value(factset, "self-hosting.api-cost-per-day")
    )
    assert out["self_host_cost_per_day"] == _value(factset, "self-hosting.self-host-cost-per-day")
    assert out["cost_ratio"] == pytest.approx(_value(factset, "self-hosting-cost-ratio"))
    assert out["breakeven_tokens_per_day"] == pytest.approx(43 / 0.12 * 1e6)
    assert out["engineering_per_day"] == pytest.approx(145_000 / 365 + 12_000 / (8 * 7))


def test_the_total_cost_is_the_range_the_prose_shows(
    data: dict[str, Any], factset: FactSet
) -> None:
    """The multiplier is 3–5×, so the calculator shows the same range as the derived fact."""
    out = calc.compute(data, "self-hosting-breakeven", {})["outputs"]
    tco = factset.facts["self-hosting-tco-per-day"].value
    assert isinstance(tco, Range)
    assert out["tco_cost_per_day"] == [tco.low, tco.high] == [129, 215]
    low, high = _edges(out["tco_breakeven_tokens_per_day"])
    assert (low, high) == (pytest.approx(129 / 0.12 * 1e6), pytest.approx(215 / 0.12 * 1e6))


def test_one_number_in_a_range_input_gives_one_number(data: dict[str, Any]) -> None:
    result = calc.compute(data, "self-hosting-breakeven", {"tco_multiplier": "4"})
    assert result["values"]["tco_multiplier"] == 4
    assert result["outputs"]["tco_cost_per_day"] == 172


@pytest.mark.parametrize("typed", ["2–6", "2-6", "2 to 6", " 2 – 6 ", [2, 6]])
def test_a_range_is_read_however_it_is_typed(data: dict[str, Any], typed: Any) -> None:
    result = calc.compute(data, "self-hosting-breakeven", {"tco_multiplier": typed})
    assert result["values"]["tco_multiplier"] == [2, 6]
    assert result["outputs"]["tco_cost_per_day"] == [86, 258]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("5–3", "Put the smaller number first, such as 3–5."),
        ("0.5–3", "Enter 1 or more."),
        ("3–abc", "Enter a number in digits, such as 3–5."),
        ("3–5000", "Enter at most 1,000."),
    ],
)
def test_a_bad_range_gets_a_clear_message(data: dict[str, Any], typed: str, message: str) -> None:
    result = calc.compute(data, "self-hosting-breakeven", {"tco_multiplier": typed})
    assert (result["ok"], result["errors"]) == (False, {"tco_multiplier": message})
    assert "tco_multiplier" not in result["values"]
    # the outputs that never read this input keep their values
    assert sorted(result["outputs"]) == [
        "api_cost_per_day",
        "breakeven_tokens_per_day",
        "cost_ratio",
        "engineering_per_day",
        "self_host_cost_per_day",
    ]


def test_a_plain_input_refuses_a_range(data: dict[str, Any]) -> None:
    result = calc.compute(data, "self-hosting-breakeven", {"gpu_cost_per_day": "40-50"})
    assert result["errors"] == {"gpu_cost_per_day": "Enter a number in digits, such as 43."}


def test_monthly_cost_agrees_with_the_even_mix_facts(
    data: dict[str, Any], factset: FactSet
) -> None:
    rows = {r["id"]: r["value"] for r in calc.compute(data, "api-cost", {})["outputs"]["rows"]}
    for model, short in (("claude-opus-4-8", "opus"), ("claude-sonnet-4-6", "sonnet")):
        assert rows[model] == pytest.approx(_value(factset, f"monthly-cost-{short}-even-mix"))
    assert rows["llama-3-3-70b-deepinfra"] == pytest.approx(
        _value(factset, "monthly-cost-open-reference")
    )


def test_the_crossover_note_says_plainly_that_the_saving_is_not_reproduced(
    data: dict[str, Any], factset: FactSet
) -> None:
    assert factset.claims["crossover-saving-not-reproduced"].holds is True
    note = data["calculators"]["self-hosting-breakeven"]["note"]
    assert note.startswith("Model check: the source puts the crossover at about 500M tokens/day")
    assert "does not reproduce" in note and "This model agrees" not in note
    assert "$60/day" in note and "$43/day" in note and "(1.4×, not 5×)" in note
    assert "$129–$215/day" in note


def test_low_utilisation_raises_the_gpu_cost_by_the_stated_factor(data: dict[str, Any]) -> None:
    at_min = calc.compute(data, "self-hosting-breakeven", {"gpu_utilisation": 50})
    below = calc.compute(data, "self-hosting-breakeven", {"gpu_utilisation": 49.9})
    assert (
        below["outputs"]["self_host_cost_per_day"]
        == 10 * at_min["outputs"]["self_host_cost_per_day"]
    )


def test_api_cost_is_sorted_and_marks_every_cheapest_model(data: dict[str, Any]) -> None:
    rows = calc.compute(data, "api-cost", {})["outputs"]["rows"]
    costs = [r["value"] for r in rows]
    assert costs == sorted(costs)
    assert [r["lowest"] for r in rows] == [True, False, False]
    assert rows[0]["id"] == "llama-3-3-70b-deepinfra"
    assert costs[-1] == pytest.approx(450)
    zero = calc.compute(data, "api-cost", {"input_tokens": 0, "output_tokens": 0})
    assert all(r["lowest"] for r in zero["outputs"]["rows"])


@pytest.mark.parametrize(
    ("volume", "unit", "band"),
    [
        (0, "day", "closed-api"),
        (4_999_999, "month", "closed-api"),
        (5_000_000, "month", "managed-open-weight"),
        (30_000_000, "month", "managed-open-weight"),
        (1_000_000, "day", "managed-open-weight"),
        (30_000_001, "month", "no-rule"),
        (499_999_999, "day", "no-rule"),
        (500_000_000, "day", "self-hosting"),
        (1e15, "day", "self-hosting"),
    ],
)
def test_volume_bands_follow_the_thresholds(
    data: dict[str, Any], volume: float, unit: str, band: str
) -> None:
    result = calc.compute(data, "decision-helper", {"volume": volume, "volume_unit": unit})
    assert result["outputs"]["volume"] == band


def test_the_no_rule_band_invents_no_rule(data: dict[str, Any]) -> None:
    bands = data["calculators"]["decision-helper"]["variables"]["volume"]["bands"]
    gap = next(b for b in bands if b["no_rule"])
    assert gap["recommendation"] == "The hub gives no rule for this volume."
    assert gap["label"] == "30M tokens/month to 500M tokens/day"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "Enter a number."),
        ("abc", "Enter a number in digits, such as 1,000,000."),
        ("-5", "Enter a number above 0."),
        ("0", "Enter a number above 0."),
        ("1e308", "Enter at most 1,000,000,000,000,000."),
        ("1e309", "That number is too large; enter at most 1,000,000,000,000,000."),
        ("NaN", "Enter a number in digits, such as 1,000,000."),
        ("Infinity", "Enter a number in digits, such as 1,000,000."),
    ],
)
def test_bad_input_gets_a_clear_message(data: dict[str, Any], raw: str, message: str) -> None:
    result = calc.compute(data, "self-hosting-breakeven", {"tokens_per_day": raw})
    assert (result["ok"], result["errors"]) == (False, {"tokens_per_day": message})
    assert "tokens_per_day" not in result["values"]
    # the outputs that never read this input keep their values
    assert sorted(result["outputs"]) == [
        "breakeven_tokens_per_day",
        "engineering_per_day",
        "self_host_cost_per_day",
        "tco_breakeven_tokens_per_day",
        "tco_cost_per_day",
    ]


def test_typed_text_with_separators_is_read(data: dict[str, Any]) -> None:
    result = calc.compute(data, "self-hosting-breakeven", {"tokens_per_day": " 2,000,000 "})
    assert result["outputs"]["api_cost_per_day"] == pytest.approx(0.24)


def test_a_result_too_large_to_show_is_refused(data: dict[str, Any]) -> None:
    inputs = {"tokens_per_day": "1e-300", "gpu_cost_per_day": "1e12"}
    result = calc.compute(data, "self-hosting-breakeven", inputs)
    assert result["ok"] is False
    assert result["errors"] == {"_": calc.MESSAGES["result_too_large"]}


def test_an_unknown_choice_or_calculator_is_named(data: dict[str, Any]) -> None:
    result = calc.compute(data, "self-hosting-breakeven", {"price_per_mtok": "gpt-9"})
    assert result["errors"] == {"price_per_mtok": "Choose one of the listed options."}
    with pytest.raises(calc.CalculatorError, match=r"unknown calculator 'nope'.*api-cost"):
        calc.compute(data, "nope", {})


def test_one_output_can_be_asked_for_by_name(data: dict[str, Any]) -> None:
    cost = calc.output(data, "self-hosting-breakeven", "api_cost_per_day", tokens_per_day=5e8)
    assert cost == pytest.approx(60)
    with pytest.raises(calc.CalculatorError, match=r"cannot compute api_cost_per_day"):
        calc.output(data, "self-hosting-breakeven", "api_cost_per_day", tokens_per_day=-1)
