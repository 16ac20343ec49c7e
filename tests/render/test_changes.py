"""The description of one change: the label rule, the % change text and the plain summary."""

from __future__ import annotations

from pathlib import Path

from khub.data.load import load
from khub.data.model import FrozenFact
from khub.editions.diff import diff
from khub.editions.store import edition_snapshot, read_editions
from khub.render.changes import ChangeRow, change_rows, reader_label, signed_percent


def _frozen(label: str) -> FrozenFact:
    return FrozenFact(
        value=1.0,
        unit="percent",
        as_of="2026-06-30",
        verified="2026-06-30",
        status="official",
        source=None,
        label=label,
    )


def test_a_bare_subject_gets_its_series_title(hub3: Path) -> None:
    factset, _ = load(hub3)
    assert reader_label("price.alpha", _frozen("Alpha"), factset) == (
        "Price per million tokens: Alpha"
    )


def test_a_label_that_repeats_the_series_stands_alone(hub3: Path) -> None:
    factset, _ = load(hub3)
    # "tokens" (plural or not) is in both the label and the series title "Price per million tokens"
    label = "Price of a million input tokens"
    assert reader_label("price.alpha", _frozen(label), factset) == label
    # short and common words do not count as repeating the title
    assert reader_label("price.alpha", _frozen("Per what"), factset) == (
        "Price per million tokens: Per what"
    )


def test_a_derived_fact_has_no_series_to_add(hub3: Path) -> None:
    factset, _ = load(hub3)
    assert reader_label("lead", _frozen("Lead of Alpha over Beta"), factset) == (
        "Lead of Alpha over Beta"
    )


def test_percent_text() -> None:
    assert signed_percent(0.025) == "+2.5%"
    assert signed_percent(-0.1) == "−10%"
    assert signed_percent(1.0) == "+100%"
    assert signed_percent(12.3456) == "+1,234.6%"
    assert signed_percent(None) is None


def test_rows_carry_old_new_percent_and_the_edition(hub3: Path) -> None:
    factset, _ = load(hub3)
    april, may, _june = (edition_snapshot(e) for e in read_editions(hub3))
    rows = {r.fact_id: r for r in change_rows(diff(april, may), factset)}
    alpha = rows["score.alpha"]
    assert (alpha.old, alpha.new, alpha.percent, alpha.edition) == (
        "80%",
        "82.5%",
        "+3.1%",
        "2026-05",
    )
    assert alpha.change == "80% → 82.5% (+3.1%)"
    assert (alpha.page, alpha.anchor) == ("facts/score.md", "alpha")


def test_the_plain_summary_of_each_kind() -> None:
    assert ChangeRow("a", "added", "A", new="5%").change == "new, 5%"
    assert ChangeRow("a", "removed", "A", old="5%").change == "no longer tracked (was 5%)"
    assert ChangeRow("a", "value", "A", old="1", new="2").change == "1 → 2"
    assert ChangeRow("a", "status-source", "A", detail="status x → y").change == "status x → y"
    assert ChangeRow("a", "details", "A").change == "details updated"
