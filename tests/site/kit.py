"""Helpers of the site tests: build a hub's site, strip widgets the fixture has no data for."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from khub.data.load import load
from khub.data.model import FactSet
from khub.site.builder import mkdocs_build
from khub.site.generate import generate
from tests.kit.hubs import TODAY


@dataclass(frozen=True)
class Built:
    """A hub whose site was built: its root, site folder and fact set."""

    root: Path
    site: Path
    factset: FactSet


def build_hub(root: Path) -> Built:
    """Generate build/docs and run mkdocs build --strict for the hub at root."""
    factset, _ = load(root, today=TODAY, cache=False)
    generate(root, factset, today=TODAY)
    return Built(root, mkdocs_build(root), factset)


def without_widgets(hub: Path) -> Path:
    """Drop calculator and chart calls from the hub's modules (the fixture has no such data)."""
    for path in (hub / "content").glob("*.md"):
        lines = path.read_text(encoding="utf-8").split("\n")
        kept = [ln for ln in lines if "calculator(" not in ln and "chart(" not in ln]
        path.write_text("\n".join(kept), encoding="utf-8")
    return hub
