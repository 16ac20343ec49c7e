"""Fixtures of the edition tests: a small hub, and one with three published editions."""

from __future__ import annotations

from pathlib import Path

import pytest
from testhub import make_hub, three_editions


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a fresh small hub, the working directory of the test."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KHUB_TODAY", "2026-06-30")
    return make_hub(tmp_path)


@pytest.fixture
def hub3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a hub with editions 2026-04, 2026-05 and 2026-06 published."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KHUB_TODAY", "2026-06-30")
    three_editions(tmp_path)
    return tmp_path
