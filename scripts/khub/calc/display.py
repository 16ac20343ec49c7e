"""Format and parse calculator numbers like the page text; calculators.js mirrors it.

The page text is khub.render.display.

A range shows its unit once, as the page text does: 3–5×, $129–$215, 6–8 weeks.

Rounding is half-up on the exact binary value, which is what JavaScript's toFixed does, so
the page rendered by Python and the page updated in the browser show the same digits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal

_GROUP = re.compile(r"\B(?=([0-9]{3})+(?![0-9]))")
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[ \t\n\r\u00a0\u202f,_]")
_RANGE = re.compile(r"^(.+?)(?:–|—|to|(?<=[0-9.])-)(.+)$", re.IGNORECASE)
_STEPS = ((1e12, "T"), (1e9, "B"), (1e6, "M"))


def fixed(value: float, decimals: int) -> str:
    """Return value with a fixed number of decimals, rounded half up, digits grouped by 3."""
    text = str(Decimal(value + 0.0).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))
    whole, dot, frac = text.partition(".")
    return _GROUP.sub(",", whole) + dot + frac


def trimmed(value: float, decimals: int) -> str:
    """Return fixed(value, decimals) without trailing zeros after the point."""
    text = fixed(value, decimals)
    return text.rstrip("0").rstrip(".") if "." in text else text


def money(value: float) -> str:
    """Return USD like the page text: $0.12, $43, $740.55, $145,000 (cents unless whole)."""
    if 0 < value < 0.005:
        return "less than $0.01"
    return "$" + fixed(value, 0 if float(value).is_integer() else 2)


def tokens(value: float) -> str:
    """Return a token count like the page text: 2,000, 358.33M, 1.08B."""
    for size, letter in _STEPS:
        if value >= size:
            return trimmed(value / size, 2) + letter
    return trimmed(value, 2)


def plain(value: float) -> str:
    """Return a plain number, grouped, with up to six decimals."""
    return trimmed(value, 6)


def multiplier(value: float) -> str:
    """Return a ratio: 358×, 1.4×."""
    return trimmed(value, 0 if value >= 10 else 1) + "×"


def _percent(value: float) -> str:
    return trimmed(value, 2)


def _times(value: float) -> str:
    return trimmed(value, 0 if value >= 10 else 1)


# Each kind: how one number shows, and the unit written once after the value (or range).
_BY_KIND: dict[str, tuple[Callable[[float], str], str]] = {
    "usd": (money, ""),
    "tokens": (tokens, ""),
    "percent": (_percent, "%"),
    "multiplier": (_times, "×"),
    "weeks": (_percent, " weeks"),
    "plain": (plain, ""),
}
EN_DASH = "–"


def format_value(value: float | Sequence[float], kind: str) -> str:
    """Return a number or a [low, high] range for its kind: $43, 3–5×, $129–$215, 6–8 weeks."""
    number, tail = _BY_KIND[kind]
    if isinstance(value, Sequence):
        low, high = value
        if low != high:
            return number(low) + EN_DASH + number(high) + tail
        value = low
    return number(value) + tail


def plain_value(value: float | Sequence[float]) -> str:
    """Return a number or a range as plain digits, the way an input shows it: 3–5."""
    return format_value(value, "plain")


def parse_number(text: str) -> tuple[float | None, str | None]:
    """Parse what a reader typed; return (number, None) or (None, message key)."""
    cleaned = _SEPARATORS.sub("", text)
    if not cleaned:
        return None, "empty"
    if not _NUMBER.fullmatch(cleaned):
        return None, "not_a_number"
    value = float(cleaned) + 0.0
    if not math.isfinite(value):
        return None, "too_large"
    return value, None


def parse_range(text: str) -> tuple[float | list[float] | None, str | None]:
    """Parse one number or a range such as 3–5, 3-5 or 3 to 5; return (value, None) or a key."""
    cleaned = _SEPARATORS.sub("", text)
    match = _RANGE.match(cleaned)
    if match is None:
        return parse_number(cleaned)
    low, problem = parse_number(match.group(1))
    high, other = parse_number(match.group(2))
    if problem or other or low is None or high is None:
        return None, problem or other or "not_a_number"
    return [low, high], None
