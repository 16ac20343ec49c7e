"""Where the repository, its shared fixtures and the fixture hubs are."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
HUB_SMALL = FIXTURES / "hub-small"
HUB_CHECK = FIXTURES / "hub-check"
SOURCES = FIXTURES / "sources"
