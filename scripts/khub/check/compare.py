"""Compare a value found in a source with the fact's: confirmed, changed, filled or rejected.

How far a number may move in one check (`max_jump`) is decided, first match wins, by:

1. the fact's `check.max_jump`;
2. its series' `max_jump`;
3. `khub check --max-jump`;
4. the default of the unit's kind: prices (units in USD) may fall by 90% or rise by 100%,
   token counts may fall by 80% or grow up to ×5, anything else may move by 50% either way.

`max_jump` given as one number applies both ways. Whatever the settings, a number that
changes sign or moves by more than ×10 (or to under a tenth) is always rejected: only
`khub accept`, which writes what an editor reviewed, can take it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass

from khub.check.evidence import Evidence
from khub.check.extract import Extraction
from khub.check.numbers import NumberNotFound, convert, parse_number
from khub.check.outcomes import FactOutcome, FactValue, Outcome
from khub.check.spec import ValueCheck
from khub.data.model import Fact, FactSet, Licence, Range
from khub.data.problems import ProblemLog
from khub.data.sanity import Where, check_value
from khub.units import Unit

REL_TOL = 1e-9
HARD_RATIO = 10.0
_RANGE = re.compile(r"^\s*(.*?\d.*?)\s*(?:–|—|-|\bto\b|\.\.)\s*(.*\d.*?)\s*$")


@dataclass(frozen=True)
class Limit:
    """How far a number may move in one check: `down` and `up` as shares of the old value."""

    down: float
    up: float
    origin: str  # where the limit comes from, for the report

    def describe(self) -> str:
        """Return the limit as the report prints it: '50%' or '−90%/+100%'."""
        if self.down == self.up:
            return f"{self.down:.0%}"
        return f"−{self.down:.0%}/+{self.up:.0%}"


DEFAULT_LIMIT = Limit(0.5, 0.5, "default")
PRICE_LIMIT = Limit(0.9, 1.0, "price default")
TOKEN_LIMIT = Limit(0.8, 4.0, "token-count default")


def limit_for(fact: Fact, factset: FactSet, given: float | None) -> Limit:
    """Return the max_jump that applies to fact (see the module's documentation)."""
    spec = fact.check
    if isinstance(spec, ValueCheck) and spec.max_jump is not None:
        jump = float(spec.max_jump)
        return Limit(jump, jump, "check.max_jump")
    series = factset.series.get(fact.series or "")
    series_jump = getattr(series, "max_jump", None)
    if series_jump is not None:
        return Limit(float(series_jump), float(series_jump), "series max_jump")
    if given is not None:
        return Limit(given, given, "--max-jump")
    return unit_limit(fact.unit)


def unit_limit(unit: Unit) -> Limit:
    """Return the default limit of a unit's kind: prices, token counts, anything else."""
    dims = dict(unit.dims)
    if dims.get("usd"):
        return PRICE_LIMIT
    if dims.get("token"):
        return TOKEN_LIMIT
    return DEFAULT_LIMIT


def classify(
    fact: Fact,
    found: Extraction,
    evidence: Evidence,
    factset: FactSet,
    day: dt.date,
    limit: Limit = DEFAULT_LIMIT,
) -> FactOutcome:
    """Return confirmed, changed, filled or rejected for a value found in the source."""
    old = fact.value

    def outcome(kind: Outcome, new: FactValue, reason: str = "") -> FactOutcome:
        as_of = day if kind in ("changed", "filled") else None
        return FactOutcome(fact.id, kind, old, new, evidence, reason, as_of)

    try:
        new = new_value(fact, found)
    except ValueError as error:
        return outcome("rejected", found.value, str(error))
    if same_value(old, new):
        return outcome("confirmed", new)
    problem = value_problem(fact, new, factset)
    if problem:
        return outcome("rejected", new, problem)
    if old is None:
        return outcome("filled", new)
    refused = jump_problem(old, new, limit)
    if refused:
        return outcome("rejected", new, refused)
    return outcome("changed", new)


def jump_problem(old: FactValue, new: FactValue, limit: Limit) -> str:
    """Return why the move from old to new is too large for an unattended write, or ''."""
    for a, b in _pairs(old, new):
        if a == 0 and b == 0:
            continue
        if a == 0 or b == 0 or (a < 0) != (b < 0):
            return f"{_show(a)} → {_show(b)} changes sign or leaves zero (only `khub accept`)"
        ratio = b / a
        if ratio > HARD_RATIO or ratio < 1 / HARD_RATIO:
            return f"×{ratio:.3g} is beyond ×10 either way (only `khub accept`)"
    for a, b in _pairs(old, new):
        share = (b - a) / abs(a) if a else 0.0
        allowed = limit.up if share > 0 else limit.down
        if abs(share) > allowed + REL_TOL:
            return f"{signed_share(share)} > max_jump {limit.describe()} ({limit.origin})"
    return ""


def signed_share(share: float) -> str:
    """Return a share as the report prints it: '+25%' or '−81%'."""
    return f"+{share:.0%}" if share >= 0 else f"−{-share:.0%}"


def _pairs(old: FactValue, new: FactValue) -> list[tuple[float, float]]:
    if isinstance(old, Range) and isinstance(new, Range):
        return [(old.low, new.low), (old.high, new.high)]
    if isinstance(old, int | float) and isinstance(new, int | float):
        return [(float(old), float(new))]
    return []


def relative_jump(old: FactValue, new: FactValue) -> float | None:
    """Return |new - old| / |old| (the larger end for ranges), or None for non-numbers."""
    pairs = _pairs(old, new)
    if not pairs:
        return None
    return max(_jump(a, b) for a, b in pairs)


def _jump(old: float, new: float) -> float:
    if old == 0:
        return 0.0 if new == 0 else math.inf
    return abs(new - old) / abs(old)


def new_value(fact: Fact, found: Extraction) -> FactValue:
    """Return the extracted value in the fact's shape; raise ValueError when it cannot be."""
    value = found.value
    spec = fact.check if isinstance(fact.check, ValueCheck) else None
    if isinstance(fact.value, Range):
        return parse_range(str(value), spec)
    if fact.unit.numeric:
        if isinstance(value, str):
            if fact.value is None and _RANGE.match(value) and not _is_number(value):
                return parse_range(value, spec)
            raise ValueError(f"expected a number for unit {fact.unit.name}, got {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"expected a finite number, got {value}")
        return float(value)
    text = value if isinstance(value, str) else f"{value:g}"
    return " ".join(text.split())


def _is_number(text: str) -> bool:
    try:
        parse_number(text)
    except NumberNotFound:
        return False
    return True


def parse_range(text: str, spec: ValueCheck | None = None) -> Range:
    """Return a range printed as `low–high` (or `low to high`) with the spec's factor applied.

    Raise ValueError when the text is not one.
    """
    found = _RANGE.match(text)
    if found is None:
        raise ValueError(f"expected a range such as 3–5, got {text!r}")
    try:
        low, high = (parse_number(found.group(i)) for i in (1, 2))
    except NumberNotFound as error:
        raise ValueError(str(error)) from None
    if spec is not None:
        factor = None if spec.scale is None else float(spec.scale)
        low, high = (convert(v, scale=factor, conversion=spec.convert) for v in (low, high))
    if not (math.isfinite(low) and math.isfinite(high)):
        raise ValueError(f"expected a finite range, got {text!r}")
    return Range(low=low, high=high)


def same_value(old: FactValue, new: FactValue) -> bool:
    """Return True when the values are equal: numbers within 1e-9 relative, text exactly."""
    if isinstance(old, Range) and isinstance(new, Range):
        return _close(old.low, new.low) and _close(old.high, new.high)
    if isinstance(old, int | float) and isinstance(new, int | float):
        return _close(float(old), float(new))
    if isinstance(old, Licence) and isinstance(new, str):
        return old.id == new
    if isinstance(old, str) and isinstance(new, str):
        return " ".join(old.split()) == new
    return old == new


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0)


def value_problem(fact: Fact, new: FactValue, factset: FactSet) -> str:
    """Return why new cannot be this fact's value (unit, choices, bounds), or ''."""
    if isinstance(fact.value, Licence):
        return (
            f"the licence is now {new!r}, not {fact.value.id}: an editor sets the new "
            "licence's id, name and tier"
        )
    if new is None:
        return "the source gives no value"
    series = factset.series.get(fact.series or "")
    choices = series.choices if series else None
    log = ProblemLog()
    where = Where(fact.file, keypath(fact), fact.id)
    check_value(new, fact.unit, choices, fact.bounds, where, ("value",), log)
    errors = [p for p in log.problems if p.severity == "error"]
    if not errors:
        return ""
    return "; ".join(f"{p.message} ({p.hint})" if p.hint else p.message for p in errors)


def keypath(fact: Fact, *tail: str) -> tuple[str, ...]:
    """Return the key path of a fact's record inside its data file."""
    subject = fact.id[len(fact.series) + 1 :] if fact.series else fact.id
    return (fact.series or "", "facts", subject, *tail)


def _show(value: float) -> str:
    return f"{value:g}"
