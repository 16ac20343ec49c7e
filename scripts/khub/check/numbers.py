"""Parse numbers the way sources print them, and convert units.

`parse_number` finds the first number in a piece of text and returns it as a float:
``$1,234.50`` → 1234.5, ``80.2%`` → 80.2 (percent signs are dropped, not divided),
``1.2M`` / ``$1.2m`` → 1.2e6, ``3.5B`` / ``7b`` / ``3.5bn`` → 3.5e9, ``12k`` → 12000,
``700 million`` → 7e8,
``(1,234)`` → -1234 (accounting negative), ``−5`` (unicode minus) → -5, and digit groups
split by non-breaking or thin spaces (``1 234 567``). Commas are thousands separators;
decimal commas (``1.234,5``) are not supported.
"""

from __future__ import annotations

import re

from khub.errors import shown

CONVERSIONS: dict[str, float] = {
    "per_token_to_per_million": 1e6,
    "per_thousand_to_per_million": 1e3,
    "percent_fraction_to_percent": 100.0,
}

_MULTIPLIERS: dict[str, float] = {
    "k": 1e3,
    "thousand": 1e3,
    "m": 1e6,
    "million": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "t": 1e12,
    "trillion": 1e12,
}

_MINUS = str.maketrans({"\u2212": "-", "\ufe63": "-", "\uff0d": "-"})
_GROUP_SPACE = re.compile(r"(?<=\d)[\u00a0\u2009\u202f](?=\d{3}(?!\d))")
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")
_NUMBER = re.compile(
    r"""
    (?P<open>\(\s*)?
    (?P<sign1>(?<!\w)[-+]\s*)?
    (?:[$€£¥]\s*)?
    (?P<sign2>(?<!\w)[-+]\s*)?
    (?P<digits>\d{1,3}(?:,\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
    (?P<exp>[eE][-+]?\d+)?
    (?:\s*(?P<suffix>(?i:thousand|million|billion|trillion|bn)|[kKmMbBT])(?![A-Za-z]))?
    (?P<close>\s*%?\s*\))?
    """,
    re.VERBOSE,
)

_SIGNIFICANT_DIGITS = 12


class NumberNotFound(ValueError):
    """The text holds nothing that reads as a number."""


class UnknownConversion(ValueError):
    """A conversion name that `CONVERSIONS` does not define."""


def parse_number(text: str) -> float:
    """Return the first number printed in `text`, with its sign and magnitude suffix."""
    normal = _SPACES.sub(" ", _GROUP_SPACE.sub("", text.translate(_MINUS)))
    found = _NUMBER.search(normal)
    if found is None:
        raise NumberNotFound(f"no number in {shown(' '.join(text.split()))}")
    value = float(found["digits"].replace(",", "") + (found["exp"] or ""))
    value *= _MULTIPLIERS[found["suffix"].lower()] if found["suffix"] else 1.0
    if _is_negative(found):
        value = -value
    return _tidy(value)


def convert(value: float, *, scale: float | None = None, conversion: str | None = None) -> float:
    """Return `value` multiplied by `scale` or by the named conversion's factor."""
    factor = 1.0 if scale is None else scale
    if conversion is not None:
        if conversion not in CONVERSIONS:
            known = ", ".join(sorted(CONVERSIONS))
            raise UnknownConversion(f"unknown conversion {conversion!r} (known: {known})")
        factor *= CONVERSIONS[conversion]
    return _tidy(value * factor)


def _is_negative(found: re.Match[str]) -> bool:
    signs = (found["sign1"] or "") + (found["sign2"] or "")
    accounting = bool(found["open"] and found["close"] and ")" in found["close"])
    return ("-" in signs) != accounting


def _tidy(value: float) -> float:
    """Round away binary noise such as 15.000000000000002 from a multiplication."""
    return float(f"{value:.{_SIGNIFICANT_DIGITS}g}")
