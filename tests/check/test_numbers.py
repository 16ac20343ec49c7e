"""Numbers as sources print them, and unit conversions."""

from __future__ import annotations

import pytest

from khub.check.numbers import (
    CONVERSIONS,
    NumberNotFound,
    UnknownConversion,
    convert,
    parse_number,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("$1,234.50", 1234.5),
        ("80.2%", 80.2),
        ("1.2M", 1_200_000.0),
        ("$1.2m", 1_200_000.0),
        ("3.5B", 3_500_000_000.0),
        ("3.5bn", 3_500_000_000.0),
        ("7b parameters", 7_000_000_000.0),
        ("12k", 12_000.0),
        ("12K tokens", 12_000.0),
        ("2T", 2e12),
        ("0.12", 0.12),
        (".5", 0.5),
        ("700 million", 700_000_000.0),
        ("700 Million monthly active users", 700_000_000.0),
        ("2 billion", 2_000_000_000.0),
        ("1.5 thousand", 1500.0),
        ("(1,234)", -1234.0),
        ("($1,234.50)", -1234.5),
        ("\u22125.3", -5.3),
        ("-$5", -5.0),
        ("$-5", -5.0),
        ("+3", 3.0),
        ("1\u00a0234\u00a0567", 1_234_567.0),
        ("1\u202f234", 1234.0),
        ("$15\u00a0/ MTok", 15.0),
        ("€0.80 per hour", 0.8),
        ("£3", 3.0),
        ("1,234,567.891", 1_234_567.891),
        ("1e-6", 1e-6),
        ("Score: 88.6 (±0.4)", 88.6),
        ("GPT-4 scores 88", 4.0),
        ("100 ms", 100.0),
        ("5 Models", 5.0),
        ("  \n 42 \t", 42.0),
    ],
)
def test_numbers_are_parsed_as_printed(text: str, expected: float) -> None:
    assert parse_number(text) == expected


@pytest.mark.parametrize("text", ["", "n/a", "—", "TBD", "$", "%", "million"])
def test_text_without_a_number_is_an_error(text: str) -> None:
    with pytest.raises(NumberNotFound, match="no number in"):
        parse_number(text)


def test_number_not_found_is_a_value_error() -> None:
    assert issubclass(NumberNotFound, ValueError)


@pytest.mark.parametrize(
    ("value", "conversion", "expected"),
    [
        (0.000015, "per_token_to_per_million", 15.0),
        (0.015, "per_thousand_to_per_million", 15.0),
        (0.886, "percent_fraction_to_percent", 88.6),
    ],
)
def test_named_conversions(value: float, conversion: str, expected: float) -> None:
    assert convert(value, conversion=conversion) == expected


def test_conversions_are_the_documented_factors() -> None:
    assert CONVERSIONS == {
        "per_token_to_per_million": 1e6,
        "per_thousand_to_per_million": 1e3,
        "percent_fraction_to_percent": 100.0,
    }


def test_a_scale_multiplies_without_binary_noise() -> None:
    assert convert(0.000003, scale=1_000_000) == 3.0
    assert convert(7.0) == 7.0


def test_an_unknown_conversion_names_the_known_ones() -> None:
    with pytest.raises(UnknownConversion, match="known: per_thousand_to_per_million"):
        convert(1.0, conversion="per_token_to_per_billion")
