"""The repository's GitHub workflows as data, for the structural tests."""

from __future__ import annotations

from typing import Any

import yaml

from tests.kit.paths import REPO

WORKFLOWS = REPO / ".github" / "workflows"


def load_workflow(name: str) -> dict[Any, Any]:
    """Return one workflow file of .github/workflows/ parsed."""
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def job_steps(workflow: dict[Any, Any], job: str) -> list[dict[str, Any]]:
    """Return the steps of one job."""
    steps = workflow["jobs"][job]["steps"]
    assert isinstance(steps, list)
    return steps
