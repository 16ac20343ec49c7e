"""The repository's own hub, with every extension wired as `khub build` does, builds strictly."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from khub.cli.site import run_generate
from khub.data.load import load
from khub.data.model import STATUSES
from khub.site.builder import mkdocs_build
from tests.kit.hubs import TODAY
from tests.kit.paths import REPO
from tests.site.htmlcheck import (
    broken_links,
    fact_data,
    fact_elements,
    outside_loads,
    pages,
    soup,
)
from tests.site.kit import Built

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def repo_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("repo") / "hub"
    root.mkdir()
    for name in ("content", "data", "templates"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    run_generate(root, TODAY)
    factset, _ = load(root, today=TODAY)
    return Built(root, mkdocs_build(root), factset)


def test_every_module_page_exists_with_traceable_facts(repo_site: Built) -> None:
    modules = sorted(p.stem for p in (REPO / "content").glob("*.md"))
    assert modules
    for module in modules:
        elements = fact_elements(repo_site.site / module / "index.html")
        assert elements, module
        for element in elements:
            assert element["data-fact-id"] in repo_site.factset.facts
            assert element.has_attr("data-source") or element.has_attr("data-formula")
            assert element["data-status"] in (*STATUSES, "derived")


def test_links_resolve_and_nothing_loads_from_outside(repo_site: Built) -> None:
    assert len(pages(repo_site.site)) > 5
    assert broken_links(repo_site.site) == []
    assert outside_loads(repo_site.site) == []


def test_zensical_builds_the_same_module_content(repo_site: Built) -> None:
    out = repo_site.root / "site-zensical"
    config = (repo_site.root / "mkdocs.yml").read_text(encoding="utf-8")
    (repo_site.root / "zensical.yml").write_text(
        config.replace("site_dir: site", "site_dir: site-zensical"), encoding="utf-8"
    )
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "zensical"), "build", "--strict", "-f", "zensical.yml"],
        cwd=repo_site.root,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for path in sorted((REPO / "content").glob("*.md")):
        ours = repo_site.site / path.stem / "index.html"
        theirs = out / path.stem / "index.html"
        expected = [(fact_data(e), e["href"]) for e in fact_elements(ours)]
        assert [(fact_data(e), e["href"]) for e in fact_elements(theirs)] == expected
        assert len(soup(theirs).select("div.footnote li")) == len(
            soup(ours).select("div.footnote li")
        )


def test_every_page_announces_the_feed_and_modules_link_the_changelog(repo_site: Built) -> None:
    assert (repo_site.site / "feed.xml").is_file()
    for page in (repo_site.site / "index.html", repo_site.site / "open-vs-closed" / "index.html"):
        links = soup(page).select('link[rel="alternate"][type="application/atom+xml"]')
        assert len(links) == 1
        assert (page.parent / str(links[0]["href"])).resolve() == repo_site.site / "feed.xml"
    for path in sorted((REPO / "content").glob("*.md")):
        page = soup(repo_site.site / path.stem / "index.html")
        assert page.select_one('a[href="../changelog/"]') is not None, path.stem
