"""The loopback HTTP server fixtures, loaded for the whole suite by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_httpserver import HTTPServer


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
