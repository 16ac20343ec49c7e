"""json: read one value from a JSON document with a JMESPath expression.

Options of the fact's ``check`` block:

``json`` (required)
    A JMESPath expression (https://jmespath.org) that selects exactly one value.
    Example: ``json: "leaderboards[?name=='Verified'] | [0].results[?name=='Claude
    Opus 4.8'] | [0].resolved"``. A list holding one value, or the same value several
    times (also nested, as filter projections give: ``[[88.6]]``), is unwrapped; nothing,
    null, an empty list or an object are not-found. Several different values are
    `ambiguous`: the report lists each with its path; narrow the filter until it matches
    one entry. A final ``| [0]`` does not hide that: when the expression before it matches
    different values, the outcome is still ambiguous. Quote names with spaces or dashes:
    ``"data"."gpt-5"``; in YAML put
    the whole expression in single quotes so the double quotes stay:
    ``json: '"openai/gpt-4o".pricing.prompt'``.
``number``
    ``true`` (default): the value must be a JSON number, or a string holding one as
    printed (``"80.2%"``, ``"$15"``); ``false``: keep the value as text.
``scale``
    Multiply the number by this factor. Example: ``scale: 100``
``convert``
    Multiply by a named factor instead: ``per_token_to_per_million`` (×1e6),
    ``per_thousand_to_per_million`` (×1e3), ``percent_fraction_to_percent`` (×100).

Example::

    check:
      url: https://example.org/leaderboard.json
      json: "leaderboards[?name=='Verified'] | [0].results[?name=='Claude Opus 4.8'] | [0].resolved"
"""

from __future__ import annotations

import json
import math
import re
from functools import lru_cache
from typing import Any

import jmespath
from jmespath.exceptions import JMESPathError
from jmespath.parser import ParsedResult

from khub.check.cache import parse_store
from khub.check.extract._shared import (
    Ambiguous,
    ExtractError,
    Extraction,
    NotFound,
    excerpt_around,
    scaled,
    to_value,
)
from khub.check.http import FetchResult, Kind
from khub.check.spec import JsonCheck, YamlCheck

KIND: Kind = "json"
_LAST_FIELD = re.compile(r'\.\s*([A-Za-z_][A-Za-z0-9_]*|"[^"]+")\s*$')
_FIRST = re.compile(r"\|\s*\[\s*0\s*\]\s*$")


def extract(spec: JsonCheck, fetched: FetchResult) -> Extraction:
    """Return the single value the spec's JMESPath expression selects in `fetched`."""
    document = _load(fetched)
    first = _FIRST.search(spec.path)
    if first is not None:  # `… | [0]` must not pick one of several different values
        _no_choice(spec.path[: first.start()].strip(), document)
    found = _single(spec.path, _search(spec.path, document))
    return Extraction(tree_value(found, spec), _context(spec.path, document, found), spec.path)


def _load(fetched: FetchResult) -> Any:
    """Return the parsed body, parsed once per run (and not at all after a 304)."""
    return parse_store().get("json", fetched.sha256, lambda: _parse(fetched.text))


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ExtractError(
            f"malformed JSON at line {error.lineno} column {error.colno}: {error.msg}"
        ) from None
    except RecursionError:
        raise ExtractError("malformed JSON: nested too deeply") from None


def _no_choice(path: str, document: Any) -> None:
    """Raise Ambiguous when path matches several different values; ignore anything else."""
    try:
        _single(path, _search(path, document))
    except Ambiguous:
        raise
    except ExtractError:
        pass


@lru_cache(maxsize=8192)
def compiled(path: str) -> ParsedResult:
    """Return the compiled JMESPath expression `path` (compiled once per process)."""
    return jmespath.compile(path)


def _search(path: str, document: Any) -> Any:
    try:
        return compiled(path).search(document)
    except JMESPathError as error:
        raise ExtractError(f"JMESPath failed: {' '.join(str(error).split())}") from None


def _single(path: str, found: Any) -> Any:
    while isinstance(found, list) and len(found) == 1:
        found = found[0]
    if found is None or found == []:
        raise NotFound(f"{path!r} matched nothing")
    if isinstance(found, list):
        candidates = _leaves(path, found)
        distinct = {json.dumps(v, sort_keys=True) for _, v in candidates}
        if len(distinct) == 1:
            return candidates[0][1]
        shown = ", ".join(f"{v} at {p}" for p, v in candidates[:6])
        raise Ambiguous(
            f"{path!r} matched {len(candidates)} different values ({shown}); "
            "narrow the filter until it matches one entry",
            [(p, v if isinstance(v, str) else json.dumps(v)) for p, v in candidates],
        )
    if isinstance(found, dict):
        keys = ", ".join(list(found)[:5])
        raise ExtractError(f"{path!r} matched an object ({keys}); add the field to read")
    return found


def _leaves(path: str, found: list[Any]) -> list[tuple[str, Any]]:
    """Return every value of a (nested) list with a JMESPath expression that selects it."""
    leaves: list[tuple[str, Any]] = []
    for index, item in enumerate(found):
        where = f"{path} | [{index}]"
        if isinstance(item, list):
            leaves.extend(_leaves(where, item))
        elif item is not None:
            leaves.append((where, item))
    return leaves


def tree_value(found: Any, spec: JsonCheck | YamlCheck) -> float | str:
    """Return a value found in a parsed tree (JSON or YAML) as the fact's number or text."""
    if not spec.number:
        return found if isinstance(found, str) else json.dumps(found)
    if isinstance(found, str):
        return to_value(found, spec)
    if isinstance(found, bool) or not isinstance(found, int | float) or not math.isfinite(found):
        raise ExtractError(f"expected a number, got {json.dumps(found)}")
    return scaled(float(found), spec)


def _context(path: str, document: Any, found: Any) -> str:
    """Return the JSON around the value: its parent object when the path ends in a field."""
    shown = json.dumps(found, ensure_ascii=False)
    last = _LAST_FIELD.search(path)
    if last is None:
        return shown
    try:
        parent = compiled(path[: last.start()]).search(document)
    except JMESPathError:
        return shown
    while isinstance(parent, list) and len(parent) == 1:
        parent = parent[0]
    if not isinstance(parent, dict):
        return shown
    field = json.dumps(last.group(1).strip('"'), ensure_ascii=False)
    return excerpt_around(json.dumps(parent, ensure_ascii=False), f"{field}: {shown}")
