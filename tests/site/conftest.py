"""Fixtures for the site tests: the small fixture hub generated and built with mkdocs."""

from __future__ import annotations

import pytest

from tests.kit.hubs import copy_hub
from tests.site.kit import Built, build_hub


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Return the small fixture hub, built once per test module."""
    return build_hub(copy_hub(tmp_path_factory.mktemp("built") / "hub"))
