"""What a long-lived khub process (`khub serve`) keeps of one load of data/ for the next.

Loading the hub validates every record of data/ and makes a Fact of every subject: two
thirds of a load at 20,000 facts. The preview loads the hub again after each edit, usually
of one file, so it keeps what validating a record gave and the Fact made from it, under the
file's path, the file's sha256 and the record's id. A record of an unchanged file then
gives the very same object, which is frozen, and whose print (khub.render.pagecache) is
not computed again.

Only what a record's own bytes decide is kept: a record that fails validation is
validated, and reported, again, and every check that reads other records (sources, ids
defined twice, references, formulas) runs on every load. What one load did not use is
dropped when it ends (`end`), so the memo holds one load's worth of records.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from khub.data.model import Fact

T = TypeVar("T")
Key = tuple[str, str, str]  # (file path, file sha256, record id)


@dataclass
class LoadMemo:
    """Validated records and Facts of the last load, by file, file bytes and id."""

    records: dict[Key, Any] = field(default_factory=dict)
    facts: dict[Key, Fact] = field(default_factory=dict)
    _used_records: set[Key] = field(default_factory=set)
    _used_facts: set[Key] = field(default_factory=set)

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

    def end(self) -> None:
        """Drop what this load did not use; start counting the next load's use."""
        self.records = {k: v for k, v in self.records.items() if k in self._used_records}
        self.facts = {k: v for k, v in self.facts.items() if k in self._used_facts}
        self._used_records, self._used_facts = set(), set()
