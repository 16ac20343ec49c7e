"""Plain-data views of records, for JSON output, exports and editions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from khub.data.model import (
    Fact,
    FactSet,
    FrozenFact,
    HistoryEntry,
    JsonValue,
    Licence,
    Range,
    Reference,
    Source,
)


def value_data(value: float | Range | Licence | str | None) -> JsonValue:
    """Return a fact value as JSON-ready data."""
    if isinstance(value, Range):
        return {"low": value.low, "high": value.high}
    if isinstance(value, Licence):
        return value.model_dump()
    return value


def history_data(entry: HistoryEntry) -> dict[str, Any]:
    """Return one history record as JSON-ready data."""
    data: dict[str, Any] = {
        "value": value_data(entry.value),
        "from": entry.from_.isoformat(),
        "to": entry.to.isoformat(),
    }
    if entry.source:
        data["source"] = entry.source
    if entry.note:
        data["note"] = entry.note
    return data


def source_data(sid: str, source: Source) -> dict[str, Any]:
    """Return a source as JSON-ready data."""
    data = source.model_dump(mode="json", exclude_none=True)
    data["id"] = sid
    data.setdefault("url", None)
    return data


def freeze(fact: Fact) -> FrozenFact:
    """Return the frozen state of one loaded fact."""
    return FrozenFact(
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


def frozen_data(state: FrozenFact) -> dict[str, Any]:
    """Return a frozen fact as plain data: the entry an edition file stores."""
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


def frozen_from_data(data: Mapping[str, Any]) -> FrozenFact:
    """Return the frozen fact an edition entry holds (the inverse of frozen_data)."""
    formula = data.get("formula")
    return FrozenFact(
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


def fact_data(fact: Fact) -> dict[str, Any]:
    """Return the summary of one fact (what `khub facts --json` lists)."""
    return {"id": fact.id, **frozen_data(replace(freeze(fact), formula=None))}


def reference_data(ref: Reference) -> dict[str, Any]:
    """Return one reference as JSON-ready data (only the keys written, plus states)."""
    data = ref.model_dump(mode="json", exclude_none=True, exclude={"check", "states"})
    data["states"] = value_data(ref.states)
    if ref.check is not None:
        data["check"] = ref.check.data()
    return data


def agreement_data(fact: Fact, factset: FactSet) -> dict[str, Any]:
    """Return what the fact's references say: agreeing and differing sources, earned status."""
    from khub.data.agreement import judge, summary, tolerance_text

    agreement = judge(fact, factset.sources)
    return {
        "earned_status": agreement.earned,
        "agree": [r.source for r in agreement.agree],
        "differ": [r.source for r in agreement.differ],
        "silent": [r.source for r in agreement.silent],
        "independent": list(agreement.independent),
        "tolerance": tolerance_text(fact.unit),
        "summary": summary(fact, agreement),
    }


def fact_detail(fact: Fact, factset: FactSet) -> dict[str, Any]:
    """Return one fact in full: history, source record and, if derived, formula and inputs."""
    data = fact_data(fact)
    data["vendor"] = fact.vendor
    data["references"] = [reference_data(r) for r in fact.references]
    data["agreement"] = agreement_data(fact, factset) if fact.references else None
    data["series"] = fact.series
    data["file"] = fact.file
    data["note"] = fact.note
    data["history"] = [history_data(h) for h in fact.history]
    data["check"] = None if fact.check is None else fact.check.data()
    if fact.source and fact.source in factset.sources:
        data["source_record"] = source_data(fact.source, factset.sources[fact.source])
    if fact.derived:
        data["formula"] = fact.formula
        data["inputs"] = [fact_data(factset.facts[i]) for i in fact.inputs]
    return data
