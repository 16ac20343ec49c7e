"""Fixtures for the rendering tests: a copy of the small fixture hub in a temporary folder."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from khub.generate import GenerateResult, generate
from khub.load import load

REPO = Path(__file__).resolve().parents[2]
FIXTURE = REPO / "tests" / "fixtures" / "hub-small"
TODAY = dt.date(2026, 7, 1)


def copy_hub(dest: Path) -> Path:
    """Copy the small fixture hub to dest with the repository's mkdocs.yml and assets."""
    shutil.copytree(FIXTURE, dest)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "templates" / "assets", dest / "templates" / "assets")
    for name in ("calculators.css", "calculators.js"):
        asset = dest / "templates" / "assets" / "khub" / name
        if not asset.exists():  # written by the calculators work; a stand-in until then
            asset.write_text("/* khub calculators */\n", encoding="utf-8")
    return dest


def write_module(hub: Path, name: str, body: str, title: str = "Test module") -> Path:
    """Write content/<name>.md with front matter and body; return its path."""
    path = hub / "content" / f"{name}.md"
    head = f"---\ntitle: {title}\nmodule: {name}\nsummary: A test module.\n---\n"
    path.write_text(head + body, encoding="utf-8")
    return path


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    """Return a fresh copy of the small fixture hub."""
    return copy_hub(tmp_path / "hub")


@pytest.fixture
def run_generate(hub: Path) -> Callable[..., GenerateResult]:
    """Return a function that loads the hub and generates build/docs."""

    def run(**kwargs: object) -> GenerateResult:
        factset, _ = load(hub, today=TODAY, cache=False)
        return generate(hub, factset, today=TODAY, **kwargs)  # type: ignore[arg-type]

    return run
