"""Polling for tests that watch another process: wait until a condition holds or time runs out."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(check: Callable[[], bool], timeout: float = 60.0, every: float = 0.05) -> bool:
    """Return True as soon as check() does, False when timeout seconds pass first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(every)
    return False
