"""Fixtures of the edition tests: `hub` is the small written hub (kit.fixtures' hub1)."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def hub(hub1: Path) -> Path:
    """Return the small written hub before any edition, the working folder of the test."""
    return hub1
