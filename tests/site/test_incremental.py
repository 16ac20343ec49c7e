"""Incremental `khub build`: after a change, the site equals a clean build of the same input.

Every test builds real sites with `khub build` in subprocesses: a hub built cold, then
changed and built again with its page cache, against a copy of the changed hub built
cold with an empty cache (each hub copy has a cache folder of its own).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from khub.disk.cachedir import cache_root
from khub.site.incremental import PAGES
from khub.site.parallel import JOBS_ENV
from tests.kit.cli import run_khub
from tests.kit.hubs import TODAY, copy_hub, replace_once
from tests.kit.tree import tree_digest
from tests.site.kit import without_widgets

pytestmark = pytest.mark.slow

PAGES_LINE = re.compile(
    r"pages: (\d+) page\(s\) converted, (\d+) restored; (\d+) rendered, (\d+) copied"
)


def _build(hub: Path) -> tuple[int, int, int, int]:
    """Run `khub build`; return what the page cache did (converted, restored, rendered, copied)."""
    proc = run_khub(hub, "build", today=TODAY.isoformat())
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stderr
    found = PAGES_LINE.search(proc.stderr)
    assert found is not None, proc.stderr
    converted, restored, rendered, copied = (int(n) for n in found.groups())
    return converted, restored, rendered, copied


def _clean_build(hub: Path, where: Path) -> dict[str, str]:
    """Build a copy of hub's sources from nothing (its own empty cache); return its site."""
    fresh = where / "fresh"
    shutil.copytree(hub, fresh, ignore=shutil.ignore_patterns("build", "site", ".khub-cache"))
    assert not cache_root(fresh).exists()
    converted, restored, _, copied = _build(fresh)
    assert (restored, copied) == (0, 0) and converted > 0
    return tree_digest(fresh / "site")


def _change_a_price(hub: Path) -> None:
    replace_once(hub / "data" / "facts" / "costs.yml", "value: 5\n", "value: 6\n")


