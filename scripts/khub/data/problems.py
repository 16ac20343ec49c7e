"""Collect problems while reading, then locate each one on its line."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from khub.data.yamlio import Locator
from khub.errors import Problem, Severity, sort_problems

KeyPath = tuple[str | int, ...]


@dataclass
class ProblemLog:
    """Every problem found in one load, errors and warnings, located at the end."""

    texts: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        """Record a problem that already knows its line."""
        self.problems.append(problem)

    def error(self, path: str, keypath: KeyPath, message: str, hint: str = "") -> None:
        """Record an error at a key path of a file."""
        self._log(path, keypath, message, hint, "error")

    def warn(self, path: str, keypath: KeyPath, message: str, hint: str = "") -> None:
        """Record a warning at a key path of a file."""
        self._log(path, keypath, message, hint, "warning")

    def _log(
        self, path: str, keypath: KeyPath, message: str, hint: str, severity: Severity
    ) -> None:
        self.problems.append(Problem(path, 0, message, hint, severity, keypath))

    @property
    def has_errors(self) -> bool:
        """Return True when any error (not warning) was recorded."""
        return any(p.severity == "error" for p in self.problems)

    def located(self) -> list[Problem]:
        """Return the problems with line numbers filled in, errors first."""
        locators: dict[str, Locator] = {}
        out: list[Problem] = []
        for problem in self.problems:
            if problem.line or problem.path not in self.texts:
                out.append(problem)
                continue
            locator = locators.setdefault(problem.path, Locator(self.texts[problem.path]))
            out.append(replace(problem, line=locator.line(problem.keypath)))
        return sort_problems(out)
