"""The reference formulas: defaults reproduce the module's figures; derived facts agree."""

from __future__ import annotations

import math
from typing import Any

import pytest

from khub import calculators as calc
from khub.calcexpr import ExprError, evaluate, render, variables
from khub.model import FactSet, Range


def _value(factset: FactSet, fid: str) -> float:
    value = factset.facts[fid].value
    assert isinstance(value, float)
    return value


def test_defaults_reproduce_the_modules_figures(data: dict[str, Any]) -> None:
    result = calc.compute(data, "self-hosting-breakeven", {})
    out = result["outputs"]
    assert result["ok"] is True
    assert out["api_cost_per_day"] == pytest.approx(0.12)
    assert out["self_host_cost_per_day"] == 43
    assert round(out["cost_ratio"]) == 358
    assert out["breakeven_tokens_per_day"] == pytest.approx(43 / 0.12 * 1e6)
    assert out["tco_cost_per_day"] == 129


def test_calculator_formulas_agree_with_the_derived_facts(factset: FactSet) -> None:
    price = _value(factset, "api-blended-price")
    crossover = _value(factset, "self-hosting.crossover-volume")
    gpu = _value(factset, "self-hosting.self-host-cost-per-day")
    api_ref = _value(factset, "self-hosting.api-cost-per-day")
    reference = _value(factset, "self-hosting.reference-volume")
    assert calc.api_cost_per_day(reference, price) == pytest.approx(api_ref, rel=1e-9)
    assert calc.api_cost_per_day(crossover, price) == pytest.approx(
        _value(factset, "api-cost-at-crossover"), rel=1e-9
    )
    ratio = gpu / calc.api_cost_per_day(reference, price)
    assert ratio == pytest.approx(_value(factset, "self-hosting-cost-ratio"), rel=1e-9)
    tco = factset.facts["self-hosting-tco-per-day"].value
    multiplier = factset.facts["self-hosting.tco-multiplier"].value
    assert isinstance(tco, Range) and isinstance(multiplier, Range)
    assert calc.tco_cost_per_day(gpu, multiplier.low) == pytest.approx(tco.low, rel=1e-9)
    assert calc.tco_cost_per_day(gpu, multiplier.high) == pytest.approx(tco.high, rel=1e-9)
    ml_per_day = calc.engineering_per_day(_value(factset, "self-hosting.ml-engineering-cost"), 0, 1)
    assert ml_per_day == pytest.approx(_value(factset, "ml-engineering-per-day"), rel=1e-9)
    saving = calc.crossover_note(factset)["api_cost_at_crossover"] / gpu
    assert saving == pytest.approx(_value(factset, "linear-saving-at-crossover"), rel=1e-9)


def test_monthly_cost_agrees_with_the_even_mix_facts(factset: FactSet) -> None:
    monthly = _value(factset, "reference-volume-monthly")
    for model, short in (("claude-opus-4-8", "opus"), ("claude-sonnet-4-6", "sonnet")):
        cost = calc.monthly_cost(
            monthly / 2,
            monthly / 2,
            _value(factset, f"api-input-price.{model}"),
            _value(factset, f"api-output-price.{model}"),
        )
        assert cost == pytest.approx(_value(factset, f"monthly-cost-{short}-even-mix"), rel=1e-9)


def test_the_crossover_note_says_plainly_that_the_saving_is_not_reproduced(
    factset: FactSet,
) -> None:
    note = calc.crossover_note(factset)
    assert note["reproduced"] is False
    assert note["reproduced"] is not factset.claims["crossover-saving-not-reproduced"].holds
    assert "does not reproduce" in note["text"]
    assert "$60/day" in note["text"] and "$43/day" in note["text"]
    assert "$129–$215/day" in note["text"]


def test_low_utilisation_raises_the_gpu_cost_by_the_stated_factor(data: dict[str, Any]) -> None:
    at_min = calc.compute(data, "self-hosting-breakeven", {"gpu_utilisation": 50})
    below = calc.compute(data, "self-hosting-breakeven", {"gpu_utilisation": 49.9})
    assert (
        below["outputs"]["self_host_cost_per_day"]
        == 10 * at_min["outputs"]["self_host_cost_per_day"]
    )


def test_api_cost_is_sorted_and_marks_every_cheapest_model(data: dict[str, Any]) -> None:
    rows = calc.compute(data, "api-cost", {})["outputs"]["rows"]
    costs = [r["cost"] for r in rows]
    assert costs == sorted(costs)
    assert [r["cheapest"] for r in rows] == [True, False, False]
    assert rows[0]["id"] == "llama-3-3-70b-deepinfra"
    assert costs[-1] == pytest.approx(450)
    zero = calc.compute(data, "api-cost", {"input_tokens": 0, "output_tokens": 0})
    assert all(r["cheapest"] for r in zero["outputs"]["rows"])


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
    assert result == {
        "ok": False,
        "errors": {"tokens_per_day": message},
        "values": {},
        "outputs": {},
    }


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


def test_expressions_evaluate_and_print_with_the_right_brackets() -> None:
    expr: Any = ["/", "a", ["*", "b", ["+", "c", 1.0]]]
    assert evaluate(expr, {"a": 12.0, "b": 2.0, "c": 2.0}) == 2.0
    assert render(expr, str) == "a ÷ (b × (c + 1.0))"
    assert render(["-", ["-", "a", "b"], "c"], str) == "a − b − c"
    assert render(["-", "a", ["-", "b", "c"]], str) == "a − (b − c)"
    assert variables(expr) == ["a", "b", "c"]
    assert math.isclose(evaluate(["min", 3.0, ["max", 1.0, 2.0]], {}), 2.0)
    with pytest.raises(ExprError, match="unknown variable 'x'"):
        evaluate(["+", "x", 1.0], {})
