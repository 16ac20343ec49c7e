"""khub's generated HTML blocks in Python-Markdown: set aside unparsed, links resolved.

khub.render.blocks writes the generated tables as HTML, each after a `<!-- khub:html -->`
line and without blank lines inside. Two steps make them cheap and correct:

- Before any HTML parser runs, each such block goes to Python-Markdown's stash as it is
  (Python-Markdown's and the builder's HTML parsers would otherwise walk every tag). The
  page sanitiser (khub.render.sanitize) still cleans it with the rest of the page; without
  this extension the block is an ordinary raw HTML block, with the same output.
- Their links name source pages, `../sources.md#id`, as Markdown links do. Zensical
  resolves such links in HTML itself; MkDocs and ProperDocs only resolve links of the
  Markdown tree. So every relative `.md` link of a marked block goes to the page's own
  link resolver (the `relpath` treeprocessor MkDocs registers for each page),
  which also validates the target and its anchor in strict mode. Where no such resolver is
  registered (Zensical), links are left to the builder.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

from markdown import Markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor

EXTENSION = "khub.render.links"
STASH_PRIORITY = 25  # before the builder's (21) and Python-Markdown's (20) HTML parsers
MARK = "<!-- khub:html -->"


class StashBlocks(Preprocessor):
    """Put every marked HTML block in the stash, unparsed."""

    def run(self, lines: list[str]) -> list[str]:
        """Return the lines with each marked block replaced by its stash placeholder."""
        if MARK not in lines:
            return lines
        out: list[str] = []
        block: list[str] | None = None
        for line in [*lines, ""]:
            if block is None:
                if line == MARK:
                    block = []
                else:
                    out.append(line)
            elif line.strip():
                block.append(line)
            else:
                out += ["", self.md.htmlStash.store(self._resolved(block)), "", line]
                block = None
        return out[:-1]

    def _resolved(self, block: list[str]) -> str:
        text = "\n".join(block)
        resolver = _resolver(self.md)
        return text if resolver is None or ".md" not in text else resolve_links(text, resolver)


_HREF = re.compile(r'(<a\s[^>]*?\bhref=")([^"]*)(")')


def resolve_links(block: str, resolver: Any) -> str:
    """Return block with every relative `.md` href replaced by the URL resolver gives."""

    def replace(match: re.Match[str]) -> str:
        href = html.unescape(match.group(2))
        if not _is_source_link(href):
            return match.group(0)
        url = str(resolver.path_to_url(href))
        return f"{match.group(1)}{html.escape(url)}{match.group(3)}"

    return _HREF.sub(replace, block)


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
    """Register the block stash (which resolves the blocks' links)."""

    def extendMarkdown(self, md: Markdown) -> None:
        """Add the postprocessor to md."""
        md.preprocessors.register(StashBlocks(md), "khub_html", STASH_PRIORITY)


def makeExtension(**kwargs: Any) -> LinksExtension:
    """Return the extension (Python-Markdown's entry point)."""
    return LinksExtension(**kwargs)