@pytest.fixture(autouse=True)
def _one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Build in one process unless a test asks for more (khub.site.parallel)."""
    monkeypatch.setenv(JOBS_ENV, "1")


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    """Return the small fixture hub, built once with `khub build` (its cache filled)."""
    root = without_widgets(copy_hub(tmp_path / "hub"))
    converted, restored, rendered, copied = _build(root)
    assert (restored, copied) == (0, 0) and converted == rendered > 0
    return root


def test_one_fact_changed_rebuilds_only_its_pages_and_equals_a_clean_build(
    hub: Path, tmp_path: Path
) -> None:
    before = tree_digest(hub / "site")
    _change_a_price(hub)
    converted, restored, rendered, copied = _build(hub)
    assert restored > 0 and copied > 0, "the unchanged pages were built again"
    assert converted == rendered and converted + restored == rendered + copied
    after = tree_digest(hub / "site")
    clean = _clean_build(hub, tmp_path)
    assert after == clean  # byte for byte, the search index and sitemap included
    changed = {path for path in clean if before.get(path) != clean[path]}
    assert "alpha/index.html" in changed and "facts/prices/index.html" in changed
    assert "search/search_index.json" in changed  # the price's entry says $6 now
    assert "beta/index.html" not in changed and "sources/index.html" not in changed


def test_a_new_title_renders_every_page_again_and_equals_a_clean_build(
    hub: Path, tmp_path: Path
) -> None:
    replace_once(hub / "content" / "beta.md", "title: Beta module", "title: Beta, renamed")
    converted, restored, rendered, copied = _build(hub)
    assert copied == 0, "a page's output was reused although the titles changed"
    assert restored > 0 and converted + restored == rendered
    assert tree_digest(hub / "site") == _clean_build(hub, tmp_path)


def test_a_damaged_cache_entry_means_a_clean_build(hub: Path, tmp_path: Path) -> None:
    entries = sorted((cache_root(hub) / PAGES).glob("*/*.json"))
    sources = [p for p in entries if b'"src":"sources.md"' in p.read_bytes()]
    assert len(sources) == 1  # the entry of a page the change leaves alone
    data = bytearray(sources[0].read_bytes())
    data[-2] ^= 0x01  # one bit of the payload
    sources[0].write_bytes(bytes(data))
    _change_a_price(hub)
    converted, restored, rendered, copied = _build(hub)
    assert (restored, copied) == (0, 0) and converted == rendered
    assert tree_digest(hub / "site") == _clean_build(hub, tmp_path)
    replace_once(hub / "data" / "facts" / "costs.yml", "value: 6\n", "value: 7\n")
    assert _build(hub)[1] > 0, "the cache was not written again after the clean build"


def test_an_edited_page_in_site_is_rendered_again_not_copied(hub: Path, tmp_path: Path) -> None:
    beta = hub / "site" / "beta" / "index.html"
    beta.write_text(beta.read_text("utf-8").replace("Beta module", "Tampered"), "utf-8")
    _change_a_price(hub)
    _build(hub)
    assert "Tampered" not in beta.read_text("utf-8")
    assert tree_digest(hub / "site") == _clean_build(hub, tmp_path)


def test_a_static_file_of_the_site_keeps_its_bytes_when_generate_replaces_its_source(
    hub: Path, tmp_path: Path
) -> None:
    facts = Path("api/v1/facts.json")  # a docs-folder file the builder links, not copies
    site_file, docs_file = hub / "site" / facts, hub / "build" / "docs" / facts
    assert site_file.stat().st_ino == docs_file.stat().st_ino  # one file, two names
    built = site_file.read_bytes()
    _change_a_price(hub)
    assert run_khub(hub, "generate", today=TODAY.isoformat()).returncode == 0
    assert docs_file.read_bytes() != built  # generate put a new file in its place...
    assert site_file.read_bytes() == built  # ...and the site's is the one built
    _build(hub)
    assert site_file.read_bytes() == docs_file.read_bytes() != built
    assert tree_digest(hub / "site") == _clean_build(hub, tmp_path)


def test_a_warning_is_not_hidden_by_the_cache(hub: Path) -> None:
    beta = hub / "content" / "beta.md"
    beta.write_text(beta.read_text("utf-8") + "\nSee [the gone page](gone.md).\n", "utf-8")
    for _ in range(2):  # the failed build wrote no cache entry that would skip the page
        proc = run_khub(hub, "build", today=TODAY.isoformat())
        assert proc.returncode == 1
        assert "contains a link 'gone.md'" in proc.stderr


def test_a_restored_page_still_has_its_links_checked(hub: Path) -> None:
    alpha, beta = hub / "content" / "alpha.md", hub / "content" / "beta.md"
    alpha.write_text(alpha.read_text("utf-8") + "\n## Scores in detail\n\nMore.\n", "utf-8")
    beta.write_text(beta.read_text("utf-8") + "\nSee [the scores](alpha.md#scores-in-detail).\n")
    assert _build(hub)[0] == 2  # both pages converted; beta's link checked and cached
    replace_once(alpha, "## Scores in detail", "## Scores at length")
    proc = run_khub(hub, "build", today=TODAY.isoformat())
    assert proc.returncode == 1, proc.stderr  # beta is unchanged and restored, yet checked
    assert "contains a link 'alpha.md#scores-in-detail'" in proc.stderr
    assert "does not contain an anchor '#scores-in-detail'" in proc.stderr


SHARED = re.compile(r"; other processes converted (\d+), rendered (\d+)")


def test_a_cold_build_over_two_processes_equals_a_serial_one(
    hub: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = tree_digest(hub / "site")  # the fixture's build: one process (KHUB_BUILD_JOBS=1)
    twin = copy_hub_sources(hub, tmp_path / "twin")
    monkeypatch.setenv(JOBS_ENV, "2")
    proc = run_khub(twin, "build", today=TODAY.isoformat())
    assert proc.returncode == 0, proc.stderr
    shared = SHARED.search(proc.stderr)
    assert shared is not None, proc.stderr
    assert int(shared.group(1)) > 0 and int(shared.group(2)) > 0  # a worker did pages
    assert tree_digest(twin / "site") == serial  # byte for byte


def test_a_warning_in_a_worker_s_page_fails_the_build(
    hub: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    twin = copy_hub_sources(hub, tmp_path / "twin")
    modules = sorted((twin / "content").glob("*.md"))
    for path in modules:  # every module, so the workers' shares have some too
        path.write_text(path.read_text("utf-8") + f"\nSee [gone](gone-{path.stem}.md).\n")
    monkeypatch.setenv(JOBS_ENV, "2")
    proc = run_khub(twin, "build", today=TODAY.isoformat())
    assert proc.returncode == 1
    for path in modules:  # each page's warning is printed once, the workers' too
        assert proc.stderr.count(f"contains a link 'gone-{path.stem}.md'") == 1, proc.stderr


def copy_hub_sources(hub: Path, dest: Path) -> Path:
    """Copy hub's sources to dest, without its builds and with no cache of its own."""
    shutil.copytree(hub, dest, ignore=shutil.ignore_patterns("build", "site", ".khub-cache"))
    assert not cache_root(dest).exists()
    return dest
