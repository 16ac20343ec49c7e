"""Hold a group whole: when one member is refused or cannot be read, none of it moves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from khub.check.outcomes import FactOutcome

HOLDING: frozenset[str] = frozenset(
    {"rejected", "ambiguous", "dismissed", "not-found", "unreachable"}
)
MOVING: frozenset[str] = frozenset({"changed", "filled"})


def hold_groups(outcomes: Sequence[FactOutcome]) -> list[FactOutcome]:
    """Return outcomes where every moving member of a group with a refused member is held."""
    blockers: dict[str, list[FactOutcome]] = {}
    for item in outcomes:
        if item.group is not None and item.outcome in HOLDING:
            blockers.setdefault(item.group, []).append(item)
    held = []
    for item in outcomes:
        blocking = blockers.get(item.group or "")
        if blocking and item.outcome in MOVING:
            item = replace(item, outcome="held", reason=held_reason(blocking))
        held.append(item)
    return held


def held_reason(blocking: Sequence[FactOutcome]) -> str:
    """Return why a group is held: 'held: X was refused (why)', one clause per blocker."""
    clauses = [f"{b.fact_id} was {_verb(b.outcome)} ({b.reason})" for b in blocking]
    return "held: " + "; ".join(clauses)


def _verb(outcome: str) -> str:
    return {"rejected": "refused", "ambiguous": "ambiguous"}.get(outcome, outcome)
