"""text: find a value with a regular expression over the page's plain text.

The body is reduced to plain text first: HTML tags, scripts and styles are stripped, and
every run of whitespace (line breaks included) becomes one space, so write ``\\s`` or a
plain space where the source breaks lines.

Options of the fact's ``check`` block:

``text`` (required)
    A regular expression (Python syntax); its first group is the value (the whole match
    when it has no group). Example: ``text: "([0-9,.]+ (?:million|billion)) monthly
    active users"`` reads ``700 million monthly active users`` as 700000000.
``number``
    ``true`` (default): parse a number as printed (``700 million``, ``$1,234.50``,
    ``80.2%``); ``false``: keep the matched text, e.g. a licence name.
``scale``
    Multiply the number by this factor. Example: ``scale: 0.01``
``convert``
    Multiply by a named factor instead: ``per_token_to_per_million`` (×1e6),
    ``per_thousand_to_per_million`` (×1e3), ``percent_fraction_to_percent`` (×100).

Example::

    check:
      url: https://example.org/license
      text: "([0-9,.]+ (?:million|billion)) monthly active users"
"""

from __future__ import annotations

from khub.check.extract._shared import (
    Extraction,
    NotFound,
    collapse,
    excerpt,
    group_span,
    plain_text,
    search,
    to_value,
)
from khub.check.http import FetchResult, Kind
from khub.check.spec import TextCheck
from khub.errors import shown

KIND: Kind = "text"


def extract(spec: TextCheck, fetched: FetchResult) -> Extraction:
    """Return the first match of the spec's regular expression in the plain text."""
    plain = plain_text(fetched)
    found = search(spec.text, plain)
    if found is None:
        raise NotFound(
            f"no match for {shown(collapse(spec.text))} in the text of {fetched.final_url}"
        )
    start, end = group_span(found)
    return Extraction(to_value(plain[start:end], spec), excerpt(plain, start, end), spec.text)
