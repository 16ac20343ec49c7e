"""Helpers of the calculator tests: a copy of the repository's data to change freely."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from khub.data.load import load
from khub.data.model import FactSet

REPO = Path(__file__).resolve().parents[2]
TODAY = dt.date(2026, 7, 1)


def copy_data(dest: Path) -> Path:
    """Copy the repository's data/ (facts, sources, derived, decision rules) into dest."""
    shutil.copytree(REPO / "data", dest / "data", ignore=shutil.ignore_patterns("editions"))
    return dest


def load_copy(root: Path) -> FactSet:
    """Load a copied hub without the parse cache."""
    factset, _ = load(root, today=TODAY, cache=False)
    return factset


def replace_in(path: Path, old: str, new: str) -> None:
    """Replace one exact piece of text in a file, failing when it is not there exactly once."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")
