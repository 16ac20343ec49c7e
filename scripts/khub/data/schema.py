"""JSON Schemas for the data files, generated from the record types."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from khub.calc.spec import CalculatorsFile
from khub.check.dismissals import DismissalsFile
from khub.check.state import CheckStateFile
from khub.data.decision_rules import RulesFile
from khub.data.model import DerivedFile, Series, Slug, Source
from khub.data.yamlio import MAX_FILE_BYTES
from khub.disk.atomic import write_atomic
from khub.disk.paths import read_contained, safe_output_path
from khub.errors import UnsafePathError

SCHEMA_DIR = Path("data") / "schema"
_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schemas() -> dict[str, dict[str, Any]]:
    """Return every data file kind's JSON Schema by file name."""
    kinds: dict[str, tuple[str, dict[str, Any]]] = {
        "facts.schema.json": (
            "khub facts file: series id → series",
            TypeAdapter(dict[Slug, Series]).json_schema(),
        ),
        "sources.schema.json": (
            "khub sources file: source id → citation",
            TypeAdapter(dict[Slug, Source]).json_schema(),
        ),
        "derived.schema.json": ("khub derived facts and claims", DerivedFile.model_json_schema()),
        "decision-rules.schema.json": (
            "khub decision rules of the decision helper",
            RulesFile.model_json_schema(),
        ),
        "calculators.schema.json": (
            "khub calculators: inputs, outputs and formulas",
            CalculatorsFile.model_json_schema(),
        ),
        "dismissals.schema.json": (
            "khub dismissed re-check proposals (khub dismiss)",
            DismissalsFile.model_json_schema(),
        ),
        "check-state.schema.json": (
            "khub last re-check of each fact (khub check --apply, khub accept)",
            CheckStateFile.model_json_schema(),
        ),
    }
    return {
        name: {"$schema": _DIALECT, "title": title, **body} for name, (title, body) in kinds.items()
    }


def render(schema: dict[str, Any]) -> str:
    """Return a schema as the exact text shipped in data/schema/."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def stale(root: Path) -> list[str]:
    """Return the schema files under root that differ from the model (or are missing)."""
    out: list[str] = []
    for name, schema in schemas().items():
        rel = (SCHEMA_DIR / name).as_posix()
        if not (root / rel).exists() or _read(root, rel) != render(schema):
            out.append((SCHEMA_DIR / name).as_posix())
    return out


def write(root: Path) -> list[str]:
    """Write every schema that changed; return the paths written."""
    written: list[str] = []
    for name in stale(root):
        path = safe_output_path(root, name, ".")
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, render(schemas()[path.name]).encode("utf-8"))
        written.append(name)
    return written


def _read(root: Path, rel: str) -> str:
    """Return a shipped schema's text, or '' when it is not a readable file (then rewritten)."""
    try:
        return read_contained(root, rel, MAX_FILE_BYTES).decode("utf-8", "replace")
    except UnsafePathError:
        return ""
