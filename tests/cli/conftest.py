"""Fixtures of the CLI tests: the check fixture hub served on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from tests.kit.checkhub import Hub, serve_hub


@pytest.fixture
def hub(tmp_path: Path, server: HTTPServer) -> Hub:
    """Return the check fixture hub in tmp_path, its sources served on loopback."""
    return serve_hub(tmp_path / "hub", server)
