"""Fixtures of the diff tests: the three-edition hub of tests/editions/testhub.py."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest


def _testhub() -> ModuleType:
    if "testhub" in sys.modules:
        return sys.modules["testhub"]
    path = Path(__file__).parents[1] / "editions" / "testhub.py"
    spec = importlib.util.spec_from_file_location("testhub", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["testhub"] = module
    spec.loader.exec_module(module)
    return module


testhub = _testhub()


@pytest.fixture
def hub3(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a hub with editions 2026-04, 2026-05 and 2026-06 published."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KHUB_TODAY", "2026-06-30")
    testhub.three_editions(tmp_path)
    return tmp_path
