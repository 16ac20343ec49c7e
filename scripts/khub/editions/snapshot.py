"""Snapshots of the facts: the working data, a published edition, or the data at a git revision.

Every snapshot holds the same shapes, whatever it was taken from: a FrozenFact per fact
(khub.data.model; made from a live Fact by khub.data.serialize.freeze, read from an
edition by frozen_from_data), a ClaimState per claim, a SourceRef per citation and the
edition's Notes. khub.editions.diff compares two snapshots field by field.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from khub.data.load import load
from khub.data.model import Claim, FactSet, FrozenFact, Source
from khub.data.serialize import freeze
from khub.disk.paths import safe_output_path
from khub.editions.git import blob, check_revision, safe_relative, tree_files
from khub.errors import DataError, KhubError


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
    facts: Mapping[str, FrozenFact]
    claims: Mapping[str, ClaimState] = field(default_factory=dict)
    sources: Mapping[str, SourceRef] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()
    edition: str | None = None
    published: str | None = None


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
        facts={fid: freeze(f) for fid, f in factset.facts.items()},
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
