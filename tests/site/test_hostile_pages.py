"""Hostile data renders as inert text everywhere: pages, tooltips, tables, footnotes, JSON."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.kit.hubs import copy_hub
from tests.site.htmlcheck import fact_elements, pages, soup
from tests.site.kit import Built, build_hub

pytestmark = pytest.mark.slow

HOSTILE = (
    'Bench <script>alert(1)</script> "><img src=x onerror=alert(2)> {{ 7*7 }} '
    "{% if true %}yes{% endif %} *bold* _em_ [link](https://evil.example) | pipe `tick` \\ {: .x}"
)

HOSTILE_URL = 'https://bench.example.org/b?a=1&b="><img src=x onerror=alert(3)>(x)[y]'


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Built:
    root = copy_hub(tmp_path_factory.mktemp("hostile") / "hub")
    quoted = json.dumps(HOSTILE)
    _replace(root / "data" / "sources.yml", "title: Bench leaderboard", f"title: {quoted}")
    _replace(
        root / "data" / "sources.yml",
        "url: https://bench.example.org/board",
        f"url: {json.dumps(HOSTILE_URL)}",
    )
    _replace(root / "data" / "facts" / "bench.yml", "label: Model A", f"label: {quoted}")
    _replace(
        root / "data" / "facts" / "bench.yml",
        "note: Reported by the vendor before the board re-ran it.",
        f"note: {quoted}",
    )
    _replace(root / "content" / "alpha.md", "title: Alpha module", f"title: {quoted}")
    _replace(
        root / "content" / "alpha.md",
        '{{ series_table("bench-score", label="Model") }}',
        '{{ series_table("bench-score", columns=["label", "value", "note", "source"]) }}',
    )
    return build_hub(root)


def _text(node: object) -> str:
    return " ".join(str(node).split())


def test_no_injected_markup_anywhere(hostile: Built) -> None:
    for page in pages(hostile.site):
        html = soup(page)
        assert html.find("img", attrs={"onerror": True}) is None, page
        for tag in html.find_all(True):
            assert not [a for a in tag.attrs if a.startswith("on")], (page, tag.name)
        for script in html.find_all("script"):
            assert "alert(" not in script.get_text(), page
        for link in html.find_all("a", href=True):
            assert "evil.example" not in str(link["href"]), page


def test_popover_data_holds_the_literal_text(hostile: Built) -> None:
    page = hostile.site / "alpha" / "index.html"
    sources = {
        str(e["data-source"])
        for e in fact_elements(page)
        if e["data-fact-id"] == "bench-score.model-a"
    }
    assert sources == {f"{HOSTILE} (Bench Org)"}


def test_table_cells_hold_the_literal_text(hostile: Built) -> None:
    table = soup(hostile.site / "alpha" / "index.html").select_one("article table")
    assert table is not None
    rows = table.select("tbody tr")
    assert [len(r.find_all("td")) for r in rows] == [4, 4]
    assert _text(rows[0].find("td").get_text()) == _text(HOSTILE)
    assert _text(rows[1].find_all("td")[2].get_text()) == _text(HOSTILE)


def test_titles_footnotes_and_sources_hold_the_literal_text(hostile: Built) -> None:
    alpha = soup(hostile.site / "alpha" / "index.html")
    assert _text(alpha.find("h1").get_text()).startswith(_text(HOSTILE))
    assert _text(HOSTILE) in _text(alpha.title.get_text() if alpha.title else "")
    note = alpha.select_one("div.footnote li")
    assert note is not None and f"“{_text(HOSTILE)}”" in _text(note.get_text())
    sources = soup(hostile.site / "sources" / "index.html")
    heading = sources.find(id="bench-board")
    assert heading is not None and _text(heading.get_text()).startswith(_text(HOSTILE))
    series = soup(hostile.site / "facts" / "bench-score" / "index.html")
    assert _text(series.find(id="model-a").get_text()).startswith(_text(HOSTILE))  # type: ignore[union-attr]


def test_template_syntax_in_data_is_never_evaluated(hostile: Built) -> None:
    for page in pages(hostile.site):
        text = soup(page).get_text()
        assert "{{ 7*7 }}" in text or "7*7" not in text
        assert not re.search(
            r"Bench <script>alert\(1\)</script> \"><img src=x onerror=alert\(2\)> 49", text
        )


def test_json_keeps_the_exact_value_and_no_raw_angle_brackets(hostile: Built) -> None:
    api = hostile.site / "api" / "v1"
    for name in ("facts.json", "sources.json", "modules.json"):
        raw = (api / name).read_bytes()
        assert b"<" not in raw and b">" not in raw, name
    sources = json.loads((api / "sources.json").read_text(encoding="utf-8"))
    assert sources["schema_version"] == 1
    assert sources["sources"]["bench-board"]["title"] == HOSTILE
    facts = json.loads((api / "facts.json").read_text(encoding="utf-8"))
    assert facts["facts"]["bench-score.model-b"]["note"] == HOSTILE
    assert facts["facts"]["bench-score.model-a"]["label"] == HOSTILE
    modules = json.loads((api / "modules.json").read_text(encoding="utf-8"))
    assert modules["modules"]["alpha"]["title"] == HOSTILE


def test_hostile_url_stays_one_inert_link(hostile: Built) -> None:
    note = soup(hostile.site / "alpha" / "index.html").select_one("div.footnote li")
    assert note is not None
    links = [a for a in note.find_all("a") if "bench.example.org" in str(a.get("href"))]
    assert len(links) == 1
    assert links[0]["href"] == (
        "https://bench.example.org/b?a=1&b=%22%3E%3Cimg%20src=x%20onerror=alert%283%29%3E%28x%29%5By%5D"
    )
    assert links[0].get_text() == HOSTILE_URL
