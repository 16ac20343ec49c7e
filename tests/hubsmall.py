"""The small fixture hub of the rendering and site tests, copied with the real site set-up."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "hub-small"
TODAY = dt.date(2026, 7, 1)


def copy_hub(dest: Path) -> Path:
    """Copy the small fixture hub to dest with the repository's mkdocs.yml and assets."""
    shutil.copytree(FIXTURE, dest)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    shutil.copytree(REPO / "templates", dest / "templates", dirs_exist_ok=True)
    return dest


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Return every file under folder with its bytes and modification time."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }
