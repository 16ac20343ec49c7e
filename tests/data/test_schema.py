"""The shipped JSON Schemas match the model, and the shipped data matches the schemas."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from khub.data import schema
from khub.data.files import discover
from tests.kit.paths import REPO

SCHEMA_OF = {
    "facts": "facts.schema.json",
    "sources": "sources.schema.json",
    "derived": "derived.schema.json",
    "rules": "decision-rules.schema.json",
    "calculators": "calculators.schema.json",
}


def test_shipped_schemas_match_the_model() -> None:
    assert schema.stale(REPO) == [], "run `khub schema` and commit data/schema/"


def test_a_model_change_is_detected(tmp_path: Path) -> None:
    schema.write(tmp_path)
    target = tmp_path / "data" / "schema" / "facts.schema.json"
    target.write_text(target.read_text().replace('"percent"', '"percentage"'))
    assert schema.stale(tmp_path) == ["data/schema/facts.schema.json"]


@pytest.mark.parametrize("kind,path", discover(REPO), ids=lambda v: str(v))
def test_data_file_names_its_schema_and_matches_it(kind: str, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    ref = (path.parent / first.split("$schema=", 1)[1]).resolve()
    assert ref == (REPO / "data" / "schema" / SCHEMA_OF[kind]).resolve()
    document = json.loads(ref.read_text(encoding="utf-8"))
    data = yaml.load(text, Loader=yaml.CSafeLoader)  # dates as dates: schema checks strings
    jsonschema.validate(json.loads(json.dumps(data, default=str)), document)


def test_schema_rejects_what_the_loader_rejects() -> None:
    document = json.loads((REPO / "data/schema/facts.schema.json").read_text())
    bad = {"s": {"title": "t", "unit": "furlongs", "facts": {}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, document)
