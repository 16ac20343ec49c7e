"""data/calculators.yml: checked on load against the facts, every problem at file:line."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from khub.calc.spec import CALCULATORS_PATH, load_calculators
from khub.cli.main import main
from khub.errors import DataError
from tests.kit.hubs import copy_data, load_hub, replace_once


def _errors(root: Path) -> list[str]:
    """Return the errors `khub validate` gives for a hub (load checks the calculators)."""
    with pytest.raises(DataError) as caught:
        load_hub(root)
    return [str(p) for p in caught.value.problems if p.severity == "error"]


def _line_of(root: Path, text: str, nth: int = 0) -> int:
    lines = (root / CALCULATORS_PATH).read_text(encoding="utf-8").splitlines()
    return [i for i, line in enumerate(lines, start=1) if text in line][nth]


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    root = copy_data(tmp_path)
    replace_once(root / CALCULATORS_PATH, old, new)
    return root


def test_the_repositorys_calculators_load(tmp_path: Path) -> None:
    calculators = load_calculators(load_hub(copy_data(tmp_path)))
    assert list(calculators) == ["self-hosting-breakeven", "api-cost", "decision-helper"]


def test_a_range_default_must_say_which_part_it_takes(tmp_path: Path) -> None:
    root = _broken(tmp_path, "        edge: range\n", "")
    line = _line_of(root, "default: self-hosting.tco-multiplier")
    assert _errors(root) == [
        f"{CALCULATORS_PATH}:{line}: self-hosting-breakeven: input 'tco_multiplier': the "
        "default is a range, 3–5× (say where the input starts: edge: low, edge: high, or "
        "edge: range)"
    ]


def test_an_output_that_no_longer_equals_its_fact_is_an_error(tmp_path: Path) -> None:
    """Taking only the low edge of the multiplier is what the prose and calculator disagreed on."""
    root = _broken(tmp_path, "        edge: range\n", "        edge: low\n")
    line = _line_of(root, "equals: self-hosting-tco-per-day")
    assert _errors(root) == [
        f"{CALCULATORS_PATH}:{line}: self-hosting-breakeven: output 'tco_cost_per_day' is "
        "$129/day at the defaults, but 'self-hosting-tco-per-day' is $129–$215/day (make the "
        "calculator agree with the fact the prose shows: fix the formula or the defaults)"
    ]


def test_a_table_row_is_held_to_its_fact(tmp_path: Path) -> None:
    root = _broken(
        tmp_path,
        "values: {input_price: api-blended-price, output_price: api-blended-price}",
        "values: {input_price: api-blended-price, output_price: api-input-price.claude-opus-4-8}",
    )
    line = _line_of(root, "equals: {monthly_cost: monthly-cost-open-reference}")
    assert _errors(root) == [
        f"{CALCULATORS_PATH}:{line}: api-cost: output 'monthly_cost' is $76.80/month at the "
        "defaults, but 'monthly-cost-open-reference' is $3.60/month (make the calculator "
        "agree with the fact the prose shows: fix the formula or the defaults)"
    ]


@pytest.mark.parametrize(
    ("old", "new", "at", "message"),
    [
        (
            "formula: tokens_per_day * price_per_mtok",
            "formula: tokens_per_dya * price_per_mtok",
            "formula: tokens_per_dya",
            "self-hosting-breakeven: output 'api_cost_per_day': unknown name 'tokens_per_dya' "
            "(did you mean 'tokens_per_day'?)",
        ),
        (
            "formula: tokens_per_day * price_per_mtok",
            "formula: tokens_per_day + price_per_mtok",
            "formula: tokens_per_day +",
            "self-hosting-breakeven: output 'api_cost_per_day': '+' joins tokens_per_day and "
            "usd_per_mtok (both sides need the same kind of unit, not token/day and usd/token)",
        ),
        (
            "formula: self_host_cost_per_day / price_per_mtok",
            "formula: self_host_cost_per_day * price_per_mtok",
            "formula: self_host_cost_per_day * price_per_mtok",
            "self-hosting-breakeven: output 'breakeven_tokens_per_day': the formula gives "
            "usd^2/day·token, but unit 'tokens_per_day' measures token/day "
            "(fix the formula or the unit)",
        ),
        (
            "formula: self_host_cost_per_day / api_cost_per_day",
            "formula: self_host_cost_per_day / tco_cost_per_day",
            "formula: self_host_cost_per_day / tco_cost_per_day",
            "self-hosting-breakeven: output 'cost_ratio' uses 'tco_cost_per_day' before it is "
            "computed (move 'tco_cost_per_day' above 'cost_ratio')",
        ),
        (
            "default: self-hosting.reference-volume\n        above: 0\n",
            "default: self-hosting.reference-volum\n        above: 0\n",
            "default: self-hosting.reference-volum",
            "self-hosting-breakeven: input 'tokens_per_day': the default: unknown fact "
            "'self-hosting.reference-volum' (did you mean 'self-hosting.reference-volume'?)",
        ),
        (
            "        max: 100\n",
            "        max: 40\n",
            "default: self-hosting.min-gpu-utilisation",
            "self-hosting-breakeven: input 'gpu_utilisation': the default 50% is outside what "
            "it accepts (it accepts above 0 to 40: widen its bounds or change the default)",
        ),
        (
            "split equally between",
            "split 50/50 between",
            "hint: >-",
            "text types a number (write {fact-id} so the number comes from the facts)",
        ),
        (
            "      claim: crossover-saving-not-reproduced",
            "      claim: crossover-saving-not-reproducd",
            "claim: crossover-saving-not-reproducd",
            "self-hosting-breakeven: claim 'crossover-saving-not-reproducd' is unknown or cannot "
            "be evaluated (did you mean 'crossover-saving-not-reproduced'?)",
        ),
        (
            "        subject: [api-input-price, api-output-price]\n        rows:",
            "        subject: [api-input-prices, api-output-price]\n        rows:",
            "subject: [api-input-prices",
            "api-cost: unknown series 'api-input-prices' (did you mean 'api-input-price'?)",
        ),
        (
            "    title: Decision helper\n",
            "    title: Decision helper\n    colour: red\n",
            "colour: red",
            "'colour': unknown field (remove it; allowed here: title, hint, inputs, terms, "
            "outputs, announce, note, table, rules)",
        ),
        (
            "        edge: range\n",
            "        edge: middle\n",
            "edge: middle",
            "'edge': 'middle' is not one of low, high, range (use one of the listed values)",
        ),
    ],
)
def test_each_mistake_is_named_at_its_line(
    tmp_path: Path, old: str, new: str, at: str, message: str
) -> None:
    root = _broken(tmp_path, old, new)
    assert _errors(root) == [f"{CALCULATORS_PATH}:{_line_of(root, at)}: {message}"]


def test_validate_reports_it_and_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _broken(tmp_path, "        edge: range\n", "        edge: low\n")
    before = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}
    monkeypatch.chdir(root)
    monkeypatch.setenv("KHUB_TODAY", "2026-07-01")
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    line = _line_of(root, "equals: self-hosting-tco-per-day")
    assert (
        f"{CALCULATORS_PATH}:{line}: self-hosting-breakeven: output 'tco_cost_per_day' is "
        "$129/day at the defaults" in result.stderr
    )
    after = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}
    assert {p for p in after if ".khub-cache" not in p.parts} == set(before)
    assert all(after[p] == before[p] for p in before)
