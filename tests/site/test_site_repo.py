"""The repository's own hub (content/, data/, templates/) generates and builds strictly."""

from __future__ import annotations

import shutil

import pytest
from htmlcheck import broken_links, fact_elements, outside_loads, pages
from sitekit import REPO, Built, build_hub

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def repo_site(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = tmp_path_factory.mktemp("repo") / "hub"
    root.mkdir()
    for name in ("content", "data", "templates"):
        shutil.copytree(REPO / name, root / name)
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    return build_hub(root)


def test_every_module_page_exists_with_traceable_facts(repo_site: Built) -> None:
    modules = sorted(p.stem for p in (REPO / "content").glob("*.md"))
    assert modules
    for module in modules:
        elements = fact_elements(repo_site.site / module / "index.html")
        assert elements, module
        for element in elements:
            assert element["data-fact-id"] in repo_site.factset.facts
            assert str(element["title"]).startswith(("Source: ", "Derived: "))


def test_links_resolve_and_nothing_loads_from_outside(repo_site: Built) -> None:
    assert len(pages(repo_site.site)) > 5
    assert broken_links(repo_site.site) == []
    assert outside_loads(repo_site.site) == []
