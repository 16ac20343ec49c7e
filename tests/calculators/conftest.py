"""Fixtures of the calculator tests: the repository's facts, loaded once."""

from __future__ import annotations

from typing import Any

import pytest
from calckit import REPO, TODAY

from khub.calc.export import export
from khub.data.load import load
from khub.data.model import FactSet


@pytest.fixture(scope="session")
def factset() -> FactSet:
    """Return the repository's own fact set."""
    facts, _ = load(REPO, today=TODAY, cache=False)
    return facts


@pytest.fixture(scope="session")
def data(factset: FactSet) -> dict[str, Any]:
    """Return the calculator export of the repository's facts."""
    return export(factset)
