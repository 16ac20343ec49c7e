"""Which modules use which facts: what each page used when it rendered, never a text search."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from khub.cli import main
from khub.cli.site import run_generate, site_helpers
from khub.data.load import load
from khub.disk.cachedir import cache_root
from khub.editions.publish import publish
from khub.errors import DataError, UsageError
from khub.render.manifest import manifest_path
from khub.render.usage import module_usage, read_usage
from tests.kit.editions import edit_facts, make_hub

# A text search over the tags would say this page uses score.beta (named in a code block,
# which the page shows as it is) and miss price.alpha (its id is built in Jinja).
MODULE_C = """\
---
title: Module C
module: mod-c
summary: Prices by subject.
---
{% set subject = "alpha" %}
Alpha costs {{ fact("price." ~ subject) }}.

```jinja
{{ fact("score.beta") }}
```
"""

RENDERED = {
    "mod-a": frozenset({"score.alpha", "lead"}),
    "mod-b": frozenset({"price.alpha"}),
    "mod-c": frozenset({"price.alpha"}),
}


@pytest.fixture
def hub(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return the small hub with a third module whose tags a text search misreads."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KHUB_TODAY", "2026-06-30")
    make_hub(tmp_path)
    (tmp_path / "content" / "mod-c.md").write_text(MODULE_C)
    return tmp_path


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")}


def test_usage_without_a_manifest_renders_the_pages(hub: Path) -> None:
    factset, _ = load(hub)
    before = _files(hub)
    assert module_usage(hub, factset, helpers=site_helpers(factset)) == RENDERED
    assert _files(hub) == before
    assert not manifest_path(cache_root(hub)).exists()


def test_usage_reads_the_manifest_generate_wrote(hub: Path) -> None:
    run_generate(hub)
    recorded = read_usage(manifest_path(cache_root(hub)))
    assert recorded == RENDERED
    edit_facts(hub, "    alpha:\n      label: Alpha\n", "    gamma:\n      label: Alpha\n")
    factset, _ = load(hub)  # price.alpha is gone: mod-b and mod-c no longer render
    assert module_usage(hub, factset, helpers=site_helpers(factset)) == RENDERED


def test_usage_of_a_page_that_never_rendered_is_an_error(hub: Path) -> None:
    edit_facts(hub, "    alpha:\n      label: Alpha\n", "    gamma:\n      label: Alpha\n")
    factset, _ = load(hub)
    with pytest.raises(DataError) as caught:
        module_usage(hub, factset, helpers=site_helpers(factset))
    assert [str(p) for p in caught.value.problems] == [
        "content/mod-b.md:6: unknown fact 'price.alpha' (did you mean score.alpha, price.gamma?)",
        "content/mod-c.md:7: unknown fact 'price.alpha' (did you mean score.alpha, price.gamma?)",
    ]


def test_cli_diff_impact_is_the_rendered_usage(hub: Path) -> None:
    publish(hub, "2026-04", published=dt.date(2026, 4, 30))
    edit_facts(hub, "value: 5.0", "value: 4.0")
    edit_facts(hub, "value: 70.0", "value: 71.0")
    before = _files(hub)
    done = CliRunner().invoke(main, ["diff", "--format", "json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["impact"] == {
        "mod-a": ["lead"],
        "mod-b": ["price.alpha"],
        "mod-c": ["price.alpha"],
    }
    assert _files(hub) == before


def test_read_usage_takes_generate_manifest_or_a_plain_mapping(tmp_path: Path) -> None:
    path = tmp_path / "modules.json"
    path.write_text(json.dumps({"format": 1, "entries": {"m": {"facts": {"a.b": "f1", "c": ""}}}}))
    assert read_usage(path) == {"m": frozenset({"a.b", "c"})}
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
