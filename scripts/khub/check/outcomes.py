"""The outcomes of a re-check: one per fact, and the run that holds them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal, get_args

from khub.check.evidence import Evidence
from khub.data.model import Licence, Range

Outcome = Literal[
    "confirmed",
    "changed",
    "filled",
    "rejected",
    "held",
    "ambiguous",
    "dismissed",
    "not-found",
    "unreachable",
    "manual",
]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)  # in report order
NEEDS_ATTENTION: frozenset[str] = frozenset(
    {"rejected", "held", "ambiguous", "not-found", "unreachable"}
)
WRITABLE: frozenset[str] = frozenset({"changed", "filled"})  # what --apply writes
PROPOSED: frozenset[str] = frozenset({"changed", "filled", "rejected", "held", "dismissed"})
FAILED: frozenset[str] = frozenset({"not-found", "unreachable", "ambiguous"})

FactValue = float | Range | Licence | str | None


@dataclass(frozen=True)
class Candidate:
    """One of several values an ambiguous locator matched, and where."""

    path: str
    value: float | str


@dataclass(frozen=True)
class FactOutcome:
    """The outcome of re-checking one fact."""

    fact_id: str
    outcome: Outcome
    old: FactValue
    new: FactValue
    evidence: Evidence | None
    reason: str
    as_of: dt.date | None = None
    group: str | None = None
    candidates: tuple[Candidate, ...] = ()
    dismissal: str | None = None  # the reason of the dismissal that covers it
    data_sha256: str | None = None  # fact_fingerprint of the fact in data/ when checked


@dataclass(frozen=True)
class ReferenceResult:
    """What the source of one of a fact's references said when re-checked."""

    fact_id: str
    index: int  # the reference's place in the fact's `references`
    source: str
    url: str
    expected: object  # what the reference says the source states (or `reads`)
    found: float | str | None
    agrees: bool | None  # None: nothing to compare (manual, or not fetched)
    reason: str = ""

    def data(self) -> dict[str, object]:
        """Return the result as the JSON report holds it."""
        expected = self.expected
        if isinstance(expected, Range):
            expected = {"low": expected.low, "high": expected.high}
        elif isinstance(expected, Licence):
            expected = expected.id
        return {
            "fact": self.fact_id,
            "index": self.index,
            "source": self.source,
            "url": self.url,
            "expected": expected,
            "found": self.found,
            "agrees": self.agrees,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class CheckRun:
    """Every outcome of a run, sorted by fact id, with what the run fetched."""

    date: dt.date
    outcomes: tuple[FactOutcome, ...]
    urls: int
    from_cache: int
    elapsed_s: float
    max_jump: float | None  # --max-jump; None: each fact's series or unit-kind default
    references: tuple[ReferenceResult, ...] = ()  # what each checked reference's source says

    def counts(self) -> dict[str, int]:
        """Return the number of facts per outcome, every outcome listed."""
        counts: dict[str, int] = dict.fromkeys(OUTCOMES, 0)
        for item in self.outcomes:
            counts[item.outcome] += 1
        return counts

    def needs_attention(self) -> bool:
        """Return True when some fact was refused, held, ambiguous, not found or unreachable."""
        return any(item.outcome in NEEDS_ATTENTION for item in self.outcomes)

    def of(self, outcome: Outcome) -> list[FactOutcome]:
        """Return the outcomes of one kind."""
        return [item for item in self.outcomes if item.outcome == outcome]


def fact_fingerprint(value: FactValue, as_of: dt.date) -> str:
    """Return the sha256 of a fact's value and as_of: what `khub accept` compares."""
    import hashlib
    import json

    from khub.data.serialize import value_data

    text = json.dumps({"value": value_data(value), "as_of": as_of.isoformat()}, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
