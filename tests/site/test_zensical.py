"""The generated build/docs plus mkdocs.yml also build under Zensical, content intact."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.kit.hubs import copy_hub
from tests.site.htmlcheck import broken_links, fact_data, fact_elements, soup
from tests.site.kit import Built, build_hub

pytestmark = pytest.mark.slow

ZENSICAL = Path(sys.executable).parent / "zensical"


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> tuple[Built, Path]:
    built = build_hub(copy_hub(tmp_path_factory.mktemp("zensical") / "hub"))
    mkdocs_site = built.root / "site-mkdocs"
    shutil.move(built.site, mkdocs_site)
    env = dict(os.environ, SOURCE_DATE_EPOCH="1780272000")
    proc = subprocess.run(
        [str(ZENSICAL), "build", "--strict", "-f", "mkdocs.yml"],
        cwd=built.root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return Built(built.root, mkdocs_site, built.factset), built.root / "site"


def _facts(page: Path) -> list[tuple[str, str, str, str]]:
    return [
        (str(e["data-fact-id"]), fact_data(e), str(e["href"]), " ".join(e.get("class", [])))
        for e in fact_elements(page)
    ]


@pytest.mark.parametrize("module", ["alpha", "beta"])
def test_module_facts_match_mkdocs(both: tuple[Built, Path], module: str) -> None:
    mkdocs, zensical = both
    expected = _facts(mkdocs.site / module / "index.html")
    assert expected
    assert _facts(zensical / module / "index.html") == expected


@pytest.mark.parametrize("module", ["alpha", "beta"])
def test_module_text_and_footnotes_match_mkdocs(both: tuple[Built, Path], module: str) -> None:
    mkdocs, zensical = both
    ours, theirs = soup(mkdocs.site / module / "index.html"), soup(zensical / module / "index.html")
    assert [li.get_text(" ", strip=True) for li in theirs.select("div.footnote li")] == [
        li.get_text(" ", strip=True) for li in ours.select("div.footnote li")
    ]
    assert [p.get_text(" ", strip=True) for p in theirs.select("article p")] == [
        p.get_text(" ", strip=True) for p in ours.select("article p")
    ]
    assert theirs.select_one("[data-khub-calculator], [data-khub-chart]") is not None


def test_generated_pages_and_api_exist(both: tuple[Built, Path]) -> None:
    _, zensical = both
    for rel in (
        "index.html",
        "facts/index.html",
        "facts/bench-score/index.html",
        "sources/index.html",
    ):
        assert (zensical / rel).is_file(), rel
    for name in ("facts", "sources", "modules"):
        assert (zensical / "api" / "v1" / f"{name}.json").is_file()
    assert (zensical / "assets" / "khub" / "khub.css").is_file()


def test_internal_links_resolve(both: tuple[Built, Path]) -> None:
    _, zensical = both
    assert broken_links(zensical) == []
