"""Golden file: api/v1/calculators.json of the small fixture hub with one calculator added.

Regenerate it with `make goldens` (KHUB_REGENERATE_GOLDENS=1) and review the diff like code.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from khub.calc import export
from tests.kit.goldens import check_goldens, readable
from tests.kit.hubs import copy_hub, load_hub

HERE = Path(__file__).parent / "goldens"


def test_golden_calculators_json(tmp_path: Path) -> None:
    hub = copy_hub(tmp_path / "hub")
    shutil.copy(HERE / "calculators.yml", hub / "data" / "calculators.yml")
    files = export.extra_files(load_hub(hub))
    assert sorted(files) == ["api/v1/calculators.json"]
    fresh = {name: readable(name, data) for name, data in files.items()}
    check_goldens(HERE / "hub-small", fresh)
