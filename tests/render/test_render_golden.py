"""Golden files: the generated Markdown and JSON of the small fixture hub.

Regenerate them with `make goldens` (KHUB_REGENERATE_GOLDENS=1) and review the diff like code.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from khub.site.generate import GenerateResult

GOLDENS = Path(__file__).parent / "goldens" / "hub-small"


def readable(path: Path) -> bytes:
    """Return a file's bytes; JSON re-indented so golden diffs read line by line."""
    data = path.read_bytes()
    if path.suffix != ".json":
        return data
    return (
        json.dumps(json.loads(data), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    ).encode()


def generated(docs: Path) -> dict[str, bytes]:
    return {
        p.relative_to(docs).as_posix(): readable(p)
        for p in sorted(docs.rglob("*"))
        if p.is_file() and "assets" not in p.relative_to(docs).parts
    }


def test_golden_generated_markdown(hub: Path, run_generate: Callable[..., GenerateResult]) -> None:
    run_generate()
    fresh = generated(hub / "build" / "docs")
    if os.environ.get("KHUB_REGENERATE_GOLDENS") == "1":
        shutil.rmtree(GOLDENS, ignore_errors=True)
        for rel, data in fresh.items():
            (GOLDENS / rel).parent.mkdir(parents=True, exist_ok=True)
            (GOLDENS / rel).write_bytes(data)
    expected = generated(GOLDENS)
    assert sorted(fresh) == sorted(expected), "files differ; run `make goldens` and review"
    for rel, data in fresh.items():
        assert data.decode() == expected[rel].decode(), f"{rel} differs from its golden file"
