"""The shipped hub builds its feeds, notes, archive and history API for its one edition."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from khub.cli.site import run_generate
from khub.site.builder import mkdocs_build
from tests.kit.cli import invoke_khub
from tests.kit.hubs import TODAY, copy_repo
from tests.kit.paths import REPO

pytestmark = pytest.mark.slow
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = copy_repo(tmp_path_factory.mktemp("shipped") / "hub")
    run_generate(root, TODAY)
    return root, mkdocs_build(root)


def test_every_module_has_a_feed_and_a_june_2026_archive(shipped: tuple[Path, Path]) -> None:
    _, site = shipped
    modules = sorted(p.stem for p in (REPO / "content").glob("*.md"))
    for module in modules:
        feed = ET.fromstring((site / "feeds" / f"{module}.xml").read_bytes())
        titles = [e.findtext(f"{ATOM}title") for e in feed.iter(f"{ATOM}entry")]
        assert len(titles) == 1 and str(titles[0]).endswith(": June 2026 edition")
        page = (site / "editions" / "2026-06" / module / "index.html").read_text()
        assert "Archived edition: June 2026" in page
        current = (site / module / "index.html").read_text()
        assert f'href="../editions/2026-06/{module}/"' in current
    notes = (site / "notes" / "2026-06" / "index.html").read_text()
    assert "What changed and why it matters" in notes


def test_history_api_has_the_one_edition(shipped: tuple[Path, Path]) -> None:
    _, site = shipped
    api = site / "api" / "v1"
    listed = json.loads((api / "editions.json").read_text())
    jsonschema.validate(listed, json.loads((api / "schema" / "editions.schema.json").read_text()))
    assert [e["id"] for e in listed["editions"]] == ["2026-06"]
    frozen = json.loads((api / "editions" / "2026-06" / "facts.json").read_text())
    schema = json.loads((api / "schema" / "edition-facts.schema.json").read_text())
    jsonschema.validate(frozen, schema)
    assert frozen["facts"]["swe-bench-verified.claude-opus-4-8"]["value"] == 88.6


def test_notes_command_writes_both_files_for_2026_06(shipped: tuple[Path, Path]) -> None:
    root, _ = shipped
    result = invoke_khub(root, ["notes", "2026-06"], today=TODAY.isoformat())
    assert result.exit_code == 0, result.output
    html = (root / "build" / "notes" / "2026-06.html").read_text()
    text = (root / "build" / "notes" / "2026-06.txt").read_text()
    assert "<script" not in html and "<img" not in html
    assert "Open-Weight Licences" in text and "https://hub.rtsn.example/" in text
