"""data/check-state.yml: per fact, the last check's date, and since when it fails.

A check that read the value records only its date (and, when it wrote a value, the page
and sha256 the value came from); a failed one records its outcome, reason and since when
the checks fail. Two runs on one day that find the same thing write the same bytes.

Written by `khub check --apply` and `khub accept` (a report-only run writes nothing under
data/). A fact whose check failed (not-found, unreachable, ambiguous) keeps its last good
value; its entry says since when it could not be re-checked, and pages say so.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from khub.check.evidence import Evidence
from khub.check.outcomes import FAILED, FactOutcome
from khub.data.problems import ProblemLog
from khub.data.record_errors import validate
from khub.data.yamlio import MAX_FILE_BYTES, parse, read_text
from khub.disk.atomic import write_atomic
from khub.disk.paths import read_contained
from khub.errors import DataError

FILE = Path("data") / "check-state.yml"
_HEADER = (
    "# yaml-language-server: $schema=schema/check-state.schema.json\n"
    "# Written by `khub check --apply` and `khub accept`: the last check of each fact.\n"
    "# failing_since: the first of the checks in a row that could not read the value.\n"
)


class FactCheckState(BaseModel):
    """The last check of one fact."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: str | None = Field(
        default=None, description="the last check's outcome when it failed (none when it read)"
    )
    checked: dt.date = Field(description="when it was last checked")
    failing_since: dt.date | None = Field(default=None, description="first failed check in a row")
    reason: str | None = Field(default=None, description="why the last check failed")
    url: str | None = Field(default=None, description="the page the accepted value came from")
    sha256: str | None = Field(default=None, description="sha256 of that page")
    fetched_at: str | None = Field(default=None, description="when that page was fetched")


class CheckStateFile(BaseModel):
    """The file data/check-state.yml."""

    model_config = ConfigDict(extra="forbid")

    facts: dict[str, FactCheckState] = Field(default_factory=dict)


def load_state(root: Path) -> dict[str, FactCheckState]:
    """Read data/check-state.yml (empty when absent); raise DataError with path:line."""
    path = root / FILE
    if not os.path.lexists(path):
        return {}
    rel = FILE.as_posix()
    text, problem = read_text(rel, read_contained(root, rel, MAX_FILE_BYTES))
    if problem is not None:
        raise DataError([problem])
    if text is None:
        return {}
    data, problem = parse(rel, text)
    if problem is not None:
        raise DataError([problem])
    log = ProblemLog()
    log.texts[rel] = text
    found = validate(CheckStateFile, data if data is not None else {}, rel, (), log)
    if found is None:
        raise DataError(log.located())
    return found.facts


def updated_state(
    known: Mapping[str, FactCheckState], outcomes: Iterable[FactOutcome], day: dt.date
) -> dict[str, FactCheckState]:
    """Return the state after outcomes checked on day."""
    state = dict(known)
    for item in outcomes:
        before = state.get(item.fact_id)
        if item.outcome in FAILED:
            since = before.failing_since if before and before.failing_since else day
            state[item.fact_id] = FactCheckState(
                outcome=item.outcome, checked=day, failing_since=since, reason=item.reason
            )
        else:
            state[item.fact_id] = _good(item.outcome, day, item.evidence, before)
    return state


def _good(
    outcome: str, day: dt.date, evidence: Evidence | None, before: FactCheckState | None
) -> FactCheckState:
    if evidence is None or outcome not in ("changed", "filled", "accepted"):
        kept = before.model_dump(include={"url", "sha256", "fetched_at"}) if before else {}
        return FactCheckState(checked=day, **kept)
    return FactCheckState(
        checked=day,
        url=evidence.final_url,
        sha256=evidence.sha256,
        fetched_at=evidence.fetched_at.isoformat(timespec="seconds"),
    )


def accepted_state(
    known: Mapping[str, FactCheckState], accepted: Mapping[str, Evidence | None], day: dt.date
) -> dict[str, FactCheckState]:
    """Return the state after `khub accept` wrote the values of these facts."""
    state = dict(known)
    for fid, evidence in accepted.items():
        state[fid] = _good("accepted", day, evidence, state.get(fid))
    return state


def write_state(root: Path, state: Mapping[str, FactCheckState]) -> None:
    """Write data/check-state.yml atomically, one flow mapping per fact, sorted."""
    lines = [_HEADER.rstrip("\n"), "facts:" if state else "facts: {}"]
    for fid in sorted(state):
        data = state[fid].model_dump(mode="json", exclude_none=True)
        lines.append(f"  {json.dumps(fid)}: {_flow(data)}")
    (root / FILE).parent.mkdir(parents=True, exist_ok=True)
    write_atomic(root / FILE, ("\n".join(lines) + "\n").encode("utf-8"))


def _flow(data: dict[str, Any]) -> str:
    return (
        "{" + ", ".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in data.items()) + "}"
    )


def schema() -> dict[str, Any]:
    """Return the JSON Schema of data/check-state.yml."""
    return CheckStateFile.model_json_schema()
