"""Validate plain data against the record types, turning pydantic's errors into Problems."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from khub.report import KeyPath, ProblemLog

M = TypeVar("M", bound=BaseModel)

_HINTS = {
    "float_parsing": "use a plain number such as 80.2, or null if unknown",
    "float_type": "use a plain number such as 80.2, or null if unknown",
    "int_parsing": "use a whole number",
    "date_from_datetime_parsing": "write dates as YYYY-MM-DD",
    "date_parsing": "write dates as YYYY-MM-DD",
    "date_type": "write dates as YYYY-MM-DD",
    "missing": "add it",
    "extra_forbidden": "remove it, or check its spelling",
    "literal_error": "",
    "string_pattern_mismatch": "ids use lower-case letters, digits and hyphens",
    "dict_type": "write a mapping of key: value lines",
    "model_type": "write a mapping of key: value lines",
    "list_type": "write a list",
    "string_type": "quote it to make it text",
}


def validate(model: type[M], data: Any, path: str, base: KeyPath, log: ProblemLog) -> M | None:
    """Validate data as a model; log every error at its key path and return None on failure."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for detail in _useful(exc.errors()):
            keypath = base + tuple(detail["loc"])
            log.error(path, keypath, _message(detail), _hint(detail))
        return None


def _useful(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Drop the noise of a union: report the value's type error once, not per branch."""
    seen: set[tuple[object, ...]] = set()
    kept: list[ErrorDetails] = []
    for detail in errors:
        loc = tuple(x for x in detail["loc"] if x not in _UNION_BRANCHES)
        if loc in seen:
            continue
        seen.add(loc)
        kept.append({**detail, "loc": loc})
    return kept


_UNION_BRANCHES = {
    "float",
    "Range",
    "Licence",
    "str",
    "none",
    "function-before[_no_bool(), nullable[union[float,Range,Licence,str]]]",
}


def _message(detail: ErrorDetails) -> str:
    field = _field(detail["loc"])
    kind = detail["type"]
    got = detail.get("input")
    if kind == "missing":
        return f"{field}: required field is missing"
    if kind == "extra_forbidden":
        return f"{field}: unknown field"
    if kind in ("float_parsing", "float_type"):
        return f"{field}: expected a number, got {_show(got)}"
    if kind.startswith("date"):
        return f"{field}: expected a date, got {_show(got)}"
    if kind == "literal_error":
        expected = detail.get("ctx", {}).get("expected", "")
        return f"{field}: {_show(got)} is not one of {expected}"
    if kind == "string_pattern_mismatch":
        return f"{field}: {_show(got)} is not a valid id"
    if kind == "value_error":
        return f"{field}: {detail.get('ctx', {}).get('error', detail['msg'])!s}"
    return f"{field}: {detail['msg'].lower()}, got {_show(got)}"


def _hint(detail: ErrorDetails) -> str:
    if detail["type"] == "literal_error":
        return "use one of the listed values"
    return _HINTS.get(detail["type"], "")


def _field(loc: tuple[int | str, ...]) -> str:
    names = [str(x) for x in loc if not isinstance(x, int)]
    return f"'{names[-1]}'" if names else "value"


def _show(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "null"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."
