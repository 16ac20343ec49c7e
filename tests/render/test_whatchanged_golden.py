"""Golden files of the hub with three published editions (tests/kit/editions.py).

They hold the what-changed blocks, the changelog page and the Atom feed.

Regenerate them with `make goldens` (KHUB_REGENERATE_GOLDENS=1) and review the diff like code.
"""

from __future__ import annotations

from pathlib import Path

from khub.data.load import load
from khub.editions.store import read_editions
from khub.render.whatchanged import extra_files, feed, module_block
from tests.kit.goldens import check_goldens

GOLDENS = Path(__file__).parent / "goldens" / "three-editions"
BASE_URL = "https://hub.example/"
USES = {"mod-a": ["score.alpha", "lead"], "mod-b": ["price.alpha"]}


def test_golden_what_changed_changelog_and_feed(hub3: Path) -> None:
    factset, _ = load(hub3)
    files = extra_files(factset)
    assert sorted(files) == ["changelog.md", "feed.xml"]
    fresh = {
        **{
            f"{module}-what-changed.md": module_block(hub3, factset, module, uses).encode()
            for module, uses in USES.items()
        },
        **files,
        "feed-with-links.xml": feed(factset, read_editions(hub3), BASE_URL),
    }
    assert str(hub3) not in b"".join(fresh.values()).decode()
    check_goldens(GOLDENS, fresh)
