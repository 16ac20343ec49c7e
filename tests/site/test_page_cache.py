"""The fact page cache of generate: a cached run writes what an uncached run writes, byte for byte.

Each test generates with the cache, changes the input, generates again with the cache into
build/docs and without any cache into a folder of its own, and compares the two trees.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from khub.cli.site import run_generate
from khub.disk.cachedir import cache_root
from khub.render.pagecache import fragments_path, pages_dir
from khub.site.generate import GenerateResult
from tests.kit.editions import TODAY as EDITIONS_TODAY
from tests.kit.editions import edit_facts, three_editions
from tests.kit.hubs import TODAY, copy_hub, replace_once
from tests.kit.tree import file_bytes
from tests.site.kit import without_widgets


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    return without_widgets(copy_hub(tmp_path / "hub"))


def cached_equals_uncached(hub: Path, today: dt.date = TODAY) -> GenerateResult:
    """Generate with the cache into build/docs and without into a folder; assert both equal."""
    result = run_generate(hub, today)
    fresh = hub.parent / "fresh"
    run_generate(hub, today, cache=False, out_dir=fresh)
    cached = file_bytes(hub / "build" / "docs")
    uncached = file_bytes(fresh)
    assert sorted(cached) == sorted(uncached)
    assert [p for p in cached if cached[p] != uncached[p]] == []
    return result


def facts_file(hub: Path) -> Path:
    return hub / "data" / "facts" / "bench.yml"


EDITS: dict[str, Callable[[Path], None]] = {
    "one fact's value": lambda hub: replace_once(facts_file(hub), "value: 88.6", "value: 89.1"),
    "a derived fact's input label": lambda hub: replace_once(
        facts_file(hub), "label: Model B", "label: Model Beta"
    ),
    "a source's title": lambda hub: replace_once(
        hub / "data" / "sources.yml", "title: A cost study", "title: The cost study"
    ),
    "a failing re-check": lambda hub: (hub / "data" / "check-state.yml").write_text(
        "facts:\n  prices.input:\n    outcome: not-found\n    checked: 2026-06-30\n"
        "    failing_since: 2026-06-30\n",
        encoding="utf-8",
    ),
}


@pytest.mark.parametrize("change", sorted(EDITS))
def test_cached_generate_equals_uncached_after_a_change(hub: Path, change: str) -> None:
    first = cached_equals_uncached(hub)
    assert first.pages  # nothing cached yet: every fact page rendered
    again = run_generate(hub, TODAY)
    assert (again.pages, again.written) == ([], [])
    EDITS[change](hub)
    result = cached_equals_uncached(hub)
    assert result.pages and len(result.pages) < len(first.pages)


def test_one_fact_renders_its_series_page_and_the_derived_page_reading_it(hub: Path) -> None:
    run_generate(hub, TODAY)
    EDITS["one fact's value"](hub)
    result = cached_equals_uncached(hub)
    assert result.pages == ["facts/bench-score.md", "facts/derived.md"]


def test_a_later_day_marks_stale_facts_as_an_uncached_run_does(hub: Path) -> None:
    run_generate(hub, TODAY)
    later = dt.date(2026, 12, 1)
    result = cached_equals_uncached(hub, later)
    assert result.pages  # staleness is part of every page's key
    assert "khub-stale" in (hub / "build" / "docs" / "facts" / "derived.md").read_text("utf-8")


def test_published_editions_are_part_of_the_fact_pages_keys(tmp_path: Path) -> None:
    hub = tmp_path / "hub"
    three_editions(hub)
    today = dt.date.fromisoformat(EDITIONS_TODAY)
    cached_equals_uncached(hub, today)
    edit_facts(hub, "value: 79.0", "value: 81.0")
    result = cached_equals_uncached(hub, today)
    assert sorted(result.pages) == ["facts/derived.md", "facts/score.md"]


def test_damaged_cache_entries_are_rendered_again(hub: Path) -> None:
    first = run_generate(hub, TODAY)
    entries = sorted(pages_dir(cache_root(hub)).iterdir())
    assert len(entries) == len(first.pages)
    entries[0].write_bytes(entries[0].read_bytes()[:-40])  # cut short
    head, _, page = entries[1].read_bytes().partition(b"\n")
    entries[1].write_bytes(head + b"\n" + page.replace(b"#", b"# Planted", 1))  # digest fails
    facts = fragments_path(cache_root(hub))
    facts.write_bytes(facts.read_bytes().replace(b'"value"', b'"planted"'))
    result = cached_equals_uncached(hub)
    assert len(result.pages) == 2  # the two damaged entries; nothing else changed
    assert b"Planted" not in b"".join(file_bytes(hub / "build" / "docs").values())
    assert b'"planted"' not in (hub / "build" / "docs" / "api" / "v1" / "facts.json").read_bytes()


def test_no_cache_renders_every_fact_page_and_keeps_no_entry(hub: Path) -> None:
    result = run_generate(hub, TODAY, cache=False)
    assert "facts/bench-score.md" in result.pages
    assert not pages_dir(cache_root(hub)).exists()
