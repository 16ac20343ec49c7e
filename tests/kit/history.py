"""The three-edition hub with recorded history: a price with three values, a score with two.

`price.alpha` gets two history records before its current value (three numbers: its fact
page draws a chart); `score.alpha` changed between editions without a history record (its
older value comes from the April edition). Built with the repository's theme files.
"""

from __future__ import annotations

from pathlib import Path

from tests.kit.editions import edit_facts, site_ready, three_editions

PRICE_HISTORY = (
    "      status: vendor-reported\n"
    "      history:\n"
    "        - {value: 6.5, from: 2025-10-01, to: 2026-01-15, note: Launch price.}\n"
    "        - {value: 6.0, from: 2026-01-15, to: 2026-04-01}\n"
)


def history_hub(root: Path) -> Path:
    """Write the three-edition hub with price.alpha's history and the repository's theme."""
    three_editions(root)
    edit_facts(root, "      status: vendor-reported\n", PRICE_HISTORY)
    return site_ready(root)
