"""Decisions read from a re-check pull request: ticks, review commands, hostile text."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from khub.check.prbody import DEFAULT_REASON, commands_to_run, decisions
from khub.check.report import dump, pr_body, report_data
from khub.check.run import CheckRun, Evidence, FactOutcome
from tests.kit.checkhub import TODAY as CHECK_TODAY
from tests.kit.cli import invoke_khub

WHEN = dt.datetime(2026, 12, 1, 6, 17, tzinfo=dt.UTC)


def _doc() -> dict[str, object]:
    ev = Evidence("https://e.org/m", "https://e.org/m", 200, WHEN, "ab" * 32, "x", "p")
    outcomes = (
        FactOutcome("api-price.a", "rejected", 1.0, 9.0, ev, "jumps"),
        FactOutcome("api-price.b", "not-found", 1.0, None, ev, "gone"),
        FactOutcome("api-price.c", "confirmed", 1.0, 1.0, ev, ""),
    )
    return report_data(CheckRun(WHEN.date(), outcomes, 1, 0, 0.1, 0.5))


def _tick(body: str, kind: str, fact: str, reason: str = "") -> str:
    marker = f"- [ ] <!-- khub:{kind}:{fact} -->"
    line = next(ln for ln in body.splitlines() if marker in ln)
    ticked = line.replace("- [ ]", "- [x]") + (f" {reason}" if reason else "")
    return body.replace(line, ticked)


def test_ticked_rows_of_the_generated_body_are_the_decisions() -> None:
    body = "<!-- khub:run:4242 -->\n" + pr_body(_doc())
    edited = _tick(_tick(body, "accept", "api-price.a"), "dismiss", "api-price.b", "page moved")
    found = decisions(edited, body)
    assert found.data() == {
        "accept": ["api-price.a"],
        "dismiss": [{"fact": "api-price.b", "reason": "page moved"}],
        "conflicts": [],
        "unknown": [],
        "run_id": "4242",
    }
    assert commands_to_run(found, "build/check") == [
        ["accept", "--report", "build/check", "api-price.a"],
        ["dismiss", "--report", "build/check", "api-price.b", "--reason", "page moved"],
    ]


def test_rows_ticked_before_this_edit_are_not_decided_again() -> None:
    body = pr_body(_doc())
    once = _tick(body, "accept", "api-price.a")
    twice = _tick(once, "dismiss", "api-price.b")
    found = decisions(twice, once)
    assert found.accept == [] and found.dismiss == {"api-price.b": DEFAULT_REASON}


def test_both_ways_is_a_conflict_and_unknown_ids_are_left_out() -> None:
    body = pr_body(_doc())
    both = _tick(_tick(body, "accept", "api-price.a"), "dismiss", "api-price.a")
    both += "\n- [x] <!-- khub:accept:api-price.zzz --> accept\n"
    found = decisions(both, "", "", known=["api-price.a", "api-price.b"])
    assert found.conflicts == ["api-price.a"] and found.unknown == ["api-price.zzz"]
    assert found.accept == [] and found.dismiss == {}


def test_hostile_lines_do_not_count() -> None:
    body = "\n".join(
        [
            "  excerpt: `- [x] <!-- khub:accept:api-price.a --> accept`",
            "- [x] <!-- khub:accept:API-PRICE.A --> accept",
            "- [x] <!-- khub:accept:a.b; rm -rf / --> accept",
            "- [x] <!-- khub:accept:a.b.c --> accept",
            "text - [x] <!-- khub:accept:x.y --> accept",
            "- [x] <!-- khub:dismiss:ok.one --> dismiss, reason: $(curl evil) `x`\x07 " + "y" * 400,
        ]
    )
    found = decisions(body)
    assert found.accept == []
    reason = found.dismiss["ok.one"]
    assert reason.startswith("$(curl evil) `x` yyy") and len(reason) == 300
    assert "\x07" not in reason
    assert found.run_id is None


def test_review_commands_decide_too() -> None:
    comment = (
        "Looks fine.\n/khub accept api-price.a api-price.c\n"
        "/khub dismiss api-price.b reason: vendor typo\n/khub accept $(id)\n"
    )
    found = decisions("", "", comment)
    assert found.accept == ["api-price.a", "api-price.c"]
    assert found.dismiss == {"api-price.b": "vendor typo"}


def test_cli_prints_the_decisions_as_json(tmp_path: Path) -> None:
    (tmp_path / "report").mkdir()
    (tmp_path / "report/check-report.json").write_text(dump(_doc()), encoding="utf-8")
    body = _tick(pr_body(_doc()), "dismiss", "api-price.b", "stale page")
    (tmp_path / "body.md").write_text(body, encoding="utf-8")
    result = invoke_khub(
        tmp_path,
        ["review", "decisions", "--body", "body.md", "--report", "report"],
        today=CHECK_TODAY,
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["dismiss"] == [{"fact": "api-price.b", "reason": "stale page"}]


def test_cli_body_marks_the_run_and_keeps_the_limit(tmp_path: Path) -> None:
    (tmp_path / "report").mkdir()
    (tmp_path / "report/check-report.json").write_text(dump(_doc()), encoding="utf-8")
    result = invoke_khub(
        tmp_path, ["review", "body", "--report", "report", "--run-id", "77"], today=CHECK_TODAY
    )
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("<!-- khub:run:77 -->\n## khub check, 2026-12-01\n")
    bad = invoke_khub(
        tmp_path, ["review", "body", "--report", "report", "--run-id", "7; x"], today=CHECK_TODAY
    )
    assert bad.exit_code == 2 and "a run id is digits only" in bad.stderr


def test_cli_without_a_report_says_how_to_make_one(tmp_path: Path) -> None:
    result = invoke_khub(tmp_path, ["review", "body", "--report", "missing"], today=CHECK_TODAY)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: missing/check-report.json: cannot read the report (No such file or directory; "
        "run `khub check --report DIR`)\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_cli_apply_with_nothing_ticked_runs_nothing(tmp_path: Path) -> None:
    (tmp_path / "report").mkdir()
    (tmp_path / "report/check-report.json").write_text(dump(_doc()), encoding="utf-8")
    (tmp_path / "body.md").write_text(pr_body(_doc()), encoding="utf-8")
    result = invoke_khub(
        tmp_path, ["review", "apply", "--report", "report", "--body", "body.md"], today=CHECK_TODAY
    )
    assert result.exit_code == 0
    assert result.stderr == "no decisions to apply\n"
