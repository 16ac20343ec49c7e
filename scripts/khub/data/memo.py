"""What a long-lived khub process (`khub serve`) keeps of one load of data/ for the next.

Loading the hub validates every record of data/ and makes a Fact of every subject: two
thirds of a load at 20,000 facts. The preview loads the hub again after each edit, usually
of one file, so it keeps what validating a record gave and the Fact made from it, under the
file's path, the file's sha256 and the record's id. A record of an unchanged file then
gives the very same object, which is frozen, and whose print (khub.render.pagecache) is
not computed again.

Only what a record's own bytes decide is kept: a record that fails validation is
validated, and reported, again, and every check that reads other records (sources, ids
defined twice, references, formulas) runs on every load. The checks of a fact's own
values (khub.data.sanity) read its file and today's date only: what they found is kept
under both and logged again on every load. What one load did not use is
dropped when it ends (`end`), so the memo holds one load's worth of records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from khub.data.model import Fact
from khub.data.problems import ProblemLog
from khub.errors import Problem

T = TypeVar("T")
Key = tuple[str, str, str]  # (file path, file sha256, record id)


@dataclass
class LoadMemo:
    """Validated records and Facts of the last load, by file, file bytes and id."""

    records: dict[Key, Any] = field(default_factory=dict)
    facts: dict[Key, Fact] = field(default_factory=dict)
    found: dict[tuple[Key, dt.date], list[Problem]] = field(default_factory=dict)
    _used_records: set[Key] = field(default_factory=set)
    _used_facts: set[Key] = field(default_factory=set)
    _used_found: set[tuple[Key, dt.date]] = field(default_factory=set)

    def record(self, key: Key, model: type[T], validate: Callable[[], T | None]) -> T | None:
        """Return the record kept under key, else validate it (keeping it if it is valid)."""
        found = self.records.get(key)
        if not isinstance(found, model):
            found = validate()
            if found is None:
                return None
            self.records[key] = found
        self._used_records.add(key)
        return found

    def fact(self, key: Key, make: Callable[[], Fact]) -> Fact:
        """Return the Fact kept under key, else make it and keep it."""
        found = self.facts.get(key)
        if found is None:
            found = self.facts[key] = make()
        self._used_facts.add(key)
        return found

    def check(
        self, key: Key, today: dt.date, run: Callable[[ProblemLog], None], log: ProblemLog
    ) -> None:
        """Log what run (a check of key's record alone) finds today; run it once per day."""
        found = self.found.get((key, today))
        if found is None:
            scratch = ProblemLog()
            run(scratch)
            found = self.found[(key, today)] = scratch.problems
        log.problems.extend(found)
        self._used_found.add((key, today))

    def end(self) -> None:
        """Drop what this load did not use; start counting the next load's use."""
        self.records = {k: v for k, v in self.records.items() if k in self._used_records}
        self.facts = {k: v for k, v in self.facts.items() if k in self._used_facts}
        self.found = {k: v for k, v in self.found.items() if k in self._used_found}
        self._used_records, self._used_facts, self._used_found = set(), set(), set()
