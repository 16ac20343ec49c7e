"""Validate plain data against the record types, turning pydantic's errors into Problems.

One defect gives one message: a value that fits no branch of a union is reported once, the
branch it was most likely meant for is chosen when it is a mapping, a misspelt key is
reported as a misspelling (not also as a missing field), and the missing fields of one
record share a line.
"""

from __future__ import annotations

import difflib
import re
import types
from collections.abc import Iterator
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from khub.data.ids import ID_PATTERN, id_problem
from khub.data.problems import KeyPath, ProblemLog
from khub.errors import shown

M = TypeVar("M", bound=BaseModel)
Loc = tuple[int | str, ...]

_UNION_BRANCHES = {"float", "int", "str", "none", "Range", "Licence"}

PROBLEM = "khub_problem"  # an error its validator already worded: ctx holds message and hint

_MISSING_HINTS = {
    "value": "add 'value:', or 'value: null' if it is unknown",
    "as_of": "add 'as_of: YYYY-MM-DD', the day the value was true or reported",
    "verified": "add 'verified: YYYY-MM-DD', the day it was last confirmed",
    "from": "add 'from: YYYY-MM-DD', the first day the value held",
    "to": "add 'to: YYYY-MM-DD', the last day the value held",
    "low": "a range is written {low: 3, high: 5}",
    "high": "a range is written {low: 3, high: 5}",
    "id": "a licence is written {id: MIT, name: MIT License, tier: permissive}",
    "name": "a licence is written {id: MIT, name: MIT License, tier: permissive}",
    "tier": "a licence is written {id: MIT, name: MIT License, tier: permissive}",
    "url": "add 'url:', or 'url: null' if it is not known; never guess one",
    "facts": "add 'facts:' with one block per subject",
}

_FIELD_HINTS = {
    "url": "write the full web address, or null if it is not known",
}


def validate(model: type[M], data: Any, path: str, base: KeyPath, log: ProblemLog) -> M | None:
    """Validate data as a model; log every error at its key path and return None on failure."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        for loc, message, hint in explain(model, exc.errors(), base):
            log.error(path, base + loc, message, hint)
        return None


def explain(
    model: type[BaseModel], errors: list[ErrorDetails], base: KeyPath = ()
) -> Iterator[tuple[Loc, str, str]]:
    """Yield (key path, message, hint) for each defect that pydantic's errors describe."""
    details = _resolve_unions(errors)
    details = _merge_misspellings(model, details)
    missing: dict[Loc, list[str]] = {}
    for detail in details:
        loc = tuple(detail["loc"])
        if detail["type"] == "missing":
            missing.setdefault(loc[:-1], []).append(str(loc[-1]))
            continue
        yield loc, _message(detail, base), _hint(model, detail)
    for parent, names in missing.items():
        yield parent, _missing_message(base + parent, names), _missing_hint(model, parent, names)


def _is_branch(part: int | str) -> bool:
    return isinstance(part, str) and (part in _UNION_BRANCHES or part.startswith("function-"))


def _resolve_unions(errors: list[ErrorDetails]) -> list[ErrorDetails]:
    """Keep one account of each value that fits no branch of a union."""
    kept: list[ErrorDetails] = []
    sites: dict[Loc, dict[str, list[ErrorDetails]]] = {}
    for detail in errors:
        loc = tuple(detail["loc"])
        cut = next((i for i, part in enumerate(loc) if _is_branch(part)), None)
        if detail["type"] == PROBLEM:
            cut = None
        if cut is None:
            kept.append(detail)
            continue
        branches = sites.setdefault(loc[:cut], {})
        if not branches:
            kept.append({**detail, "type": "_union_site", "loc": loc[:cut]})
        branches.setdefault(str(loc[cut]), []).append({**detail, "loc": loc[:cut] + loc[cut + 1 :]})
    out: list[ErrorDetails] = []
    for detail in kept:
        if detail["type"] != "_union_site":
            out.append(detail)
            continue
        site = tuple(detail["loc"])
        deep: list[list[ErrorDetails]] = [
            errs for errs in sites[site].values() if any(len(e["loc"]) > len(site) for e in errs)
        ]
        if deep:
            best: list[ErrorDetails] = min(deep, key=_count)
            out.extend(best)
        else:
            out.append({**detail, "type": "_no_branch"})
    return out


