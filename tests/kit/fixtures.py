"""Fixtures shared by several test folders, loaded for the whole suite by tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from khub.data.model import FactSet
from tests.kit.editions import TODAY, make_hub, three_editions
from tests.kit.hubs import load_hub
from tests.kit.paths import REPO


@pytest.fixture
def hub1(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return the small written hub before any edition, the working folder of the test."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KHUB_TODAY", TODAY)
    return make_hub(tmp_path)


@pytest.fixture
def hub3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a hub with editions 2026-04, 2026-05 and 2026-06 published, the working folder."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KHUB_TODAY", TODAY)
    three_editions(tmp_path)
    return tmp_path


@pytest.fixture(scope="session")
def factset() -> FactSet:
    """Return the repository's own fact set, loaded once."""
    return load_hub(REPO)
