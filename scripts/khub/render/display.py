"""Format for readers: values by unit (80.2%, $0.12/day, 3–5×), unit names, dates, editions."""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
from dataclasses import dataclass
from typing import Literal

from khub.data.model import Licence, Range
from khub.units import get_unit

Style = Literal["plain", "money", "compact"]
RawValue = float | Range | Licence | str | None

EN_DASH = "–"
MINUS = "−"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class UnitStyle:
    """How one unit shows: a prefix before each number, a suffix after the value, a style."""

    prefix: str = ""
    suffix: str = ""
    style: Style = "plain"
    singular: str | None = None


UNIT_STYLES: dict[str, UnitStyle] = {
    "percent": UnitStyle(suffix="%"),
    "points": UnitStyle(suffix=" points", singular=" point"),
    "count": UnitStyle(),
    "multiplier": UnitStyle(suffix="×"),
    "usd": UnitStyle(prefix="$", style="money"),
    "usd_per_mtok": UnitStyle(prefix="$", suffix=" per million tokens", style="money"),
    "usd_per_day": UnitStyle(prefix="$", suffix="/day", style="money"),
    "usd_per_month": UnitStyle(prefix="$", suffix="/month", style="money"),
    "usd_per_year": UnitStyle(prefix="$", suffix="/year", style="money"),
    "tokens": UnitStyle(suffix=" tokens", style="compact", singular=" token"),
    "tokens_per_day": UnitStyle(suffix=" tokens/day", style="compact"),
    "tokens_per_month": UnitStyle(suffix=" tokens/month", style="compact"),
    "tokens_per_run": UnitStyle(suffix=" tokens/run", style="compact"),
    "runs_per_day": UnitStyle(suffix=" runs/day", style="compact"),
    "users": UnitStyle(suffix=" users", style="compact", singular=" user"),
    "days": UnitStyle(suffix=" days", singular=" day"),
    "weeks": UnitStyle(suffix=" weeks", singular=" week"),
}

_COMPACT_STEPS: tuple[tuple[float, str], ...] = ((1e12, "T"), (1e9, "B"), (1e6, "M"))


def unit_style(unit_name: str) -> UnitStyle:
    """Return how a unit shows; units without an entry show bare numbers."""
    return UNIT_STYLES.get(unit_name, UnitStyle())


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _grouped(number: float, decimals: int, trim: bool) -> str:
    text = f"{abs(number):,.{decimals}f}"
    text = _trim(text) if trim else text
    return f"{MINUS}{text}" if number < 0 and text.strip("0.,") else text


def format_number(number: float, style: Style = "plain", decimals: int | None = None) -> str:
    """Return one number in a style: plain 80.2, money 0.12, compact 500M."""
    if math.isnan(number) or math.isinf(number):
        return UNKNOWN
    if style == "compact" and abs(number) >= 1e6:
        for step, letter in _COMPACT_STEPS:
            if abs(number) >= step:
                places = 2 if decimals is None else decimals
                return _grouped(number / step, places, decimals is None) + letter
    if decimals is not None:
        return _grouped(number, decimals, trim=False)
    if style == "money":
        whole = float(number).is_integer()
        return _grouped(number, 0 if whole else 2, trim=False)
    return _grouped(number, 2, trim=True)


def _with_prefix(prefix: str, text: str) -> str:
    if text.startswith(MINUS):
        return f"{MINUS}{prefix}{text[1:]}"
    return f"{prefix}{text}"


def format_parts(value: RawValue, unit_name: str, decimals: int | None = None) -> tuple[str, str]:
    """Return (value text without the unit suffix, suffix) for a value in a unit."""
    style = unit_style(unit_name)
    if isinstance(value, Range):
        low = _with_prefix(style.prefix, format_number(value.low, style.style, decimals))
        high = _with_prefix(style.prefix, format_number(value.high, style.style, decimals))
        return f"{low}{EN_DASH}{high}", style.suffix
    if isinstance(value, bool) or value is None:
        return UNKNOWN, ""
    if isinstance(value, int | float):
        text = _with_prefix(style.prefix, format_number(float(value), style.style, decimals))
        suffix = style.singular if style.singular and abs(value) == 1 else style.suffix
        return text, suffix
    if isinstance(value, Licence):
        return value.name, ""
    return str(value), ""


def format_value(value: RawValue, unit_name: str, decimals: int | None = None) -> str:
    """Return a value with its unit: 80.2%, $0.12/day, 3–5×, 500M tokens/day."""
    text, suffix = format_parts(value, unit_name, decimals)
    return text + suffix


def format_pair(
    first: RawValue, second: RawValue, unit_name: str, decimals: int | None = None
) -> tuple[str, str, str]:
    """Return two value texts and their shared unit suffix: ("$5", "$25", " per million tokens")."""
    one, suffix_one = format_parts(first, unit_name, decimals)
    two, suffix_two = format_parts(second, unit_name, decimals)
    shared = unit_style(unit_name).suffix if (suffix_one or suffix_two) else ""
    return one, two, shared


# --- unit names, dates and editions ---------------------------------------------------------

_KIND_NAMES = {"text": "text", "enum": "one of a fixed list", "date": "date", "licence": "licence"}
_EDITION = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")


def unit_name(unit: str) -> str:
    """Return a unit's name in words: 'USD per million tokens', 'percent', 'tokens per month'.

    The words are khub.units' labels; a unit whose label is a symbol or empty ('%', '×',
    a count) is named by its id, and a value that is not a number by its kind.
    """
    found = get_unit(unit)
    if found is None:
        return unit.replace("_", " ")
    if not found.numeric:
        return _KIND_NAMES.get(found.kind, found.kind)
    if any(ch.isalpha() for ch in found.label):
        return found.label
    return found.name.replace("_", " ")


@functools.lru_cache(maxsize=4096)
def human_date(day: dt.date | str) -> str:
    """Return '30 June 2026' for 2026-06-30 (a date or its ISO text)."""
    date = dt.date.fromisoformat(day) if isinstance(day, str) else day
    return f"{date.day} {date.strftime('%B %Y')}"


def edition_name(edition_id: str) -> str:
    """Return 'June 2026' for the edition '2026-06'; any other text is returned as it is."""
    if not _EDITION.fullmatch(edition_id):
        return edition_id
    return dt.date.fromisoformat(f"{edition_id}-01").strftime("%B %Y")
