"""The hub's own data: every fact with a source URL has a check block, and every block is valid."""

from __future__ import annotations

from khub.check import extract as methods
from khub.check.plan import plan_checks, select_facts
from khub.data.load import load
from tests.kit.paths import REPO


def test_every_fact_with_a_source_url_has_a_check() -> None:
    factset, _ = load(REPO, cache=False)
    missing = [
        fact.id
        for fact in factset.facts.values()
        if fact.source
        and factset.sources[fact.source].url
        and not fact.derived
        and fact.check is None
    ]
    assert missing == []


def test_every_seed_check_block_is_valid_and_some_are_machine_read() -> None:
    factset, _ = load(REPO, cache=False)
    plans = plan_checks(factset, select_facts(factset, []))
    assert len(plans) == sum(1 for f in factset.facts.values() if f.check is not None)
    extracted = {p.fact.id for p in plans if not methods.is_manual(p.spec)}
    assert {
        "api-input-price.claude-opus-4-8",
        "model-licences.deepseek-r1",
        "llama-4-license.mau-threshold",
        "fine-tuning-attacks.adversarial-examples",
    } <= extracted
    assert all(p.url.startswith("https://") for p in plans)
