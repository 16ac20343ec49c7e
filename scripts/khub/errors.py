"""Typed errors and the problems they carry; the CLI decides how to show them.

Each error class carries the exit code `khub` ends with when it escapes a command; one
handler in `khub.cli.main` prints it (problems one per line, or as JSON under `--json`)
and exits with that code. The table:

    0  success
    1  KhubError and its kin: a problem in the data, a missing fact, edition or module, a
       failed step (build, git, lock); `khub check` also exits 1, without an error, when a
       fact needs a person
    2  UsageError: the command was called wrongly (click's own usage errors are 2 too);
       CheckDataError: `khub check` was asked to check data that does not load
    3  ApplyFailedError: `khub check --apply` could not write data/ and put it back

`khub check --help` documents 0/1/2/3 for that command; the classes above keep them.

`shown(value)` is how every message quotes a value that was given to khub.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the input, located like a compiler message."""

    path: str
    line: int
    message: str
    hint: str = ""
    severity: Severity = "error"
    keypath: tuple[str | int, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        tail = f" ({self.hint})" if self.hint else ""
        label = "warning: " if self.severity == "warning" else ""
        return f"{where}: {label}{self.message}{tail}"

    def as_dict(self) -> dict[str, object]:
        """Return the problem as plain data for --json output."""
        return {
            "path": self.path,
            "line": self.line,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
        }


class KhubError(Exception):
    """Base of every error khub raises on purpose; the CLI prints it without a traceback."""

    exit_code = 1


class UsageError(KhubError):
    """The command was called wrongly."""

    exit_code = 2


class ApplyFailedError(KhubError):
    """`khub check --apply` failed; data/ was left as it was or put back."""

    exit_code = 3


class NotFoundError(KhubError):
    """A named fact, source, edition or module does not exist."""


class DataError(KhubError):
    """The data failed validation; carries every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=_problem_order)
        errors = [p for p in self.problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in the data")


class CheckDataError(DataError):
    """The data `khub check` was asked to re-check does not load; check exits 2 for it."""

    exit_code = 2


def _problem_order(problem: Problem) -> tuple[int, str, int, str]:
    return (0 if problem.severity == "error" else 1, problem.path, problem.line, problem.message)


def sort_problems(problems: list[Problem]) -> list[Problem]:
    """Return problems errors first, then by file and line."""
    return sorted(problems, key=_problem_order)


class UnsafePathError(DataError):
    """A file khub would read or write is not a plain file inside the folders it may use."""

    def __init__(self, problem: Problem) -> None:
        super().__init__([problem])
        self.problem = problem

    def __str__(self) -> str:
        return str(self.problem)


SHOWN_LIMIT = 60


def shown(value: object, limit: int = SHOWN_LIMIT) -> str:
    """Return a value as a message quotes it: 'text', 2.5, true, null, a list, a mapping."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping" if value else "{}"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return repr(_cut(value, limit - 2))
    return _cut(str(value), limit)


def _number(value: float) -> str:
    """Return a float the shortest way that reads back the same: 5000, 0.1, 1e-09."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _cut(text: str, limit: int) -> str:
    """Return text cut to at most limit characters, ending in '...' when cut."""
    return text if len(text) <= limit else text[: max(1, limit - 3)] + "..."
