"""xml: read one value from an XML document (an Atom feed, an API answer) with XPath.

The body is parsed as XML with lxml (no network access, no entity expansion, no DTD).
The prefixes ``atom`` (http://www.w3.org/2005/Atom), ``arxiv``
(http://arxiv.org/schemas/atom) and ``opensearch`` (http://a9.com/-/spec/opensearch/1.1/)
are always declared, so an arXiv API answer needs no ``namespaces`` block.

Options of the fact's ``check`` block:

``xml`` (required)
    An XPath 1.0 expression that selects exactly one element, attribute or string.
    Example: ``xml: "//atom:entry/atom:published"``. An element is read as its text,
    whitespace collapsed; several nodes, or none, are errors.
``namespaces``
    More ``prefix: URI`` pairs the expression uses. Example:
    ``namespaces: {dc: "http://purl.org/dc/elements/1.1/"}``
``regex``
    Keep the first group of this regular expression within the text read. Example:
    ``regex: "between ([0-9.]+)%"`` (arXiv hard-wraps summaries: write ``\\s+`` between words).
``number``
    ``true`` (default): parse a number as printed; ``false``: keep the text.
``scale`` / ``convert``
    Multiply the number by a factor, or by a named one, as the other methods do.

Example::

    check:
      url: http://export.arxiv.org/api/query?id_list=2511.03247
      xml: "//atom:entry/atom:summary"
      regex: "success\\s+rates\\s+between\\s+([0-9.]+)%"
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from khub.check.extract._shared import (
    ExtractError,
    Extraction,
    NotFound,
    collapse,
    excerpt,
    refine,
    to_value,
)
from khub.check.http import FetchResult, Kind
from khub.check.spec import XmlCheck

KIND: Kind = "any"
NAMESPACES = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def extract(spec: XmlCheck, fetched: FetchResult) -> Extraction:
    """Return the value the spec's XPath expression selects in the XML of `fetched`."""
    root = _parse(fetched)
    text = _single(spec.path, _evaluate(spec, root))
    kept, start, end = refine(text, spec.regex)
    return Extraction(to_value(kept, spec), excerpt(text, start, end), spec.path)


def _parse(fetched: FetchResult) -> Any:
    try:
        return etree.fromstring(fetched.body, parser=_PARSER)
    except etree.XMLSyntaxError as error:
        raise ExtractError(f"malformed XML: {error}") from None


def _evaluate(spec: XmlCheck, root: Any) -> Any:
    namespaces = {**NAMESPACES, **(spec.namespaces or {})}
    try:
        return root.xpath(spec.path, namespaces=namespaces)
    except etree.XPathError as error:
        hint = "declare its prefixes in 'namespaces'"
        raise ExtractError(f"XPath failed: {error} ({hint})") from None


def _single(path: str, found: Any) -> str:
    if isinstance(found, list):
        if not found:
            raise NotFound(f"{path!r} matched nothing")
        if len(found) > 1:
            raise ExtractError(f"{path!r} matched {len(found)} nodes; narrow it with [1]")
        found = found[0]
    if isinstance(found, bool):
        raise ExtractError(f"{path!r} gives true or false, not a value")
    if isinstance(found, float):
        return repr(found)
    text = collapse("".join(found.itertext())) if etree.iselement(found) else collapse(str(found))
    if not text:
        raise NotFound(f"{path!r} matched an empty node")
    return text
