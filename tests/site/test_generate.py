"""khub generate: atomic, incremental, and open to the other parts of the pipeline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from khub.cli.main import main
from khub.data.load import load
from khub.data.model import FactSet
from khub.disk.cachedir import cache_root
from khub.errors import DataError
from khub.site.generate import GenerateResult, generate
from tests.kit.hubs import TODAY, copy_hub
from tests.site.kit import without_widgets


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    return copy_hub(tmp_path / "hub")


def run(hub: Path, today: dt.date = TODAY, **kwargs: object) -> GenerateResult:
    factset, _ = load(hub, today=today, cache=False)
    return generate(hub, factset, today=today, **kwargs)  # type: ignore[arg-type]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_second_run_writes_nothing_and_renders_nothing(hub: Path) -> None:
    first = run(hub)
    assert first.rendered == ["alpha", "beta"]
    assert "assets/khub/khub.css" in first.written
    second = run(hub)
    assert (second.written, second.deleted, second.rendered) == ([], [], [])
    assert second.reused == ["alpha", "beta"]
    assert list((cache_root(hub) / "jinja").iterdir())


def test_one_fact_change_renders_only_pages_using_it(hub: Path) -> None:
    run(hub)
    edit(hub / "data" / "facts" / "bench.yml", "value: 88.6", "value: 89.1")
    result = run(hub)
    assert result.rendered == ["alpha"]
    assert result.reused == ["beta"]
    assert result.written == [
        "alpha.md",
        "api/v1/facts.json",
        "assets/hub/.search.json",  # the fact's search entry shows its value
        "facts/bench-score.md",
        "facts/derived.md",
    ]
    assert "[89.1%]" in (hub / "build" / "docs" / "alpha.md").read_text(encoding="utf-8")


def test_source_change_renders_pages_citing_it(hub: Path) -> None:
    run(hub)
    edit(hub / "data" / "sources.yml", "title: A cost study", "title: The cost study")
    result = run(hub)
    assert result.rendered == ["beta"]
    assert "“The cost study”" in (hub / "build" / "docs" / "beta.md").read_text(encoding="utf-8")


def test_partial_change_renders_again_but_writes_only_changed_bytes(hub: Path) -> None:
    run(hub)
    edit(hub / "templates" / "partials" / "note.md", "Figures below", "The figures below")
    result = run(hub)
    assert result.rendered == ["alpha", "beta"]
    assert result.written == ["beta.md"]


def test_staleness_flip_renders_again(hub: Path) -> None:
    run(hub, today=TODAY)
    assert "khub-stale" not in (hub / "build" / "docs" / "beta.md").read_text(encoding="utf-8")
    result = run(hub, today=dt.date(2026, 12, 1))
    assert result.rendered == ["alpha", "beta"]
    assert "khub-stale" in (hub / "build" / "docs" / "beta.md").read_text(encoding="utf-8")


def test_removed_module_and_stray_files_are_deleted(hub: Path) -> None:
    run(hub)
    (hub / "build" / "docs" / "stray" / "old.md").parent.mkdir()
    (hub / "build" / "docs" / "stray" / "old.md").write_text("old", encoding="utf-8")
    (hub / "content" / "beta.md").unlink()
    result = run(hub)
    assert result.deleted == ["beta.md", "feeds/beta.xml", "stray/old.md"]
    assert not (hub / "build" / "docs" / "stray").exists()


def test_failure_leaves_build_docs_untouched(hub: Path) -> None:
    run(hub)
    before = snapshot(hub / "build" / "docs")
    edit(hub / "data" / "facts" / "bench.yml", "value: 88.6", "value: 89.1")
    edit(hub / "content" / "beta.md", 'fact("costs.api"', 'fact("costs.apx"')
    with pytest.raises(DataError) as info:
        run(hub)
    assert str(info.value.problems[0]).startswith("content/beta.md:9: unknown fact 'costs.apx'")
    assert snapshot(hub / "build" / "docs") == before


def test_extension_points(hub: Path) -> None:
    calls: list[tuple[str, frozenset[str]]] = []

    def preamble(module: str, facts: frozenset[str]) -> str:
        calls.append((module, facts))
        return f'!!! info "What changed in this edition"\n    {len(facts)} facts in {module}.\n'

    def extra(factset: FactSet) -> dict[str, bytes]:
        return {"changelog.md": f"# Changelog\n\n{len(factset.facts)} facts.\n".encode()}

    helpers = {"calculator": lambda name: f'<div class="real-calc" data-name="{name}"></div>'}
    result = run(hub, helpers=helpers, module_preamble=preamble, extra_files=[extra])
    assert "changelog.md" in result.written
    alpha = (hub / "build" / "docs" / "alpha.md").read_text(encoding="utf-8")
    assert alpha.index("# Alpha module") < alpha.index("Model A solves") < alpha.index("!!! info")
    assert '<div class="real-calc" data-name="break-even"></div>' in alpha
    assert dict(calls)["beta"] == frozenset(
        {"costs.api", "costs.volume", "costs.tco", "prices.input"}
    )
    assert (
        (hub / "build" / "docs" / "changelog.md").read_text(encoding="utf-8").endswith("8 facts.\n")
    )


def test_changed_helper_output_renders_again(hub: Path) -> None:
    run(hub, helpers={"calculator": lambda name: f"<div>{name} v1</div>"})
    same = run(hub, helpers={"calculator": lambda name: f"<div>{name} v1</div>"})
    assert same.rendered == []
    changed = run(hub, helpers={"calculator": lambda name: f"<div>{name} v2</div>"})
    assert changed.rendered == ["alpha"]


@pytest.mark.parametrize(
    ("path", "message"),
    [("../escape.md", "leaves build/docs"), ("alpha.md", "would replace a generated page")],
)
def test_extra_files_cannot_escape_or_replace(hub: Path, path: str, message: str) -> None:
    with pytest.raises(DataError) as info:
        run(hub, extra_files=[lambda _fs: {path: b"x"}])
    assert message in str(info.value.problems[0])
    assert not (hub / "build").exists()


def test_cli_generate_and_build(hub: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(without_widgets(hub))
    monkeypatch.setenv("KHUB_TODAY", TODAY.isoformat())
    runner = CliRunner()
    result = runner.invoke(main, ["generate"])
    assert result.exit_code == 0, result.output
    assert "2 module(s) rendered" in result.output
    result = runner.invoke(main, ["build"])
    assert result.exit_code == 0, result.output
    assert (hub / "site" / "alpha" / "index.html").is_file()


def test_cli_reports_located_problems(hub: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(hub)
    (hub / "content" / "gamma.md").write_text(
        "---\ntitle: G\nmodule: gamma\nsummary: s\n---\n{{ fact('nope.nope') }}\n", "utf-8"
    )
    result = CliRunner().invoke(main, ["generate", "--today", "2026-07-01"])
    assert result.exit_code == 1
    assert "content/gamma.md:6: unknown fact 'nope.nope'" in result.output


def test_a_failing_check_or_an_input_label_renders_the_pages_showing_it_again(
    hub: Path,
) -> None:
    run(hub)
    (hub / "data" / "check-state.yml").write_text(
        "facts:\n  prices.input:\n    outcome: not-found\n    checked: 2026-06-30\n"
        "    failing_since: 2026-06-30\n",
        encoding="utf-8",
    )
    result = run(hub)
    assert sorted(result.rendered) == ["alpha", "beta"]  # both show prices.input
    alpha = (hub / "build" / "docs" / "alpha.md").read_text(encoding="utf-8")
    assert 'data-fact-id="prices.input"' in alpha and "not re-checked</span>" in alpha
    edit(hub / "data" / "facts" / "bench.yml", "label: Model B", "label: Model Beta")
    result = run(hub)
    assert result.rendered == ["alpha"]  # the lead's popover names Model Beta now
    alpha = (hub / "build" / "docs" / "alpha.md").read_text(encoding="utf-8")
    assert 'data-formula="Model A 88.6% \u2212 Model Beta 80.2%"' in alpha
