"""The check report: JSON as the complete record, Markdown grouped by source for review.

The golden Markdown (tests/fixtures/check-report/golden.md) is a run shaped like the real
monthly one: a price map read by several facts with a per-token conversion, a pricing page,
an unreachable source. Regenerate it with `make goldens` and review the diff like code.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import jsonschema
from markdown_it import MarkdownIt

from khub.check.evidence import Evidence
from khub.check.outcomes import CheckRun, FactOutcome
from khub.check.report import (
    BODY_LIMIT,
    FactNote,
    cell,
    markdown_from,
    pr_body,
    render_json,
    render_markdown,
    report_data,
)
from khub.data.model import Range

ROOT = Path(__file__).parent.parent.parent
GOLDEN = ROOT / "tests/fixtures/check-report/golden.md"
SCHEMA = json.loads((ROOT / "data/schema/check-report.schema.json").read_text(encoding="utf-8"))
WHEN = dt.datetime(2026, 12, 1, 6, 17, 42, tzinfo=dt.UTC)
PRICES = "https://openrouter.ai/api/v1/models"
HOSTILE = "a | b\nc\r\nd <script>alert(1)</script> @octocat [x](http://evil) `code` *em*"
SHA = "3f" * 32
PER_TOKEN = FactNote("USD per million tokens", "per token × 1,000,000", "")


def _prices(fid: str, key: str, field: str, raw: str) -> Evidence:
    excerpt = f'"{field}": "{raw}", "completion": "0.00001"'
    return Evidence(PRICES, PRICES, 200, WHEN, SHA, excerpt, f'"{key}".pricing.{field}')


def _run() -> tuple[CheckRun, dict[str, FactNote]]:
    page = Evidence(
        "https://example.org/pricing", "https://example.org/pricing/", 200, WHEN, "c1" * 32
    )
    down = Evidence(
        "https://down.example.net/models", "https://down.example.net/models", 503, WHEN, None
    )
    outcomes = (
        FactOutcome(
            "api-price.gpt-4o-input",
            "rejected",
            2.5,
            0.55,
            _prices("a", "openai/gpt-4o", "prompt", "5.5e-07"),
            "jumps 78% from 2.5, over 50%",
        ),
        FactOutcome(
            "api-price.gpt-4o-mini-input",
            "changed",
            0.15,
            0.165,
            _prices("b", "openai/gpt-4o-mini", "prompt", "1.65e-07"),
            "",
            dt.date(2026, 12, 1),
        ),
        FactOutcome(
            "api-price.llama-input",
            "confirmed",
            0.1,
            0.1,
            _prices("c", "meta-llama/llama-3.1-8b", "prompt", "1e-07"),
            "",
        ),
        FactOutcome(
            "api-price.llama-output",
            "confirmed",
            0.1,
            0.1,
            _prices("d", "meta-llama/llama-3.1-8b", "completion", "1e-07"),
            "",
        ),
        FactOutcome(
            "api-price.opus-input",
            "not-found",
            15.0,
            None,
            page,
            "no element matches '#opus .price'",
        ),
        FactOutcome(
            "context.window", "ambiguous", Range(low=128, high=200), None, page, "2 values match"
        ),
        FactOutcome(
            "api-price.mistral-input", "unreachable", 0.25, None, down, "HTTP 503 after 3 retries"
        ),
    )
    notes = {o.fact_id: PER_TOKEN for o in outcomes if o.fact_id.startswith("api-price.")}
    notes["api-price.opus-input"] = FactNote("USD per million tokens", "", "html: #opus .price")
    notes["api-price.mistral-input"] = FactNote("USD per million tokens", "", "json: data[0].price")
    run = CheckRun(dt.date(2026, 12, 1), outcomes, 3, 1, 0.4, 0.5)
    return run, notes


def test_markdown_matches_the_golden_report() -> None:
    run, notes = _run()
    text = render_markdown(run, ["data/facts/prices.yml"], notes)
    if os.environ.get("KHUB_REGENERATE_GOLDENS") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_each_source_is_described_once_and_each_fact_shows_its_locator() -> None:
    run, notes = _run()
    text = render_markdown(run, [], notes)
    assert text.count(SHA[:12]) == 1
    assert text.count(f"]({PRICES})") == 1
    assert (
        'at `"openai/gpt-4o".pricing.prompt`: 2.5 → 0.55 USD per million tokens '
        "(−78%, per token × 1,000,000)" in text
    )
    assert 'excerpt: `"prompt": "5.5e-07", "completion": "0.00001"`' in text
    mini = next(line for line in text.splitlines() if "gpt-4o-mini-input" in line)
    assert (
        '| `"openai/gpt-4o-mini".pricing.prompt` | 0.15 → 0.165 USD per million tokens '
        "| +10% | per token × 1,000,000 |" in mini
    )


def test_attention_comes_first_and_unknown_outcomes_need_attention() -> None:
    run, notes = _run()
    text = render_markdown(run, [], notes)
    assert text.index("### Needs attention (4)") < text.index("| fact | outcome |")
    first_url = text.index("#### [down.example.net")
    assert text.index("#### [example.org") > first_url, "sources sorted by URL"
    assert "**`context.window`** ambiguous" in text
    assert "- [ ] <!-- khub:dismiss:context.window --> dismiss, reason:" in text
    assert "<!-- khub:accept:context.window -->" not in text, "nothing to accept without a value"
    assert "- [ ] <!-- khub:accept:api-price.gpt-4o-input --> accept" in text
    assert "khub:accept:api-price.gpt-4o-mini-input" not in text, "changed needs no decision"


def test_tables_render_as_gfm_with_every_row_complete() -> None:
    run, notes = _run()
    tokens = MarkdownIt("commonmark").enable("table").parse(render_markdown(run, [], notes))
    rows = [t for t in tokens if t.type == "tr_open"]
    cells = [t for t in tokens if t.type in ("td_open", "th_open")]
    assert rows and len(cells) == 7 * len(rows)


def test_hostile_text_cannot_break_the_body() -> None:
    evidence = Evidence("https://e.org/p", "https://e.org/p", 200, WHEN, SHA, HOSTILE, "x")
    item = FactOutcome("a.b", "rejected", 1.0, 9.0, evidence, HOSTILE)
    text = render_markdown(CheckRun(WHEN.date(), (item,), 1, 0, 0.1, 0.5))
    reason = next(line for line in text.splitlines() if line.startswith("  reason:"))
    assert reason == "  reason: " + cell(HOSTILE)
    excerpt = next(line for line in text.splitlines() if line.startswith("  excerpt:"))
    code = "a | b c d <script>alert(1)</script> @octocat [x](http://evil) 'code' *em*"
    assert excerpt == f"  excerpt: `{code}`", "one code span: GitHub shows it as text"
    escaped = cell(HOSTILE)
    assert "\n" not in escaped and "<" not in escaped and "](" not in escaped.replace("\\](", "")


def test_a_run_of_3000_facts_gets_a_short_body_within_githubs_limit() -> None:
    outcomes = []
    for n in range(3000):
        key = f"vendor-{n % 40}/model-{n}"
        ev = _prices("x", key, "prompt", "1e-06")
        kind = "rejected" if n % 500 == 0 else "confirmed"
        new = 9.0 if kind == "rejected" else 1.0
        outcomes.append(FactOutcome(f"api-price.m{n:04d}-input", kind, 1.0, new, ev, "jumps"))
    run = CheckRun(WHEN.date(), tuple(outcomes), 1, 1, 1.0, 0.5)
    doc = report_data(run, [], {o.fact_id: PER_TOKEN for o in outcomes})
    full = markdown_from(doc)
    body = pr_body(doc, "https://github.com/o/r/actions/runs/7")
    assert len(full) > BODY_LIMIT >= len(body)
    assert "\n<details><summary>Confirmed (2,994)</summary>\n" in full
    assert "[the full report](https://github.com/o/r/actions/runs/7)" in body
    assert body.count("<!-- khub:accept:") == 6 and "### Needs attention (6)" in body
    assert "Confirmed (" not in body


def test_a_body_with_too_many_attention_rows_says_how_many_it_left_out() -> None:
    outcomes = [
        FactOutcome(
            f"s.f{n:04d}", "rejected", 1.0, 9.0, _prices("x", f"k/{n}", "prompt", "1"), "jumps"
        )
        for n in range(3000)
    ]
    doc = report_data(CheckRun(WHEN.date(), tuple(outcomes), 1, 0, 1.0, 0.5))
    body = pr_body(doc, "https://x.test/run")
    assert len(body) <= BODY_LIMIT
    shown = body.count("<!-- khub:dismiss:")
    assert 0 < shown < 3000
    assert (
        f"_… and {3000 - shown:,} more facts needing attention: see [the full report](https://x.test/run)._"
        in body
    )


def test_json_is_stable_sorted_complete_and_valid() -> None:
    run, notes = _run()
    first, second = render_json(run, [], notes), render_json(run, [], notes)
    assert first == second
    doc = json.loads(first)
    jsonschema.validate(doc, SCHEMA)
    assert list(doc) == sorted(doc)
    assert doc["summary"]["ambiguous"] == 1 and doc["attention"] == 4
    rejected = doc["outcomes"][0]
    assert rejected["change"] == -0.78 and rejected["conversion"] == "per token × 1,000,000"
    assert [s["facts"] for s in doc["sources"]] == [1, 2, 4]


def test_dates_of_the_run_and_of_fetching_are_told_apart() -> None:
    run, notes = _run()
    pinned = CheckRun(dt.date(2026, 11, 24), run.outcomes, 3, 1, 0.4, 0.5)
    text = render_markdown(pinned, [], notes)
    assert re.search(r"_The run is dated 2026-11-24 \(`KHUB_TODAY` when set\)", text)
    assert "_The run is dated" not in render_markdown(run, [], notes)
