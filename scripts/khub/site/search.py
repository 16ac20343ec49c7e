"""One search entry per fact, added to the theme's search index as the theme writes it.

The fact pages (series, derived, fact index) are mostly tables and stay out of the search
index (`search: exclude: true` in their front matter): parsing them for search cost a
third of a build, and every table cell made a poor hit. Instead each fact gets one small
entry, pointing at its place on its page: its label as the title, and its value, its
page's title and its id as the text.

`khub generate` writes the entries (`entries_file`) into build/docs/assets/hub/.search.json,
a dot file, which the builder leaves out of the site; the khub plugin (khub.site.theme)
adds them to the theme's search entries just before the theme writes its index, after
every page's own entries (`index_facts`), giving each its URL under the site's URL style.
"""

from __future__ import annotations

import functools
import html
import json
import posixpath
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from khub.data.model import Fact, FactSet
from khub.render.elements import fact_target, value_text
from khub.render.manifest import digest
from khub.render.pagecache import FactPrints, Fragments, base_key

FACT_ENTRIES = "assets/hub/.search.json"
TITLE_PREFIX = "title: "


def entries_file(
    factset: FactSet,
    pages: Mapping[str, bytes],
    prints: FactPrints,
    rows: Fragments | None = None,
) -> bytes:
    """Return the search entries of every fact, in id order, as the khub plugin reads them.

    Each is [page, anchor, title, text], HTML-escaped as the theme's index holds them; a
    page's title is the one its front matter in pages gives it. With rows (a cache), a
    fact's entry is kept under its print and its page's title, and made only when either
    changed.
    """
    base = digest(base_key(prints.freshness), "search")
    titles: dict[str, str] = {}
    pieces: list[str] = []
    for fid in sorted(factset.facts):
        fact = factset.facts[fid]
        page, anchor = fact_target(fact, factset)
        if page not in titles:
            titles[page] = page_title(pages.get(page, b""), page)
        make = functools.partial(_row, fid, fact, page, anchor, titles[page])
        if rows is None:
            pieces.append(make())
        else:
            key = digest(base, prints.element(fid), titles[page])
            pieces.append(rows.piece(fid, key, make))
    return f"[{','.join(pieces)}]".encode()


def _row(fid: str, fact: Fact, page: str, anchor: str, title: str) -> str:
    text = f"{value_text(fact)} · {title} · {fid}"
    row = [page, anchor, html.escape(str(fact.label)), html.escape(text)]
    return json.dumps(row, separators=(",", ":"))


def page_title(page: bytes, path: str) -> str:
    """Return the title a generated page's front matter gives it (plain text; else its name)."""
    for line in page[:4096].decode("utf-8", errors="replace").splitlines()[:6]:
        if line.startswith(TITLE_PREFIX):
            try:
                return html.unescape(str(json.loads(line[len(TITLE_PREFIX) :])))
            except ValueError:
                break
    return posixpath.splitext(posixpath.basename(path))[0]


def theme_entries(config: Any) -> list[dict[str, Any]] | None:
    """Return the search plugin's list of entries; None when the build has no search."""
    for plugin in config.plugins.values():  # Material's is named "material/search"
        entries = getattr(getattr(plugin, "search_index", None), "entries", None)
        if isinstance(entries, list):
            return entries
    return None


def index_facts(config: Any) -> bool:
    """Add one entry per fact to the search plugin's entries, before it writes its index.

    False when there is nothing to add to: no search plugin, or no entries file (a docs
    folder khub did not generate), or one that is not a list of rows of four strings.
    """
    entries = theme_entries(config)
    path = Path(config["docs_dir"]) / FACT_ENTRIES
    if entries is None or path.is_symlink() or not path.is_file():
        return False
    try:
        rows = json.loads(path.read_bytes())
    except ValueError:
        return False
    if not isinstance(rows, list) or not all(_is_row(row) for row in rows):
        return False
    directory_urls = bool(config["use_directory_urls"])
    entries.extend(
        {"location": f"{page_url(page, directory_urls)}#{anchor}", "title": title, "text": text}
        for page, anchor, title, text in rows
    )
    return True


def _is_row(row: object) -> bool:
    return isinstance(row, list) and len(row) == 4 and all(isinstance(s, str) for s in row)


def page_url(page: str, directory_urls: bool) -> str:
    """Return the URL of a page of build/docs, relative to the site's root."""
    stem = page.removesuffix(".md")
    if not directory_urls:
        return f"{stem}.html"
    if stem == "index" or stem.endswith("/index"):
        folder = posixpath.dirname(stem)
        return f"{folder}/" if folder else ""
    return f"{stem}/"
