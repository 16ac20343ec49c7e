"""Apply a re-check run to data/: under the write lock, on top of the data as it is then.

A run fetches for seconds or minutes. Another writer (a second `khub check --apply`, an
editor's commit pulled in, `khub edition publish`) may change data/ meanwhile, so the
updates are computed again from the data read after the lock is taken, never from the
data read before the fetch:

- a fact still holding the value the run started from gets the run's update;
- a fact that already holds the value the run found is only confirmed (`verified` moves);
- a fact that now holds some third value, or is gone, is left alone and reported as a
  conflict: the run's finding is older than that edit, so it must not overwrite it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from khub.check.run import CheckRun, FactOutcome, same_value, updates_for
from khub.check.writeback import apply_updates
from khub.data.load import load
from khub.data.model import FactSet
from khub.disk.lock import OnWait, data_lock
from khub.errors import shown


@dataclass(frozen=True)
class Conflict:
    """A change the run found that another writer overtook: not written."""

    fact_id: str
    reason: str

    def __str__(self) -> str:
        return f"{self.fact_id}: {self.reason}; not applied (run `khub check` again)"


@dataclass(frozen=True)
class Applied:
    """What applying a run wrote, and the findings it left alone."""

    files: list[str]
    conflicts: list[Conflict]


def apply_run(root: Path, run: CheckRun, *, on_wait: OnWait | None = None) -> Applied:
    """Take the write lock, re-read data/, and write the run's accepted outcomes on top."""
    with data_lock(root, on_wait=on_wait):
        factset, _ = load(root)
        outcomes, conflicts = rebase(run.outcomes, factset)
        files = apply_updates(root, updates_for(replace(run, outcomes=outcomes), factset))
    return Applied(files, conflicts)


def rebase(
    outcomes: Sequence[FactOutcome], factset: FactSet
) -> tuple[tuple[FactOutcome, ...], list[Conflict]]:
    """Return the outcomes still applicable to factset, and the conflicts left out."""
    kept: list[FactOutcome] = []
    conflicts: list[Conflict] = []
    for item in outcomes:
        if item.outcome not in ("changed", "confirmed"):
            kept.append(item)
            continue
        fact = factset.facts.get(item.fact_id)
        if fact is None or fact.derived:
            conflicts.append(Conflict(item.fact_id, "removed from data/ while this run checked it"))
        elif same_value(fact.value, item.old):
            kept.append(item)
        elif item.outcome == "changed" and same_value(fact.value, item.new):
            kept.append(replace(item, outcome="confirmed", as_of=None))
        else:
            reason = (
                f"changed in data/ to {shown(fact.value)} while this run checked it "
                f"(the source said {shown(item.new)})"
            )
            conflicts.append(Conflict(item.fact_id, reason))
    return tuple(kept), conflicts
