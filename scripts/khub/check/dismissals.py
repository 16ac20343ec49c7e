"""Dismissed proposals: data/dismissals.yml, what an editor chose not to take, and why.

Each entry names a fact, the source value that was dismissed (with the sha256 of the page
it was read from), the reason, who dismissed it, when, and optionally until when. A later
run reports the same discrepancy as `dismissed` (no attention needed) while the source
still gives that value and the `until` date has not passed; a different value raises it
again as changed or rejected.

Dismissing one member of a group (khub.check.plan) dismisses every member that proposes
a new value, so a group is never taken half; a dismissed member holds the rest of its
group (khub.check.groups).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from khub.check.compare import same_value
from khub.check.outcomes import FactOutcome, FactValue
from khub.data.model import Range
from khub.data.problems import ProblemLog
from khub.data.record_errors import validate
from khub.data.serialize import value_data
from khub.data.yamlio import MAX_FILE_BYTES, parse, read_text
from khub.disk.atomic import write_atomic
from khub.disk.paths import read_contained
from khub.errors import DataError

FILE = Path("data") / "dismissals.yml"
DISMISSABLE: frozenset[str] = frozenset({"changed", "filled", "rejected", "held"})
_HEADER = (
    "# yaml-language-server: $schema=schema/dismissals.schema.json\n"
    "# Proposals of `khub check` that an editor dismissed (`khub dismiss`): a later check\n"
    "# reports the same source value as `dismissed` until `until`, or until the source\n"
    "# gives another value. Remove an entry to raise its proposal again.\n"
)


class Dismissal(BaseModel):
    """One dismissed proposal."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    fact: str = Field(description="the fact id")
    value: float | str | dict[str, float] = Field(description="the source value dismissed")
    sha256: str | None = Field(default=None, description="sha256 of the page it was read from")
    reason: str = Field(min_length=1, description="why the proposal was not taken")
    by: str = Field(min_length=1, description="who dismissed it")
    date: dt.date = Field(description="when it was dismissed")
    until: dt.date | None = Field(default=None, description="raise it again after this date")


class DismissalsFile(BaseModel):
    """The file data/dismissals.yml."""

    model_config = ConfigDict(extra="forbid")

    dismissals: list[Dismissal] = Field(default_factory=list)


def load_dismissals(root: Path) -> list[Dismissal]:
    """Read data/dismissals.yml (none when absent); raise DataError with path:line."""
    path = root / FILE
    if not os.path.lexists(path):
        return []
    rel = FILE.as_posix()
    text, problem = read_text(rel, read_contained(root, rel, MAX_FILE_BYTES))
    if problem is not None:
        raise DataError([problem])
    if text is None:
        return []
    data, problem = parse(rel, text)
    if problem is not None:
        raise DataError([problem])
    log = ProblemLog()
    log.texts[rel] = text
    found = validate(DismissalsFile, data if data is not None else {}, rel, (), log)
    if found is None:
        raise DataError(log.located())
    return found.dismissals


def value_key(value: FactValue) -> float | str | dict[str, float]:
    """Return a value as a dismissal records it."""
    data = value_data(value)
    if isinstance(data, dict):
        return {str(k): float(v) for k, v in data.items() if isinstance(v, int | float)}
    if isinstance(data, int | float):
        return float(data)
    return str(data)


def _as_value(recorded: float | str | dict[str, float]) -> FactValue:
    if isinstance(recorded, dict):
        return Range(low=recorded.get("low", 0.0), high=recorded.get("high", 0.0))
    return recorded


def covering(dismissals: Sequence[Dismissal], item: FactOutcome, day: dt.date) -> Dismissal | None:
    """Return the dismissal that still covers an outcome's proposal, or None."""
    if item.outcome not in DISMISSABLE:
        return None
    for entry in reversed(dismissals):
        if entry.fact != item.fact_id or (entry.until is not None and day > entry.until):
            continue
        if same_value(_as_value(entry.value), item.new):
            return entry
    return None


def apply_dismissals(
    outcomes: Sequence[FactOutcome], dismissals: Sequence[Dismissal], day: dt.date
) -> list[FactOutcome]:
    """Return outcomes where each proposal a dismissal still covers is `dismissed`."""
    out = []
    for item in outcomes:
        entry = covering(dismissals, item, day)
        if entry is not None:
            note = f"dismissed {entry.date.isoformat()} by {entry.by}: {entry.reason}"
            if entry.until is not None:
                note += f" (until {entry.until.isoformat()})"
            item = replace(item, outcome="dismissed", reason=note, dismissal=entry.reason)
        out.append(item)
    return out


def write_dismissals(root: Path, dismissals: Sequence[Dismissal]) -> None:
    """Write data/dismissals.yml atomically (one flow mapping per entry, stable order)."""
    lines = [_HEADER.rstrip("\n"), "dismissals:"]
    for entry in dismissals:
        lines.append(f"  - {_flow(entry.model_dump(mode='json', exclude_none=True))}")
    if not dismissals:
        lines[-1] = "dismissals: []"
    (root / FILE).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(root / FILE, ("\n".join(lines) + "\n").encode("utf-8"))


def _flow(data: dict[str, Any]) -> str:
    """Return data as a YAML flow mapping; JSON strings are valid YAML scalars."""
    parts = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in data.items()]
    return "{" + ", ".join(parts) + "}"


def schema() -> dict[str, Any]:
    """Return the JSON Schema of data/dismissals.yml."""
    return DismissalsFile.model_json_schema()


def _with_groups(items: Sequence[Any], facts: Sequence[str]) -> list[str]:
    """Return facts and the proposing members of their groups: a group is dismissed whole."""
    groups = {i.group for i in items if i.fact_id in facts and i.group}
    members = [
        i.fact_id for i in items if i.group in groups and i.outcome in DISMISSABLE | {"dismissed"}
    ]
    return sorted({*facts, *members})


def dismiss_from_report(
    root: Path,
    folder: Path,
    facts: Sequence[str],
    *,
    reason: str,
    by: str,
    today: dt.date,
    until: dt.date | None = None,
) -> list[Dismissal]:
    """Record the report's proposals for facts as dismissed, under the data/ write lock."""
    from khub.check.accept import read_report
    from khub.disk.lock import data_lock
    from khub.errors import UsageError

    if not reason.strip():
        raise UsageError("--reason is empty: say why the proposal is not taken")
    if until is not None and until < today:
        raise UsageError(f"--until {until.isoformat()} is in the past")
    _, items = read_report(folder)
    by_id = {i.fact_id: i for i in items}
    added = []
    for fid in _with_groups(items, facts):
        item = by_id.get(fid)
        if item is None:
            raise UsageError(f"{fid}: not in the report")
        if item.outcome not in DISMISSABLE | {"dismissed"} or item.new is None:
            raise UsageError(f"{fid}: {item.outcome} in the report, no proposal to dismiss")
        sha = item.evidence.sha256 if item.evidence else None
        added.append(
            Dismissal(
                fact=fid,
                value=value_key(item.new),
                sha256=sha,
                reason=reason.strip(),
                by=by,
                date=today,
                until=until,
            )
        )
    with data_lock(root):
        known = load_dismissals(root)
        replaced = {(d.fact, json.dumps(d.value)) for d in added}
        kept = [d for d in known if (d.fact, json.dumps(d.value)) not in replaced]
        write_dismissals(root, [*kept, *added])
    return added
