"""Apply a re-check run to data/: under the write lock, on top of the data as it is then.

A run fetches for seconds or minutes. Another writer (a second `khub check --apply`, an
editor's commit pulled in, `khub edition publish`) may change data/ meanwhile, so the
updates are computed again from the data read after the lock is taken, never from the
data read before the fetch:

- a fact still holding the value the run started from gets the run's update;
- a fact that already holds the value the run found is only confirmed (`verified` moves);
- a fact that now holds some third value, or is gone, is left alone and reported as a
  conflict: the run's finding is older than that edit, so it must not overwrite it; the
  other members of its group are then left alone too.

Only `changed` and `filled` outcomes are written (and `confirmed` ones move `verified`);
rejected, held, dismissed and ambiguous values never are: `khub accept` takes them.
The run's outcomes are also recorded in data/check-state.yml (khub.check.state).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from khub.check.compare import same_value
from khub.check.outcomes import WRITABLE, CheckRun, FactOutcome
from khub.check.state import load_state, updated_state, write_state
from khub.check.writeback import Update, apply_updates
from khub.data.load import load
from khub.data.model import FactSet, Range
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
        write_state(root, updated_state(load_state(root), outcomes, run.date))
    return Applied(files, conflicts)


def rebase(
    outcomes: Sequence[FactOutcome], factset: FactSet
) -> tuple[tuple[FactOutcome, ...], list[Conflict]]:
    """Return the outcomes still applicable to factset, and the conflicts left out."""
    kept: list[FactOutcome] = []
    lost: list[FactOutcome] = []
    conflicts: list[Conflict] = []
    for item in outcomes:
        if item.outcome not in (*WRITABLE, "confirmed"):
            kept.append(item)
            continue
        fact = factset.facts.get(item.fact_id)
        if fact is None or fact.derived:
            conflicts.append(Conflict(item.fact_id, "removed from data/ while this run checked it"))
            lost.append(item)
        elif same_value(fact.value, item.old):
            kept.append(item)
        elif item.outcome in WRITABLE and same_value(fact.value, item.new):
            kept.append(replace(item, outcome="confirmed", as_of=None))
        else:
            reason = (
                f"changed in data/ to {shown(fact.value)} while this run checked it "
                f"(the source said {shown(item.new)})"
            )
            conflicts.append(Conflict(item.fact_id, reason))
            lost.append(item)
    return _without_broken_groups(kept, lost), conflicts


def _without_broken_groups(
    kept: Sequence[FactOutcome], lost: Sequence[FactOutcome]
) -> tuple[FactOutcome, ...]:
    """Hold the moving members of every group that lost a member to a conflict."""
    broken = {item.group for item in lost if item.group}
    note = "held: another member of its group changed in data/ while this run checked it"
    return tuple(
        replace(i, outcome="held", reason=note)
        if i.group in broken and i.outcome in WRITABLE
        else i
        for i in kept
    )


def updates_for(run: CheckRun, factset: FactSet) -> list[Update]:
    """Return the writes a run's accepted outcomes ask for: new values, verified dates."""
    updates = []
    for item in run.outcomes:
        if item.outcome not in (*WRITABLE, "confirmed"):
            continue
        fact = factset.facts[item.fact_id]
        fetched = item.as_of or _fetch_day(item, run.date)
        verified = max(fetched, fact.verified)  # never move a date backwards
        series, subject = fact.series or "", fact.id[len(fact.series or "") + 1 :]
        if item.outcome in WRITABLE:
            assert isinstance(item.new, float | Range | str)
            as_of = max(fetched, fact.as_of)
            update = Update(
                fact.id, fact.file, series, subject, "changed", verified, item.new, as_of
            )
        elif verified == fact.verified:
            continue
        else:
            update = Update(fact.id, fact.file, series, subject, "confirmed", verified)
        updates.append(update)
    return updates


def _fetch_day(item: FactOutcome, today: dt.date) -> dt.date:
    if item.evidence is None:
        return today
    return min(item.evidence.fetched_at.date(), today)
