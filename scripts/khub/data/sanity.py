"""Check one fact's value, bounds, dates and history against its unit and the calendar."""

from __future__ import annotations

import datetime as dt
import difflib
import math
from dataclasses import dataclass

from khub.data.model import Bounds, FactRecord, HistoryEntry, Licence, Range, Series
from khub.data.problems import KeyPath, ProblemLog
from khub.errors import shown
from khub.units import Unit

ValueT = float | Range | Licence | str | None
_NOT_FINITE = "write the figure, or null if it is unknown"


@dataclass(frozen=True)
class Where:
    """Where a fact stands: its file, key path and id, for messages."""

    path: str
    keypath: KeyPath
    fact_id: str


def check_fact(
    record: FactRecord, series: Series, unit: Unit, where: Where, today: dt.date, log: ProblemLog
) -> None:
    """Log every problem with one fact."""
    bounds = record.bounds or series.bounds
    check_value(record.value, unit, series.choices, bounds, where, ("value",), log)
    for name in ("as_of", "verified"):
        day: dt.date = getattr(record, name)
        if day > today:
            log.error(
                where.path,
                (*where.keypath, name),
                f"'{name}' {day.isoformat()} is in the future",
                f"dates record what already happened; today is {today.isoformat()}",
            )
    check_history(record.history, record.as_of, unit, series.choices, where, log)


def check_reference_value(
    value: ValueT,
    unit: Unit,
    choices: list[str] | None,
    where: Where,
    keypath: KeyPath,
    log: ProblemLog,
) -> None:
    """Log a value a reference states that does not fit the fact's unit or choices."""
    if unit.kind == "licence" and isinstance(value, str):
        return  # a source states a licence by its SPDX id
    problem = _kind_problem(value, unit, choices)
    if problem:
        message, hint = problem
        log.error(where.path, keypath, message.replace("'value'", "'states'", 1), hint)


def check_value(
    value: ValueT,
    unit: Unit,
    choices: list[str] | None,
    bounds: Bounds | None,
    where: Where,
    sub: KeyPath,
    log: ProblemLog,
) -> None:
    """Log a value that does not fit its unit, choices or bounds."""
    keypath = (*where.keypath, *sub)
    if value is None:
        log.warn(
            where.path,
            keypath,
            f"{where.fact_id}: value is unknown (null)",
            "fill it in when the source gives it",
        )
        return
    problem = _kind_problem(value, unit, choices)
    if problem:
        log.error(where.path, keypath, *problem)
        return
    if isinstance(value, (int, float, Range)):
        _number_problems(value, unit, bounds, where.path, keypath, log)


def _kind_problem(value: ValueT, unit: Unit, choices: list[str] | None) -> tuple[str, str] | None:
    if unit.numeric and not isinstance(value, (int, float, Range)):
        return (
            f"'value': expected a number for unit {unit.name}, got {shown(value)}",
            "use null for unknown",
        )
    if unit.kind in ("text", "enum", "date") and not isinstance(value, str):
        return (
            f"'value': expected text for unit {unit.name}, got {shown(value)}",
            "quote it, or change the unit",
        )
    if unit.kind == "licence" and not isinstance(value, Licence):
        return (
            f"'value': expected a licence, got {shown(value)}",
            "write {id: MIT, name: MIT License, tier: permissive}",
        )
    if unit.kind == "enum" and choices is not None and value not in choices:
        close = difflib.get_close_matches(str(value), choices, n=1)
        return (
            f"'value': {shown(value)} is not one of {', '.join(choices)}",
            f"did you mean '{close[0]}'?" if close else "use one of them, or add it to choices",
        )
    if unit.kind == "enum" and choices is None:
        return ("unit enum needs 'choices' on the series", "list the allowed values")
    if isinstance(value, Licence) and choices is not None and value.tier not in choices:
        close = difflib.get_close_matches(value.tier, choices, n=1)
        return (
            f"'tier': '{value.tier}' is not one of {', '.join(choices)}",
            f"did you mean '{close[0]}'?" if close else "use one of them, or add it to choices",
        )
    if unit.kind == "date" and isinstance(value, str) and not _is_date(value):
        return (f"'value': expected a date, got {shown(value)}", "write dates as YYYY-MM-DD")
    return None


def _number_problems(
    value: float | Range,
    unit: Unit,
    bounds: Bounds | None,
    path: str,
    keypath: KeyPath,
    log: ProblemLog,
) -> None:
    low, high = (value.low, value.high) if isinstance(value, Range) else (value, value)
    if not (math.isfinite(low) and math.isfinite(high)):
        bad = low if not math.isfinite(low) else high
        written = ".nan" if math.isnan(bad) else ("-.inf" if bad < 0 else ".inf")
        log.error(path, keypath, f"value must be a finite number, got {written}", _NOT_FINITE)
        return
    if low > high:
        log.error(path, keypath, f"range low {shown(low)} is above high {shown(high)}", "swap them")
        return
    if unit.nonnegative and low < 0:
        log.error(
            path, keypath, f"{unit.name} cannot be negative, got {shown(low)}", "check the sign"
        )
    elif unit.maximum is not None and high > unit.maximum:
        log.error(
            path,
            keypath,
            f"{unit.name} cannot exceed {shown(unit.maximum)}, got {shown(high)}",
            "a share is at most 100%",
        )
    elif bounds and bounds.min is not None and low < bounds.min:
        log.error(
            path,
            keypath,
            f"value {shown(low)} is below its bound {shown(bounds.min)}",
            "check the value, or widen bounds if it is real",
        )
    elif bounds and bounds.max is not None and high > bounds.max:
        log.error(
            path,
            keypath,
            f"value {shown(high)} is above its bound {shown(bounds.max)}",
            "check the value, or widen bounds if it is real",
        )


def check_history(
    history: list[HistoryEntry],
    as_of: dt.date,
    unit: Unit,
    choices: list[str] | None,
    where: Where,
    log: ProblemLog,
) -> None:
    """Log history records that are reversed, overlap, run past as_of or do not fit the unit."""
    spans = sorted(enumerate(history), key=lambda item: item[1].from_)
    previous: tuple[int, HistoryEntry] | None = None
    for index, entry in spans:
        keypath = (*where.keypath, "history", index)
        problem = _kind_problem(entry.value, unit, choices) if entry.value is not None else None
        if problem:
            log.error(where.path, (*keypath, "value"), *problem)
        elif isinstance(entry.value, (int, float, Range)):
            _number_problems(entry.value, unit, None, where.path, (*keypath, "value"), log)
        if entry.from_ > entry.to:
            log.error(
                where.path,
                keypath,
                f"history record runs backwards: from "
                f"{entry.from_.isoformat()} to {entry.to.isoformat()}",
                "swap the dates",
            )
        if entry.to > as_of:
            log.error(
                where.path,
                keypath,
                f"history record ends {entry.to.isoformat()}, after "
                f"the current value's as_of {as_of.isoformat()}",
                "history holds past values only",
            )
        if previous and entry.from_ < previous[1].to:
            log.error(
                where.path,
                keypath,
                f"history records {previous[0] + 1} and {index + 1} overlap",
                "a record's 'from' must not be before the previous 'to'",
            )
        previous = (index, entry)


def _is_date(text: str) -> bool:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
