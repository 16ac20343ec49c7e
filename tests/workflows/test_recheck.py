"""The monthly re-check workflow: its structure (tests/workflows/ runs actionlint on it)."""

from __future__ import annotations

import shlex
from typing import Any

import pytest
from click.testing import CliRunner

from khub.cli.main import main
from tests.workflows.kit import job_steps, load_workflow


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    return load_workflow("recheck.yml")


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return job_steps(workflow, "recheck")


def _step(workflow: dict[Any, Any], uses: str) -> dict[str, Any]:
    return next(s for s in _steps(workflow) if str(s.get("uses", "")).startswith(uses))


def test_runs_monthly_and_by_hand(workflow: dict[Any, Any]) -> None:
    triggers = workflow.get("on", workflow.get(True))
    crons = [entry["cron"] for entry in triggers["schedule"]]
    assert len(crons) == 1
    minute, hour, day, month, weekday = crons[0].split()
    assert (day, month, weekday) == ("1", "*", "*")
    assert 0 <= int(minute) < 60 and 0 <= int(hour) < 24
    assert "workflow_dispatch" in triggers


def test_least_privilege(workflow: dict[Any, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["recheck"]["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
    }
    assert workflow["concurrency"]["cancel-in-progress"] is False


def test_check_applies_and_the_report_becomes_the_pr_body(workflow: dict[Any, Any]) -> None:
    check = next(s for s in _steps(workflow) if "khub check" in str(s.get("run", "")))
    line = next(ln for ln in check["run"].splitlines() if "khub check" in ln)
    argv = shlex.split(line)
    assert argv[1:3] == ["check", "--apply"]
    report_dir = argv[argv.index("--report") + 1]
    assert 'if [ "${code}" -ge 2 ]; then exit "${code}"; fi' in check["run"]
    pull = _step(workflow, "peter-evans/create-pull-request@")
    assert pull["with"]["body-path"] == "build/pr-body.md"
    body = next(s for s in _steps(workflow) if "khub review body" in str(s.get("run", "")))
    assert f"--report {report_dir}" in body["run"]
    assert pull["with"]["add-paths"] == "data/facts/*.yml"
    names = [s.get("run", "") for s in _steps(workflow)]
    assert names.index(check["run"]) < names.index(".venv/bin/khub validate")


def test_workflow_options_exist_in_the_cli() -> None:
    result = CliRunner().invoke(main, ["check", "--help"])
    assert "--apply" in result.stdout
    assert "--report DIRECTORY" in result.stdout


def test_actions_are_pinned_to_a_major_version(workflow: dict[Any, Any]) -> None:
    for step in _steps(workflow):
        if "uses" in step:
            _, _, ref = step["uses"].partition("@")
            assert ref.startswith("v") and ref[1:].isdigit(), step["uses"]
