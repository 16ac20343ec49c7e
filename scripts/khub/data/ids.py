"""The one rule for ids, and the names the generated site keeps for its own pages.

Series, subjects, modules, sources, claims, derived facts and decision-rule entries are all
named by ids: lower-case letters, digits and hyphens, starting with a letter or digit, at
most MAX_ID_LENGTH characters. Ids become file names (content/<module>.md, the page
facts/<series>.md) and anchors, so nothing else is allowed in them. A module name or series
id that would land on a page the site generates itself is reserved.
"""

from __future__ import annotations

import re

from khub.errors import shown

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
MAX_ID_LENGTH = 64

# The top level of build/docs and site/: generated pages and folders, the search plugin's
# folder, the feed, the sitemap and the 404 page; plus names kept for pages yet to come.
PAGE_NAMES = frozenset(
    {
        "404",
        "api",
        "assets",
        "changelog",
        "editions",
        "facts",
        "feed",
        "feeds",
        "health",
        "index",
        "notes",
        "search",
        "sitemap",
        "sources",
    }
)
# Pages beside the series pages in facts/: the fact index and the derived facts.
SERIES_PAGE_NAMES = frozenset({"index", "derived"})

_ID = re.compile(ID_PATTERN.removeprefix("^").removesuffix("$"))  # fullmatch: no trailing \n


def is_id(value: str) -> bool:
    """Return True when value is a valid id."""
    return len(value) <= MAX_ID_LENGTH and _ID.fullmatch(value) is not None


def id_problem(value: str, what: str = "") -> tuple[str, str] | None:
    """Return (message, hint) when value is not a valid id, None when it is."""
    lead = f"{what} " if what else ""
    if len(value) > MAX_ID_LENGTH:
        return (
            f"{lead}{shown(value)} is too long for an id ({len(value)} characters)",
            f"an id has at most {MAX_ID_LENGTH} characters; shorten it",
        )
    if _ID.fullmatch(value) is None:
        return (
            f"{lead}{shown(value)} is not a valid id",
            f"ids use lower-case letters, digits and hyphens, such as '{suggest(value)}'",
        )
    return None


def series_problem(sid: str) -> tuple[str, str] | None:
    """Return (message, hint) when sid cannot name a series, None when it can."""
    if sid in SERIES_PAGE_NAMES:
        return f"series id '{sid}' is reserved: facts/{sid}.md is a page of its own", (
            "rename the series"
        )
    return id_problem(sid, "series")


def module_problem(name: str) -> tuple[str, str] | None:
    """Return (message, hint) when name cannot name a module, None when it can."""
    if name in PAGE_NAMES:
        return f"module name '{name}' is reserved for a page or folder of the site", (
            f"rename the file and its 'module:'; reserved: {', '.join(sorted(PAGE_NAMES))}"
        )
    return id_problem(name, "module")


def suggest(value: str) -> str:
    """Return an id close to value, for a hint."""
    text = re.sub(r"[^a-z0-9]+", "-", str(value).lower()).strip("-")
    return text[:MAX_ID_LENGTH].rstrip("-") or "model-a"
