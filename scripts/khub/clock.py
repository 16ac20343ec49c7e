"""Today's date, pinnable for reproducible runs and tests."""

from __future__ import annotations

import datetime as dt
import os


def today_default() -> dt.date:
    """Return today's date, or KHUB_TODAY (YYYY-MM-DD) when set, for reproducible runs."""
    pinned = os.environ.get("KHUB_TODAY")
    return dt.date.fromisoformat(pinned) if pinned else dt.date.today()
