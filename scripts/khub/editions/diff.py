"""The one structural diff engine: what changed between two snapshots of the facts."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from khub.data.model import FrozenFact
from khub.editions.snapshot import ClaimState, Note, Snapshot

ChangeKind = Literal["added", "removed", "value", "status-source", "reverified", "metadata"]
KINDS: tuple[ChangeKind, ...] = (
    "added",
    "removed",
    "value",
    "status-source",
    "reverified",
    "metadata",
)
_FIELDS = ("value", "unit", "as_of", "verified", "status", "source", "label", "formula", "inputs")


@dataclass(frozen=True, slots=True)
class FactChange:
    """One fact that differs between the two sides, with every field that differs."""

    id: str
    kind: ChangeKind
    old: FrozenFact | None
    new: FrozenFact | None
    fields: tuple[str, ...] = ()
    because: tuple[str, ...] = ()

    @property
    def absolute(self) -> float | None:
        """Return new − old for a plain number that changed, else None."""
        pair = _numbers(self.old, self.new)
        return None if pair is None else _tidy(pair[1] - pair[0])

    @property
    def relative(self) -> float | None:
        """Return (new − old) / |old| for a plain number that changed, else None."""
        pair = _numbers(self.old, self.new)
        if pair is None or pair[0] == 0:
            return None
        ratio = (pair[1] - pair[0]) / abs(pair[0])
        # From a tiny old value (1e-308) the ratio overflows: no meaningful relative change.
        return _tidy(ratio) if math.isfinite(ratio) else None


@dataclass(frozen=True, slots=True)
class ClaimChange:
    """A claim whose state flipped (or that appeared or went away)."""

    id: str
    old: ClaimState | None
    new: ClaimState | None

    @property
    def flipped(self) -> bool:
        """Return True when the claim appeared, went away, or its truth changed."""
        return self.old is None or self.new is None or self.old.holds != self.new.holds


@dataclass(frozen=True)
class Diff:
    """Every difference between two snapshots, typed, in a stable order."""

    old: str
    new: str
    facts: tuple[FactChange, ...] = ()
    derived: tuple[FactChange, ...] = ()
    claims: tuple[ClaimChange, ...] = ()
    notes_added: tuple[Note, ...] = ()
    notes_removed: tuple[Note, ...] = ()
    old_edition: str | None = None
    new_edition: str | None = None
    claim_text: Mapping[str, ClaimState] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        """Return True when no fact or claim changed and TO brings no new editorial note.

        The notes of FROM that TO lacks are kept (for apply) but are no change: each edition
        carries its own notes, and the working data carries none.
        """
        return not (self.facts or self.derived or self.claims or self.notes_added)

    def of_kind(self, kind: ChangeKind, *, derived: bool = False) -> list[FactChange]:
        """Return the fact changes of one kind."""
        return [c for c in (self.derived if derived else self.facts) if c.kind == kind]

    def counts(self) -> dict[str, int]:
        """Return how many changes of each kind, derived facts and claims included."""
        out: dict[str, int] = {k: len(self.of_kind(k)) for k in KINDS}
        out["derived"] = len(self.derived)
        out["claims"] = sum(1 for c in self.claims if c.flipped)
        out["notes"] = len(self.notes_added)
        return out

    def changed_ids(self) -> set[str]:
        """Return the ids of every fact (base or derived) that differs."""
        return {c.id for c in self.facts} | {c.id for c in self.derived}


def diff(a: Snapshot, b: Snapshot) -> Diff:
    """Return what changed from snapshot a to snapshot b."""
    base: list[FactChange] = []
    derived: list[FactChange] = []
    for fid in _ordered_ids(a.facts, b.facts):
        old, new = a.facts.get(fid), b.facts.get(fid)
        if old == new:
            continue
        change = _change(fid, old, new)
        is_derived = (new or old).derived  # type: ignore[union-attr]
        (derived if is_derived else base).append(change)
    changed_base = {c.id for c in base}
    derived = [_with_causes(c, changed_base, a, b) for c in derived]
    return Diff(
        old=a.label,
        new=b.label,
        facts=tuple(base),
        derived=tuple(derived),
        claims=tuple(_claim_changes(a.claims, b.claims)),
        notes_added=tuple(n for n in b.notes if n not in set(a.notes)),
        notes_removed=tuple(n for n in a.notes if n not in set(b.notes)),
        old_edition=a.edition,
        new_edition=b.edition,
        claim_text={**a.claims, **b.claims},
    )


def _ordered_ids(a: Mapping[str, FrozenFact], b: Mapping[str, FrozenFact]) -> list[str]:
    """Return ids in b's order, then the ones only a has, in a's order."""
    return [*b, *(k for k in a if k not in b)]


def _change(fid: str, old: FrozenFact | None, new: FrozenFact | None) -> FactChange:
    if old is None:
        return FactChange(fid, "added", None, new, _FIELDS)
    if new is None:
        return FactChange(fid, "removed", old, None, _FIELDS)
    fields = tuple(f for f in _FIELDS if getattr(old, f) != getattr(new, f))
    return FactChange(fid, _kind(set(fields)), old, new, fields)


def _kind(fields: set[str]) -> ChangeKind:
    if fields & {"value", "unit"}:
        return "value"
    if fields & {"status", "source"}:
        return "status-source"
    if fields & {"as_of", "verified"}:
        return "reverified"
    return "metadata"


def _with_causes(change: FactChange, changed: set[str], a: Snapshot, b: Snapshot) -> FactChange:
    """Name the changed base facts a derived fact depends on, directly or not."""
    facts = {**a.facts, **b.facts}
    causes: list[str] = []
    seen: set[str] = set()
    stack = list(_inputs(change))
    while stack:
        ref = stack.pop(0)
        if ref in seen:
            continue
        seen.add(ref)
        if ref in changed:
            causes.append(ref)
        state = facts.get(ref)
        if state is not None and state.derived:
            stack.extend(state.inputs)
    return FactChange(change.id, change.kind, change.old, change.new, change.fields, tuple(causes))


def _inputs(change: FactChange) -> Iterable[str]:
    seen: dict[str, None] = {}
    for state in (change.new, change.old):
        if state is not None:
            seen.update(dict.fromkeys(state.inputs))
    return seen


def _claim_changes(a: Mapping[str, ClaimState], b: Mapping[str, ClaimState]) -> list[ClaimChange]:
    out: list[ClaimChange] = []
    for cid in [*b, *(k for k in a if k not in b)]:
        old, new = a.get(cid), b.get(cid)
        if old != new:
            out.append(ClaimChange(cid, old, new))
    return out


def apply(a: Snapshot, d: Diff) -> Snapshot:
    """Return snapshot a with the diff applied, so that applying diff(a, b) to a gives b's facts."""
    facts = dict(a.facts)
    for change in (*d.facts, *d.derived):
        if change.new is None:
            facts.pop(change.id, None)
        else:
            facts[change.id] = change.new
    claims = dict(a.claims)
    for claim in d.claims:
        if claim.new is None:
            claims.pop(claim.id, None)
        else:
            claims[claim.id] = claim.new
    removed = set(d.notes_removed)
    notes = (*(n for n in a.notes if n not in removed), *d.notes_added)
    return Snapshot(
        label=d.new,
        facts=facts,
        claims=claims,
        sources=a.sources,
        notes=notes,
        edition=d.new_edition,
    )


def restrict(d: Diff, fact_ids: Iterable[str], module: str | None = None) -> Diff:
    """Return the part of a diff about some facts (and one module's notes)."""
    wanted = set(fact_ids)
    return Diff(
        old=d.old,
        new=d.new,
        facts=tuple(c for c in d.facts if c.id in wanted),
        derived=tuple(c for c in d.derived if c.id in wanted),
        claims=tuple(c for c in d.claims if _claim_facts(c) & wanted),
        notes_added=tuple(n for n in d.notes_added if module is None or n.module == module),
        notes_removed=(),
        old_edition=d.old_edition,
        new_edition=d.new_edition,
        claim_text=d.claim_text,
    )


def _claim_facts(change: ClaimChange) -> set[str]:
    out: set[str] = set()
    for state in (change.old, change.new):
        if state is not None:
            out.update(state.facts)
    return out


def _numbers(old: FrozenFact | None, new: FrozenFact | None) -> tuple[float, float] | None:
    if old is None or new is None or old.unit != new.unit:
        return None
    a, b = old.value, new.value
    if isinstance(a, int | float) and isinstance(b, int | float) and a != b:
        return float(a), float(b)
    return None


def _tidy(value: float) -> float:
    return float(f"{value:.12g}")
