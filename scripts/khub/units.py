"""Units of fact values: their kind, their dimension and their scale to a base unit."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["number", "text", "enum", "date", "licence"]
Dimension = tuple[tuple[str, int], ...]

_DAYS_PER_MONTH = 30.0
_DAYS_PER_YEAR = 365.0


@dataclass(frozen=True)
class Unit:
    """A unit: what kind of value it holds and, for numbers, how it converts."""

    name: str
    kind: Kind
    label: str
    dims: Dimension = ()
    scale: float = 1.0
    nonnegative: bool = False
    maximum: float | None = None

    @property
    def numeric(self) -> bool:
        """Return True for units whose values are numbers or ranges."""
        return self.kind == "number"


def _dims(**powers: int) -> Dimension:
    return tuple(sorted((k, v) for k, v in powers.items() if v))


UNITS: dict[str, Unit] = {
    u.name: u
    for u in (
        Unit("percent", "number", "%", (), 0.01, nonnegative=True, maximum=100.0),
        Unit("points", "number", "percentage points", (), 0.01),
        Unit("count", "number", "", (), 1.0, nonnegative=True),
        Unit("multiplier", "number", "×", (), 1.0, nonnegative=True),
        Unit("usd", "number", "USD", _dims(usd=1), 1.0, nonnegative=True),
        Unit(
            "usd_per_mtok",
            "number",
            "USD per million tokens",
            _dims(usd=1, token=-1),
            1e-6,
            nonnegative=True,
        ),
        Unit("usd_per_day", "number", "USD per day", _dims(usd=1, day=-1), 1.0, nonnegative=True),
        Unit(
            "usd_per_month",
            "number",
            "USD per month",
            _dims(usd=1, day=-1),
            1 / _DAYS_PER_MONTH,
            nonnegative=True,
        ),
        Unit(
            "usd_per_year",
            "number",
            "USD per year",
            _dims(usd=1, day=-1),
            1 / _DAYS_PER_YEAR,
            nonnegative=True,
        ),
        Unit("tokens", "number", "tokens", _dims(token=1), 1.0, nonnegative=True),
        Unit(
            "tokens_per_day",
            "number",
            "tokens per day",
            _dims(token=1, day=-1),
            1.0,
            nonnegative=True,
        ),
        Unit(
            "tokens_per_month",
            "number",
            "tokens per month",
            _dims(token=1, day=-1),
            1 / _DAYS_PER_MONTH,
            nonnegative=True,
        ),
        Unit(
            "tokens_per_run",
            "number",
            "tokens per run",
            _dims(token=1, run=-1),
            1.0,
            nonnegative=True,
        ),
        Unit("runs_per_day", "number", "runs per day", _dims(run=1, day=-1), 1.0, nonnegative=True),
        Unit("users", "number", "users", _dims(user=1), 1.0, nonnegative=True),
        Unit("days", "number", "days", _dims(day=1), 1.0, nonnegative=True),
        Unit("weeks", "number", "weeks", _dims(day=1), 7.0, nonnegative=True),
        Unit("text", "text", ""),
        Unit("enum", "enum", ""),
        Unit("date", "date", ""),
        Unit("licence", "licence", ""),
    )
}

DIMENSIONLESS: Dimension = ()


def get_unit(name: str) -> Unit | None:
    """Return the unit called name, or None when there is none."""
    return UNITS.get(name)


def multiply_dims(a: Dimension, b: Dimension, sign: int = 1) -> Dimension:
    """Return the dimension of a × b (sign=1) or a ÷ b (sign=-1)."""
    powers: dict[str, int] = dict(a)
    for name, power in b:
        powers[name] = powers.get(name, 0) + sign * power
    return _dims(**powers)


def describe_dims(dims: Dimension) -> str:
    """Return a dimension in words, for error messages."""
    if not dims:
        return "a plain number"
    top = [f"{n}^{p}" if p > 1 else n for n, p in dims if p > 0]
    bottom = [f"{n}^{-p}" if p < -1 else n for n, p in dims if p < 0]
    text = "·".join(top) or "1"
    return f"{text}/{'·'.join(bottom)}" if bottom else text


def compatible_units(dims: Dimension) -> list[str]:
    """Return the names of numeric units with the given dimension."""
    return [u.name for u in UNITS.values() if u.numeric and u.dims == dims]
