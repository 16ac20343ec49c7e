"""Fixtures for the rendering tests: a copy of the small fixture hub in a temporary folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from khub.data.load import load
from khub.site.generate import GenerateResult, generate
from tests.kit.hubs import TODAY, copy_hub


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    """Return a fresh copy of the small fixture hub."""
    return copy_hub(tmp_path / "hub")


@pytest.fixture
def run_generate(hub: Path) -> Callable[..., GenerateResult]:
    """Return a function that loads the hub and generates build/docs."""

    def run(**kwargs: object) -> GenerateResult:
        factset, _ = load(hub, today=TODAY, cache=False)
        return generate(hub, factset, today=TODAY, **kwargs)  # type: ignore[arg-type]

    return run
