"""Units: registry, dimensions, conversions, the limits a value must keep, derived units."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khub.data.derive import derive_all
from khub.data.model import Bounds, DerivedRecord, Fact, Licence, Range
from khub.data.problems import ProblemLog
from khub.data.sanity import Where, check_value
from khub.units import (
    UNITS,
    Unit,
    compatible_units,
    describe_dims,
    get_unit,
    multiply_dims,
)

NUMBER_UNITS = sorted(name for name, unit in UNITS.items() if unit.numeric)


def unit(name: str) -> Unit:
    """Return a unit by name, failing the test when it is missing."""
    found = get_unit(name)
    assert found is not None, name
    return found


# --- the registry --------------------------------------------------------------------------

REGISTRY = [
    # name, kind, dimension in words, scale to the base unit
    ("percent", "number", "a plain number", 0.01),
    ("points", "number", "a plain number", 0.01),
    ("count", "number", "a plain number", 1.0),
    ("multiplier", "number", "a plain number", 1.0),
    ("usd", "number", "usd", 1.0),
    ("usd_per_mtok", "number", "usd/token", 1e-6),
    ("usd_per_day", "number", "usd/day", 1.0),
    ("usd_per_month", "number", "usd/day", 1 / 30),
    ("usd_per_year", "number", "usd/day", 1 / 365),
    ("tokens", "number", "token", 1.0),
    ("tokens_per_day", "number", "token/day", 1.0),
    ("tokens_per_month", "number", "token/day", 1 / 30),
    ("tokens_per_run", "number", "token/run", 1.0),
    ("runs_per_day", "number", "run/day", 1.0),
    ("users", "number", "user", 1.0),
    ("days", "number", "day", 1.0),
    ("weeks", "number", "day", 7.0),
    ("text", "text", "a plain number", 1.0),
    ("enum", "enum", "a plain number", 1.0),
    ("date", "date", "a plain number", 1.0),
    ("licence", "licence", "a plain number", 1.0),
]


def test_registry_is_exactly_the_documented_units() -> None:
    """Every unit is in the table below, and nothing else."""
    assert sorted(UNITS) == sorted(row[0] for row in REGISTRY)


@pytest.mark.parametrize(("name", "kind", "dims", "scale"), REGISTRY)
def test_unit_kind_dimension_and_scale(name: str, kind: str, dims: str, scale: float) -> None:
    """Each unit has its kind, its dimension and its scale to the base unit."""
    u = unit(name)
    assert (u.kind, describe_dims(u.dims)) == (kind, dims)
    assert u.scale == pytest.approx(scale)
    assert u.numeric is (kind == "number")


def test_unknown_unit_is_none() -> None:
    """A misspelt unit is not found (load turns that into a message with a suggestion)."""
    assert get_unit("procent") is None


DIMENSIONS = [
    ("usd_per_mtok", "tokens_per_day", 1, "usd/day"),
    ("usd_per_day", "usd_per_day", -1, "a plain number"),
    ("tokens_per_day", "tokens_per_run", -1, "run/day"),
    ("usd", "usd", 1, "usd^2"),
    ("count", "usd_per_day", -1, "day/usd"),
]


@pytest.mark.parametrize(("a", "b", "sign", "words"), DIMENSIONS)
def test_dimensions_multiply_and_divide(a: str, b: str, sign: int, words: str) -> None:
    """Dimensions combine like exponents and read back in words."""
    assert describe_dims(multiply_dims(unit(a).dims, unit(b).dims, sign)) == words


def test_compatible_units_share_a_dimension() -> None:
    """The units offered for a dimension are those of that dimension, in registry order."""
    assert compatible_units(()) == ["percent", "points", "count", "multiplier"]
    assert compatible_units(unit("usd_per_day").dims) == [
        "usd_per_day",
        "usd_per_month",
        "usd_per_year",
    ]
    assert compatible_units(unit("weeks").dims) == ["days", "weeks"]


# --- limits a value must keep --------------------------------------------------------------

WHERE = Where("data/facts/x.yml", ("rate", "facts", "a"), "rate.a")

VALUE_PROBLEMS: list[tuple[object, str, list[str] | None, Bounds | None, list[str]]] = [
    (
        120.0,
        "percent",
        None,
        None,
        ["percent cannot exceed 100, got 120 (a share is at most 100%)"],
    ),
    (
        Range(low=90, high=101),
        "percent",
        None,
        None,
        ["percent cannot exceed 100, got 101 (a share is at most 100%)"],
    ),
    (
        -3.0,
        "usd_per_mtok",
        None,
        None,
        ["usd_per_mtok cannot be negative, got -3 (check the sign)"],
    ),
    (-1.0, "count", None, None, ["count cannot be negative, got -1 (check the sign)"]),
    (-3.5, "points", None, None, []),
    (100.0, "percent", None, None, []),
    (0.0, "usd", None, None, []),
    (
        2500.0,
        "usd_per_mtok",
        None,
        Bounds(min=0, max=1000),
        ["value 2500 is above its bound 1000 (check the value, or widen bounds if it is real)"],
    ),
    (
        5.0,
        "multiplier",
        None,
        Bounds(min=10),
        ["value 5 is below its bound 10 (check the value, or widen bounds if it is real)"],
    ),
    (Range(low=5, high=3), "multiplier", None, None, ["range low 5 is above high 3 (swap them)"]),
    (
        "TBD",
        "percent",
        None,
        None,
        ["'value': expected a number for unit percent, got 'TBD' (use null for unknown)"],
    ),
    (
        50.0,
        "text",
        None,
        None,
        ["'value': expected text for unit text, got 50 (quote it, or change the unit)"],
    ),
    (
        "2026-02-30",
        "date",
        None,
        None,
        ["'value': expected a date, got '2026-02-30' (write dates as YYYY-MM-DD)"],
    ),
    ("2026-02-28", "date", None, None, []),
    (
        "open",
        "enum",
        None,
        None,
        ["unit enum needs 'choices' on the series (list the allowed values)"],
    ),
    (
        "opne",
        "enum",
        ["open", "closed"],
        None,
        ["'value': 'opne' is not one of open, closed (did you mean 'open'?)"],
    ),
    (
        "shut",
        "enum",
        ["open", "closed"],
        None,
        ["'value': 'shut' is not one of open, closed (use one of them, or add it to choices)"],
    ),
    (
        "MIT",
        "licence",
        None,
        None,
        [
            "'value': expected a licence, got 'MIT' "
            "(write {id: MIT, name: MIT License, tier: permissive})"
        ],
    ),
    (
        Licence(id="MIT", name="MIT License", tier="free"),
        "licence",
        ["permissive"],
        None,
        ["'tier': 'free' is not one of permissive (use one of them, or add it to choices)"],
    ),
    (
        None,
        "percent",
        None,
        None,
        ["warning: rate.a: value is unknown (null) (fill it in when the source gives it)"],
    ),
]


@pytest.mark.parametrize(("value", "unit_name", "choices", "bounds", "lines"), VALUE_PROBLEMS)
def test_value_fits_its_unit(
    value: object,
    unit_name: str,
    choices: list[str] | None,
    bounds: Bounds | None,
    lines: list[str],
) -> None:
    """A value outside what its unit, choices or bounds allow gives one clear line."""
    log = ProblemLog()
    check_value(value, unit(unit_name), choices, bounds, WHERE, ("value",), log)  # type: ignore[arg-type]
    shown = [str(p).removeprefix("data/facts/x.yml: ") for p in log.located()]
    assert shown == lines


@given(value=st.floats(min_value=0, max_value=100), name=st.sampled_from(NUMBER_UNITS))
def test_shares_up_to_100_fit_every_unit(value: float, name: str) -> None:
    """Any value from 0 to 100 fits every numeric unit."""
    log = ProblemLog()
    check_value(value, unit(name), None, None, WHERE, ("value",), log)
    assert log.problems == []


# --- derived facts convert between units of one dimension ----------------------------------


def _fact(fid: str, value: float | Range, unit_name: str) -> Fact:
    day = dt.date(2026, 6, 30)
    return Fact(fid, fid, unit(unit_name), value, day, day, "estimate", "src", "data/facts/x.yml")


def _derive(formula: str, unit_name: str, facts: list[Fact]) -> tuple[object, list[str]]:
    log = ProblemLog()
    record = DerivedRecord(title="t", unit=unit_name, formula=formula)
    derived = derive_all({"d": record}, {f.id: f for f in facts}, "data/derived.yml", log, set())
    value = derived["d"].value if "d" in derived else None
    return value, [f"{p.message} ({p.hint})" for p in log.problems]


CONVERSIONS = [
    ("s.v", "tokens_per_month", [("s.v", 1_000_000, "tokens_per_day")], 30_000_000),
    ("s.v", "usd_per_day", [("s.v", 145_000, "usd_per_year")], 145_000 / 365),
    ("s.v", "days", [("s.v", 6, "weeks")], 42),
    ("s.a - s.b", "points", [("s.a", 88.6, "percent"), ("s.b", 80.2, "percent")], 8.4),
    (
        "s.a / s.b",
        "multiplier",
        [("s.a", 43, "usd_per_day"), ("s.b", 0.12, "usd_per_day")],
        43 / 0.12,
    ),
    (
        "s.a * s.b",
        "usd_per_day",
        [("s.a", 0.12, "usd_per_mtok"), ("s.b", 500e6, "tokens_per_day")],
        60,
    ),
    (
        "s.a / s.b",
        "usd_per_mtok",
        [("s.a", 0.12, "usd_per_day"), ("s.b", 1e6, "tokens_per_day")],
        0.12,
    ),
]


@pytest.mark.parametrize(("formula", "unit_name", "inputs", "expected"), CONVERSIONS)
def test_derived_value_is_in_its_own_unit(
    formula: str, unit_name: str, inputs: list[tuple[str, float, str]], expected: float
) -> None:
    """A derived fact's value is expressed in its declared unit, whatever its inputs' units."""
    value, problems = _derive(formula, unit_name, [_fact(*row) for row in inputs])
    assert problems == []
    assert value == pytest.approx(expected)


def test_derived_range_stays_a_range() -> None:
    """43 USD/day times a 3–5× multiplier is 129–215 USD/day."""
    value, problems = _derive(
        "s.a * s.b",
        "usd_per_day",
        [_fact("s.a", 43, "usd_per_day"), _fact("s.b", Range(low=3, high=5), "multiplier")],
    )
    assert problems == []
    assert value == Range(low=129, high=215)


DERIVED_UNIT_ERRORS = [
    (
        "s.a - s.b",
        "usd",
        [("s.a", 88.6, "percent"), ("s.b", 80.2, "percent")],
        "d: the formula gives a plain number, but unit 'usd' measures usd "
        "(use a unit such as percent, points, count, multiplier, or fix the formula)",
    ),
    (
        "s.a * s.b",
        "usd_per_day",
        [("s.a", 1, "usd"), ("s.b", 1, "usd")],
        "d: the formula gives usd^2, but unit 'usd_per_day' measures usd/day "
        "(fix the formula or the unit)",
    ),
    (
        "s.a - s.b",
        "points",
        [("s.a", 88.6, "percent"), ("s.b", 5, "usd_per_mtok")],
        "d: '-' joins percent and usd_per_mtok "
        "(both sides need the same kind of unit, not a plain number and usd/token)",
    ),
    (
        "s.a",
        "text",
        [("s.a", 1, "count")],
        "d: unknown or non-numeric unit 'text' (derived facts take a numeric unit such as percent)",
    ),
]


@pytest.mark.parametrize(("formula", "unit_name", "inputs", "message"), DERIVED_UNIT_ERRORS)
def test_derived_unit_must_match_the_formula(
    formula: str, unit_name: str, inputs: list[tuple[str, float, str]], message: str
) -> None:
    """A formula whose result does not fit the declared unit is one clear error."""
    value, problems = _derive(formula, unit_name, [_fact(*row) for row in inputs])
    assert (value, problems) == (None, [message])


@given(
    value=st.floats(min_value=1e-6, max_value=1e12),
    pair=st.sampled_from(
        [
            ("tokens_per_day", "tokens_per_month"),
            ("usd_per_day", "usd_per_month"),
            ("usd_per_month", "usd_per_year"),
            ("days", "weeks"),
            ("percent", "points"),
        ]
    ),
)
def test_conversion_there_and_back_is_the_identity(value: float, pair: tuple[str, str]) -> None:
    """Converting a value to a unit of the same dimension and back gives the value again."""
    source, target = pair
    there, _ = _derive("s.v", target, [_fact("s.v", value, source)])
    assert isinstance(there, float)
    back, _ = _derive("s.v", source, [_fact("s.v", there, target)])
    assert back == pytest.approx(value, rel=1e-9)
