"""Reader-facing output: the module block, the changelog page and the Atom feed."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

from markdown_it import MarkdownIt

from khub.data.load import load
from khub.editions.publish import publish
from khub.render.whatchanged import changelog, extra_files, module_block
from tests.kit.editions import edit_facts

ATOM = "{http://www.w3.org/2005/Atom}"
MD = MarkdownIt("commonmark").enable("table")
USES_A = ["score.alpha", "lead"]


def test_first_edition_says_it_is_the_first(hub1: Path) -> None:
    notes = hub1 / "notes.yml"
    notes.write_text("- module: mod-a\n  text: Mapped *Alpha* for the first time.\n")
    publish(hub1, "2026-06", published=dt.date(2026, 6, 30), notes_path=notes)
    factset, _ = load(hub1)
    block = module_block(hub1, factset, "mod-a", USES_A)
    assert block.splitlines() == [
        '???+ khub-changes "What changed in the June 2026 edition: '
        'the first edition of this module · 1 note"',
        "    This is the first edition of this module, published 30 June 2026.",
        "",
        "    - Mapped \\*Alpha\\* for the first time.",
        "",
        "    [Every edition and its changes](changelog.md)",
    ]
    assert "Last reviewed" not in block
    assert module_block(hub1, factset, "mod-b", ["price.alpha"]).splitlines()[1:] == [
        "    This is the first edition of this module, published 30 June 2026.",
        "",
        "    [Every edition and its changes](changelog.md)",
    ]


def test_first_edition_with_many_notes_starts_collapsed(hub1: Path) -> None:
    notes = hub1 / "notes.yml"
    notes.write_text("".join(f"- module: mod-a\n  text: Note number {i}.\n" for i in range(5)))
    publish(hub1, "2026-06", published=dt.date(2026, 6, 30), notes_path=notes)
    factset, _ = load(hub1)
    block = module_block(hub1, factset, "mod-a", USES_A)
    assert block.startswith('??? khub-changes "What changed in the June 2026 edition: ')
    assert block.splitlines()[0].endswith(' · 5 notes"')
    assert [ln for ln in block.splitlines() if ln.startswith("    - ")] == [
        f"    - Note number {i}." for i in range(5)
    ]


def test_later_edition_lists_the_module_changes_and_its_notes_only(hub3: Path) -> None:
    factset, _ = load(hub3)
    block_a = module_block(hub3, factset, "mod-a", USES_A)
    assert block_a.splitlines()[0] == (
        '???+ khub-changes "What changed in the June 2026 edition: '
        '1 figure changed · 1 note · 1 checked statement"'
    )
    assert "    Published 30 June 2026." in block_a
    assert "    - Beta closed the gap; the lead claim no longer holds." in block_a
    assert (
        "    - [Lead of Alpha over Beta](facts/derived.md#lead): 12.5 points → 3.5 points (−72%)."
        in block_a
    )
    assert "- No longer supported by the data: “Alpha leads Beta by a clear margin.”" in block_a
    assert "price" not in block_a.lower()
    block_b = module_block(hub3, factset, "mod-b", ["price.alpha"])
    assert (
        "- [Price per million tokens: Alpha](facts/price.md#alpha): "
        "status official → vendor-reported." in block_b
    )
    assert "Beta" not in block_b


def test_unchanged_module_says_so_and_pending_changes_are_flagged(hub3: Path) -> None:
    factset, _ = load(hub3)
    block = module_block(hub3, factset, "mod-x", ["score.alpha"])
    assert "edition: no change since May 2026" in block.splitlines()[0]
    assert "- No change since the May 2026 edition." in block
    recheck = "verified: {}\n      status: vendor-reported"
    edit_facts(hub3, recheck.format("2026-04-01"), recheck.format("2026-06-20"))
    factset, _ = load(hub3)
    assert "Since this edition" not in module_block(hub3, factset, "mod-b", ["price.alpha"])
    edit_facts(hub3, "value: 5.0", "value: 6.0")
    factset, _ = load(hub3)
    block = module_block(hub3, factset, "mod-b", ["price.alpha"])
    assert "    Since this edition, 1 figure on this page changed in the working data" in block


def test_draft_before_any_edition(hub1: Path) -> None:
    factset, _ = load(hub1)
    block = module_block(hub1, factset, "mod-a", USES_A)
    assert block.splitlines()[0] == (
        '???+ khub-changes "Working draft: no edition has been published yet"'
    )
    assert "    [Every edition and its changes](changelog.md)" in block


def test_changelog_lists_every_edition_newest_first(hub3: Path) -> None:
    factset, _ = load(hub3)
    page = extra_files(factset)["changelog.md"].decode()
    tokens = MD.parse(page)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == ["Changelog", "June 2026 edition", "May 2026 edition", "April 2026 edition"]
    may = page.split("## May 2026 edition")[1].split("## April")[0]
    assert "[Bench score, share of tasks resolved: Alpha | One](facts/score.md#alpha): " in may
    assert "80% → 82.5% (+3.1%)." in may
    assert "The first edition: 4 figures frozen." in page
    assert "In [Module B](mod-b.md):" in page


def test_changelog_without_editions(hub1: Path) -> None:
    factset, _ = load(hub1)
    assert "No edition has been published yet." in changelog(factset, [])


def test_feed_has_one_atom_entry_per_edition(hub3: Path) -> None:
    (hub3 / "mkdocs.yml").write_text("site_name: Hub\nsite_url: https://hub1.example/kh\n")
    factset, _ = load(hub3)
    blob = extra_files(factset)["feed.xml"]
    assert blob == extra_files(factset)["feed.xml"]  # same input, same bytes
    root = ET.fromstring(blob)
    assert root.tag == f"{ATOM}feed"
    assert root.findtext(f"{ATOM}updated") == "2026-06-30T00:00:00+00:00"
    entries = root.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    assert titles == ["June 2026 edition", "May 2026 edition", "April 2026 edition"]
    assert len({e.findtext(f"{ATOM}id") for e in entries}) == 3
    link = entries[0].find(f"{ATOM}link")
    assert link is not None
    assert link.get("href") == "https://hub1.example/kh/changelog/#june-2026-edition"
    content = entries[0].findtext(f"{ATOM}content") or ""
    assert "<strong>Module A</strong>: Beta closed the gap" in content
    assert "1 claim(s) flipped" in content
