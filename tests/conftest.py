"""Suite-wide set-up: khub's caches go to a temporary folder, never to ~/.cache; CI runs
hypothesis derandomized, so a run is repeatable (local runs keep exploring new examples)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings
from pytest_httpserver import HTTPServer

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


@pytest.fixture(scope="session")
def _loopback() -> Iterator[HTTPServer]:
    """Start one real threaded HTTP server on 127.0.0.1 for the session."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


@pytest.fixture
def server(_loopback: HTTPServer) -> Iterator[HTTPServer]:
    """Return the loopback server with no handlers; the test's handlers are dropped after it."""
    yield _loopback
    _loopback.clear()
