"""The validate cache is keyed on every module of the package, subpackages included."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from khub import summary

from .hubs import make_hub


def test_a_change_to_a_subpackage_module_changes_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "khub"
    shutil.copytree(
        Path(summary.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    monkeypatch.setattr(summary, "_CODE_DIR", package)
    hub = make_hub(tmp_path / "hub")
    today = dt.date(2026, 11, 24)
    before = summary._key(hub, today)
    spec = package / "check" / "spec.py"
    spec.write_text(spec.read_text("utf-8") + "# a changed rule\n", "utf-8")

    assert summary._key(hub, today) != before
