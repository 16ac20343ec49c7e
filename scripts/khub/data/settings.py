"""Hub settings from data/hub.yml: title, publisher, when a fact is stale, render limits."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from khub.data.yamlio import MAX_FILE_BYTES, locate, parse, read_text, too_large
from khub.disk.paths import read_contained
from khub.errors import DataError, Problem

HUB_FILE = "data/hub.yml"


class HubSettings(BaseModel):
    """Settings of the whole hub."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    title: str = "Knowledge Hub"
    publisher: str = ""
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
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}",
                f"keys: {', '.join(HubSettings.model_fields)}",
            )
            for e in exc.errors()
        ]
        raise DataError(problems) from None
