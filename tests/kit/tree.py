"""Digests and snapshots of folders, to show a run changed nothing it must not."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def tree_digest(root: Path) -> dict[str, str]:
    """Return the sha256 of every file under root, .khub-cache/ excluded.

    A symlink is recorded by its target and never followed, so a hub holding links to
    devices or to files outside it can be compared before and after a run.
    """
    digests: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(".khub-cache/"):
            continue
        if path.is_symlink():
            digests[rel] = f"-> {os.readlink(path)}"
        elif path.is_file():
            digests[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Return every file under folder with its bytes and modification time."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def file_bytes(root: Path, pattern: str = "*") -> dict[str, bytes]:
    """Return the bytes of every file under root whose name matches pattern."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob(pattern))
        if p.is_file()
    }
