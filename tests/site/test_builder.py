"""The built site: mkdocs build --strict, fact elements, footnotes, links, no outside hosts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from khub.site.builder import BuildError, mkdocs_build
from tests.kit.hubs import copy_hub
from tests.site.htmlcheck import broken_links, fact_elements, outside_loads, pages, resolve, soup
from tests.site.kit import Built, build_hub

pytestmark = pytest.mark.slow

MODULES = ("alpha", "beta")


def test_every_fact_element_has_its_provenance_data_and_link(built: Built) -> None:
    seen = 0
    for page in pages(built.site):
        for element in fact_elements(page):
            seen += 1
            fid = str(element["data-fact-id"])
            fact = built.factset.facts[fid]
            assert element["data-status"] == fact.status
            assert element["data-as-of"] == fact.as_of.isoformat()
            assert element["data-verified"] == fact.verified.isoformat()
            assert element.has_attr("data-source") != element.has_attr("data-formula"), fid
            assert not element.has_attr("title"), fid
            assert element.name == "a"
            target = resolve(built.site, page, str(element["href"]))
            assert target is not None
            file, anchor = target
            assert file.parent.name in (fact.series or "derived", "derived")
            assert anchor == fid.removeprefix(f"{fact.series}.") if fact.series else fid
    assert seen > 20


def test_stale_facts_are_visibly_marked(built: Built) -> None:
    page = built.site / "alpha" / "index.html"
    elements = fact_elements(page)
    stale = [e for e in elements if "khub-stale" in e.get("class", [])]
    assert {e["data-fact-id"] for e in stale} == {"bench-score.model-b", "lead"}
    for element in stale:
        assert element.select_one(".khub-badge").get_text() == "overdue"
        assert element.has_attr("data-stale-after")
        assert "†" not in element.get_text() and not element.select(".khub-sr")
    fresh = [e for e in elements if "khub-stale" not in e.get("class", [])]
    assert fresh and all(not e.select(".khub-badge") for e in fresh)


def test_only_vendor_and_estimated_figures_carry_a_label(built: Built) -> None:
    labelled: dict[str, str] = {}
    for page in pages(built.site):
        for element in fact_elements(page):
            label = element.select_one(".khub-label")
            status = str(element["data-status"])
            if status in ("vendor-reported", "estimate"):
                assert label is not None, element
                labelled[status] = label.get_text()
                assert label.has_attr("data-search-exclude")
            else:
                assert label is None, element
    assert labelled.get("vendor-reported", "vendor") == "vendor"
    assert labelled.get("estimate", "est.") == "est."
    assert labelled, "the fixture hub shows no vendor-reported or estimated figure"


def test_no_raw_template_syntax_outside_code(built: Built) -> None:
    for page in pages(built.site):
        article = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").find("article")
        if article is None:
            continue
        for code in article.find_all(["pre", "code"]):
            code.extract()
        text = article.get_text()
        assert "{{" not in text and "{%" not in text, page


def test_code_block_keeps_its_literal_braces(built: Built) -> None:
    code = soup(built.site / "alpha" / "index.html").find("pre")
    assert code is not None
    assert 'Write {{ fact("an.id") }} to show a fact.' in code.get_text()


@pytest.mark.parametrize(
    ("module", "titles"),
    [
        ("alpha", ["Bench leaderboard", "Vendor price list"]),
        ("beta", ["A cost study", "Vendor price list"]),
    ],
)
def test_footnotes_numbered_in_order_of_first_use(
    built: Built, module: str, titles: list[str]
) -> None:
    page = soup(built.site / module / "index.html")
    refs = [int(a.get_text()) for a in page.select("a.footnote-ref")]
    first_use = list(dict.fromkeys(refs))
    assert first_use == list(range(1, len(titles) + 1))
    notes = page.select("div.footnote li")
    assert [re.search("“(.+?)”", n.get_text()).group(1) for n in notes] == titles  # type: ignore[union-attr]


def test_every_internal_link_resolves(built: Built) -> None:
    assert broken_links(built.site) == []


def test_nothing_loads_from_another_host(built: Built) -> None:
    assert outside_loads(built.site) == []
    for css in built.site.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert not re.search(r"@import\s+url\(\s*['\"]?https?:", text), css
        assert "fonts.googleapis" not in text, css


def test_home_lists_modules_with_their_edition(built: Built) -> None:
    rows = soup(built.site / "index.html").select("article table tbody tr")
    cells = [[td.get_text(strip=True) for td in row.find_all("td")] for row in rows]
    assert cells == [
        ["Alpha module", "Scores and the lead of model A.", "working draft"],
        ["Beta module", "Costs of running it yourself.", "working draft"],
    ]


def test_sources_page_lists_citing_modules(built: Built) -> None:
    page = soup(built.site / "sources" / "index.html")
    entry = page.find(id="price-list")
    assert entry is not None
    cited = entry.find_next("p", string=None)
    texts = [p.get_text(" ", strip=True) for p in page.select("article p")]
    assert "Cited by: Alpha module , Beta module ." in texts
    assert cited is not None


def test_series_page_shows_history(built: Built) -> None:
    page = soup(built.site / "facts" / "bench-score" / "index.html")
    heading = page.find(id="model-a")
    assert heading is not None and heading.name == "h2"
    tables = page.select("article table")
    history = [t for t in tables if t.find("th", string="From")]
    rows = [[td.get_text() for td in tr.select("td")][:3] for tr in history[0].select("tbody tr")]
    assert rows == [["88.6%", "30 June 2026", "now"], ["87.9%", "1 May 2026", "30 June 2026"]]


def test_two_builds_are_byte_identical(tmp_path: Path, built: Built) -> None:
    other = build_hub(copy_hub(tmp_path / "again"))
    first = {
        p.relative_to(built.site): p.read_bytes() for p in built.site.rglob("*") if p.is_file()
    }
    second = {
        p.relative_to(other.site): p.read_bytes() for p in other.site.rglob("*") if p.is_file()
    }
    assert sorted(first) == sorted(second)
    assert [p for p in first if first[p] != second[p]] == []


def test_failed_build_leaves_site_as_it_was(tmp_path: Path) -> None:
    hub = build_hub(copy_hub(tmp_path / "hub"))
    before = {p: p.read_bytes() for p in hub.site.rglob("*") if p.is_file()}
    (hub.root / "build" / "docs" / "broken.md").write_text("[x](missing.md)\n", "utf-8")
    with pytest.raises(BuildError, match=r"missing\.md"):
        mkdocs_build(hub.root)
    after = {p: p.read_bytes() for p in hub.site.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in hub.root.iterdir() if p.name.startswith(".site-")] == []
    shutil.rmtree(hub.root / "build")


def test_site_url_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KHUB_SITE_URL", "http://127.0.0.1:8123/hub/")
    site = build_hub(copy_hub(tmp_path / "hub")).site
    canonical = soup(site / "alpha" / "index.html").find("link", rel="canonical")
    assert canonical is not None and canonical["href"] == "http://127.0.0.1:8123/hub/alpha/"
