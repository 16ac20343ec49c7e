"""A small hub written on disk, a helper to change its facts, and its three published editions."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from khub.editions.publish import publish
from tests.kit.hubs import replace_once
from tests.kit.paths import REPO

# The day the edition tests run on: the last of the three editions is published that day.
TODAY = "2026-06-30"

SOURCES = """\
bench:
  title: Bench leaderboard
  publisher: Bench
  kind: leaderboard
  url: https://bench.example/board
prices:
  title: Price list
  publisher: Vendor
  kind: pricing
  url: null
"""

FACTS = """\
score:
  title: Bench score, share of tasks resolved
  unit: percent
  source: bench
  facts:
    alpha:
      label: Alpha | One
      value: 80.0
      as_of: 2026-04-01
      verified: 2026-04-01
      status: independent
    beta:
      label: Beta
      value: 70.0
      as_of: 2026-04-01
      verified: 2026-04-01
      status: independent
price:
  title: Price per million tokens
  unit: usd_per_mtok
  source: prices
  facts:
    alpha:
      label: Alpha
      value: 5.0
      as_of: 2026-04-01
      verified: 2026-04-01
      status: official
"""

DERIVED = """\
derived:
  lead:
    title: Lead of Alpha over Beta
    unit: points
    formula: score.alpha - score.beta
claims:
  alpha-leads:
    says: Alpha leads Beta by a clear margin.
    holds_when: lead >= 5
"""

MODULE_A = """\
---
title: Module A
module: mod-a
summary: Scores of Alpha.
---
Alpha scores {{ fact("score.alpha") }}, a lead of {{ fact("lead") }}.
"""

MODULE_B = """\
---
title: Module B
module: mod-b
summary: Prices of Alpha.
---
Alpha costs {{ fact("price.alpha") }}.
"""


def make_hub(root: Path) -> Path:
    """Write a small valid hub under root and return root."""
    (root / "data" / "facts").mkdir(parents=True)
    (root / "content").mkdir()
    (root / "data" / "sources.yml").write_text(SOURCES)
    (root / "data" / "facts" / "main.yml").write_text(FACTS)
    (root / "data" / "derived.yml").write_text(DERIVED)
    (root / "content" / "mod-a.md").write_text(MODULE_A)
    (root / "content" / "mod-b.md").write_text(MODULE_B)
    return root


def site_ready(root: Path) -> Path:
    """Give a test hub the repository's mkdocs.yml and templates (widget assets stood in)."""
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates", root / "templates", dirs_exist_ok=True)
    for name in ("calculators.css", "calculators.js"):
        asset = root / "templates" / "assets" / "khub" / name
        if not asset.exists():
            asset.write_text("/* stand-in */\n")
    return root


def edit_facts(root: Path, old: str, new: str) -> None:
    """Replace one exact snippet of the facts file (it must occur once)."""
    replace_once(root / "data" / "facts" / "main.yml", old, new)


def three_editions(root: Path) -> list[Path]:
    """Publish 2026-04, change facts, 2026-05, change again, 2026-06; return the paths."""
    make_hub(root)
    notes = root / "notes-04.yml"
    notes.write_text("- module: mod-a\n  facts: [score.alpha]\n  text: First look at Alpha.\n")
    paths = [publish(root, "2026-04", published=dt.date(2026, 4, 30), notes_path=notes)]
    edit_facts(root, "value: 80.0", "value: 82.5")
    dates = "      as_of: {0}\n      verified: {0}\n      status: independent\n    beta:"
    edit_facts(root, dates.format("2026-04-01"), dates.format("2026-05-20"))
    notes = root / "notes-05.yml"
    notes.write_text("- module: mod-a\n  facts: [score.alpha]\n  text: Alpha improved.\n")
    paths.append(publish(root, "2026-05", published=dt.date(2026, 5, 31), notes_path=notes))
    edit_facts(root, "value: 70.0", "value: 79.0")
    edit_facts(root, "      status: official\n", "      status: vendor-reported\n")
    notes = root / "notes-06.yml"
    notes.write_text(
        "- module: mod-a\n  facts: [score.beta, lead]\n  acknowledges: [alpha-leads]\n"
        "  text: Beta closed the gap; the lead claim no longer holds.\n"
        "- module: mod-b\n  text: Price status now vendor-reported.\n"
    )
    paths.append(publish(root, "2026-06", published=dt.date(2026, 6, 30), notes_path=notes))
    return paths
