"""data/decision-rules.yml: validated against the facts, with errors at file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from khub.data.decision_rules import RULES_PATH, load_rules
from tests.kit.hubs import copy_data, load_hub, replace_once
from tests.kit.rules import rule_line, rule_problems


def test_the_repositorys_rules_load(tmp_path: Path) -> None:
    rules = load_rules(load_hub(copy_data(tmp_path)))
    assert list(rules.variables) == ["volume", "sensitivity", "capacity", "complexity"]
    bands = rules.variables["volume"].bands or []
    assert [b.no_rule for b in bands] == [False, False, True, False]


def test_a_threshold_that_is_no_fact_is_located(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    replace_once(
        root / RULES_PATH,
        "below: decision-thresholds.closed-api-below",
        "below: decision-thresholds.closed-api-belwo",
    )
    line = rule_line(root, "closed-api-belwo")
    assert rule_problems(root) == [
        f"{RULES_PATH}:{line}: 'decision-thresholds.closed-api-belwo' is not a fact "
        "(name a fact id, e.g. self-hosting.crossover-volume)"
    ]


def test_a_typed_number_in_a_rule_is_refused(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    replace_once(
        root / RULES_PATH,
        "budget {self-hosting.tco-multiplier} the GPU",
        "budget 3-5x the GPU",
    )
    line = rule_line(root, "budget 3-5x") - 1  # the 'recommendation: >-' key above the text
    assert rule_problems(root) == [
        f"{RULES_PATH}:{line}: text types a number "
        "(write {fact-id} so the number comes from the facts)"
    ]


def test_bands_out_of_order_are_refused(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    replace_once(
        root / RULES_PATH,
        "below: self-hosting.crossover-volume",
        "below: decision-thresholds.closed-api-below",
    )
    problems = rule_problems(root)
    assert len(problems) == 1
    assert "band 'no-rule' ends at or before the band above it" in problems[0]


def test_a_threshold_in_the_wrong_unit_and_a_missing_placeholder_fact(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    replace_once(
        root / RULES_PATH,
        "up_to: decision-thresholds.managed-hosting-up-to",
        "up_to: self-hosting.self-host-cost-per-day",
    )
    replace_once(root / RULES_PATH, "{frontier-lead}", "{frontier-leed}")
    problems = rule_problems(root)
    assert any("'self-hosting.self-host-cost-per-day' is in usd_per_day" in p for p in problems)
    assert any("'{frontier-leed}' names no fact (use a fact id)" in p for p in problems)
    assert all(p.startswith(f"{RULES_PATH}:") and p.split(":")[1].isdigit() for p in problems)


@pytest.mark.parametrize(
    ("extra", "message", "at"),
    [
        ("        colour: red\n", "'colour': unknown field", "colour: red"),
        (
            "        up_to: self-hosting.crossover-volume\n",
            "give 'below' or 'up_to', not both",
            "id: no-rule",
        ),
    ],
)
def test_unknown_keys_and_two_ends_are_reported(
    tmp_path: Path, extra: str, message: str, at: str
) -> None:
    root = copy_data(tmp_path)
    replace_once(
        root / RULES_PATH,
        "        below: self-hosting.crossover-volume\n",
        "        below: self-hosting.crossover-volume\n" + extra,
    )
    problems = rule_problems(root)
    assert len(problems) == 1
    assert message in problems[0]
    assert problems[0].startswith(f"{RULES_PATH}:{rule_line(root, at)}: ")


def test_a_missing_rules_file_is_named(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    (root / RULES_PATH).unlink()
    assert rule_problems(root) == [f"{RULES_PATH}: file is missing (add the decision rules)"]
