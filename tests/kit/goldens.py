"""Golden files: compare generated files with the reviewed copies, or rewrite the copies.

`make goldens` sets KHUB_REGENERATE_GOLDENS=1 and runs every test named *golden*: each one
then rewrites its folder from what it generated, and the diff is reviewed like code.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path


def regenerating() -> bool:
    """Return True when this run rewrites the golden files instead of checking them."""
    return os.environ.get("KHUB_REGENERATE_GOLDENS") == "1"


def readable(name: str, data: bytes) -> bytes:
    """Return a file's bytes; JSON re-indented and key-sorted so diffs read line by line."""
    if not name.endswith(".json"):
        return data
    text = json.dumps(json.loads(data), indent=2, sort_keys=True, ensure_ascii=False)
    return (text + "\n").encode()


def read_folder(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Return every file under folder in readable form, keyed by its relative path."""
    return {
        p.relative_to(folder).as_posix(): readable(p.name, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not set(skip) & set(p.relative_to(folder).parts)
    }


def check_goldens(folder: Path, fresh: Mapping[str, bytes]) -> None:
    """Assert fresh (readable files by relative path) equals folder; rewrite it when asked."""
    if regenerating():
        shutil.rmtree(folder, ignore_errors=True)
        for rel, data in fresh.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
    expected = read_folder(folder)
    assert sorted(fresh) == sorted(expected), "files differ; run `make goldens` and review"
    for rel, data in fresh.items():
        assert data.decode() == expected[rel].decode(), f"{rel} differs from its golden file"
