"""Fixtures of the calculator tests: the export of the repository's facts (see kit.fixtures)."""

from __future__ import annotations

from typing import Any

import pytest

from khub.calc.export import export
from khub.data.model import FactSet


@pytest.fixture(scope="session")
def data(factset: FactSet) -> dict[str, Any]:
    """Return the calculator export of the repository's facts."""
    return export(factset)
