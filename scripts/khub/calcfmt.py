"""Format and parse calculator numbers like the page text (khub.fmt); calculators.js mirrors it.

Rounding is half-up on the exact binary value, which is what JavaScript's toFixed does, so
the page rendered by Python and the page updated in the browser show the same digits.
"""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

_GROUP = re.compile(r"\B(?=([0-9]{3})+(?![0-9]))")
_NUMBER = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?$", re.IGNORECASE)
_SEPARATORS = re.compile(r"[ \t\n\r\u00a0\u202f,_]")
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


_BY_KIND = {
    "usd": money,
    "tokens": tokens,
    "percent": lambda v: trimmed(v, 2) + "%",
    "multiplier": multiplier,
    "weeks": lambda v: trimmed(v, 2) + " weeks",
    "plain": plain,
}


def format_value(value: float, kind: str) -> str:
    """Return value formatted for its kind (usd, tokens, percent, multiplier, weeks, plain)."""
    return _BY_KIND[kind](value)


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