def _count(errors: list[ErrorDetails]) -> int:
    return len(errors)


def _merge_misspellings(model: type[BaseModel], details: list[ErrorDetails]) -> list[ErrorDetails]:
    """Report a misspelt key once, as a misspelling of the field it leaves missing."""
    missing = {tuple(d["loc"]): d for d in details if d["type"] == "missing"}
    dropped: set[Loc] = set()
    out: list[ErrorDetails] = []
    for detail in details:
        loc = tuple(detail["loc"])
        if detail["type"] == "extra_forbidden" and loc and isinstance(loc[-1], str):
            siblings = [str(m[-1]) for m in missing if m[:-1] == loc[:-1] and m not in dropped]
            close = difflib.get_close_matches(loc[-1], siblings, n=1, cutoff=0.6)
            if close:
                dropped.add((*loc[:-1], close[0]))
                detail = {**detail, "type": "_misspelt", "ctx": {"expected": close[0]}}
        out.append(detail)
    return [d for d in out if tuple(d["loc"]) not in dropped or d["type"] != "missing"]


def _is_id_error(detail: ErrorDetails) -> bool:
    """Return True when pydantic refused an id (a Slug) for breaking the rule of khub.data.ids."""
    ctx = detail.get("ctx") or {}
    if detail["type"] == "string_pattern_mismatch":
        return bool(ctx.get("pattern") == ID_PATTERN)
    return detail["type"] == "string_too_long"


def _message(detail: ErrorDetails, base: KeyPath) -> str:
    loc = base + tuple(detail["loc"])
    field = _field(loc)
    kind = detail["type"]
    got = detail.get("input")
    ctx = detail.get("ctx") or {}
    if kind == PROBLEM:
        return str(ctx["message"])
    if kind in ("extra_forbidden", "_misspelt"):
        return f"{field}: unknown field"
    if kind == "_no_branch":
        return f"{field}: expected a number, text, a range or a licence, got {shown(got)}"
    if kind in ("float_parsing", "float_type"):
        return f"{field}: expected a number, got {shown(got)}"
    if kind.startswith("int_"):
        return f"{field}: expected a whole number, got {shown(got)}"
    if kind.startswith("date"):
        return f"{field}: expected a date, got {shown(got)}"
    if kind == "literal_error":
        return f"{field}: {shown(got)} is not one of {', '.join(_choices(ctx))}"
    if _is_id_error(detail):
        message, _ = id_problem(str(got)) or (f"{shown(got)} is not a valid id", "")
        return message if loc and loc[-1] == "[key]" else f"{field}: {message}"
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        if not [p for p in loc if p != "[key]"]:
            return f"expected a mapping of key: value lines at the top level, got {shown(got)}"
        return f"{field}: expected a mapping of key: value lines, got {shown(got)}"
    if kind == "list_type":
        return f"{field}: expected a list, got {shown(got)}"
    if kind == "string_type":
        return f"{field}: expected text, got {shown(got)}"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{field}: {shown(got)} is below the minimum {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"{field}: {shown(got)} is above the maximum {ctx.get('le', ctx.get('lt'))}"
    if kind == "value_error":
        text = str(ctx.get("error", detail["msg"])).split("; ")[0]
        tail = f", got {shown(got)}" if isinstance(got, str) else ""
        return f"{field}: {text}{tail}"
    return f"{field}: {detail['msg'].lower()}, got {shown(got)}"


def _hint(model: type[BaseModel], detail: ErrorDetails) -> str:
    loc = tuple(detail["loc"])
    kind = detail["type"]
    ctx = detail.get("ctx") or {}
    got = detail.get("input")
    if kind == PROBLEM:
        return str(ctx.get("hint", ""))
    if kind == "_misspelt":
        return f"did you mean '{ctx['expected']}'?"
    if kind == "extra_forbidden":
        allowed = _fields_at(model, loc[:-1])
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.6)
        if close:
            return f"did you mean '{close[0]}'?"
        return f"remove it; allowed here: {', '.join(allowed)}" if allowed else "remove it"
    if kind == "_no_branch":
        return "write one value such as 80.2, {low: 3, high: 5} or text, or null if unknown"
    if kind in ("float_parsing", "float_type"):
        return "use a plain number such as 80.2, or null if unknown"
    if kind.startswith("int_"):
        return "use a whole number such as 2"
    if kind.startswith("date"):
        return "write dates as YYYY-MM-DD"
    if kind == "literal_error":
        close = difflib.get_close_matches(str(got), _choices(ctx), n=1, cutoff=0.6)
        return f"did you mean '{close[0]}'?" if close else "use one of the listed values"
    if _is_id_error(detail):
        _, hint = id_problem(str(got)) or ("", "")
        return hint
    if kind in ("dict_type", "model_type", "model_attributes_type"):
        return "write one 'key: value' line per field, indented under it"
    if kind == "list_type":
        return "write one '- item' line per entry"
    if kind == "string_type":
        return "quote it to make it text"
    if kind in ("greater_than_equal", "greater_than"):
        return f"use {ctx.get('ge', ctx.get('gt'))} or more"
    if kind in ("less_than_equal", "less_than"):
        return f"use {ctx.get('le', ctx.get('lt'))} or less"
    if kind == "value_error":
        parts = str(ctx.get("error", "")).split("; ", 1)
        if len(parts) == 2:
            return parts[1]
        return _FIELD_HINTS.get(str(loc[-1]) if loc else "", "fix the value")
    return ""


