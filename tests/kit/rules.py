"""Helpers for tests that break data/decision-rules.yml and read the located errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from khub.data.decision_rules import RULES_PATH, load_rules
from khub.errors import DataError
from tests.kit.hubs import load_hub


def rule_problems(root: Path) -> list[str]:
    """Return the errors of a hub whose rules are broken (load itself checks the rules)."""
    with pytest.raises(DataError) as caught:
        load_rules(load_hub(root))
    return [str(p) for p in caught.value.problems if p.severity == "error"]


def rule_line(root: Path, text: str) -> int:
    """Return the first line of the hub's rules file that holds text."""
    lines = (root / RULES_PATH).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if text in line)
