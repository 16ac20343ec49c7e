"""History in the JSON API: the editions, each edition's frozen values, each fact's periods.

    api/v1/editions.json                    every edition: id, published date, sha256
    api/v1/editions/YYYY-MM/facts.json      the values frozen in one edition
    api/v1/facts/SERIES.json                each fact's value history, one file per series
                                            (derived facts: api/v1/facts/derived.json)
    api/v1/schema/*.schema.json             the JSON Schema of each of these files

The files are made from the pydantic models below, and the schemas from the same models,
so the two cannot disagree. SCHEMA_VERSION changes when a field changes meaning or goes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from khub.data.serialize import frozen_data
from khub.editions.store import Edition, FrozenFactRecord, edition_snapshot
from khub.render.cite import fact_anchor
from khub.render.escape import json_bytes

SCHEMA_VERSION = 1
API = "api/v1"
JsonValue = float | str | dict[str, Any] | None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EditionEntry(_Model):
    """One published edition."""

    id: str = Field(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="the edition's month")
    published: dt.date
    sha256: str = Field(description="sha256 of data/editions/ID.yml as published")
    previous: str | None = Field(description="the edition before, null for the first")
    facts: str = Field(description="path of this edition's facts.json, from the site's root")


class EditionsFile(_Model):
    """api/v1/editions.json: every edition, oldest first."""

    schema_version: int
    editions: list[EditionEntry]


class EditionFactsFile(_Model):
    """api/v1/editions/YYYY-MM/facts.json: the values frozen in one edition."""

    schema_version: int
    edition: str
    published: dt.date
    sha256: str
    facts: dict[str, FrozenFactRecord]  # the edition file's own record of a fact


class Period(_Model):
    """A stretch of editions in which a fact kept one value."""

    value: JsonValue
    unit: str
    since: str = Field(description="the edition that published this value")
    published: dt.date = Field(description="when that edition was published")
    until: str | None = Field(description="the last edition with this value; null: still current")
    as_of: dt.date = Field(description="as of date of the value in its first edition")
    status: str
    source: str | None
    permalink: str = Field(description="the fact in the `since` edition, from the site's root")


class FactHistory(_Model):
    """One fact's periods, oldest first."""

    label: str
    periods: list[Period]


class SeriesHistoryFile(_Model):
    """api/v1/facts/SERIES.json: the value history of every fact of one series."""

    schema_version: int
    series: str
    title: str | None = Field(
        default=None, description="the series' title as pages show it; null for derived facts"
    )
    facts: dict[str, FactHistory]


SCHEMAS: dict[str, type[BaseModel]] = {
    "editions": EditionsFile,
    "edition-facts": EditionFactsFile,
    "fact-history": SeriesHistoryFile,
}


def schema_path(name: str) -> str:
    """Return the build/docs path of a published JSON Schema."""
    return f"{API}/schema/{name}.schema.json"


def edition_facts_path(edition_id: str) -> str:
    """Return the build/docs path of an edition's frozen values."""
    return f"{API}/editions/{edition_id}/facts.json"


def history_files(
    editions: list[Edition], titles: Mapping[str, str] | None = None
) -> dict[str, bytes]:
    """Return every history file of the API and their schemas, by path in build/docs.

    titles: each series' title (from the working data), written beside its facts.
    """
    files = {
        schema_path(name): json_bytes(model.model_json_schema()) for name, model in SCHEMAS.items()
    }
    entries = []
    previous: str | None = None
    series: dict[str, dict[str, FactHistory]] = {}
    for edition in editions:
        entries.append(
            EditionEntry(
                id=edition.id,
                published=edition.record.published,
                sha256=edition.sha256,
                previous=previous,
                facts=edition_facts_path(edition.id),
            )
        )
        frozen = _frozen(edition)
        files[edition_facts_path(edition.id)] = _dump(frozen)
        _extend(series, edition, previous, frozen)
        previous = edition.id
    files[f"{API}/editions.json"] = _dump(
        EditionsFile(schema_version=SCHEMA_VERSION, editions=entries)
    )
    for sid, facts in series.items():
        title = (titles or {}).get(sid)
        record = SeriesHistoryFile(
            schema_version=SCHEMA_VERSION, series=sid, title=title, facts=facts
        )
        files[f"{API}/facts/{sid}.json"] = _dump(record)
    return files


def _dump(model: BaseModel) -> bytes:
    return json_bytes(model.model_dump(mode="json"))


def _frozen(edition: Edition) -> EditionFactsFile:
    snap = edition_snapshot(edition)
    facts = {fid: FrozenFactRecord.model_validate(frozen_data(s)) for fid, s in snap.facts.items()}
    return EditionFactsFile(
        schema_version=SCHEMA_VERSION,
        edition=edition.id,
        published=edition.record.published,
        sha256=edition.sha256,
        facts=facts,
    )


def _extend(
    series: dict[str, dict[str, FactHistory]],
    edition: Edition,
    previous: str | None,
    frozen: EditionFactsFile,
) -> None:
    """Add one edition to the periods: a new period where the value or unit changed."""
    for fid, state in frozen.facts.items():
        sid = fid.split(".", 1)[0] if "." in fid and state.formula is None else None
        page, anchor = fact_anchor(fid, sid)
        facts = series.setdefault(page, {})
        history = facts.get(fid)
        periods = list(history.periods) if history else []
        last = periods[-1] if periods else None
        unchanged = last is not None and (last.value, last.unit) == (state.value, state.unit)
        if last is None or last.until is not None or not unchanged:
            if last is not None and last.until is None:
                periods[-1] = last.model_copy(update={"until": previous})
            periods.append(
                Period(
                    value=state.value,
                    unit=state.unit,
                    since=edition.id,
                    published=edition.record.published,
                    until=None,
                    as_of=state.as_of,
                    status=state.status,
                    source=state.source,
                    permalink=f"editions/{edition.id}/facts/{page}/#{anchor}",
                )
            )
        facts[fid] = FactHistory(label=state.label or fid, periods=periods)
    _close_gone(series, frozen, previous)


def _close_gone(
    series: dict[str, dict[str, FactHistory]], frozen: EditionFactsFile, previous: str | None
) -> None:
    """End the open period of every fact this edition no longer holds."""
    for facts in series.values():
        for fid, history in facts.items():
            last = history.periods[-1]
            if fid not in frozen.facts and last.until is None:
                periods = [*history.periods[:-1], last.model_copy(update={"until": previous})]
                facts[fid] = history.model_copy(update={"periods": periods})
