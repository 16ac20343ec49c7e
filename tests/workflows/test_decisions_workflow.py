"""The decisions workflow: triggers, least privilege, and no PR text inside a shell command."""

from __future__ import annotations

import re
import shlex
from typing import Any

import pytest

from tests.workflows.kit import job_steps, load_workflow


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    return load_workflow("recheck-decisions.yml")


def _steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    return job_steps(workflow, "decide")


def test_runs_on_body_edits_and_reviews(workflow: dict[Any, Any]) -> None:
    assert workflow[True] == {
        "pull_request": {"types": ["edited"]},
        "pull_request_review": {"types": ["submitted"]},
    }
    guard = workflow["jobs"]["decide"]["if"]
    assert "github.event.pull_request.head.repo.full_name == github.repository" in guard
    assert "github.event.changes.body != null" in guard
    assert '"OWNER", "MEMBER", "COLLABORATOR"' in guard


def test_least_privilege(workflow: dict[Any, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    assert workflow["jobs"]["decide"]["permissions"] == {"contents": "write", "actions": "read"}


def test_pull_request_text_reaches_the_shell_only_through_the_environment(
    workflow: dict[Any, Any],
) -> None:
    for step in _steps(workflow):
        assert "${{" not in step.get("run", ""), step["name"]
    save = next(s for s in _steps(workflow) if s["name"] == "Save the pull request's text to files")
    assert save["env"]["BODY"] == "${{ github.event.pull_request.body }}"
    assert save["env"]["BEFORE"] == "${{ github.event.changes.body.from }}"
    assert save["env"]["REVIEW"] == "${{ github.event.review.body }}"
    assert re.findall(r'printf \'%s\' "\$\{(\w+)\}"', save["run"]) == [
        "BODY",
        "BODY",
        "BEFORE",
        "REVIEW",
    ]


def test_decisions_are_applied_against_the_recheck_runs_artifact(
    workflow: dict[Any, Any],
) -> None:
    steps = _steps(workflow)
    download = next(s for s in steps if s.get("uses", "").startswith("actions/download-artifact@"))
    assert download["with"]["name"] == "check-report"
    assert download["with"]["run-id"] == "${{ steps.decisions.outputs.run-id }}"
    apply = next(s for s in steps if "khub review apply" in s.get("run", ""))
    line = next(ln for ln in apply["run"].splitlines() if "khub review apply" in ln)
    argv = shlex.split(line.rstrip("\\"))
    assert argv[:5] == [".venv/bin/khub", "review", "apply", "--report", download["with"]["path"]]
    push = next(s for s in steps if "git push" in s.get("run", ""))
    assert 'git push origin "HEAD:${HEAD_REF}"' in push["run"]


def test_the_recheck_run_uploads_the_report_it_links(workflow: dict[Any, Any]) -> None:
    steps = job_steps(load_workflow("recheck.yml"), "recheck")
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "check-report"
    body = next(s for s in steps if "khub review body" in s.get("run", ""))
    assert '--run-id "${GITHUB_RUN_ID}"' in body["run"]
    assert body["env"]["RUN_URL"].endswith("/actions/runs/${{ github.run_id }}")
