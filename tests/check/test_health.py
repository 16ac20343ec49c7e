"""`khub health`: what editors look at, from data/ alone; the state files are read defensively."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from khub.data.health import PAGE_ROWS, Health, Item, render_page
from khub.data.load import load
from khub.site.builder import mkdocs_build
from khub.site.generate import generate
from tests.kit.checkhub import TODAY as CHECK_TODAY
from tests.kit.cli import invoke_khub
from tests.kit.hubs import copy_hub
from tests.kit.tree import snapshot

TODAY = "2026-12-01"
STATE = """\
facts:
  bench-score.model-a: {checked: 2026-11-01}
  bench-score.model-b:
    {outcome: unreachable, checked: 2026-11-01, failing_since: 2026-10-01, reason: HTTP 503}
  costs.api: {outcome: some-new-outcome, checked: 2026-11-01, failing_since: 2026-11-01}
"""
DISMISSALS = """\
dismissals:
  - {fact: costs.api, value: 1.5, reason: the vendor page lags, by: ed, date: 2026-10-01,
     until: 2026-11-15}
  - {fact: prices.input, value: 2.0, reason: kept by hand, by: ed, date: 2026-10-01,
     until: 2027-01-31}
  - {fact: prices.output, value: 3.0, reason: the source is wrong, by: ed, date: 2026-10-01}
"""


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    root = copy_hub(tmp_path / "hub")
    bench = root / "data/facts/bench.yml"
    text = bench.read_text(encoding="utf-8").replace(
        "      note: Reported by the vendor",
        "      check: {url: 'https://example.org/board', manual: true}\n"
        "      note: Reported by the vendor",
    )
    bench.write_text(text, encoding="utf-8")
    return root


def _health(root: Path, *args: str) -> tuple[int, str, str]:
    result = invoke_khub(root, ["health", "--today", TODAY, *args], today=CHECK_TODAY)
    assert "Traceback" not in result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_without_state_files_their_sections_are_left_out(hub: Path) -> None:
    before = snapshot(hub)
    code, out, _ = _health(hub, "--json")
    doc = json.loads(out)
    assert code == 0
    assert doc["failing"] is None and doc["dismissals"] is None
    assert doc["manual_due"] == [
        {
            "id": "bench-score.model-b",
            "detail": "verified 2026-01-15, 320 days ago (stale after 120)",
        }
    ]
    never = [item["id"] for item in doc["never_checked"]]
    assert "bench-score.model-b" not in never and "bench-score.model-a" in never
    assert doc["no_url"] == [{"id": "cost-study", "detail": "A cost study"}]
    assert len(doc["stale"]) == 7 and doc["false_claims"] == []
    assert snapshot(hub) == before, "health writes nothing"


def test_check_state_and_dismissals_are_listed(hub: Path) -> None:
    (hub / "data/check-state.yml").write_text(STATE, encoding="utf-8")
    (hub / "data/dismissals.yml").write_text(DISMISSALS, encoding="utf-8")
    code, out, _ = _health(hub)
    assert code == 0
    assert "Checks failing (2)\n" in out
    assert "  bench-score.model-b: unreachable: HTTP 503 (since 2026-10-01)\n" in out
    assert "  costs.api: some-new-outcome (since 2026-11-01)\n" in out, "unknown outcomes fail"
    assert "Dismissals (3)\n" in out
    assert "  costs.api: the vendor page lags; until 2026-11-15 (expired 16 days ago)\n" in out
    assert "  prices.input: kept by hand; until 2027-01-31 (expires in 61 days)\n" in out
    assert "  prices.output: the source is wrong; no expiry\n" in out
    assert "  bench-score.model-b: has a check block, never run\n" not in out


def test_an_unreadable_state_file_is_a_located_error(hub: Path) -> None:
    (hub / "data/check-state.yml").write_text("facts: [unclosed\n", encoding="utf-8")
    code, out, err = _health(hub)
    assert code == 1 and out == ""
    assert err.startswith(
        "data/check-state.yml:2: YAML syntax error: a '[' list is not closed (close it with ']')\n"
    ), err


def test_the_site_has_the_health_page_outside_the_navigation(hub: Path) -> None:
    for path in (hub / "content").glob("*.md"):  # the fixture has no calculator or chart data
        lines = path.read_text(encoding="utf-8").split("\n")
        kept = [ln for ln in lines if "calculator(" not in ln and "chart(" not in ln]
        path.write_text("\n".join(kept), encoding="utf-8")
    factset, _ = load(hub, today=dt.date(2026, 12, 1), cache=False)
    generate(hub, factset, today=dt.date(2026, 12, 1))
    site = mkdocs_build(hub)
    page = (hub / "build/docs/health.md").read_text(encoding="utf-8")
    assert page.startswith("# Hub health\n")
    assert "## Manual checks due (1)" in page
    row = "| `bench-score.model-b` | verified 2026-01-15, 320 days ago (stale after 120) |  |"
    assert row in page
    assert (site / "health" / "index.html").is_file()
    home = (site / "index.html").read_text(encoding="utf-8")
    assert 'href="health/"' not in home, "not linked from the reader navigation"


def test_the_page_lists_at_most_page_rows_per_section() -> None:
    report = Health(dt.date(2026, 12, 1))
    report.stale = [Item(f"s.f{n:04d}", "verified long ago") for n in range(PAGE_ROWS + 5)]
    page = render_page(report)
    assert page.count("| `s.f") == PAGE_ROWS
    assert "…and 5 more: `khub health` lists them all." in page
