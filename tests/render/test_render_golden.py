"""Golden files: the generated Markdown and JSON of the small fixture hub.

Regenerate them with `make goldens` (KHUB_REGENERATE_GOLDENS=1) and review the diff like code.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from khub.generate import GenerateResult

GOLDENS = Path(__file__).parent / "goldens" / "hub-small"


def generated(docs: Path) -> dict[str, bytes]:
    return {
        p.relative_to(docs).as_posix(): p.read_bytes()
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
