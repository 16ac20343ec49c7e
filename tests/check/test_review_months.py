"""Two months of the editor's loop in a real git repository, from check to edition.

November is published as it stands. In December the catalogue cuts Atlas 3's prices by
49% and 81% and grows its context window to 1M: the editor accepts the price pair as
reviewed, dismisses the context window, lets --apply fill the Mini's context window, and
publishes. In January the source still says 1M (the dismissal holds), then says 2M (it is
raised again and applied), and January is published.
"""

from __future__ import annotations

import json
from pathlib import Path

from pytest_httpserver import HTTPServer

from khub.data.load import load
from khub.render.whatchanged import module_block
from tests.kit.git import commit_all

from .test_review import DECEMBER, JSON_TYPE, Month

MODULE = """\
---
title: Atlas
module: atlas
summary: What Atlas 3 costs and holds.
---
Atlas 3 costs {{ fact("api-price.atlas-input") }} in and {{ fact("api-price.atlas-output") }}
out, and holds {{ fact("context.atlas") }} tokens.
"""
USES = ["api-price.atlas-input", "api-price.atlas-output", "context.atlas", "context.mini"]


def _outcomes(done: object) -> dict[str, str]:
    doc = json.loads(done.stdout)  # type: ignore[attr-defined]
    return {item["fact"]: item["outcome"] for item in doc["outcomes"]}


def test_two_months_check_accept_dismiss_publish(tmp_path: Path, server: HTTPServer) -> None:
    month = Month(tmp_path / "hub", server, series_jump="0.5")
    (month.root / "content").mkdir()
    (month.root / "content" / "atlas.md").write_text(MODULE, "utf-8")
    commit_all(month.root, "November data")
    done = month.khub("edition", "publish", "2026-11", "--date", "2026-11-30", day="2026-11-30")
    assert done.exit_code == 0, done.output
    commit_all(month.root, "edition 2026-11")

    # December: review, accept the price pair, dismiss the context window, apply the rest.
    report = month.check("--report", "report", "--json", "api-price.*", "context.*")
    assert report.exit_code == 1
    assert _outcomes(report) == {
        "api-price.atlas-input": "held",
        "api-price.atlas-output": "rejected",
        "context.atlas": "changed",
        "context.mini": "filled",
    }
    accepted = month.khub("accept", "--report", "report", "api-price.atlas-output")
    assert accepted.exit_code == 0, accepted.output
    dismissed = month.khub(
        "dismiss", "--report", "report", "context.atlas",
        "--reason", "1M is a beta header only", "--by", "Ed",
    )  # fmt: skip
    assert dismissed.exit_code == 0, dismissed.output
    applied = month.check("--apply", "--json", "api-price.*", "context.*")
    assert applied.exit_code == 0, applied.output
    assert _outcomes(applied) == {
        "api-price.atlas-input": "confirmed",
        "api-price.atlas-output": "confirmed",
        "context.atlas": "dismissed",
        "context.mini": "filled",
    }
    commit_all(month.root, "December check")
    done = month.khub("edition", "publish", "2026-12", "--date", "2026-12-02", day="2026-12-02")
    assert done.exit_code == 0, done.output
    commit_all(month.root, "edition 2026-12")

    diff = month.khub("diff", "2026-11", "2026-12", day="2026-12-02")
    assert diff.exit_code == 0, diff.output
    assert diff.stdout.splitlines()[1:] == [
        "",
        "Changed value:",
        "  ~ api-price.atlas-input: 15 USD per million tokens → 7.65 USD per million tokens, "
        "change −7.35 (−49%)",
        "  ~ api-price.atlas-output: 75 USD per million tokens → 14.25 USD per million tokens, "
        "change −60.75 (−81%)",
        "  ~ context.mini: new: 128,000 tokens",
        "",
        "Modules affected:",
        "  * atlas: api-price.atlas-input, api-price.atlas-output",
    ]
    factset, _ = load(month.root, cache=False)
    block = module_block(month.root, factset, "atlas", USES)
    assert block.splitlines() == [
        '???+ khub-changes "What changed in the December 2026 edition: 3 figures changed"',
        "    Published 2 December 2026.",
        "",
        "    - [API list prices: Acme Atlas 3, input](facts/api-price.md#atlas-input): "
        "$15 per million tokens → $7.65 per million tokens (−49%).",
        "    - [API list prices: Acme Atlas 3, output](facts/api-price.md#atlas-output): "
        "$75 per million tokens → $14.25 per million tokens (−81%).",
        "    - New: [Context windows: Acme Atlas 3 Mini](facts/context.md#mini), 128,000 tokens.",
        "",
        "    [Every edition and its changes](changelog.md)",
    ]

    # January: the dismissal holds while the source says 1M; 2M raises it again.
    again = month.check("--json", "context.*", day="2027-01-05")
    assert _outcomes(again)["context.atlas"] == "dismissed"
    month.pages.set("models.json", DECEMBER.replace(b"1000000", b"800000"), JSON_TYPE)
    raised = month.check("--apply", "--json", "context.*", day="2027-01-05")
    assert raised.exit_code == 0, raised.output
    assert _outcomes(raised)["context.atlas"] == "changed"
    commit_all(month.root, "January check")
    done = month.khub("edition", "publish", "2027-01", "--date", "2027-01-06", day="2027-01-06")
    assert done.exit_code == 0, done.output
    diff = month.khub("diff", "2026-12", "2027-01", day="2027-01-06")
    assert "  ~ context.atlas: 200,000 tokens → 800,000 tokens, change +600,000 (+300%)" in (
        diff.stdout.splitlines()
    )
    assert "api-price" not in diff.stdout
