"""Hub settings from data/hub.yml: title, branding, when a fact is stale, render limits.

The branding (logo, palette, footer) is content from a pull request like everything else:
colours must be `#rrggbb` and readable (WCAG AA, 4.5:1, against what they sit on), the
contact an https: or mailto: address, every text one plain line. khub.site.brand turns it
into the theme's files; the theme shows it escaped.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from khub.data.yamlio import MAX_FILE_BYTES, locate, parse, read_text, too_large
from khub.disk.paths import path_fault, read_contained
from khub.errors import DataError, Problem

HUB_FILE = "data/hub.yml"
LOGO_TYPES = (".svg", ".png")
# What the page behind each colour is: white in the light scheme, Material's slate in dark.
WHITE = "#ffffff"
SLATE_BG = "#1e2129"
AA_CONTRAST = 4.5
_HEX = re.compile(r"#[0-9a-fA-F]{6}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _hex(value: str) -> str:
    if not _HEX.fullmatch(value):
        raise ValueError(f"'{value}' is not a colour like #1f4e5f (six hex digits)")
    return value.lower()


def _line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("holds a line break or a control character (write one plain line)")
    return value.strip()


def _contact(value: str) -> str:
    value = _line(value)
    parts = urlsplit(value)
    if parts.scheme == "mailto" and "@" in parts.path and " " not in value:
        return value
    if parts.scheme == "https" and parts.netloc and " " not in value:
        return value
    raise ValueError(f"'{value}' is not an https: URL or a mailto: address")


def _logo(value: str) -> str:
    fault = path_fault(value)
    if fault is not None:
        raise ValueError(f"'{value}' is not a plain path inside the repository: it {fault}")
    if PurePosixPath(value).suffix.lower() not in LOGO_TYPES:
        raise ValueError(f"'{value}' is not an .svg or .png file")
    if value.split("/")[0] not in ("data", "templates"):
        raise ValueError(f"'{value}' is not under data/ or templates/")
    return value


Colour = Annotated[str, AfterValidator(_hex)]
Line = Annotated[str, Field(max_length=300), AfterValidator(_line)]
Name = Annotated[str, Field(max_length=120), AfterValidator(_line)]


def contrast(a: str, b: str) -> float:
    """Return the WCAG contrast ratio of two #rrggbb colours (1 to 21)."""
    lum = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (lum[0] + 0.05) / (lum[1] + 0.05)


def _luminance(colour: str) -> float:
    def channel(i: int) -> float:
        c = int(colour[i : i + 2], 16) / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)


class Colours(BaseModel):
    """One scheme's colours: the header bar (white text on it) and the links."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    primary: Colour
    accent: Colour


def _readable(colours: Colours, scheme: str, page: str) -> Colours:
    """Return colours when white text on primary and accent on the page reach WCAG AA."""
    for name, colour, under, what in (
        ("primary", colours.primary, WHITE, "white text on it"),
        ("accent", colours.accent, page, f"on the {scheme} page, {page}"),
    ):
        ratio = contrast(colour, under)
        if ratio < AA_CONTRAST:
            raise ValueError(
                f"{name} {colour} has contrast {ratio:.2f}:1 for {what}; "
                f"WCAG AA needs {AA_CONTRAST}:1 (choose a darker or lighter shade)"
            )
    return colours


Light = Annotated[Colours, AfterValidator(lambda c: _readable(c, "light", WHITE))]
Dark = Annotated[Colours, AfterValidator(lambda c: _readable(c, "dark", SLATE_BG))]


class Palette(BaseModel):
    """The light and the dark scheme's colours."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    light: Light = Colours(primary="#1f4e5f", accent="#9c4a12")
    dark: Dark = Colours(primary="#1d4a59", accent="#8ac6d4")


class Footer(BaseModel):
    """The footer of every page: contact, copyright line, disclaimer."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    contact: Annotated[str, Field(max_length=300), AfterValidator(_contact)] | None = None
    copyright: Line = ""
    disclaimer: Line = ""


class HubSettings(BaseModel):
    """Settings of the whole hub."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Name = "Knowledge Hub"
    publisher: Name = ""
    # A logo file in the repository (under data/ or templates/), SVG or PNG.
    logo: Annotated[str, AfterValidator(_logo)] | None = None
    palette: Palette = Palette()
    footer: Footer = Footer()
    stale_after_days: int = Field(default=120, ge=1)
    # Bounds on rendering one module (see khub.render.bounds); the defaults are about ten times
    # what the real modules need (0.5 s of CPU, 170,000 characters, 40 MB).
    render_seconds: float = Field(default=5.0, gt=0, le=3600)
    render_memory_mb: int = Field(default=512, ge=64)
    render_max_chars: int = Field(default=2_000_000, ge=10_000)
    render_max_width: int = Field(default=1_000, ge=1)
    render_max_decimals: int = Field(default=12, ge=0, le=100)


def load_settings(root: Path) -> HubSettings:
    """Return the settings in data/hub.yml, defaults when it is missing; raise DataError."""
    if not os.path.lexists(root / HUB_FILE):
        return HubSettings()
    text, problem = read_text(HUB_FILE, read_contained(root, HUB_FILE, MAX_FILE_BYTES, too_large))
    if problem is None and text is not None:
        data, problem = parse(HUB_FILE, text)
    if problem is not None:
        raise DataError([problem])
    try:
        return HubSettings.model_validate(data or {})
    except ValidationError as exc:
        problems = [
            Problem(
                HUB_FILE,
                locate(text or "", tuple(e["loc"])),
                f"{'.'.join(map(str, e['loc']))}: {_message(e['msg'])}",
                _hint(tuple(e["loc"])),
            )
            for e in exc.errors()
        ]
        raise DataError(problems) from None


def hub_line(root: Path, keypath: tuple[str | int, ...]) -> int:
    """Return the line of data/hub.yml that holds keypath (0 when it cannot be read)."""
    try:
        text = (root / HUB_FILE).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return 0
    return locate(text, keypath)


def _hint(loc: tuple[str | int, ...]) -> str:
    """Return the keys allowed in the mapping that holds the key in error."""
    model: type[BaseModel] = HubSettings
    for key in loc[:-1]:
        field = model.model_fields.get(str(key))
        annotation = field.annotation if field else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            break
        model = annotation
    return f"keys: {', '.join(model.model_fields)}"


def _message(msg: str) -> str:
    """Return pydantic's message without its 'Value error, ' prefix."""
    return msg.removeprefix("Value error, ")
