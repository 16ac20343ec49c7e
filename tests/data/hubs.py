"""Fixture hubs for the data tests: build one from _base plus a case, run the real CLI on it."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from khub.cli.main import main

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASE = FIXTURES / "_base"
TODAY = "2026-11-24"
CASE_META = ("expected.txt", "xfail.txt")


@dataclass(frozen=True)
class Expected:
    """What `khub validate` must print for a case, and its exit code."""

    exit: int
    lines: tuple[str, ...]

    def render(self) -> str:
        """Return the expected.txt text of this expectation."""
        return "".join(f"{line}\n" for line in (f"exit: {self.exit}", *self.lines))


def read_expected(path: Path) -> Expected:
    """Read an expected.txt: `exit: N`, then `stderr: …` / `stdout: …` lines in order."""
    first, *rest = path.read_text(encoding="utf-8").splitlines()
    assert first.startswith("exit: "), f"{path}: first line must be 'exit: N'"
    return Expected(int(first.removeprefix("exit: ")), tuple(rest))


def case_names() -> list[str]:
    """Return the fixture cases, each a folder beside _base."""
    return sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and not p.name.startswith("_"))


def make_hub(dest: Path, case: str | None = None) -> Path:
    """Copy the base hub to dest and lay the case's files over it; return dest."""
    shutil.copytree(BASE, dest, dirs_exist_ok=True)
    if case is not None:
        shutil.copytree(
            FIXTURES / case, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*CASE_META)
        )
    return dest


def run_khub(
    hub: Path, *args: str, merge: bool = False, today: str = TODAY
) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a subprocess from the hub's top folder, with today pinned."""
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


@dataclass(frozen=True)
class Run:
    """What one in-process run of the CLI gave: exit code, output lines, stray exception."""

    exit: int
    lines: tuple[str, ...]
    exception: BaseException | None


def invoke_khub(hub: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> Run:
    """Run the CLI in this process from the hub's top folder, with today pinned."""
    monkeypatch.chdir(hub)
    monkeypatch.setenv("KHUB_TODAY", TODAY)
    result = CliRunner().invoke(main, list(args))
    err = [f"stderr: {line}" for line in result.stderr.splitlines()]
    out = [f"stdout: {line}" for line in result.stdout.splitlines()]
    stray = None if isinstance(result.exception, SystemExit) else result.exception
    return Run(result.exit_code, (*err, *out), stray)


def output_lines(proc: subprocess.CompletedProcess[str]) -> tuple[str, ...]:
    """Return the run's output as expected.txt lines: stderr first, then stdout."""
    err = [f"stderr: {line}" for line in (proc.stderr or "").splitlines()]
    out = [f"stdout: {line}" for line in proc.stdout.splitlines()]
    return (*err, *out)


def tree_digest(root: Path) -> dict[str, str]:
    """Return the sha256 of every file under root, .khub-cache/ excluded.

    A symlink is recorded by its target and never followed, so a hub holding links to
    devices or to files outside it can be compared before and after a run.
    """
    digests: dict[str, str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(".khub-cache/"):
            continue
        if path.is_symlink():
            digests[rel] = f"-> {os.readlink(path)}"
        elif path.is_file():
            digests[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return digests
