"""Snapshots of the facts: the working data, a published edition, or the data at a git revision."""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from khub.data.load import load
from khub.data.model import Claim, Fact, FactSet, Source
from khub.data.serialize import JsonValue, value_data
from khub.disk.paths import safe_output_path
from khub.editions.git import blob, check_revision, safe_relative, tree_files
from khub.errors import DataError, KhubError


@dataclass(frozen=True, slots=True)
class FactState:
    """What a fact was at one moment: value, unit, dates, status, source (plain data)."""

    value: JsonValue
    unit: str
    as_of: str
    verified: str
    status: str
    source: str | None
    label: str = ""
    formula: str | None = None
    inputs: tuple[str, ...] = ()

    @property
    def derived(self) -> bool:
        """Return True when the fact is computed by a formula."""
        return self.formula is not None


@dataclass(frozen=True, slots=True)
class ClaimState:
    """A claim and whether it held: True, False, or None when it could not be evaluated."""

    says: str
    holds_when: str
    holds: bool | None
    facts: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SourceRef:
    """The part of a citation a report links to."""

    title: str
    url: str | None


@dataclass(frozen=True, slots=True)
class Note:
    """An editorial note of an edition, tied to a module and optionally to facts."""

    module: str
    text: str
    facts: tuple[str, ...] = ()
    acknowledges: tuple[str, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """The facts, claims, sources and notes of one side of a diff."""

    label: str
    facts: Mapping[str, FactState]
    claims: Mapping[str, ClaimState] = field(default_factory=dict)
    sources: Mapping[str, SourceRef] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    edition: str | None = None
    published: str | None = None


def fact_state(fact: Fact) -> FactState:
    """Return the frozen state of one loaded fact."""
    return FactState(
        value=value_data(fact.value),
        unit=fact.unit.name,
        as_of=fact.as_of.isoformat(),
        verified=fact.verified.isoformat(),
        status=fact.status,
        source=fact.source,
        label=fact.label,
        formula=fact.formula,
        inputs=tuple(fact.inputs),
    )


def claim_state(claim: Claim) -> ClaimState:
    """Return the frozen state of one evaluated claim."""
    return ClaimState(claim.says, claim.holds_when, claim.holds, tuple(claim.facts))


def source_ref(source: Source) -> SourceRef:
    """Return the title and URL of a citation."""
    return SourceRef(source.title, source.url)


def from_factset(factset: FactSet, label: str = "working data") -> Snapshot:
    """Return a snapshot of loaded data."""
    return Snapshot(
        label=label,
        facts={fid: fact_state(f) for fid, f in factset.facts.items()},
        claims={cid: claim_state(c) for cid, c in factset.claims.items()},
        sources={sid: source_ref(s) for sid, s in factset.sources.items()},
    )


def from_working(root: Path | str = ".") -> Snapshot:
    """Load the working data under root and return its snapshot."""
    factset, _ = load(root)
    return from_factset(factset)


def from_git(root: Path | str, rev: str) -> Snapshot:
    """Return a snapshot of the data/ files as they were at a git revision."""
    root = Path(root)
    check_revision(rev)
    files = tree_files(root, rev, "data/")
    if not files:
        raise KhubError(f"git revision {rev!r} has no data/ folder")
    with tempfile.TemporaryDirectory(prefix="khub-rev-") as tmp:
        for item in files:
            rel = safe_relative(item.path)
            if rel is None or rel.parts[:2] == ("data", "editions"):
                continue
            target = safe_output_path(Path(tmp), rel.as_posix(), rev)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(blob(root, item.blob))
        try:
            factset, _ = load(tmp, cache=False)
        except DataError as exc:
            raise DataError([replace(p, path=f"{rev}:{p.path}") for p in exc.problems]) from exc
    return from_factset(factset, label=rev)


def state_data(state: FactState) -> dict[str, Any]:
    """Return a fact state as plain data (the form an edition file stores)."""
    data: dict[str, Any] = {
        "label": state.label,
        "value": state.value,
        "unit": state.unit,
        "as_of": state.as_of,
        "verified": state.verified,
        "status": state.status,
        "source": state.source,
    }
    if state.formula is not None:
        data["formula"] = state.formula
        data["inputs"] = list(state.inputs)
    return data


def state_from_data(data: Mapping[str, Any]) -> FactState:
    """Return a fact state from its plain-data form."""
    formula = data.get("formula")
    return FactState(
        value=data["value"],
        unit=str(data["unit"]),
        as_of=str(data["as_of"]),
        verified=str(data["verified"]),
        status=str(data["status"]),
        source=data.get("source"),
        label=str(data.get("label", "")),
        formula=None if formula is None else str(formula),
        inputs=tuple(data.get("inputs") or ()),
    )
