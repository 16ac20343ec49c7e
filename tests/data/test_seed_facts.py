"""`khub fact ID --json` reads back every figure of the seed module from the real data/.

The expected values are restated from the seed (the June 2026 edition of "Open vs Closed
Models"), table by table, so a typo in data/ or a formula that drifts shows up here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.data.kit import TODAY, run_in_process
from tests.kit.cli import run_khub
from tests.kit.paths import REPO


def _licence(spdx: str, name: str, tier: str) -> dict[str, str]:
    return {"id": spdx, "name": name, "tier": tier}


APACHE = _licence("Apache-2.0", "Apache License 2.0", "permissive")
MIT = _licence("MIT", "MIT License", "permissive")

# (fact id, unit, value as the seed states it)
SEED: list[tuple[str, str, Any]] = [
    # Benchmarks [1]: SWE-bench Verified, % resolved
    ("swe-bench-verified.claude-opus-4-8", "percent", 88.6),
    ("swe-bench-verified.gemini-3-1-pro", "percent", 80.6),
    ("swe-bench-verified.minimax-m2-5", "percent", 80.2),
    ("model-weights.claude-opus-4-8", "enum", "closed"),
    ("model-weights.gemini-3-1-pro", "enum", "closed"),
    ("model-weights.minimax-m2-5", "enum", "open"),
    # Licences [2] [4]
    ("model-licences.qwen-3", "licence", APACHE),
    ("model-licences.gemma-4", "licence", APACHE),
    ("model-licences.mistral-large-3", "licence", APACHE),
    ("model-licences.phi-4", "licence", MIT),
    ("model-licences.deepseek-r1", "licence", MIT),
    (
        "model-licences.llama-4",
        "licence",
        _licence("LicenseRef-Llama-4-Community", "Llama 4 Community License", "community"),
    ),
    ("licence-tiers.practical-tiers", "count", 4),
    ("llama-4-license.mau-threshold", "users", 700_000_000),
    ("llama-4-license.eu-contracting-entity", "text", "Meta Platforms Ireland"),
    # DeepSeek R1 [3], harness design [5]
    ("deepseek-r1.output-cost-saving", "percent", 96),
    ("harness-design.max-spread", "multiplier", 6),
    # Self-hosting economics [6]
    ("self-hosting.reference-volume", "tokens_per_day", 1_000_000),
    ("self-hosting.api-cost-per-day", "usd_per_day", 0.12),
    ("self-hosting.self-host-cost-per-day", "usd_per_day", 43),
    ("self-hosting.crossover-volume", "tokens_per_day", 500_000_000),
    ("self-hosting.crossover-savings", "multiplier", 5),
    ("self-hosting.min-gpu-utilisation", "percent", 50),
    ("self-hosting.low-utilisation-cost-rise", "multiplier", 10),
    ("self-hosting.tco-multiplier", "multiplier", {"low": 3, "high": 5}),
    ("self-hosting.ml-engineering-cost", "usd_per_year", 145_000),
    ("self-hosting.update-cycle-cost", "usd", 12_000),
    ("self-hosting.update-cycle-length", "weeks", {"low": 6, "high": 8}),
    ("self-hosting.workflow-tokens", "tokens_per_run", 2000),
    # Safety [7] [8]
    ("multi-turn-attacks.success-rate", "percent", {"low": 25.86, "high": 92.78}),
    ("multi-turn-attacks.models-tested", "count", 8),
    ("fine-tuning-attacks.adversarial-examples", "count", 10),
    # Prices [9], USD per million tokens
    ("api-input-price.claude-opus-4-8", "usd_per_mtok", 5),
    ("api-output-price.claude-opus-4-8", "usd_per_mtok", 25),
    ("api-input-price.claude-sonnet-4-6", "usd_per_mtok", 3),
    ("api-output-price.claude-sonnet-4-6", "usd_per_mtok", 15),
    # Decision rules: volume bands
    ("decision-thresholds.closed-api-below", "tokens_per_month", 5_000_000),
    ("decision-thresholds.managed-hosting-up-to", "tokens_per_month", 30_000_000),
    # Survey [10]
    ("vendor-dependency.concerned", "percent", 81),
    ("vendor-dependency.function-would-stop", "percent", 47),
    # Derived in the module
    ("frontier-lead", "points", 8.4),  # 88.6 − 80.2
    ("frontier-lead-over-gemini", "points", 8.0),  # 88.6 − 80.6
    ("open-closed-gap", "points", 0.4),  # 80.6 − 80.2
    ("self-hosting-cost-ratio", "multiplier", 43 / 0.12),  # about 358-fold
    ("crossover-runs-per-day", "runs_per_day", 250_000),  # 500M / 2,000
    ("reference-volume-monthly", "tokens_per_month", 30_000_000),  # about 30M a month
    ("api-cost-at-crossover", "usd_per_day", 60),  # 500 × $0.12
    ("self-hosting-tco-per-day", "usd_per_day", {"low": 129, "high": 215}),  # 43 × 3–5
]


def _approx(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"low", "high"}:
        return {k: pytest.approx(v, rel=1e-9) for k, v in value.items()}
    if isinstance(value, (int, float)):
        return pytest.approx(value, rel=1e-9)
    return value


@pytest.mark.parametrize(("fact_id", "unit", "value"), SEED, ids=[row[0] for row in SEED])
def test_seed_figure_reads_back(fact_id: str, unit: str, value: Any) -> None:
    """The fact exists in data/, in the seed's unit, with the seed's value."""
    run = run_in_process(REPO, "fact", fact_id, "--json")
    assert run.exception is None
    assert run.exit == 0, run.lines
    doc = json.loads("\n".join(line.removeprefix("stdout: ") for line in run.lines))
    assert (doc["id"], doc["unit"]) == (fact_id, unit)
    assert doc["value"] == _approx(value)


def test_derived_fact_lists_its_inputs_through_a_subprocess() -> None:
    """The real CLI shows a derived fact with its formula and the seed values it reads."""
    proc = run_khub(REPO, "fact", "frontier-lead", "--json", today=TODAY)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["formula"] == "swe-bench-verified.claude-opus-4-8 - swe-bench-verified.minimax-m2-5"
    assert [(i["id"], i["value"]) for i in doc["inputs"]] == [
        ("swe-bench-verified.claude-opus-4-8", 88.6),
        ("swe-bench-verified.minimax-m2-5", 80.2),
    ]
    assert doc["value"] == 8.4


def test_unknown_fact_is_a_message_with_a_suggestion() -> None:
    """A misspelt id exits 1 with the closest ids, never a traceback."""
    run = run_in_process(REPO, "fact", "frontier-laed", "--json")
    assert run.exception is None
    assert run.exit == 1
    assert run.lines[0].startswith("stderr: error: no fact 'frontier-laed' (did you mean ")
    assert "frontier-lead" in run.lines[0]
