"""html: read a value from the first HTML element that a CSS selector matches.

Options of the fact's ``check`` block:

``html`` (required)
    CSS selector; the first matching element is read (BeautifulSoup ``select_one``,
    lxml parser). Example: ``html: "#opus .price-input"``
``attr``
    Read this attribute instead of the element's text. Example: ``attr: data-price``
``regex``
    Keep the first group of this regular expression (the whole match when it has no
    group), searched in the element's text or attribute. Example: ``regex: "\\$([0-9.]+)"``
``number``
    ``true`` (default): parse a number as printed (``$1,234.50``, ``80.2%``, ``1.2M``,
    ``(1,234)``); ``false``: keep the text, whitespace collapsed.
``scale``
    Multiply the number by this factor. Example: ``scale: 1000000``
``convert``
    Multiply by a named factor instead: ``per_token_to_per_million`` (×1e6),
    ``per_thousand_to_per_million`` (×1e3), ``percent_fraction_to_percent`` (×100).

Example::

    check:
      url: https://example.org/pricing
      html: "#opus .price-input"
      regex: "\\$([0-9.]+)"
"""

from __future__ import annotations

from bs4 import Tag

from khub.check.extract._shared import (
    Extraction,
    NotFound,
    collapse,
    excerpt_around,
    parse_html,
    refine,
    to_value,
)
from khub.check.http import FetchResult, Kind
from khub.check.spec import HtmlCheck

KIND: Kind = "html"


def extract(spec: HtmlCheck, fetched: FetchResult) -> Extraction:
    """Return the value of the element the spec's selector matches in `fetched`."""
    element = parse_html(fetched).select_one(spec.html)
    if element is None:
        raise NotFound(f"no element matches {spec.html!r}")
    kept, _, _ = refine(_read(element, spec.attr), spec.regex)
    locator = spec.html if spec.attr is None else f"{spec.html} @{spec.attr}"
    return Extraction(to_value(kept, spec), _context(element, kept), locator)


def _read(element: Tag, attr: str | None) -> str:
    if attr is None:
        return collapse(element.get_text(" "))
    value = element.get(attr)
    if value is None:
        raise NotFound(f"the element has no attribute {attr!r}")
    return collapse(value if isinstance(value, str) else " ".join(value))


def _context(element: Tag, needle: str) -> str:
    """Return text around `needle` from the nearest ancestor with enough text."""
    node, text = element, collapse(element.get_text(" "))
    while len(text) < 120 and isinstance(node.parent, Tag) and node.parent.name != "[document]":
        node = node.parent
        text = collapse(node.get_text(" "))
    if needle in text:
        return excerpt_around(text, needle)
    return excerpt_around(collapse(str(element)), needle)
