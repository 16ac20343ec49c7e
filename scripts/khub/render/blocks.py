"""Trusted HTML blocks for the generated pages: tables and fact links the builder passes through.

Python-Markdown (with md_in_html) hands a top-level HTML block without a `markdown`
attribute to the page unchanged: no inline patterns, no attribute lists, no link rewriting.
The generated fact, series and derived pages are mostly tables of links, so writing those
tables as HTML here, from khub's own escaping (khub.render.escape), makes them cheap to
build. Links name source pages (`../sources.md#id`) as Markdown links do: Zensical resolves
them itself, khub.render.links does it under MkDocs and ProperDocs. Every block still
passes through the page sanitiser (khub.render.sanitize) like any other HTML.
"""

from __future__ import annotations

import html
import posixpath
from collections.abc import Iterable, Sequence

from khub.render.escape import md_attr, md_text, md_url

MARK = "<!-- khub:html -->"  # khub.render.links stashes the block that follows, unparsed


def text(value: str) -> str:
    """Return plain text as inert HTML text (the same escaping as Markdown text)."""
    return md_text(value)


def attr(value: str) -> str:
    """Return plain text safe inside a double-quoted HTML attribute."""
    return md_attr(value)


def page_url(target: str, page: str, anchor: str | None = None) -> str:
    """Return the link from page to target (both paths in build/docs), as a `.md` link."""
    fragment = f"#{anchor}" if anchor else ""
    if target == page and anchor:
        return fragment
    folder, name = posixpath.split(target)
    up = posixpath.relpath(folder or ".", posixpath.dirname(page) or ".")
    return (f"{up}/{name}" if up != "." else name) + fragment


def link(label: str, href: str, attributes: str = "") -> str:
    """Return an anchor whose text is escaped and whose destination is quoted."""
    extra = f" {attributes}" if attributes else ""
    return f'<a{extra} href="{html.escape(md_url(href))}">{text(label)}</a>'


def code(value: str) -> str:
    """Return inline code holding plain text."""
    return f"<code>{text(value)}</code>"


def table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Return a table of ready HTML cells, marked for khub.render.links to stash."""
    header = "".join(f"<th>{cell}</th>" for cell in head)
    out = [MARK, "<table>", f"<thead><tr>{header}</tr></thead>", "<tbody>"]
    out += ["<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows]
    out += ["</tbody>", "</table>"]
    return "\n".join(out)
