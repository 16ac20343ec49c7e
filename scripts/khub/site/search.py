"""One search entry per fact, added to the theme's search index after the build.

The fact pages (series, derived, fact index) are mostly tables and stay out of the search
index (`search: exclude: true` in their front matter): parsing them for search cost a
third of a build, and every table cell made a poor hit. Instead each fact gets one small
entry, pointing at its place on its page: its label as the title, and its value, series
and id as the text, read from the generated API (api/v1/facts.json) and the series pages'
titles. The index is rewritten in the theme's own compact JSON, so builds stay byte-stable.
"""

from __future__ import annotations

import html
import json
import posixpath
from pathlib import Path
from typing import Any

FACTS_API = "api/v1/facts.json"
SEARCH_INDEX = "search/search_index.json"
TITLE_PREFIX = "title: "


def add_fact_entries(docs_dir: Path, site_dir: Path, directory_urls: bool) -> bool:
    """Append one entry per fact to site_dir's search index; False when there is none."""
    index_path, api_path = site_dir / SEARCH_INDEX, docs_dir / FACTS_API
    if not index_path.is_file() or not api_path.is_file():
        return False
    index = json.loads(index_path.read_text(encoding="utf-8"))
    facts: dict[str, dict[str, Any]] = json.loads(api_path.read_text(encoding="utf-8"))["facts"]
    titles: dict[str, str] = {}
    for fid in sorted(facts):
        index["docs"].append(_entry(fid, facts[fid], docs_dir, titles, directory_urls))
    text = json.dumps(index, separators=(",", ":"))  # as the theme writes it
    index_path.write_text(text, encoding="utf-8")
    return True


def _entry(
    fid: str, fact: dict[str, Any], docs: Path, titles: dict[str, str], directory_urls: bool
) -> dict[str, str]:
    page, _, anchor = str(fact["page"]).partition("#")
    if page not in titles:
        titles[page] = page_title(docs / page)
    text = f"{fact['display']} · {titles[page]} · {fid}"
    return {
        "location": f"{page_url(page, directory_urls)}#{anchor}",
        "title": html.escape(str(fact["label"])),
        "text": html.escape(text),
    }


def page_title(path: Path) -> str:
    """Return the title a generated page's front matter gives it (plain text)."""
    try:
        with path.open(encoding="utf-8") as handle:
            for _, line in zip(range(6), handle, strict=False):
                if line.startswith(TITLE_PREFIX):
                    return html.unescape(str(json.loads(line[len(TITLE_PREFIX) :])))
    except (OSError, ValueError):
        pass
    return path.stem


def page_url(page: str, directory_urls: bool) -> str:
    """Return the URL of a page of build/docs, relative to the site's root."""
    stem = page.removesuffix(".md")
    if not directory_urls:
        return f"{stem}.html"
    if stem == "index" or stem.endswith("/index"):
        folder = posixpath.dirname(stem)
        return f"{folder}/" if folder else ""
    return f"{stem}/"
