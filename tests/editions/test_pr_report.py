"""The text, JSON and Markdown reports, the Markdown checked by a CommonMark + GFM-tables parser."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from markdown_it.token import Token

from khub.check.evidence import Evidence
from khub.cli.main import main
from khub.data.model import FrozenFact
from khub.editions.diff import diff
from khub.editions.pr_report import load_evidence, render_markdown, render_text
from khub.editions.snapshot import ClaimState, Note, Snapshot, SourceRef
from khub.errors import UsageError
from tests.kit.editions import edit_facts
from tests.kit.git import commit_all

GFM = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _state(value: object, **over: object) -> FrozenFact:
    base: dict[str, object] = {
        "value": value,
        "unit": "percent",
        "as_of": "2026-06-01",
        "verified": "2026-06-01",
        "status": "independent",
        "source": "board",
        "label": "L",
    }
    base.update(over)
    return FrozenFact(**base)  # type: ignore[arg-type]


def _tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Return each table as rows of cell texts (header row first)."""
    tables: list[list[list[str]]] = []
    row: list[str] = []
    for i, tok in enumerate(tokens):
        if tok.type == "table_open":
            tables.append([])
        elif tok.type == "tr_open":
            row = []
        elif tok.type in ("th_open", "td_open"):
            row.append(tokens[i + 1].content)
        elif tok.type == "tr_close":
            tables[-1].append(row)
    return tables


def _links(tokens: list[Token]) -> list[str]:
    return [
        str(child.attrs["href"])
        for tok in tokens
        if tok.type == "inline"
        for child in tok.children or []
        if child.type == "link_open"
    ]


def _pair() -> tuple[Snapshot, Snapshot]:
    sources = {"board": SourceRef("Board | main", "https://board.example/x?a=1&b=2")}
    a = Snapshot(
        "origin/main",
        {
            "s.up": _state(80.0),
            "s.text": _state("old", unit="text"),
            "s.gone": _state(1.0),
            "s.seen": _state(5.0),
            "lead": _state(
                10.0,
                unit="points",
                status="derived",
                source=None,
                formula="s.up - 70",
                inputs=("s.up",),
            ),
        },
        {"c": ClaimState("Up leads by *five*.", "lead >= 5", True, ("lead",))},
        sources,
    )
    b = Snapshot(
        "working data",
        {
            "s.up": _state(84.0),
            "s.text": _state("a | b <script>", unit="text"),
            "s.new": _state(2.0, status="estimate"),
            "s.seen": _state(5.0, verified="2026-07-01"),
            "lead": _state(
                14.0,
                unit="points",
                status="derived",
                source=None,
                formula="s.up - 70",
                inputs=("s.up",),
            ),
        },
        {"c": ClaimState("Up leads by *five*.", "lead >= 5", False, ("lead",))},
        sources,
        notes=(Note("mod", "Checked the board.", ("s.up",)),),
    )
    return a, b


