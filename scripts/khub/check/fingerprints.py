"""Fingerprints of manual pages: whether each page's sha256 changed since the last run."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from khub.check.outcomes import FactOutcome
from khub.disk.atomic import write_atomic

STATE_FILE = Path("check") / "fingerprints.json"  # under khub.disk.cachedir.cache_root


def fingerprints(state: Path, outcomes: list[FactOutcome]) -> list[FactOutcome]:
    """Note whether each manual page changed since the last run; remember the new hashes."""
    known = _read_state(state)
    seen: dict[str, str] = {}
    updated = []
    for item in outcomes:
        ev = item.evidence
        if item.outcome != "manual" or ev is None or ev.sha256 is None:
            updated.append(item)
            continue
        updated.append(replace(item, reason=_page_note(known.get(ev.url), ev.sha256)))
        seen[ev.url] = ev.sha256
    if seen:
        _write_state(state, {**known, **seen})
    return updated


def _page_note(before: str | None, now: str) -> str:
    if before is None:
        return f"first check: page fingerprint {now[:12]} recorded"
    if before == now:
        return "page unchanged since the last check"
    return f"page changed since the last check (sha256 {before[:12]} → {now[:12]}): review it"


def _read_state(state: Path) -> dict[str, str]:
    try:
        data = json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    pages = data.get("pages") if isinstance(data, dict) else None
    if not isinstance(pages, dict):
        return {}
    return {str(k): str(v) for k, v in pages.items() if isinstance(v, str)}


def _write_state(state: Path, pages: dict[str, str]) -> None:
    state.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps({"version": 1, "pages": dict(sorted(pages.items()))}, indent=1) + "\n"
    write_atomic(state, text.encode("utf-8"))
