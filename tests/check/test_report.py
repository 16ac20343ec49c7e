"""Markdown and JSON renderings of a run: escaped cells, stable JSON, evidence kept."""

from __future__ import annotations

import datetime as dt
import json

from khub.check.report import cell, render_json, render_markdown, show
from khub.check.run import OUTCOMES, CheckRun, Evidence, FactOutcome
from khub.data.model import Licence, Range

WHEN = dt.datetime(2026, 7, 15, 9, 30, 5, tzinfo=dt.UTC)
HOSTILE = "a | b\nc\r\nd <script>alert(1)</script> @octocat [x](http://evil) `code` *em*"


def _run() -> CheckRun:
    evidence = Evidence(
        "https://example.org/p|q",
        "https://example.org/final (2)",
        200,
        WHEN,
        "ab" * 32,
        HOSTILE,
        "#price",
    )
    outcomes = (
        FactOutcome("b.fact", "changed", 1.0, 2.0, evidence, "", dt.date(2026, 7, 15)),
        FactOutcome("a.fact", "rejected", Range(low=3, high=5), None, evidence, HOSTILE),
        FactOutcome("c.fact", "unreachable", "x", None, None, "connection refused"),
    )
    return CheckRun(dt.date(2026, 7, 15), outcomes, 2, 1, 0.5, 0.5)


def test_cell_escapes_pipes_newlines_html_mentions_and_links() -> None:
    escaped = cell(HOSTILE)
    assert "\n" not in escaped and "\r" not in escaped
    assert "|" not in escaped.replace("\\|", "")
    assert "<" not in escaped and ">" not in escaped
    assert "@octocat" not in escaped
    assert "](" not in escaped.replace("\\](", "")
    assert escaped.startswith("a \\| b c d &lt;script&gt;")


def test_every_table_row_has_as_many_cells_as_its_header() -> None:
    markdown = render_markdown(_run())
    rows = [line for line in markdown.splitlines() if line.startswith("| ")]
    for row in rows:
        cells = row.replace("\\|", "").count("|") - 1
        header = 2 if row.startswith(("| outcome", "| confirmed", "| changed |")) else 9
        if row.split(" | ")[0] in {f"| {name}" for name in OUTCOMES}:
            header = 2
        assert cells == header, row


def test_markdown_sections_and_evidence() -> None:
    markdown = render_markdown(_run(), ["data/facts/x.yml"])
    assert markdown.index("### Changed (1)") < markdown.index("### Rejected (1)")
    assert markdown.index("### Rejected (1)") < markdown.index("### Unreachable (1)")
    assert "Written with `--apply`: `data/facts/x.yml`." in markdown
    assert "[https:&#47;&#47;example.org/final (2)](https://example.org/final%20%282%29)" in (
        markdown
    )
    assert "(redirected)" in markdown
    assert "| 2026-07-15 09:30:05Z | `abababababab` |" in markdown
    assert "| `a.fact` | 3–5 |" in markdown


def test_json_is_stable_sorted_and_complete() -> None:
    first, second = render_json(_run()), render_json(_run())
    assert first == second
    doc = json.loads(first)
    assert list(doc) == sorted(doc)
    assert [o["fact"] for o in doc["outcomes"]] == ["b.fact", "a.fact", "c.fact"]
    changed = doc["outcomes"][0]
    assert changed["evidence"] == {
        "excerpt": HOSTILE,
        "fetched_at": "2026-07-15T09:30:05+00:00",
        "final_url": "https://example.org/final (2)",
        "from_cache": False,
        "locator": "#price",
        "sha256": "ab" * 32,
        "status": 200,
        "url": "https://example.org/p|q",
    }
    assert doc["outcomes"][1]["old"] == {"low": 3.0, "high": 5.0}
    assert doc["outcomes"][2]["evidence"] is None
    assert doc["summary"]["unreachable"] == 1


def test_show_values() -> None:
    assert show(Range(low=3, high=5)) == "3–5"
    assert show(700000000.0) == "700,000,000"
    assert show(Licence(id="MIT", name="MIT License", tier="permissive")) == "MIT"
    assert show(None) == ""
