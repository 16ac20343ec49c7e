"""Suite-wide set-up: khub's caches go to a temporary folder, never to ~/.cache.

CI runs hypothesis derandomized, so a run is repeatable (local runs keep exploring new
examples).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

pytest_plugins = ["tests.kit.server", "tests.kit.fixtures"]

settings.register_profile("ci", derandomize=True, database=None, deadline=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _isolated_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Point KHUB_CACHE_DIR at one temporary folder for the whole session."""
    folder = tmp_path_factory.getbasetemp() / "khub-cache"
    monkeypatch.setenv("KHUB_CACHE_DIR", str(folder))
    yield folder
