"""The data tests' case hubs: tests/data/fixtures/_base with one case's files laid over it."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from tests.kit.cli import invoke_khub, output_lines

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


def case_hub(dest: Path, case: str | None = None) -> Path:
    """Copy the base hub to dest and lay the case's files over it; return dest."""
    shutil.copytree(BASE, dest, dirs_exist_ok=True)
    if case is not None:
        shutil.copytree(
            FIXTURES / case, dest, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*CASE_META)
        )
    return dest


@dataclass(frozen=True)
class Run:
    """What one in-process run of the CLI gave: exit code, output lines, stray exception."""

    exit: int
    lines: tuple[str, ...]
    exception: BaseException | None


def run_in_process(hub: Path, *args: str) -> Run:
    """Run the CLI in this process from the hub's top folder, today pinned; return its Run."""
    result = invoke_khub(hub, args, today=TODAY)
    stray = None if isinstance(result.exception, SystemExit) else result.exception
    return Run(result.exit_code, output_lines(result), stray)
