"""What every extraction method shares: the result, the errors, spec checks, value parsing."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from khub.check.http import FetchResult, media_type
from khub.check.numbers import CONVERSIONS, NumberNotFound, convert, parse_number

if TYPE_CHECKING:  # bs4 and soupsieve cost 0.2 s to import: only HTML checks load them
    from bs4 import BeautifulSoup

EXCERPT_WIDTH = 120
NUMBER_OPTIONS = frozenset({"number", "scale", "convert"})
COMMON_OPTIONS = frozenset({"url"})

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


class SpecError(ExtractError):
    """The check spec itself is wrong; the message says how to fix it."""


Spec = Mapping[str, Any]
Validator = Callable[[Spec], list[str]]


def require_valid(spec: Spec, validate: Validator) -> None:
    """Raise SpecError listing every problem `validate` finds in `spec`."""
    problems = validate(spec)
    if problems:
        raise SpecError("; ".join(problems))


def check_keys(spec: Spec, method: str, options: frozenset[str]) -> list[str]:
    """Return a message for each key the method does not know."""
    allowed = ", ".join(sorted(options | COMMON_OPTIONS))
    unknown = sorted(set(spec) - options - COMMON_OPTIONS)
    return [f"{method}: unknown option {key!r} (allowed: {allowed})" for key in unknown]


def check_text(spec: Spec, key: str, *, required: bool = False) -> list[str]:
    """Return a message when `key` is missing (if required) or not a non-empty string."""
    if key not in spec:
        return [f"{key!r} is required"] if required else []
    if not isinstance(spec[key], str) or not spec[key].strip():
        return [f"{key!r} must be a non-empty string, got {spec[key]!r}"]
    return []


def check_regex(spec: Spec, key: str, *, required: bool = False) -> list[str]:
    """Return a message when `key` is not a valid regular expression."""
    problems = check_text(spec, key, required=required)
    if problems or key not in spec:
        return problems
    try:
        re.compile(spec[key])
    except re.error as error:
        return [f"{key!r}: bad regular expression ({error}); escape literal ( ) . $ with \\"]
    return []


def check_selector(spec: Spec, key: str, *, required: bool = False) -> list[str]:
    """Return a message when `key` is not a valid CSS selector."""
    problems = check_text(spec, key, required=required)
    if problems or key not in spec:
        return problems
    return selector_problems(key, spec[key])


def selector_problems(key: str, selector: str) -> list[str]:
    """Return a message when `selector` is not valid CSS."""
    import soupsieve

    try:
        soupsieve.compile(selector)
    except soupsieve.SelectorSyntaxError as error:
        first_line = str(error).splitlines()[0]
        return [f"{key!r}: bad CSS selector {selector!r} ({first_line})"]
    return []


def check_number_options(spec: Spec) -> list[str]:
    """Return messages for bad `number`, `scale` and `convert` options."""
    problems = []
    if not isinstance(spec.get("number", True), bool):
        problems.append(f"'number' must be true or false, got {spec['number']!r}")
    scale = spec.get("scale", 1)
    if isinstance(scale, bool) or not isinstance(scale, int | float):
        problems.append(f"'scale' must be a number such as 1000000, got {scale!r}")
    if "convert" in spec and not (
        isinstance(spec["convert"], str) and spec["convert"] in CONVERSIONS
    ):
        known = ", ".join(sorted(CONVERSIONS))
        problems.append(f"'convert': unknown conversion {spec['convert']!r} (use one of {known})")
    if "scale" in spec and "convert" in spec:
        problems.append("give 'scale' or 'convert', not both")
    if spec.get("number") is False and ("scale" in spec or "convert" in spec):
        problems.append("'scale' and 'convert' need 'number: true'")
    return problems


def to_value(text: str, spec: Spec) -> float | str:
    """Return `text` as the spec wants it: a converted number, or collapsed text."""
    if spec.get("number", True) is False:
        return collapse(text)
    try:
        number = parse_number(text)
    except NumberNotFound as error:
        raise NotFound(str(error)) from None
    return scaled(number, spec)


def scaled(number: float, spec: Spec) -> float:
    """Return `number` with the spec's `scale` or `convert` applied."""
    scale = spec.get("scale")
    return convert(
        number, scale=None if scale is None else float(scale), conversion=spec.get("convert")
    )


def search(pattern: str, text: str) -> re.Match[str] | None:
    """Return the first match of `pattern` in `text` (the pattern is already validated)."""
    return re.search(pattern, text)


def group_span(found: re.Match[str]) -> tuple[int, int]:
    """Return the span of the first group of `found`, or of the whole match when none."""
    return found.span(1) if found.re.groups and found.group(1) is not None else found.span(0)


def refine(text: str, spec: Spec) -> tuple[str, int, int]:
    """Return the part of `text` the spec's optional `regex` keeps, with its span."""
    if "regex" not in spec:
        return text, 0, len(text)
    found = search(spec["regex"], text)
    if found is None:
        raise NotFound(f"regex {spec['regex']!r} does not match {shorten(text)!r}")
    start, end = group_span(found)
    return text[start:end], start, end


def collapse(text: str) -> str:
    """Return `text` with every run of whitespace turned into one space, trimmed."""
    return " ".join(text.split())


def shorten(text: str, width: int = 60) -> str:
    """Return `text` collapsed and cut to `width` characters with an ellipsis."""
    flat = collapse(text)
    return flat if len(flat) <= width else flat[: width - 1] + "…"


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