def _missing_message(owner_loc: Loc, names: list[str]) -> str:
    owner = _owner(owner_loc)
    quoted = [f"'{n}'" for n in names]
    listed = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"
    return f"{owner} is missing {listed}"


def _missing_hint(model: type[BaseModel], parent: Loc, names: list[str]) -> str:
    if len(names) > 1:
        return "add them"
    name = names[0]
    choices = _literal_choices(_step(_at(model, parent), name))
    if choices:
        return f"add '{name}:', one of {', '.join(choices)}"
    return _MISSING_HINTS.get(name, f"add '{name}:'")


def _owner(loc: Loc) -> str:
    """Name the record at loc for a message: 'model-a', history record 2, or the file."""
    if not loc:
        return "the file"
    last = loc[-1]
    if isinstance(last, int):
        container = str(loc[-2]) if len(loc) > 1 else "list"
        return f"{container} record {last + 1}" if container == "history" else f"item {last + 1}"
    return f"'{last}'"


def _field(loc: Loc) -> str:
    names = [str(x) for x in loc if not isinstance(x, int) and x != "[key]"]
    return f"'{names[-1]}'" if names else "value"


def _choices(ctx: dict[str, Any]) -> list[str]:
    return re.findall(r"'([^']*)'", str(ctx.get("expected", "")))


# --- which fields a record allows, for "did you mean" ---------------------------------


def _at(model: type[BaseModel], loc: Loc) -> Any:
    """Return the annotation found at loc inside model (None when unknown)."""
    current: Any = model
    for key in loc:
        current = _step(current, key)
        if current is None:
            return None
    return current


def _fields_at(model: type[BaseModel], loc: Loc) -> list[str]:
    """Return the field names allowed at loc inside model (empty when unknown)."""
    record = _record_type(_at(model, loc))
    if record is None:
        return []
    return [info.alias or name for name, info in record.model_fields.items()]


def _step(annotation: Any, key: int | str) -> Any:
    if annotation is None:
        return None
    record = _record_type(annotation)
    if record is not None:
        for name, info in record.model_fields.items():
            if key in (name, info.alias):
                return info.annotation
        return None
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _step(args[0], key)
    if origin is dict and len(args) == 2:
        return args[1]
    if origin is list and args:
        return args[0]
    return None


def _record_type(annotation: Any) -> type[BaseModel] | None:
    """Return the one model an annotation stands for (Model, Model | None, Annotated[…])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _record_type(args[0])
    if origin in (Union, types.UnionType):
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if len(models) == 1 and all(a in (models[0], type(None)) for a in args):
            return models[0]
    return None


def _literal_choices(annotation: Any) -> list[str]:
    """Return the allowed values of a Literal annotation (also behind Annotated)."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return _literal_choices(args[0])
    return [str(a) for a in args] if origin is Literal else []
