"""The decision helper reconciles its four variables into one recommendation, as data says."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from khub.calc import export as calc
from khub.calc.form import render_calculator
from khub.data.decision_rules import RULES_PATH
from tests.kit.hubs import copy_data, replace_once
from tests.kit.rules import rule_line, rule_problems

HELPER = "decision-helper"


def _verdict(data: dict[str, Any], **inputs: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the rule that decided and the outputs for the given inputs."""
    result = calc.compute(data, HELPER, inputs)
    rules = data["calculators"][HELPER]["reconcile"]["rules"]
    rule = next(r for r in rules if r["id"] == result["outputs"][calc.VERDICT])
    return rule, result["outputs"]


def _standings(data: dict[str, Any], outputs: dict[str, Any]) -> dict[str, str]:
    spec = data["calculators"][HELPER]
    found = {}
    for vid, variable in spec["variables"].items():
        entry = next(
            e for e in variable.get("bands") or variable["options"] if e["id"] == outputs[vid]
        )
        found[vid] = calc.standing(spec, vid, entry, outputs[calc.VERDICT])
    return found


def test_the_defaults_give_one_recommendation_decided_by_capacity(data: dict[str, Any]) -> None:
    rule, outputs = _verdict(data)
    assert (outputs["capacity"], outputs["complexity"]) == ("none", "simple")
    assert (rule["id"], rule["strength"], rule["wins"]) == ("no-one-to-run-it", "hard", "capacity")
    assert rule["recommendation"] == "Use a closed API."
    assert _standings(data, outputs) == {
        "volume": "outweighed",
        "sensitivity": "agrees",
        "capacity": "decides",
        "complexity": "outweighed",
    }


def test_the_page_says_it_with_javascript_off(data: dict[str, Any]) -> None:
    html = str(render_calculator(data, HELPER))
    assert (
        "<strong>Overall recommendation:</strong> "
        '<span class="khub-calc__outcome">Use a closed API.</span>'
        ' <span class="khub-calc__decided">(decided by Operational capacity (hard constraint))'
        "</span>"
    ) in html
    assert "Operational capacity</strong> (No MLOps capacity)" in html
    assert html.count("khub-calc__outcome") == 1


def test_data_that_must_stay_home_overrides_everything(data: dict[str, Any]) -> None:
    for capacity in ("none", "partial", "full"):
        for complexity in ("simple", "agentic", "mixed"):
            rule, _ = _verdict(
                data,
                sensitivity="on-premise-only",
                capacity=capacity,
                complexity=complexity,
                volume=1e12,
            )
            assert (rule["id"], rule["wins"], rule["strength"]) == (
                "data-stays-home",
                "sensitivity",
                "hard",
            )
            assert rule["recommendation"] == (
                "Run open-weight models on the client's own infrastructure."
            )


def test_no_mlops_capacity_overrides_volume_and_task(data: dict[str, Any]) -> None:
    rule, outputs = _verdict(data, capacity="none", complexity="simple", volume=1e12)
    assert outputs["volume"] == "self-hosting"
    assert (rule["id"], rule["recommendation"]) == ("no-one-to-run-it", "Use a closed API.")
    assert _standings(data, outputs)["volume"] == "outweighed"


@pytest.mark.parametrize(
    ("inputs", "rule_id"),
    [
        ({"capacity": "full", "complexity": "simple", "volume": 1e12}, "big-volume-self-hosts"),
        (
            {"capacity": "full", "complexity": "agentic", "volume": 1e12},
            "agentic-needs-the-frontier",
        ),
        ({"capacity": "partial", "complexity": "mixed"}, "mixed-work-is-routed"),
        (
            {"capacity": "partial", "complexity": "simple", "volume": 1000},
            "small-bill-stays-closed",
        ),
        ({"capacity": "partial", "complexity": "simple"}, "otherwise-managed"),
    ],
)
def test_soft_rules_decide_only_when_no_hard_one_holds(
    data: dict[str, Any], inputs: dict[str, Any], rule_id: str
) -> None:
    assert _verdict(data, **inputs)[0]["id"] == rule_id


def test_the_no_rule_band_still_says_it_has_no_rule(data: dict[str, Any]) -> None:
    rule, outputs = _verdict(data, capacity="full", volume=20_000_000)
    assert outputs["volume"] == "no-rule"
    assert _standings(data, outputs)["volume"] == "sets no direction"
    assert rule["id"] == "otherwise-managed"


def test_an_invalid_volume_keeps_the_other_variables_and_the_hard_verdict(
    data: dict[str, Any],
) -> None:
    result = calc.compute(data, HELPER, {"volume": "lots"})
    assert result["ok"] is False
    assert result["errors"] == {"volume": "Enter a number in digits, such as 1,000,000."}
    assert "volume" not in result["outputs"]
    assert {k: result["outputs"][k] for k in ("sensitivity", "capacity", "complexity")} == {
        "sensitivity": "standard",
        "capacity": "none",
        "complexity": "simple",
    }
    assert result["outputs"][calc.VERDICT] == "no-one-to-run-it"


def test_a_verdict_resting_on_the_invalid_volume_waits(data: dict[str, Any]) -> None:
    result = calc.compute(data, HELPER, {"volume": "", "capacity": "full"})
    assert calc.VERDICT not in result["outputs"]
    html = str(render_calculator(data, HELPER))  # the defaults still render a verdict
    assert "khub-calc__outcome" in html


def test_a_hard_rule_after_a_soft_one_is_located(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    text = (root / RULES_PATH).read_text(encoding="utf-8")
    old = "    - id: mixed-work-is-routed\n      strength: soft"
    assert text.count(old) == 1
    (root / RULES_PATH).write_text(text.replace(old, old.replace("soft", "hard")), "utf-8")
    line = rule_line(root, "id: mixed-work-is-routed") + 1
    assert rule_problems(root) == [
        f"{RULES_PATH}:{line}: hard rule 'mixed-work-is-routed' comes after a soft one "
        "(put every hard rule before the soft ones)"
    ]


def test_a_condition_naming_an_unknown_option_is_located(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    replace_once(root / RULES_PATH, "when: {capacity: [none]}", "when: {capacity: [nobody]}")
    line = rule_line(root, "[nobody]")
    assert rule_problems(root) == [
        f"{RULES_PATH}:{line}: 'nobody' is not a band or option of 'capacity' "
        "(use one of: none, partial, full)"
    ]


def test_an_unknown_outcome_and_a_missing_catch_all_are_located(tmp_path: Path) -> None:
    root = copy_data(tmp_path)
    replace_once(root / RULES_PATH, "outcome: on-premise\n", "outcome: on-prem\n")
    replace_once(root / RULES_PATH, "when: {}\n", "when: {capacity: [full]}\n")
    outcome = rule_line(root, "outcome: on-prem")
    last = rule_line(root, "when: {capacity: [full]}")
    assert rule_problems(root) == [
        f"{RULES_PATH}:{outcome}: 'on-prem' is not an outcome "
        "(use one of: on-premise, closed-api, managed, self-host, frontier, hybrid)",
        f"{RULES_PATH}:{last}: rule 'otherwise-managed' is last but has conditions "
        "(end with one rule whose 'when' is {} and give every other rule conditions)",
    ]
