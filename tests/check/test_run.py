"""One `khub check --apply --report` over the fixture hub.

Every fault case is classified, and nothing but accepted changes is written.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pytest_httpserver import HTTPServer

from khub.data.load import load
from tests.kit.checkhub import TODAY, Hub, serve_hub
from tests.kit.paths import HUB_CHECK

EXPECT = re.compile(r'^    ([a-z0-9-]+):\n(?:      .*\n)*?      note: "expect ([a-z-]+)"', re.M)


@dataclass
class Applied:
    """The hub before and after one run, and what the run said."""

    hub: Hub
    before: dict[str, bytes]
    after: dict[str, bytes]
    exit_code: int
    report: dict[str, Any]
    markdown: str
    stdout: str

    def outcome(self, fact: str) -> dict[str, Any]:
        """Return the JSON outcome of one fact."""
        return next(o for o in self.report["outcomes"] if o["fact"] == fact)


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory, _loopback: HTTPServer) -> Applied:
    hub = serve_hub(tmp_path_factory.mktemp("outcomes") / "hub", _loopback)
    before = hub.snapshot()
    result = hub.run("--apply", "--report", "out")
    out = hub.root / "out"
    report = json.loads((out / "check-report.json").read_text(encoding="utf-8"))
    markdown = (out / "check-report.md").read_text(encoding="utf-8")
    return Applied(hub, before, hub.snapshot(), result.exit_code, report, markdown, result.stdout)


def _expected_faults() -> list[tuple[str, str]]:
    text = (HUB_CHECK / "data/facts/faults.yml").read_text()
    return EXPECT.findall(text)


def test_every_fault_case_is_in_the_fixture() -> None:
    names = {name for name, _ in _expected_faults()}
    assert {"timeout", "refused", "not-there", "server-error", "redirect-loop"} <= names
    assert {"redirect-private", "oversized", "wrong-type", "not-utf8", "malformed-json"} <= names
    assert {"malformed-html", "no-match", "out-of-bounds", "tenfold"} <= names


@pytest.mark.parametrize(("name", "expected"), _expected_faults())
def test_fault_is_classified(applied: Applied, name: str, expected: str) -> None:
    outcome = applied.outcome(f"faults.{name}")
    assert outcome["outcome"] == expected, outcome
    assert outcome["reason"], "a fault always says why"
    assert outcome["old"] == 10
    evidence = outcome["evidence"]
    assert evidence["url"].endswith(f"/fault/{name}")
    assert evidence["fetched_at"].startswith("20")


def test_fault_reasons_name_the_fault(applied: Applied) -> None:
    reasons = {o["fact"]: o["reason"] for o in applied.report["outcomes"]}
    assert "timed out" in reasons["faults.timeout"]
    assert "refused" in reasons["faults.refused"]
    assert applied.outcome("faults.not-there")["evidence"]["status"] == 404
    assert "500" in reasons["faults.server-error"]
    assert "loop" in reasons["faults.redirect-loop"]
    assert "private" in reasons["faults.redirect-private"]
    assert "cap" in reasons["faults.oversized"]
    assert "application/json" in reasons["faults.wrong-type"]
    assert "utf-8" in reasons["faults.not-utf8"]
    assert "JSON" in reasons["faults.malformed-json"]
    assert "bound" in reasons["faults.out-of-bounds"]
    assert "900%" in reasons["faults.tenfold"]
    assert applied.outcome("faults.tenfold")["new"] == 100


def test_nothing_of_the_faults_is_written(applied: Applied) -> None:
    name = "data/facts/faults.yml"
    assert applied.after[name] == applied.before[name]
    assert applied.after["data/sources.yml"] == applied.before["data/sources.yml"]


def test_retries_end_confirmed_and_move_verified_only(applied: Applied) -> None:
    for fact in ("retries.after-500", "retries.after-429"):
        assert applied.outcome(fact)["outcome"] == "confirmed"
    assert _changed_lines(applied, "data/facts/retries.yml") == (
        ["      verified: 2026-06-30"] * 2,
        [f"      verified: {TODAY}"] * 2,
    )


def test_values_are_confirmed_changed_and_manual(applied: Applied) -> None:
    got = {o["fact"]: o["outcome"] for o in applied.report["outcomes"]}
    assert got["swe-verified.opus"] == "confirmed"
    assert got["swe-verified.minimax"] == "confirmed"
    assert got["swe-verified.gemini"] == "changed"
    assert got["licence.mau-threshold"] == "confirmed"
    assert got["licence.governing-law"] == "confirmed"
    assert got["licence.benchmark-page"] == "manual"
    assert got["api-price.sonnet-input"] == "confirmed"
    assert got["api-price.opus-output"] == "confirmed"
    assert got["api-price.haiku-input"] == "changed"
    gemini = applied.outcome("swe-verified.gemini")
    assert (gemini["old"], gemini["new"], gemini["as_of"]) == (80.6, 81.4, TODAY)
    assert "Gemini 3.1 Pro" in gemini["evidence"]["excerpt"]


def test_apply_writes_the_change_with_history_and_keeps_the_rest(applied: Applied) -> None:
    removed, added = _changed_lines(applied, "data/facts/values.yml")
    assert removed == [
        "      verified: 2026-06-30",  # opus
        "      value: 80.6",
        "      as_of: 2026-06-30",
        "      verified: 2026-06-30",
        "    minimax: {label: MiniMax M2.5, value: 74.2, as_of: 2026-06-30, "
        "verified: 2026-06-30, status: independent, check: {url: "
        f'"{applied.hub.base}/leaderboard.json", json: "leaderboards[?name==\'Verified\'] | '
        "[0].results[?name=='MiniMax M2.5'] | [0].resolved\"}}",
        "      verified: 2026-06-30",  # mau-threshold
        "      verified: 2026-06-30",  # governing-law
    ]
    assert added[1:6] == [
        "      value: 81.4",
        f"      as_of: {TODAY}",
        f"      verified: {TODAY}",
        "      history:",
        f"        - {{value: 80.6, from: 2026-06-30, to: {TODAY}}}",
    ]
    text = applied.after["data/facts/values.yml"].decode()
    assert "# Comments, key order and quoting must survive `khub check --apply`." in text
    assert 'label: "Claude Opus 4.8"   # quoted on purpose' in text
    assert "label: 'Gemini 3.1 Pro'" in text
    assert "verified: 2026-06-30" in text  # the manual fact is not confirmed by anyone


def test_applied_data_loads_with_the_new_values(applied: Applied) -> None:
    factset, _ = load(applied.hub.root, cache=False)
    gemini = factset.facts["swe-verified.gemini"]
    assert gemini.value == 81.4
    assert [(h.value, h.from_.isoformat(), h.to.isoformat()) for h in gemini.history] == [
        (80.6, "2026-06-30", TODAY)
    ]
    assert factset.facts["api-price.haiku-input"].value == 1.0
    assert factset.facts["faults.tenfold"].value == 10


def test_exit_code_says_some_facts_need_attention(applied: Applied) -> None:
    assert applied.exit_code == 1


def test_report_lists_the_written_files(applied: Applied) -> None:
    assert applied.report["applied"] == [
        "data/facts/prices.yml",
        "data/facts/retries.yml",
        "data/facts/values.yml",
    ]
    assert applied.report["summary"] == {
        "confirmed": 8,
        "changed": 2,
        "filled": 0,
        "rejected": 3,
        "held": 0,
        "ambiguous": 0,
        "dismissed": 0,
        "not-found": 6,
        "unreachable": 7,
        "manual": 1,
    }
    assert applied.stdout == applied.markdown


def test_markdown_report_starts_with_the_summary(applied: Applied) -> None:
    lines = applied.markdown.splitlines()
    assert lines[0] == f"## khub check, {TODAY}"
    assert lines[2] == (
        "**27 facts from 22 URLs, 16 need attention**: 3 rejected, 6 not-found, "
        "7 unreachable, 8 confirmed, 2 changed, 1 manual."
    )
    headings = [line for line in lines if line.startswith("### ")]
    assert headings == ["### Needs attention (16)", "### Other sources (6)"]
    gemini = next(line for line in lines if line.startswith("| `swe-verified.gemini`"))
    assert "| 80.6 → 81.4 % | +0.993% |" in gemini
    assert "`json: leaderboards[?name=='Verified'] \\| [0].results" in gemini
    board = next(line for line in lines if "/leaderboard.json)" in line)
    assert re.search(r"\(3 facts\): HTTP 200, fetched \S+Z, sha256 `[0-9a-f]{12}`$", board)


def _changed_lines(applied: Applied, name: str) -> tuple[list[str], list[str]]:
    old = applied.before[name].decode().splitlines()
    new = applied.after[name].decode().splitlines()
    removed, added = [], []
    for line in difflib.ndiff(old, new):
        if line.startswith("- "):
            removed.append(line[2:])
        elif line.startswith("+ "):
            added.append(line[2:])
    return removed, added


def test_every_applied_file_is_still_plain_yaml(applied: Applied) -> None:
    for name, data in applied.after.items():
        assert yaml.safe_load(data) is not None, name


def test_the_json_report_of_a_real_run_matches_its_schema(applied: Applied) -> None:
    import jsonschema

    schema_path = Path(__file__).parent.parent.parent / "data/schema/check-report.schema.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.validate(applied.report, schema)
    assert applied.report["attention"] == 16
    assert sum(s["facts"] for s in applied.report["sources"]) == 27
