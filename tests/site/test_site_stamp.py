"""`khub build` with nothing changed leaves site/ alone; any input change builds again.

Also: the built search index still finds a fact by its label and a module by its text,
while the generated tables stay out of it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from khub.disk.cachedir import cache_root
from khub.site.stamp import STAMP
from tests.kit.cli import run_khub
from tests.kit.hubs import TODAY, copy_hub
from tests.kit.tree import tree_digest
from tests.site.kit import without_widgets

pytestmark = pytest.mark.slow

UP_TO_DATE = "site is up to date: nothing changed since the last build"


def _build(hub: Path) -> list[str]:
    proc = run_khub(hub, "build", today=TODAY.isoformat())
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 0, proc.stderr
    return proc.stderr.splitlines()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Return the small fixture hub, built once, its cache in the suite's cache folder."""
    root = without_widgets(copy_hub(tmp_path_factory.mktemp("stamp") / "hub"))
    with pytest.MonkeyPatch.context() as patch:  # module scope: set before the autouse one
        patch.setenv("KHUB_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "khub-cache"))
        assert _build(root)[-1] == "built site"
        yield root


def test_nothing_changed_builds_nothing(hub: Path) -> None:
    site = tree_digest(hub / "site")
    stamp = (cache_root(hub) / STAMP).read_bytes()
    assert _build(hub)[-1] == UP_TO_DATE
    assert tree_digest(hub / "site") == site
    assert (cache_root(hub) / STAMP).read_bytes() == stamp


def test_unchanged_sources_skip_generate_as_well(hub: Path) -> None:
    docs = tree_digest(hub / "build" / "docs")
    assert _build(hub) == [
        "build/docs is up to date: no source changed since the last build",
        UP_TO_DATE,
    ]
    assert tree_digest(hub / "build" / "docs") == docs


def test_another_day_generates_again(hub: Path) -> None:
    proc = run_khub(hub, "build", today="2026-07-02")  # staleness is judged on a new day
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines()[0].startswith("generated build/docs:")
    assert _build(hub)[0].startswith("generated build/docs:")  # and back on TODAY


@pytest.mark.parametrize(
    "edit",
    ["content", "config", "overrides", "site"],
)
def test_a_changed_input_or_site_builds_again(hub: Path, edit: str) -> None:
    if edit == "content":
        page = next((hub / "content").glob("*.md"))
        page.write_text(page.read_text("utf-8") + "\nOne more sentence.\n", "utf-8")
    elif edit == "config":
        config = hub / "mkdocs.yml"
        config.write_text(config.read_text("utf-8") + "\n# touched\n", "utf-8")
    elif edit == "overrides":
        overrides = hub / "templates" / "overrides"
        overrides.mkdir(parents=True, exist_ok=True)
        (overrides / "stamp-probe.html").write_text("<!-- probe -->\n", "utf-8")
    else:
        (hub / "site" / "index.html").write_text("edited by hand\n", "utf-8")
    assert _build(hub)[-1] == "built site"
    assert "edited by hand" not in (hub / "site" / "index.html").read_text("utf-8")
    assert _build(hub)[-1] == UP_TO_DATE


def test_a_failed_build_writes_no_stamp(hub: Path) -> None:
    stamp = cache_root(hub) / STAMP
    before = stamp.read_bytes()
    site = tree_digest(hub / "site")
    page = next((hub / "content").glob("*.md"))
    text = page.read_text("utf-8")
    page.write_text(text + "\n[broken](no-such-page.md)\n", "utf-8")
    proc = run_khub(hub, "build", today=TODAY.isoformat())
    assert proc.returncode == 1
    assert "Traceback" not in proc.stdout + proc.stderr
    assert stamp.read_bytes() == before
    assert tree_digest(hub / "site") == site
    page.write_text(text, "utf-8")
    assert _build(hub)[-1] == UP_TO_DATE


def _search_index(hub: Path) -> list[dict[str, str]]:
    data = json.loads((hub / "site" / "search" / "search_index.json").read_text("utf-8"))
    docs: list[dict[str, str]] = data["docs"]
    return docs


def test_search_finds_a_fact_by_label_and_a_module_by_its_text(hub: Path) -> None:
    docs = _search_index(hub)
    fact = next(d for d in docs if d["location"] == "facts/bench-score/#model-a")
    assert fact["title"] == "Model A"
    assert "88.6%" in fact["text"]
    assert fact["text"] == "88.6% · Bench score, share of tasks solved · bench-score.model-a"
    pages = {d["location"].split("#")[0] for d in docs}
    assert "facts/bench-score/" in pages  # found through its facts' entries only:
    assert not any(d["location"] == "facts/bench-score/" for d in docs)  # its tables are not
    module = [d for d in docs if d["location"].split("#")[0] == "alpha/"]
    assert module[0]["title"] == "Alpha module"
    assert any("the board is cited again" in d["text"] for d in module)
