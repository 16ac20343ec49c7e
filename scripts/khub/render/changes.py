"""One change between two editions, as readers see it: label, old → new, % change, link.

The module page's "What changed" block, the changelog, the feeds and the monthly notes all
describe changes; they take these rows and only choose their markup.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from khub.data.model import FactSet, FrozenFact, Licence, Range
from khub.editions.diff import ClaimChange, Diff, FactChange
from khub.render.display import MINUS, RawValue, format_value
from khub.render.elements import fact_target

RowKind = Literal["added", "removed", "value", "status-source", "details"]
QUIET = ("reverified", "metadata")  # a re-check that confirmed a value changes no figure


def month_name(edition_id: str) -> str:
    """Return 'June 2026' for '2026-06'."""
    return dt.date.fromisoformat(f"{edition_id}-01").strftime("%B %Y")


def day_name(day: str) -> str:
    """Return '30 June 2026' for '2026-06-30'."""
    date = dt.date.fromisoformat(day)
    return f"{date.day} {date.strftime('%B %Y')}"


@dataclass(frozen=True)
class ChangeRow:
    """One changed figure in plain text; markup is the caller's job."""

    fact_id: str
    kind: RowKind
    label: str
    old: str | None = None
    new: str | None = None
    percent: str | None = None
    detail: str = ""
    page: str | None = None
    anchor: str | None = None


def reader_label(fid: str, state: FrozenFact, factset: FactSet) -> str:
    """Return the label a reader sees for a changed fact: 'Series title: label'."""
    series = factset.series.get(fid.split(".", 1)[0]) if "." in fid else None
    label = state.label or fid
    return f"{series.title}: {label}" if series else label


def show_frozen(fid: str, state: FrozenFact, factset: FactSet) -> str:
    """Return a frozen value the way the module pages show it (same formatter, decimals)."""
    fact = factset.facts.get(fid)
    text = format_value(_raw(state.value), state.unit, fact.decimals if fact else None)
    return f"“{text}”" if state.unit in ("text", "enum") and state.value is not None else text


def signed_percent(relative: float | None) -> str | None:
    """Return '+2.5%' or '−10%' for a relative change (0.025, −0.1), None for none."""
    if relative is None:
        return None
    text = f"{abs(relative) * 100:,.1f}".rstrip("0").rstrip(".")
    return f"{'+' if relative > 0 else MINUS}{text}%"


def _raw(value: object) -> RawValue:
    if isinstance(value, dict) and {"low", "high"} <= value.keys():
        return Range(low=value["low"], high=value["high"])
    if isinstance(value, dict):
        return Licence.model_validate(value)
    if isinstance(value, int | float):
        return float(value)
    return value if isinstance(value, str) else None


def change_row(change: FactChange, factset: FactSet) -> ChangeRow:
    """Return the reader's row for one fact change (not a quiet re-check)."""
    state = change.new or change.old
    assert state is not None
    fact = factset.facts.get(change.id)
    page, anchor = fact_target(fact, factset) if fact is not None else (None, None)
    row = ChangeRow(change.id, "details", reader_label(change.id, state, factset))
    old, new = change.old, change.new
    if change.kind == "removed" and old is not None:
        return replace(row, kind="removed", old=show_frozen(change.id, old, factset))
    row = replace(row, page=page, anchor=anchor)
    if new is not None and (change.kind == "added" or old is None or old.value is None):
        return replace(row, kind="added", new=show_frozen(change.id, new, factset))
    assert old is not None and new is not None
    if change.kind == "value":
        return replace(
            row,
            kind="value",
            old=show_frozen(change.id, old, factset),
            new=show_frozen(change.id, new, factset),
            percent=signed_percent(change.relative),
        )
    if change.kind == "status-source":
        moved = [
            f"{key} {getattr(old, key)} → {getattr(new, key)}"
            for key in ("status", "source")
            if key in change.fields
        ]
        return replace(row, kind="status-source", detail="; ".join(moved))
    return row


def change_rows(d: Diff, factset: FactSet) -> list[ChangeRow]:
    """Return the rows of every fact and derived change that moves a figure, in diff order."""
    return [change_row(c, factset) for c in (*d.facts, *d.derived) if c.kind not in QUIET]


def rechecked_count(d: Diff) -> int:
    """Return how many facts were re-checked and found unchanged."""
    return len(d.of_kind("reverified"))


def claim_sentence(change: ClaimChange) -> str:
    """Return what a claim's flip means, in plain text with the claim quoted."""
    state = change.new or change.old
    assert state is not None
    if change.new is None:
        return f"A statement is no longer checked: “{state.says}”"
    if change.new.holds is False:
        return f"No longer supported by the data: “{state.says}”"
    if change.new.holds is True:
        return f"Supported by the data again: “{state.says}”"
    return f"Cannot be checked against the data: “{state.says}”"


def claim_sentences(claims: Iterable[ClaimChange]) -> list[str]:
    """Return the sentence of every claim change."""
    return [claim_sentence(c) for c in claims]
