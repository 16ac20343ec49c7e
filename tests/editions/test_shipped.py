"""The shipped edition 2026-06: it verifies, and carries the June edition's five notes."""

from __future__ import annotations

import yaml

from khub.editions.store import find_edition
from khub.editions.verify import verify
from tests.kit.paths import REPO


def test_shipped_editions_verify() -> None:
    assert "2026-06" in [e.id for e in verify(REPO)]


def test_june_2026_is_the_first_edition_with_its_five_notes() -> None:
    june = find_edition(verify(REPO), "2026-06").record
    assert june.published.isoformat() == "2026-06-30"
    assert june.previous is None
    assert [n.module for n in june.notes] == ["open-vs-closed"] * 5
    facts = [set(n.facts) for n in june.notes]
    assert {"llama-4-license.eu-multimodal", "llama-4-license.mau-threshold"} in facts
    assert {"self-hosting.crossover-volume"} in facts
    assert "multi-turn-attacks.success-rate" in set().union(*facts)
    assert june.facts["swe-bench-verified.claude-opus-4-8"].value == 88.6
    assert june.derived["frontier-lead"].value == 8.4
    assert all(c.holds is not False for c in june.claims.values())


def test_notes_source_matches_the_frozen_notes() -> None:
    source = yaml.safe_load((REPO / "data/notes/2026-06.yml").read_text())
    june = find_edition(verify(REPO), "2026-06").record
    assert [(n["module"], n.get("facts", []), n["text"]) for n in source] == [
        (n.module, n.facts, n.text) for n in june.notes
    ]
