"""Hubs to run on: copies of the small fixture hub and of the repository's own hub."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from khub.data.load import load
from khub.data.model import FactSet
from tests.kit.paths import HUB_SMALL, REPO

# The day the small fixture hub and the repository's hub are rendered on.
TODAY = dt.date(2026, 7, 1)


def copy_hub(dest: Path) -> Path:
    """Copy the small fixture hub to dest with the repository's mkdocs.yml and templates."""
    shutil.copytree(HUB_SMALL, dest)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "templates", dest / "templates", dirs_exist_ok=True)
    return dest


def copy_repo(dest: Path) -> Path:
    """Copy what a build reads of the repository (content, data, templates, mkdocs.yml)."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("content", "data", "templates"):
        shutil.copytree(REPO / name, dest / name)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    return dest


def copy_data(dest: Path) -> Path:
    """Copy the repository's data/ (facts, sources, derived, rules) without its editions."""
    shutil.copytree(REPO / "data", dest / "data", ignore=shutil.ignore_patterns("editions"))
    return dest


def load_hub(root: Path, today: dt.date = TODAY) -> FactSet:
    """Load the hub at root without the parse cache."""
    factset, _ = load(root, today=today, cache=False)
    return factset


def replace_once(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of text in a file, failing when it is not there exactly once."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def write_module(hub: Path, name: str, body: str, title: str = "Test module") -> Path:
    """Write content/<name>.md with front matter and body; return its path."""
    path = hub / "content" / f"{name}.md"
    head = f"---\ntitle: {title}\nmodule: {name}\nsummary: A test module.\n---\n"
    path.write_text(head + body, encoding="utf-8")
    return path
