"""Calculator numbers read like the page text and parse what readers type."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from khub.calc import display as calcfmt
from khub.render import display as fmt


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        (0.12, "usd", "$0.12"),
        (43.0, "usd", "$43"),
        (740.545988, "usd", "$740.55"),
        (145000.0, "usd", "$145,000"),
        (3.5999999999999996, "usd", "$3.60"),
        (0.001, "usd", "less than $0.01"),
        (0.0, "usd", "$0"),
        (2000.0, "tokens", "2,000"),
        (358333333.3, "tokens", "358.33M"),
        (1.79e9, "tokens", "1.79B"),
        (2.5e12, "tokens", "2.5T"),
        (358.3333, "multiplier", "358×"),
        (1.3953, "multiplier", "1.4×"),
        (50.0, "percent", "50%"),
        (8.0, "weeks", "8 weeks"),
        (1e15, "plain", "1,000,000,000,000,000"),
    ],
)
def test_values_read_like_the_page(value: float, kind: str, text: str) -> None:
    assert calcfmt.format_value(value, kind) == text


def _tie(value: float, decimals: int) -> bool:
    scaled = Decimal(value) * (10**decimals)
    return scaled - int(scaled) == Decimal("0.5")


@given(st.floats(min_value=0.01, max_value=1e12, allow_nan=False))
def test_money_matches_the_page_formatter(value: float) -> None:
    if not _tie(value, 2):
        assert calcfmt.money(value) == "$" + fmt.format_number(value, "money")


@given(st.floats(min_value=0, max_value=1e18, allow_nan=False))
def test_tokens_match_the_page_formatter(value: float) -> None:
    step = next((s for s in (1e12, 1e9, 1e6) if value >= s), 1.0)
    if not _tie(value / step, 2):
        assert calcfmt.tokens(value) == fmt.format_number(value, "compact")


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("1,000,000", (1e6, None)),
        (" 12 000 ", (12000.0, None)),
        ("1e6", (1e6, None)),
        (".5", (0.5, None)),
        ("-0", (0.0, None)),
        ("", (None, "empty")),
        ("  ", (None, "empty")),
        ("12abc", (None, "not_a_number")),
        ("0x10", (None, "not_a_number")),
        ("nan", (None, "not_a_number")),
        ("١٢", (None, "not_a_number")),
        ("1e999", (None, "too_large")),
    ],
)
def test_parse_reads_what_readers_type(text: str, parsed: tuple[float | None, str | None]) -> None:
    assert calcfmt.parse_number(text) == parsed


@given(st.floats(min_value=0, max_value=1e15, allow_nan=False))
def test_plain_text_parses_back_to_the_shown_number(value: float) -> None:
    parsed, problem = calcfmt.parse_number(calcfmt.plain(value))
    assert problem is None and parsed is not None
    assert abs(parsed - value) <= 5e-7 + abs(value) * 1e-15


@pytest.mark.parametrize(
    ("value", "kind", "text"),
    [
        ([3.0, 5.0], "multiplier", "3–5×"),
        ([129.0, 215.0], "usd", "$129–$215"),
        ([6.0, 8.0], "weeks", "6–8 weeks"),
        ([1.075e9, 1.79e9], "tokens", "1.07B–1.79B"),
        ([4.0, 4.0], "multiplier", "4×"),
    ],
)
def test_a_range_shows_its_unit_once(value: list[float], kind: str, text: str) -> None:
    assert calcfmt.format_value(value, kind) == text


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("3–5", ([3.0, 5.0], None)),
        ("3-5", ([3.0, 5.0], None)),
        ("3 to 5", ([3.0, 5.0], None)),
        ("1,000 — 2,000", ([1000.0, 2000.0], None)),
        ("4", (4.0, None)),
        ("1e-5", (1e-5, None)),
        ("-3-5", ([-3.0, 5.0], None)),
        ("3–", (None, "not_a_number")),
        ("3–x", (None, "not_a_number")),
        ("3–1e999", (None, "too_large")),
        ("", (None, "empty")),
    ],
)
def test_a_range_is_read_as_readers_type_it(
    text: str, parsed: tuple[float | list[float] | None, str | None]
) -> None:
    assert calcfmt.parse_range(text) == parsed
