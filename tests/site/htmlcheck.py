"""Checks over built HTML pages: internal links, fact elements, outside loads."""

from __future__ import annotations

import posixpath
from functools import cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bs4 import BeautifulSoup, Tag


@cache
def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "lxml")


def soup(path: Path) -> BeautifulSoup:
    """Return the parsed HTML of a page (parsed once)."""
    return _soup(path.resolve())


def pages(site: Path) -> list[Path]:
    """Return every HTML page of a built site."""
    return sorted(site.rglob("*.html"))


def resolve(site: Path, page: Path, href: str) -> tuple[Path, str] | None:
    """Return (file, fragment) an internal link points to; None for outside links."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    base = page.relative_to(site).parent.as_posix()
    path = unquote(parts.path)
    if path.startswith("/"):
        target = posixpath.normpath(path.lstrip("/") or ".")
    elif path:
        target = posixpath.normpath(posixpath.join(base, path))
    else:
        target = page.relative_to(site).as_posix()
    file = site / str(target)
    if file.is_dir() or str(href).endswith("/"):
        file = file / "index.html"
    return file, parts.fragment


def broken_links(site: Path) -> list[str]:
    """Return every internal link of the site whose file or anchor does not exist."""
    broken: list[str] = []
    for page in pages(site):
        for a in soup(page).find_all("a", href=True):
            found = resolve(site, page, str(a["href"]))
            if found is None:
                continue
            file, fragment = found
            if not file.is_file():
                broken.append(f"{page.relative_to(site)}: {a['href']} (no file)")
            elif fragment and file.suffix == ".html" and soup(file).find(id=fragment) is None:
                broken.append(f"{page.relative_to(site)}: {a['href']} (no anchor)")
    return broken


LOADS = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src"}


def outside_loads(site: Path) -> list[str]:
    """Return every resource a page would load from a host (links to sources are not loads)."""
    found: list[str] = []
    for page in pages(site):
        for name, attr in LOADS.items():
            for tag in soup(page).find_all(name):
                url = str(tag.get(attr) or "")
                rel = tag.get("rel") or []
                if name == "link" and ("canonical" in rel or "alternate" in rel):
                    continue
                if urlsplit(url).scheme in ("http", "https") or url.startswith("//"):
                    found.append(f"{page.relative_to(site)}: <{name} {attr}={url}>")
    return found


def fact_elements(page: Path) -> list[Tag]:
    """Return the fact elements of a page."""
    return [t for t in soup(page).select("[data-fact-id]") if isinstance(t, Tag)]


def fact_data(element: Tag) -> str:
    """Return a fact element's data-* attributes (its popover data) as one sorted line."""
    return " ".join(f"{k}={v}" for k, v in sorted(element.attrs.items()) if k.startswith("data-"))
