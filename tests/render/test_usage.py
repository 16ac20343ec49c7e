"""Which modules use which facts: from content/*.md tags or the renderer's modules.json."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from khub.data.load import load
from khub.errors import UsageError
from khub.render.usage import read_usage, usage_from_content
from tests.kit.editions import make_hub


def test_usage_from_content_reads_fact_and_series_names(tmp_path: Path) -> None:
    make_hub(tmp_path)
    (tmp_path / "content" / "mod-c.md").write_text(
        '---\ntitle: C\n---\n{{ chart("score") }} and "price.alpha" outside a tag.\n'
    )
    factset, _ = load(tmp_path)
    assert usage_from_content(tmp_path, factset) == {
        "mod-a": frozenset({"score.alpha", "lead"}),
        "mod-b": frozenset({"price.alpha"}),
        "mod-c": frozenset({"score.alpha", "score.beta"}),
    }


def test_read_usage_takes_the_renderer_modules_json(tmp_path: Path) -> None:
    path = tmp_path / "modules.json"
    path.write_text(json.dumps({"modules": {"m": {"facts": ["a.b", "c"], "title": "M"}}}))
    assert read_usage(path) == {"m": frozenset({"a.b", "c"})}
    path.write_text(json.dumps({"m": ["a.b"]}))
    assert read_usage(path) == {"m": frozenset({"a.b"})}


def test_read_usage_refuses_a_bad_manifest(tmp_path: Path) -> None:
    path = tmp_path / "modules.json"
    path.write_text(json.dumps({"m": "a.b"}))
    with pytest.raises(UsageError, match="module 'm': expected a list of fact ids"):
        read_usage(path)
    path.write_text("{")
    with pytest.raises(UsageError, match="cannot read the usage manifest"):
        read_usage(path)
