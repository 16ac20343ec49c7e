"""What every extraction method shares: the result, the errors, value parsing, excerpts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from khub.check.http import FetchResult, media_type
from khub.check.numbers import NumberNotFound, convert, parse_number
from khub.check.spec import ValueCheck
from khub.errors import shown

if TYPE_CHECKING:  # bs4 and soupsieve cost 0.2 s to import: only HTML checks load them
    from bs4 import BeautifulSoup

EXCERPT_WIDTH = 120

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_A_TAG = re.compile(r"<\s*[A-Za-z!]")
_INVISIBLE = ["script", "style", "noscript", "template"]


@dataclass(frozen=True)
class Extraction:
    """A value found in a source, with the text around it and what located it."""

    value: float | str
    excerpt: str
    locator: str


class ExtractError(Exception):
    """The value could not be extracted; `reason` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotFound(ExtractError):
    """The source no longer holds what the spec points at."""


class Ambiguous(ExtractError):
    """The locator matched several different values: `candidates` lists (path, value)."""

    def __init__(self, reason: str, candidates: list[tuple[str, float | str]]) -> None:
        super().__init__(reason)
        self.candidates = candidates


class SpecError(ExtractError):
    """The check spec asks for something extraction cannot do (a manual check's value)."""


def to_value(text: str, spec: ValueCheck) -> float | str:
    """Return `text` as the spec wants it: a converted number, or collapsed text."""
    if not spec.number:
        return collapse(text)
    try:
        number = parse_number(text)
    except NumberNotFound as error:
        raise NotFound(str(error)) from None
    return scaled(number, spec)


def scaled(number: float, spec: ValueCheck) -> float:
    """Return `number` with the spec's `scale` or `convert` applied."""
    scale = None if spec.scale is None else float(spec.scale)
    return convert(number, scale=scale, conversion=spec.convert)


def search(pattern: str, text: str) -> re.Match[str] | None:
    """Return the first match of `pattern` in `text` (the pattern is already validated)."""
    return re.search(pattern, text)


def group_span(found: re.Match[str]) -> tuple[int, int]:
    """Return the span of the first group of `found`, or of the whole match when none."""
    return found.span(1) if found.re.groups and found.group(1) is not None else found.span(0)


def refine(text: str, regex: str | None) -> tuple[str, int, int]:
    """Return the part of `text` that the optional `regex` keeps, with its span."""
    if regex is None:
        return text, 0, len(text)
    found = search(regex, text)
    if found is None:
        raise NotFound(f"regex {shown(regex)} does not match {shown(collapse(text))}")
    start, end = group_span(found)
    return text[start:end], start, end


def collapse(text: str) -> str:
    """Return `text` with every run of whitespace turned into one space, trimmed."""
    return " ".join(text.split())


def excerpt(text: str, start: int, end: int, width: int = EXCERPT_WIDTH) -> str:
    """Return about `width` characters of `text` centred on `text[start:end]`."""
    pad = max(0, (width - (end - start)) // 2)
    left, right = max(0, start - pad), min(len(text), end + pad)
    head = "…" if left > 0 else ""
    tail = "…" if right < len(text) else ""
    return head + text[left:right].strip() + tail


def excerpt_around(haystack: str, needle: str) -> str:
    """Return an excerpt of `haystack` around the first `needle`, or its start."""
    at = haystack.find(needle)
    if at < 0:
        return excerpt(haystack, 0, 0)
    return excerpt(haystack, at, at + len(needle))


def parse_html(fetched: FetchResult) -> BeautifulSoup:
    """Return the parsed HTML of `fetched` (once per body); raise ExtractError if not HTML."""
    cached = _PARSED.get(fetched.sha256)
    if cached is not None:
        return cached
    from bs4 import BeautifulSoup

    markup = _XML_DECLARATION.sub("", fetched.text, count=1)
    if not _A_TAG.search(markup[:65536]):
        raise ExtractError(f"not HTML: no tags in the body of {fetched.final_url}")
    soup = BeautifulSoup(markup, "lxml")
    if len(_PARSED) >= _PARSED_MAX:
        _PARSED.pop(next(iter(_PARSED)))
    _PARSED[fetched.sha256] = soup
    return soup


# Pages read by several facts are parsed once; extractors only read the tree.
_PARSED: dict[str, BeautifulSoup] = {}
_PARSED_MAX = 16


def plain_text(fetched: FetchResult) -> str:
    """Return the visible text of `fetched`, HTML stripped, whitespace collapsed."""
    if media_type(fetched.content_type) not in ("text/html", "application/xhtml+xml"):
        return collapse(fetched.text)
    soup = parse_html(fetched)
    for node in soup(_INVISIBLE):
        node.decompose()
    return collapse(soup.get_text(" "))
