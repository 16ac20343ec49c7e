"""Suite-wide set-up: khub's caches go to a temporary folder, never to ~/.cache."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point KHUB_CACHE_DIR at one temporary folder for the whole session."""
    folder = tmp_path_factory.getbasetemp() / "khub-cache"
    monkeypatch.setenv("KHUB_CACHE_DIR", str(folder))
    yield folder
