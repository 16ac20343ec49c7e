"""Formatting by unit, table-driven."""

from __future__ import annotations

import datetime as dt

import pytest

from khub.data.model import Licence, Range
from khub.render.display import (
    edition_name,
    format_number,
    format_pair,
    format_value,
    human_date,
    unit_name,
)
from khub.units import UNITS

CASES = [
    (80.2, "percent", None, "80.2%"),
    (88.6, "percent", None, "88.6%"),
    (96.0, "percent", None, "96%"),
    (Range(low=25.86, high=92.78), "percent", None, "25.86–92.78%"),
    (0.12, "usd_per_day", None, "$0.12/day"),
    (43.0, "usd_per_day", None, "$43/day"),
    (Range(low=129, high=215), "usd_per_day", None, "$129–$215/day"),
    (3.6, "usd_per_month", None, "$3.60/month"),
    (145000.0, "usd_per_year", None, "$145,000/year"),
    (12000.0, "usd", None, "$12,000"),
    (5.0, "usd_per_mtok", None, "$5 per million tokens"),
    (0.12, "usd_per_mtok", None, "$0.12 per million tokens"),
    (500_000_000.0, "tokens_per_day", None, "500M tokens/day"),
    (1_000_000.0, "tokens_per_day", None, "1M tokens/day"),
    (166666.666667, "tokens_per_day", None, "166,666.67 tokens/day"),
    (166666.666667, "tokens_per_day", 0, "166,667 tokens/day"),
    (30_000_000.0, "tokens_per_month", None, "30M tokens/month"),
    (2000.0, "tokens_per_run", None, "2,000 tokens/run"),
    (1_500_000_000.0, "tokens", None, "1.5B tokens"),
    (1.0, "tokens", None, "1 token"),
    (250000.0, "runs_per_day", None, "250,000 runs/day"),
    (700_000_000.0, "users", None, "700M users"),
    (Range(low=3, high=5), "multiplier", None, "3–5×"),
    (6.0, "multiplier", None, "6×"),
    (358.333333, "multiplier", 0, "358×"),
    (8.4, "points", None, "8.4 points"),
    (1.0, "points", None, "1 point"),
    (-8.4, "points", None, "−8.4 points"),
    (-0.5, "usd", None, "−$0.50"),
    (Range(low=6, high=8), "weeks", None, "6–8 weeks"),
    (10.0, "days", None, "10 days"),
    (8.0, "count", None, "8"),
    (80.0, "percent", 1, "80.0%"),
    ("closed", "enum", None, "closed"),
    ("not offered in the EU", "text", None, "not offered in the EU"),
    ("2026-06-30", "date", None, "2026-06-30"),
    (Licence(id="MIT", name="MIT License", tier="permissive"), "licence", None, "MIT License"),
    (None, "percent", None, "unknown"),
]


@pytest.mark.parametrize(("value", "unit", "decimals", "expected"), CASES)
def test_format_value(value: object, unit: str, decimals: int | None, expected: str) -> None:
    assert format_value(value, unit, decimals) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("number", "style", "expected"),
    [
        (1234.5, "plain", "1,234.5"),
        (0.005, "plain", "0.01"),
        (0.0, "money", "0"),
        (2.5, "money", "2.50"),
        (999_999.0, "compact", "999,999"),
        (2.5e12, "compact", "2.5T"),
        (float("nan"), "plain", "unknown"),
    ],
)
def test_format_number(number: float, style: str, expected: str) -> None:
    assert format_number(number, style) == expected  # type: ignore[arg-type]


def test_format_pair_shares_the_unit() -> None:
    assert format_pair(5.0, 25.0, "usd_per_mtok") == ("$5", "$25", " per million tokens")
    assert format_pair("a", "b", "text") == ("a", "b", "")


@pytest.mark.parametrize(
    ("unit", "name"),
    [
        ("usd_per_mtok", "USD per million tokens"),
        ("tokens_per_month", "tokens per month"),
        ("percent", "percent"),
        ("points", "percentage points"),
        ("multiplier", "multiplier"),
        ("count", "count"),
        ("enum", "one of a fixed list"),
        ("licence", "licence"),
        ("no_such_unit", "no such unit"),
    ],
)
def test_unit_names_are_words(unit: str, name: str) -> None:
    assert unit_name(unit) == name
    assert "_" not in unit_name(unit)


def test_every_unit_has_a_name_without_codes() -> None:
    for unit in UNITS:
        assert unit_name(unit) and "_" not in unit_name(unit)


def test_dates_and_editions_for_readers() -> None:
    assert human_date(dt.date(2026, 6, 30)) == "30 June 2026"
    assert human_date("2026-01-05") == "5 January 2026"
    assert edition_name("2026-06") == "June 2026"
    assert edition_name("working draft") == "working draft"
    assert edition_name("2026-13") == "2026-13"
