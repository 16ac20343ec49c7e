"""Resolve `.md` links inside raw HTML blocks the way MkDocs resolves Markdown links.

khub's generated tables are raw HTML (khub.render.blocks) whose links name the source page,
`../sources.md#id`, as Markdown links do. Zensical resolves such links in HTML itself;
MkDocs and ProperDocs only resolve links of the Markdown tree, and leave raw HTML as it is.
This extension closes that gap under MkDocs and ProperDocs: once raw HTML is back in the
page, it hands every relative `.md` link to the page's own link resolver (the `relpath`
treeprocessor MkDocs registers for each page), which also validates the target and its
anchor in strict mode. Where no such resolver is registered (Zensical), it does nothing.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

from markdown import Markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor

EXTENSION = "khub.render.links"
PRIORITY = -50  # after raw HTML is restored (30), before the sanitiser (-100)
_HREF = re.compile(r'(<a\s[^>]*?\bhref=")([^"]*)(")')


class SourceLinks(Postprocessor):
    """Turn relative `.md` hrefs of raw HTML into the URLs of the pages they name."""

    def run(self, text: str) -> str:
        """Return the page with every relative `.md` href resolved by the page's resolver."""
        resolver = _resolver(self.md)
        if resolver is None or ".md" not in text:
            return text

        def replace(match: re.Match[str]) -> str:
            href = html.unescape(match.group(2))
            if not _is_source_link(href):
                return match.group(0)
            url = str(resolver.path_to_url(href))
            return f"{match.group(1)}{html.escape(url)}{match.group(3)}"

        return _HREF.sub(replace, text)


def _resolver(md: Markdown) -> Any | None:
    """Return the builder's per-page link resolver, if it registered one."""
    if "relpath" not in md.treeprocessors:
        return None
    found = md.treeprocessors["relpath"]
    return found if hasattr(found, "path_to_url") else None


def _is_source_link(href: str) -> bool:
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or href.startswith(("/", "\\", "#")):
        return False
    return parts.path.endswith(".md")


class LinksExtension(Extension):
    """Register the raw-HTML link resolver."""

    def extendMarkdown(self, md: Markdown) -> None:
        """Add the postprocessor to md."""
        md.postprocessors.register(SourceLinks(md), "khub_links", PRIORITY)


def makeExtension(**kwargs: Any) -> LinksExtension:
    """Return the extension (Python-Markdown's entry point)."""
    return LinksExtension(**kwargs)
