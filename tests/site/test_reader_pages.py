"""What readers see on the generated pages, in a real strict build of the three-edition hub.

Editions read "June 2026", dates read "30 June 2026", units are words, a source without a
link says so in plain words with its access date, and the what-changed block comes after
the module's opening paragraph.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from khub.data.load import load
from khub.render.whatchanged import extra_files, module_preamble
from khub.site.builder import mkdocs_build
from khub.site.generate import generate
from tests.kit.history import history_hub

pytestmark = pytest.mark.slow
ISO = re.compile(r"\b20[0-9]{2}-[01][0-9](-[0-3][0-9])?\b")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build the history hub (three editions, a source with an access date) once."""
    root = history_hub(tmp_path_factory.mktemp("readers") / "hub")
    sources = root / "data" / "sources.yml"
    sources.write_text(sources.read_text() + "  accessed: 2026-05-02\n")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("KHUB_TODAY", "2026-06-30")
        factset, _ = load(root, cache=False)
        generate(
            root,
            factset,
            module_preamble=module_preamble(root, factset),
            extra_files=[extra_files],
            cache=False,
        )
        return mkdocs_build(root)


def _text(site: Path, page: str) -> str:
    soup = BeautifulSoup((site / page / "index.html").read_text(), "html.parser")
    article = soup.find("article")
    assert article is not None
    return " ".join(article.get_text(" ").split())


@pytest.mark.parametrize(
    "page", ["", "mod-a", "mod-b", "changelog", "facts", "facts/score", "facts/price", "sources"]
)
def test_no_iso_dates_or_edition_ids_in_visible_text(site: Path, page: str) -> None:
    text = _text(site, page)
    assert ISO.findall(text) == [], ISO.search(text)


def test_editions_read_as_months(site: Path) -> None:
    assert "Current edition: June 2026 ." in _text(site, "")  # bold, so spaced
    assert "Edition `" not in _text(site, "changelog")
    assert "Published 30 June 2026." in _text(site, "changelog")


def test_units_are_words_and_never_codes(site: Path) -> None:
    index = _text(site, "facts")
    assert "USD per million tokens" in index
    assert "usd_per_mtok" not in index
    assert "unit: USD per million tokens" in _text(site, "facts/price")


def test_a_source_without_a_link_says_so_with_its_access_date(site: Path) -> None:
    sources = _text(site, "sources")
    assert "URL unknown" not in sources
    assert "No public link is known · accessed 2 May 2026" in sources


def test_the_block_follows_the_opening_paragraph(site: Path) -> None:
    soup = BeautifulSoup((site / "mod-a" / "index.html").read_text(), "html.parser")
    article = soup.find("article")
    assert article is not None
    lead = {"khub-freshness", "khub-legend", "khub-notice"}  # the freshness lead, before the body
    blocks = [
        el
        for el in article.find_all(["p", "details", "div"], recursive=False)
        if not lead & set(el.get("class") or [])
    ]
    assert blocks[0].name == "p" and blocks[0].get_text().startswith("Alpha scores")
    assert blocks[1].name == "details" and "khub-changes" in blocks[1]["class"]
    assert blocks[1].has_attr("open")  # three items: shown open
    assert "Last reviewed" not in article.get_text()


def test_fact_tables_and_charts_stay_out_of_search(site: Path) -> None:
    index = json.loads((site / "search" / "search_index.json").read_text())
    text = " ".join(d["text"] for d in index["docs"])
    assert "Field Value" not in text
    assert "Oct 2025" not in text  # the history chart's axis label
    assert all(not d["location"].startswith("facts/price/#alpha-") for d in index["docs"])
