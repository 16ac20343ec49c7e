"""One frozen fact shape: the working data, a git revision and an edition all snapshot to it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from khub.data.load import load
from khub.data.model import FrozenFact
from khub.data.serialize import fact_data, freeze, frozen_data, frozen_from_data
from khub.editions.diff import diff
from khub.editions.snapshot import from_factset, from_git
from khub.editions.store import FrozenFactRecord, edition_snapshot, read_editions
from tests.kit.git import commit_all


def test_the_file_record_has_the_fields_of_the_frozen_fact() -> None:
    fields = {f.name for f in dataclasses.fields(FrozenFact)}
    assert set(FrozenFactRecord.model_fields) == fields


def test_a_published_edition_snapshots_to_the_data_it_froze(hub3: Path) -> None:
    commit_all(hub3, "three editions")
    factset, _ = load(hub3)
    latest = edition_snapshot(read_editions(hub3)[-1])
    working = from_factset(factset)
    assert latest.facts == working.facts == from_git(hub3, "HEAD").facts
    assert diff(latest, working).empty
    assert all(type(s) is FrozenFact for s in latest.facts.values())


def test_frozen_data_reads_back_to_the_same_frozen_fact(hub: Path) -> None:
    factset, _ = load(hub)
    for fact in factset.facts.values():
        assert frozen_from_data(frozen_data(freeze(fact))) == freeze(fact)
    lead = frozen_data(freeze(factset.facts["lead"]))
    assert (lead["formula"], lead["inputs"]) == (
        "score.alpha - score.beta",
        ["score.alpha", "score.beta"],
    )


def test_the_facts_summary_is_the_frozen_entry_with_its_id(hub: Path) -> None:
    factset, _ = load(hub)
    assert fact_data(factset.facts["price.alpha"]) == {
        "id": "price.alpha",
        "label": "Alpha",
        "value": 5.0,
        "unit": "usd_per_mtok",
        "as_of": "2026-04-01",
        "verified": "2026-04-01",
        "status": "official",
        "source": "prices",
    }
    assert list(fact_data(factset.facts["lead"])) == [
        "id",
        "label",
        "value",
        "unit",
        "as_of",
        "verified",
        "status",
        "source",
    ]
