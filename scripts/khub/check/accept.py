"""Accept what was reviewed: write the values a check report recorded, fetching nothing.

`khub check --report DIR` records each proposal in DIR/check-report.json with the
fingerprint (sha256 of value and as_of) of the fact as it was in data/ when checked.
`accept_report` writes exactly those values under the data/ write lock, atomically, with a
history record each, and records the evidence in data/check-state.yml. It refuses the
whole request, writing nothing, when a fact changed in data/ since the report, when a
value fails validation, or when a group would be taken half.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khub.check.compare import value_problem
from khub.check.evidence import Evidence
from khub.check.outcomes import FactValue, fact_fingerprint
from khub.check.state import accepted_state, load_state, write_state
from khub.check.writeback import Update, apply_updates
from khub.data.model import FactSet, Range
from khub.disk.lock import OnWait, data_lock
from khub.errors import KhubError, UsageError

REPORT_FILE = "check-report.json"
ACCEPTABLE: frozenset[str] = frozenset({"changed", "filled", "rejected", "held", "dismissed"})
_BY_DEFAULT: frozenset[str] = frozenset({"changed", "filled"})


class AcceptError(KhubError):
    """A reviewed value cannot be written; nothing was."""

    exit_code = 1


@dataclass(frozen=True)
class Reviewed:
    """One outcome as the report recorded it."""

    fact_id: str
    outcome: str
    new: FactValue
    evidence: Evidence | None
    group: str | None
    data_sha256: str | None
    reason: str


@dataclass(frozen=True)
class Accepted:
    """What accepting wrote."""

    facts: list[str]
    files: list[str]


def read_report(folder: Path) -> tuple[dt.date, list[Reviewed]]:
    """Return the run date and the outcomes of DIR/check-report.json."""
    path = folder / REPORT_FILE
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        day = dt.date.fromisoformat(doc["date"])
        items = [_reviewed(item) for item in doc["outcomes"]]
    except FileNotFoundError:
        raise UsageError(f"{path}: no such report (run `khub check --report {folder}`)") from None
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise UsageError(f"{path}: not a khub check report ({error})") from None
    return day, items


def _reviewed(item: dict[str, Any]) -> Reviewed:
    evidence = item.get("evidence")
    return Reviewed(
        fact_id=str(item["fact"]),
        outcome=str(item["outcome"]),
        new=_value(item.get("new")),
        evidence=Evidence.from_json(evidence) if isinstance(evidence, dict) else None,
        group=item.get("group"),
        data_sha256=item.get("data_sha256"),
        reason=str(item.get("reason") or ""),
    )


def _value(data: Any) -> FactValue:
    if isinstance(data, dict) and set(data) == {"low", "high"}:
        return Range(low=float(data["low"]), high=float(data["high"]))
    if isinstance(data, bool) or data is None:
        return None
    if isinstance(data, int | float):
        return float(data)
    if isinstance(data, str):
        return data
    raise ValueError(f"unexpected value {data!r}")


def choose(items: Sequence[Reviewed], named: Sequence[str]) -> list[Reviewed]:
    """Return the outcomes to accept: named facts and their groups, or every safe proposal."""
    by_id = {i.fact_id: i for i in items}
    members: dict[str, list[Reviewed]] = {}
    for item in items:
        if item.group:
            members.setdefault(item.group, []).append(item)
    if named:
        chosen: dict[str, Reviewed] = {}
        for fid in named:
            found = by_id.get(fid)
            if found is None:
                raise UsageError(f"{fid}: not in the report")
            if found.outcome not in ACCEPTABLE:
                raise UsageError(f"{fid}: {found.outcome} in the report, no value to accept")
            chosen[fid] = found
            for other in members.get(found.group or "", []):
                if other.outcome != "confirmed":
                    chosen[other.fact_id] = other
        return [chosen[k] for k in sorted(chosen)]
    return [i for i in items if i.outcome in _BY_DEFAULT]


def accept_report(
    root: Path, folder: Path, named: Sequence[str], *, on_wait: OnWait | None = None
) -> Accepted:
    """Write the reviewed values of the chosen facts; raise AcceptError, writing nothing."""
    from khub.data.load import load

    day, items = read_report(folder)
    chosen = choose(items, named)
    if not chosen:
        return Accepted([], [])
    with data_lock(root, on_wait=on_wait):
        factset, _ = load(root)
        problems = [p for item in chosen if (p := refusal(item, factset))]
        if problems:
            raise AcceptError("nothing accepted:\n  " + "\n  ".join(problems))
        files = apply_updates(root, [_update(item, factset, day) for item in chosen])
        evidence = {item.fact_id: item.evidence for item in chosen}
        write_state(root, accepted_state(load_state(root), evidence, day))
    return Accepted([i.fact_id for i in chosen], files)


def refusal(item: Reviewed, factset: FactSet) -> str:
    """Return why a reviewed value cannot be written now, or ''."""
    fact = factset.facts.get(item.fact_id)
    if fact is None or fact.derived:
        return f"{item.fact_id}: no longer a fact in data/"
    if item.outcome not in ACCEPTABLE or item.new is None:
        return f"{item.fact_id}: the report has no value for it ({item.outcome}: {item.reason})"
    if item.data_sha256 != fact_fingerprint(fact.value, fact.as_of):
        return (
            f"{item.fact_id}: changed in data/ since the report (run `khub check --report` "
            "again and review the new report)"
        )
    problem = value_problem(fact, item.new, factset)
    return f"{item.fact_id}: {problem}" if problem else ""


def _update(item: Reviewed, factset: FactSet, day: dt.date) -> Update:
    fact = factset.facts[item.fact_id]
    fetched = min(item.evidence.fetched_at.date(), day) if item.evidence else day
    series, subject = fact.series or "", fact.id[len(fact.series or "") + 1 :]
    assert isinstance(item.new, float | Range | str)
    as_of = max(fetched, fact.as_of)
    verified = max(fetched, fact.verified)
    return Update(fact.id, fact.file, series, subject, "changed", verified, item.new, as_of)