def test_markdown_report_renders_as_gfm_with_one_row_per_changed_fact() -> None:
    a, b = _pair()
    evidence = {
        "s.up": Evidence(
            "https://board.example/x",
            "https://board.example/x",
            200,
            dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC),
            "ab" * 32,
            "Up | 84.0 %",
        )
    }
    text = render_markdown(diff(a, b), {"mod": frozenset({"s.up", "lead"})}, a.sources, evidence)
    tokens = GFM.parse(text)
    headings = [tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open"]
    assert headings == [
        "Fact changes: origin/main → working data",
        "Impact",
        "Changed facts",
        "Editorial notes",
    ]
    assert headings.index("Impact") < headings.index("Changed facts")
    (table,) = _tables(tokens)
    assert table[0] == ["Fact", "Old", "New", "Change", "Source", "Evidence"]
    rows = {r[0]: r for r in table[1:]}
    assert set(rows) == {"`s.up`", "`s.text`", "`s.new`", "`s.gone`"}
    assert rows["`s.up`"][1:4] == ["80%", "84%", "+4 (+5%)"]
    assert rows["`s.new`"][3] == "added"
    assert rows["`s.gone`"][3] == "removed"
    assert "sha256 `abababababab`" in rows["`s.up`"][5]
    html = GFM.render(text)
    assert "<script>" not in html
    assert "<td>“a | b &lt;script&gt;”</td>" in html  # the pipe stays inside its cell
    assert 'href="https://board.example/x?a=1&amp;b=2"' in html
    assert "https://board.example/x" in _links(tokens)
    assert "<details><summary>Re-verified only" in text
    assert "Claim **`c`** holds → **does not hold**: Up leads by \\*five\\*." in text
    assert "Module **mod**: `lead`, `s.up`" in text
    assert "Derived **`lead`**:" in text and "because of `s.up`" in text


def test_markdown_without_evidence_has_no_evidence_column() -> None:
    a, b = _pair()
    (table,) = _tables(GFM.parse(render_markdown(diff(a, b), {}, a.sources)))
    assert table[0] == ["Fact", "Old", "New", "Change", "Source"]


def test_markdown_of_no_change_says_so() -> None:
    a, _ = _pair()
    text = render_markdown(diff(a, a))
    assert "no change" in text
    assert "<table>" not in GFM.render(text)


def test_text_report_lists_each_kind() -> None:
    a, b = _pair()
    text = render_text(diff(a, b), {"mod": frozenset({"s.up"})})
    assert text.splitlines()[0] == (
        "origin/main → working data: 3 facts changed (2 value, 0 status or source, "
        "1 re-verified only), 1 added, 1 removed, 1 derived fact changed, 1 claim flipped, "
        "1 editorial note"
    )
    assert "  + s.new: 2%" in text
    assert "  - s.gone: 1%" in text
    assert "  ~ s.up: 80% → 84%, change +4 (+5%)" in text
    assert "  = s.seen: verified 2026-06-01 → 2026-07-01" in text
    assert "because of s.up" in text
    assert "  * mod: s.up" in text


def test_evidence_report_of_another_shape_is_refused(tmp_path: Path) -> None:
    flat = tmp_path / "flat.json"
    flat.write_text(json.dumps({"s.up": {"url": "https://x.example/", "sha256": "f" * 64}}))
    with pytest.raises(UsageError) as caught:
        load_evidence(flat)
    assert str(caught.value) == f"{flat}: cannot read the evidence report: 'outcomes'"


def test_cli_diff_between_editions_in_every_format(hub3: Path) -> None:
    runner = CliRunner()
    text = runner.invoke(main, ["diff", "2026-04", "2026-06"])
    assert text.exit_code == 0, text.output
    assert "  ~ score.beta: 70% → 79%, change +9 (+12.9%)" in text.output
    doc = json.loads(runner.invoke(main, ["diff", "2026-05", "latest", "--format", "json"]).output)
    assert doc["counts"]["value"] == 1
    assert doc["claims"][0] == {
        "id": "alpha-leads",
        "says": "Alpha leads Beta by a clear margin.",
        "old": True,
        "new": False,
        "old_state": "holds",
        "new_state": "does not hold",
    }
    assert doc["impact"] == {"mod-a": ["lead"], "mod-b": ["price.alpha"]}
    assert runner.invoke(main, ["diff"]).output.endswith("no change\n")


def test_cli_diff_against_a_git_revision(hub3: Path) -> None:
    commit_all(hub3, "three editions")
    edit_facts(hub3, "value: 5.0", "value: 4.0")
    done = CliRunner().invoke(main, ["diff", "--base", "HEAD", "--format", "markdown"])
    assert done.exit_code == 0, done.output
    (table,) = _tables(GFM.parse(done.output))
    assert table[1][:4] == [
        "`price.alpha`",
        "5 USD per million tokens",
        "4 USD per million tokens",
        "−1 (−20%)",
    ]
    assert "Module **mod-b**: `price.alpha`" in done.output


def test_cli_diff_errors_are_clear(hub3: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(main, ["diff", "2026-01"])
    assert missing.exit_code == 1
    assert "no edition '2026-01' (editions: 2026-04, 2026-05, 2026-06)" in missing.output
    bad_rev = runner.invoke(main, ["diff", "no-such-rev"])
    assert bad_rev.exit_code == 1
    assert "error: git ls-tree failed" in bad_rev.output
    both = runner.invoke(main, ["diff", "--base", "HEAD", "2026-04", "2026-05"])
    assert both.exit_code == 2


def test_cli_diff_names_the_revision_of_broken_base_data(hub3: Path) -> None:
    edit_facts(hub3, "value: 5.0", "value: TBD")
    commit_all(hub3, "broken price")
    edit_facts(hub3, "value: TBD", "value: 5.0")
    done = CliRunner().invoke(main, ["diff", "--base", "HEAD"])
    assert done.exit_code == 1
    assert done.output.startswith("HEAD:data/facts/main.yml:")
    assert "expected a number" in done.output


def test_evidence_from_the_recheck_report(tmp_path: Path) -> None:
    from khub.check.report import render_json as check_json
    from khub.check.run import CheckRun, FactOutcome

    seen = Evidence(
        "https://board.example/x",
        "https://board.example/x/final",
        200,
        dt.datetime(2026, 7, 1, 9, 30, tzinfo=dt.UTC),
        "c" * 64,
        "Up 84.0",
    )
    run = CheckRun(
        dt.date(2026, 7, 1),
        (
            FactOutcome("s.up", "changed", 80.0, 84.0, seen, ""),
            FactOutcome("s.gone", "unreachable", 1.0, None, None, "timeout"),
        ),
        urls=1,
        from_cache=0,
        elapsed_s=0.1,
        max_jump=0.5,
    )
    report = tmp_path / "check-report.json"
    report.write_text(check_json(run))
    found = load_evidence(report)
    assert found == {"s.up": seen}  # check-report.json's evidence reads back as it was
    a, b = _pair()
    (table,) = _tables(GFM.parse(render_markdown(diff(a, b), {}, a.sources, found)))
    row = next(r for r in table if r[0] == "`s.up`")
    assert row[5].startswith("[fetched 2026-07-01](https://board.example/x/final), HTTP 200")


def test_impact_leaves_out_facts_only_re_verified() -> None:
    from khub.editions.pr_report import impact

    a, b = _pair()
    usage = {"mod": frozenset({"s.seen"}), "other": frozenset({"s.up", "s.seen"})}
    found = impact(diff(a, b), usage)
    assert found.modules == {"mod": (), "other": ("s.up",)}, "mod has notes, no moved fact"
    text = render_markdown(diff(a, b), {"only": frozenset({"s.seen"})}, a.sources)
    section = text.split("#### Impact", 1)[1].split("####", 1)[0]
    modules = [ln for ln in section.splitlines() if ln.startswith("- Module")]
    assert modules == ["- Module **mod**: editorial notes only"]
