"""Sanitise every page the site builder renders: a Python-Markdown extension over nh3.

mkdocs.yml lists it as `khub.render.sanitize` under markdown_extensions, so it runs under MkDocs,
ProperDocs and Zensical alike (they all render pages with Python-Markdown). Its
postprocessor runs after every other one, once raw HTML, footnotes and code blocks are back
in the page, and passes the page's HTML through nh3 (the Rust ammonia sanitiser) with the
one allow-list below. The table of contents the theme prints beside the page is cleaned too.

What survives is what khub's own helpers and the enabled Markdown extensions emit: prose
and tables, admonitions, details, footnotes, heading permalinks, code, fact elements, the
calculator forms and the inline SVG charts. What goes: every other element (script, style,
iframe, object, embed, meta, link, base, template, button, textarea, MathML, SVG animation
and foreignObject...), every event handler and every attribute not listed (a fact link's
popover data only on links, in khub's shape: a status, ISO dates, a day count), any URL
whose scheme is not http, https or mailto (javascript:, data:, vbscript:...), images from
another host, inline styles beyond table alignment and SVG paint, and CSS url() that leaves
the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import nh3
import yaml
from markdown import Markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor

from khub.errors import KhubError

EXTENSION = "khub.render.sanitize"
CONFIG = "mkdocs.yml"
PRIORITY = -100  # below every built-in postprocessor (raw_html 30, footnote 25, amp 20)

PROSE_TAGS = frozenset(
    {
        *("a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "col", "colgroup"),
        *("dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure"),
        *("h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li", "mark"),
        *("ol", "p", "pre", "q", "s", "samp", "small", "span", "strong", "sub", "summary"),
        *("sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul", "var"),
    }
)
FORM_TAGS = frozenset({"form", "input", "label", "option", "select"})
SVG_TAGS = frozenset(
    {
        *("svg", "g", "path", "rect", "circle", "ellipse", "line", "polyline", "polygon"),
        *("use", "defs", "clipPath", "pattern", "title", "desc", "text"),
    }
)
TAGS = PROSE_TAGS | FORM_TAGS | SVG_TAGS
DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "embed", "textarea"}
)

# data-* attributes khub's markup and calculators.js read; no other data-* gets through, so
# a module cannot drive the theme's scripts (data-md-*) either.
KHUB_DATA = frozenset(
    {
        "data-fact-id",
        "data-khub-calc",
        "data-khub-src",
        "data-khub-version",
        "data-khub-results",
        "data-khub-status",
        "data-khub-calculator",
        "data-khub-chart",
        "data-out",
        "data-work",
        "data-var",
        "data-search-exclude",  # the theme's search leaves the element out (labels, badges, charts)
    }
)
# What a fact link tells the popover script (khub.render.elements.popover_data); only on <a>,
# and only in the shape khub writes them, so a module cannot make a popover say more.
FACT_DATA = frozenset(
    {
        "data-status",
        "data-as-of",
        "data-verified",
        "data-source",
        "data-formula",
        "data-stale-after",
        "data-failing-since",
    }
)
FACT_STATUSES = frozenset({"official", "vendor-reported", "independent", "estimate", "derived"})
MAX_FACT_TEXT = 1000
GLOBAL_ATTRIBUTES = KHUB_DATA | {
    "class",
    "id",
    "title",
    "lang",
    "dir",
    "role",
    "hidden",
    "aria-label",
    "aria-labelledby",
    "aria-describedby",
    "aria-hidden",
    "aria-live",
}
_SVG_PAINT = {"style", "fill", "stroke", "stroke-width", "opacity", "transform", "clip-path"}
_SVG_SHAPE = _SVG_PAINT | {"x", "y", "width", "height"}
ATTRIBUTES: dict[str, set[str]] = {
    "*": set(GLOBAL_ATTRIBUTES),
    "a": {"href", *FACT_DATA},
    "img": {"src", "alt", "width", "height", "loading"},
    "blockquote": {"cite"},
    "q": {"cite"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "details": {"open"},
    "td": {"style", "colspan", "rowspan"},
    "th": {"style", "colspan", "rowspan", "scope"},
    "col": {"span"},
    "colgroup": {"span"},
    "form": {"novalidate"},
    "input": {"type", "name", "value", "inputmode", "autocomplete", "spellcheck"},
    "select": {"name"},
    "option": {"value", "selected"},
    "label": {"for"},
    "svg": {"viewBox", "width", "height", "version", "focusable"},
    "g": _SVG_PAINT,
    "path": _SVG_PAINT | {"d"},
    "rect": _SVG_SHAPE | {"rx", "ry"},
    "circle": _SVG_PAINT | {"cx", "cy", "r"},
    "ellipse": _SVG_PAINT | {"cx", "cy", "rx", "ry"},
    "line": _SVG_PAINT | {"x1", "y1", "x2", "y2"},
    "polyline": _SVG_PAINT | {"points"},
    "polygon": _SVG_PAINT | {"points"},
    "use": _SVG_SHAPE | {"href"},
    "text": _SVG_PAINT | {"x", "y"},
    "clipPath": {"transform"},
    "pattern": {"x", "y", "width", "height", "patternUnits", "patternTransform"},
}
STYLE_PROPERTIES = frozenset(
    {
        "text-align",
        "fill",
        "fill-opacity",
        "fill-rule",
        "opacity",
        "stroke",
        "stroke-dasharray",
        "stroke-dashoffset",
        "stroke-linecap",
        "stroke-linejoin",
        "stroke-miterlimit",
        "stroke-opacity",
        "stroke-width",
    }
)
URL_SCHEMES = frozenset({"http", "https", "mailto"})

_FUNCTION = re.compile(r"([a-z-]*)\s*\(([^)]*)", re.IGNORECASE)
_PAINT_FUNCTIONS = frozenset({"rgb", "rgba", "hsl", "hsla"})
_LOCAL_REF = re.compile(r"""^(['"]?)#[\w.:-]+\1\s*$""")
_LOCAL_JSON = re.compile(r"^(?!//)[\w./-]+\.json$")  # no scheme, no //host: this site
_HAS_SCHEME = re.compile(r"^\s*[a-z][a-z0-9+.-]*:", re.IGNORECASE)
_PAINTED = frozenset({"style", "fill", "stroke", "clip-path"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAYS = re.compile(r"^[1-9]\d{0,5}$")


def _local_css(value: str) -> bool:
    """Return True when a CSS value calls no function but colours and url(#id) in the page."""
    if "\\" in value or "@" in value:
        return False
    for found in _FUNCTION.finditer(value):
        name, argument = found.group(1), found.group(2)
        lowered = name.lower()
        if lowered == "url":
            if not _LOCAL_REF.match(argument):
                return False
        elif lowered not in _PAINT_FUNCTIONS or "(" in argument:
            return False
    return True


def _relative(url: str) -> bool:
    """Return True for a URL on this site: no scheme, not //host."""
    stripped = url.strip()
    return not (_HAS_SCHEME.match(stripped) or stripped.startswith(("//", "\\", "/\\")))


def keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    """Return an allowed attribute's value when it is harmless too; None drops it."""
    if attribute in _PAINTED and not _local_css(value):
        return None
    if attribute == "href" and tag == "use":
        return value if _LOCAL_REF.match(value) else None
    if attribute == "src" and tag == "img":
        return value if _relative(value) else None
    if attribute == "data-khub-src":
        return value if _LOCAL_JSON.match(value) else None
    if attribute in FACT_DATA:
        return _fact_data(attribute, value)
    if attribute == "data-search-exclude":
        return ""
    if attribute == "type" and tag == "input":
        return value if value.lower() == "text" else None
    if attribute == "autocomplete":
        return value if value.lower() == "off" else None
    return value


def _fact_data(attribute: str, value: str) -> str | None:
    """Return a fact link's data attribute when it has the shape khub writes; else None."""
    if attribute == "data-status":
        return value if value in FACT_STATUSES else None
    if attribute in ("data-as-of", "data-verified", "data-failing-since"):
        return value if _ISO_DATE.match(value) else None
    if attribute == "data-stale-after":
        return value if _DAYS.match(value) else None
    return value if len(value) <= MAX_FACT_TEXT else None


CLEANER = nh3.Cleaner(
    tags=set(TAGS),
    clean_content_tags=set(DROPPED_WITH_CONTENT),
    attributes={tag: set(names) for tag, names in ATTRIBUTES.items()},
    attribute_filter=keep_attribute,
    strip_comments=True,
    link_rel=None,
    url_schemes=set(URL_SCHEMES),
    filter_style_properties=set(STYLE_PROPERTIES),
)
_TEXT_ONLY = nh3.Cleaner(tags=set(), clean_content_tags=set(DROPPED_WITH_CONTENT))


def sanitize(html: str) -> str:
    """Return a page's HTML with only the allowed elements, attributes and URLs left."""
    return CLEANER.clean(html)


class SanitizePostprocessor(Postprocessor):
    """Clean the finished HTML of a page and the table of contents built from it."""

    def run(self, text: str) -> str:
        """Return the page's HTML sanitised; clean the toc the theme prints beside it."""
        md: Any = self.md
        if isinstance(getattr(md, "toc", None), str):
            md.toc = sanitize(md.toc)
        _clean_tokens(getattr(md, "toc_tokens", []))
        return sanitize(text)


def _clean_tokens(tokens: list[dict[str, Any]]) -> None:
    """Clean the names and HTML of toc entries, in place, children included."""
    for token in tokens:
        for key in ("name", "data-toc-label"):
            if isinstance(token.get(key), str):
                token[key] = _TEXT_ONLY.clean(token[key])
        if isinstance(token.get("html"), str):
            token["html"] = sanitize(token["html"])
        _clean_tokens(token.get("children", []))


class SanitizeExtension(Extension):
    """Register the sanitiser as the last postprocessor of every page."""

    def extendMarkdown(self, md: Markdown) -> None:
        """Add the sanitising postprocessor after all others."""
        md.postprocessors.register(SanitizePostprocessor(md), "khub_sanitize", PRIORITY)


def makeExtension(**kwargs: Any) -> SanitizeExtension:
    """Return the extension; Python-Markdown calls this for `khub.render.sanitize`."""
    return SanitizeExtension(**kwargs)


# --- the build refuses a config without it ----------------------------------------------


class SanitiserMissingError(KhubError):
    """mkdocs.yml does not enable the sanitiser, so module HTML would reach readers."""


class _ConfigLoader(yaml.SafeLoader):
    """A safe YAML loader that reads MkDocs' tags (!ENV, !!python/name) as plain null."""


_ConfigLoader.add_multi_constructor("", lambda _loader, _suffix, _node: None)


def require_enabled(root: Path) -> None:
    """Raise SanitiserMissingError unless mkdocs.yml enables khub.render.sanitize."""
    path = Path(root) / CONFIG
    try:
        text = path.read_text(encoding="utf-8")
        config = yaml.load(text, Loader=_ConfigLoader)  # noqa: S506 - a SafeLoader subclass
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise SanitiserMissingError(f"{CONFIG}: cannot be read ({exc})") from None
    extensions = config.get("markdown_extensions") if isinstance(config, dict) else None
    if not _lists(extensions, EXTENSION):
        line = _key_line(text, "markdown_extensions")
        where = f"{CONFIG}:{line}" if line else CONFIG
        raise SanitiserMissingError(
            f"{where}: markdown_extensions does not enable {EXTENSION}, the HTML sanitiser "
            f"(add '- {EXTENSION}' to markdown_extensions; khub will not build without it)"
        )


def _lists(extensions: object, name: str) -> bool:
    """Return True when MkDocs' markdown_extensions (a list, or a mapping) names name."""
    if isinstance(extensions, dict):
        return name in extensions
    if isinstance(extensions, list):
        return any(item == name or (isinstance(item, dict) and name in item) for item in extensions)
    return False


def _key_line(text: str, key: str) -> int:
    found = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else 0
