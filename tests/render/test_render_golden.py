"""Golden files: the generated Markdown and JSON of the small fixture hub.

Regenerate them with `make goldens` (KHUB_REGENERATE_GOLDENS=1) and review the diff like code.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from khub.site.generate import GenerateResult
from tests.kit.goldens import check_goldens, read_folder

GOLDENS = Path(__file__).parent / "goldens" / "hub-small"


def test_golden_generated_markdown(hub: Path, run_generate: Callable[..., GenerateResult]) -> None:
    run_generate()
    check_goldens(GOLDENS, read_folder(hub / "build" / "docs", skip=("assets",)))
