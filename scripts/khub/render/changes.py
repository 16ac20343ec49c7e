"""One change between two editions, as readers see it: label, old → new, % change, link.

The module page's "What changed" block, the changelog, the feeds and the monthly notes all
describe changes; they take these rows and only choose their markup.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Literal

from khub.data.model import FactSet, FrozenFact, Licence, Range
from khub.editions.diff import ClaimChange, Diff, FactChange
from khub.render.display import MINUS, RawValue, edition_name, format_value, human_date
from khub.render.elements import fact_target

RowKind = Literal["added", "removed", "value", "status-source", "details"]
QUIET = ("reverified", "metadata")  # a re-check that confirmed a value changes no figure


def month_name(edition_id: str) -> str:
    """Return 'June 2026' for '2026-06'."""
    return edition_name(edition_id)


def day_name(day: str) -> str:
    """Return '30 June 2026' for '2026-06-30'."""
    return human_date(day)


@dataclass(frozen=True)
class ChangeRow:
    """One changed figure in plain text; markup is the caller's job.

    `edition` is the edition that published the change (None: the working data, not yet
    published); `page` and `anchor` locate the fact's own entry under build/docs.
    """

    fact_id: str
    kind: RowKind
    label: str
    old: str | None = None
    new: str | None = None
    percent: str | None = None
    detail: str = ""
    page: str | None = None
    anchor: str | None = None
    edition: str | None = None

    @property
    def change(self) -> str:
        """Return the change in plain words: '80% → 82.5% (+3.1%)', 'new, 5%', 'details'."""
        if self.kind == "value":
            moved = f"{self.old} → {self.new}"
            return f"{moved} ({self.percent})" if self.percent else moved
        if self.kind == "added":
            return f"new, {self.new}"
        if self.kind == "removed":
            return f"no longer tracked (was {self.old})"
        return self.detail or "details updated"


_WORD = re.compile(r"[a-z0-9]+")
_COMMON = frozenset(
    ("about", "against", "also", "each", "from", "into", "more", "over", "share", "than"),
) | frozenset(("that", "their", "there", "these", "this", "what", "when", "where", "which", "with"))


def _content_words(text: str) -> set[str]:
    """Return the words of text that carry meaning: four letters or more, plural 's' dropped."""
    words = (w.removesuffix("s") for w in _WORD.findall(text.lower()) if len(w) >= 4)
    return {w for w in words if w not in _COMMON}


def reader_label(fid: str, state: FrozenFact, factset: FactSet) -> str:
    """Return the label a reader sees for a changed fact.

    The rule: a fact's label alone when it already says what its series measures (it
    shares a meaningful word with the series title: "Volume where self-hosting starts to
    pay" in "Self-hosting economics"), else "Series title: label", since a bare subject
    ("Claude Opus 4.8", "2024") does not say what changed. Derived facts have no series.
    """
    series = factset.series.get(fid.split(".", 1)[0]) if "." in fid else None
    label = state.label or fid
    if series is None or _content_words(label) & _content_words(series.title):
        return label
    return f"{series.title}: {label}"


def show_frozen(fid: str, state: FrozenFact, factset: FactSet) -> str:
    """Return a frozen value the way the module pages show it (same formatter, decimals)."""
    fact = factset.facts.get(fid)
    text = format_value(frozen_value(state.value), state.unit, fact.decimals if fact else None)
    return f"“{text}”" if state.unit in ("text", "enum") and state.value is not None else text


def signed_percent(relative: float | None) -> str | None:
    """Return '+2.5%' or '−10%' for a relative change (0.025, −0.1), None for none."""
    if relative is None:
        return None
    text = f"{abs(relative) * 100:,.1f}".rstrip("0").rstrip(".")
    return f"{'+' if relative > 0 else MINUS}{text}%"


def frozen_value(value: object) -> RawValue:
    """Return an edition's JSON value as the formatter takes it: a number, range, licence, text."""
    if isinstance(value, dict) and {"low", "high"} <= value.keys():
        return Range(low=value["low"], high=value["high"])
    if isinstance(value, dict):
        return Licence.model_validate(value)
    if isinstance(value, int | float):
        return float(value)
    return value if isinstance(value, str) else None


def change_row(change: FactChange, factset: FactSet, edition: str | None = None) -> ChangeRow:
    """Return the reader's row for one fact change (not a quiet re-check) in an edition."""
    state = change.new or change.old
    assert state is not None
    fact = factset.facts.get(change.id)
    page, anchor = fact_target(fact, factset) if fact is not None else (None, None)
    label = reader_label(change.id, state, factset)
    row = ChangeRow(change.id, "details", label, edition=edition)
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
        moved = []
        if "status" in change.fields:
            moved.append(f"status {old.status} → {new.status}")
        if "source" in change.fields:
            moved.append(f"source {_source(old.source, factset)} → {_source(new.source, factset)}")
        return replace(row, kind="status-source", detail="; ".join(moved))
    return row


def _source(sid: str | None, factset: FactSet) -> str:
    """Return a source's title for readers, its id when the data no longer has it."""
    if sid is None:
        return "none"
    source = factset.sources.get(sid)
    return source.title if source is not None else sid


def change_rows(d: Diff, factset: FactSet) -> list[ChangeRow]:
    """Return the rows of every fact and derived change that moves a figure, in diff order."""
    changes = (*d.facts, *d.derived)
    return [change_row(c, factset, d.new_edition) for c in changes if c.kind not in QUIET]


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
