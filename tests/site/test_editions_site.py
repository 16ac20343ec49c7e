"""The what-changed blocks, changelog and feed inside a real `mkdocs build --strict`."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from khub.data.load import load
from khub.render.whatchanged import extra_files, module_block, module_preamble, site_url
from khub.site.builder import mkdocs_build
from khub.site.generate import generate
from tests.kit.editions import site_ready


@pytest.mark.slow
def test_three_editions_build_into_a_strict_site(
    hub3: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KHUB_SITE_URL", "https://hub.test/kh/")
    site_ready(hub3)
    factset, _ = load(hub3)
    preamble = module_preamble(hub3, factset)
    assert preamble("mod-a", frozenset({"score.alpha", "lead"})) == module_block(
        hub3, factset, "mod-a", ["lead", "score.alpha"]
    )
    generate(hub3, factset, module_preamble=preamble, extra_files=[extra_files], cache=False)
    docs = hub3 / "build" / "docs"
    page = (docs / "mod-a.md").read_text()
    assert page.index("Alpha scores") < page.index('???+ khub-changes "')
    site = mkdocs_build(hub3)  # strict: a broken link or anchor fails the build
    html = (site / "mod-a" / "index.html").read_text()
    assert html.index("Alpha scores") < html.index('<details class="khub-changes"')
    assert 'href="../facts/derived/#lead"' in html
    changelog = (site / "changelog" / "index.html").read_text()
    assert 'id="june-2026-edition"' in changelog
    assert 'href="../mod-b/"' in changelog
    feed = ET.fromstring((site / "feed.xml").read_bytes())
    links = [e.get("href") for e in feed.iter("{http://www.w3.org/2005/Atom}link")]
    assert "https://hub.test/kh/changelog/#june-2026-edition" in links
    assert site_url(hub3) == "https://hub.test/kh/"
