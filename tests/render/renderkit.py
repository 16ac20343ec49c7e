"""Helpers of the rendering tests: copy the small fixture hub, write modules."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

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
