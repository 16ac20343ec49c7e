"""Run `khub`: in a subprocess (the real entry point) or in this process (click's runner)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from click.testing import CliRunner, Result

from khub.cli.main import main


def run_khub(
    hub: Path, *args: str, today: str, merge: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run `python -m khub ARGS` in a subprocess from the hub's top folder, today pinned."""
    return subprocess.run(
        [sys.executable, "-m", "khub", *args],
        cwd=hub,
        env={**os.environ, "KHUB_TODAY": today},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge else subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )


def invoke_khub(
    hub: Path, args: Sequence[str], *, today: str, env: Mapping[str, str] | None = None
) -> Result:
    """Run the CLI in this process from the hub's top folder, today pinned; return the result."""
    with contextlib.chdir(hub):
        return CliRunner().invoke(main, list(args), env={"KHUB_TODAY": today, **(env or {})})


def output_lines(run: subprocess.CompletedProcess[str] | Result) -> tuple[str, ...]:
    """Return a run's output as `stderr: …` lines, then `stdout: …` lines."""
    err = [f"stderr: {line}" for line in (run.stderr or "").splitlines()]
    out = [f"stdout: {line}" for line in run.stdout.splitlines()]
    return (*err, *out)
