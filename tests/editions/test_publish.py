"""Publishing editions: the happy path, the chain, and every refusal leaving data/ untouched."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from khub.cli.main import main
from khub.editions.publish import publish, write_new
from khub.editions.store import read_editions
from khub.editions.verify import verify
from khub.errors import DataError, KhubError, UsageError
from tests.kit.editions import edit_facts


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_three_editions_form_a_chain(hub3: Path) -> None:
    editions = verify(hub3)
    assert [e.id for e in editions] == ["2026-04", "2026-05", "2026-06"]
    assert editions[0].record.previous is None
    for before, after in itertools.pairwise(editions):
        assert after.record.previous is not None
        assert after.record.previous.edition == before.id
        blob = (hub3 / before.path).read_bytes()
        assert after.record.previous.sha256 == hashlib.sha256(blob).hexdigest()


def test_edition_freezes_every_fact_field(hub3: Path) -> None:
    data = yaml.safe_load((hub3 / "data/editions/2026-05.yml").read_text())
    assert data["published"] == "2026-05-31"
    assert data["facts"]["score.alpha"] == {
        "label": "Alpha | One",
        "value": 82.5,
        "unit": "percent",
        "as_of": "2026-05-20",
        "verified": "2026-05-20",
        "status": "independent",
        "source": "bench",
    }
    assert data["derived"]["lead"]["value"] == 12.5
    assert data["derived"]["lead"]["inputs"] == ["score.alpha", "score.beta"]
    assert data["claims"]["alpha-leads"]["holds"] is True
    assert data["sources"]["bench"]["url"] == "https://bench.example/board"
    assert data["notes"] == [
        {"module": "mod-a", "facts": ["score.alpha"], "text": "Alpha improved."}
    ]


def test_last_edition_records_the_acknowledged_false_claim(hub3: Path) -> None:
    last = read_editions(hub3)[-1]
    assert last.record.claims["alpha-leads"].holds is False
    assert last.record.notes[0].acknowledges == ["alpha-leads"]


def test_publishing_twice_is_refused(hub3: Path) -> None:
    before = _tree(hub3)
    with pytest.raises(KhubError, match=r"2026-06\.yml: edition 2026-06 is already published"):
        publish(hub3, "2026-06", published=dt.date(2026, 7, 1))
    assert _tree(hub3) == before


def test_an_earlier_month_is_refused(hub3: Path) -> None:
    before = _tree(hub3)
    with pytest.raises(KhubError, match="earlier than the last published edition 2026-06"):
        publish(hub3, "2026-03", published=dt.date(2026, 7, 1))
    assert _tree(hub3) == before


def test_a_bad_month_or_date_is_a_usage_error(hub: Path) -> None:
    with pytest.raises(UsageError, match="not a month"):
        publish(hub, "2026-6")
    with pytest.raises(UsageError, match="before its month starts"):
        publish(hub, "2026-07", published=dt.date(2026, 6, 30))
    assert not (hub / "data" / "editions").exists()


def test_a_false_claim_is_refused_unless_acknowledged(hub: Path) -> None:
    edit_facts(hub, "value: 70.0", "value: 78.0")
    with pytest.raises(DataError) as caught:
        publish(hub, "2026-06")
    assert "claim 'alpha-leads' does not hold" in str(caught.value.problems[0])
    assert "acknowledges: [alpha-leads]" in str(caught.value.problems[0])
    assert not (hub / "data" / "editions").exists()
    notes = hub / "notes.yml"
    notes.write_text("- module: mod-a\n  acknowledges: [alpha-leads]\n  text: Known; prose next.\n")
    assert publish(hub, "2026-06", notes_path=notes).is_file()


def test_notes_naming_unknown_things_are_refused_by_line(hub: Path) -> None:
    notes = hub / "notes.yml"
    notes.write_text(
        "- module: mod-a\n"
        "  text: fine\n"
        "- module: mod-z\n"
        "  text: no such module\n"
        "- module: mod-b\n"
        "  facts: [price.alpha, price.gamma]\n"
        "  acknowledges: [no-claim]\n"
        "  text: unknown fact\n"
        "- module: mod-b\n"
    )
    with pytest.raises(DataError) as caught:
        publish(hub, "2026-06", notes_path=notes)
    lines = [str(p) for p in caught.value.problems]
    assert any(line.startswith(f"{notes.as_posix()}:3: unknown module 'mod-z'") for line in lines)
    assert any(":6: unknown fact 'price.gamma'" in line for line in lines)
    assert any(":7: unknown claim 'no-claim'" in line for line in lines)
    assert any(":9:" in line and "'text'" in line for line in lines)
    assert not (hub / "data" / "editions").exists()


def test_invalid_data_writes_nothing(hub: Path) -> None:
    edit_facts(hub, "value: 5.0", "value: TBD")
    with pytest.raises(DataError) as caught:
        publish(hub, "2026-06")
    assert "data/facts/main.yml:" in str(caught.value.problems[0])
    assert not (hub / "data" / "editions").exists()


def test_publish_refuses_on_top_of_an_edited_edition(hub3: Path) -> None:
    path = hub3 / "data/editions/2026-06.yml"
    path.write_text(path.read_text().replace("value: 79.0", "value: 71.0"))
    before = _tree(hub3)
    with pytest.raises(DataError, match="error"):
        publish(hub3, "2026-07", published=dt.date(2026, 7, 31))
    assert _tree(hub3) == before


def test_cli_publish_list_and_refusals(hub: Path) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["edition", "publish", "2026-06", "--date", "2026-06-30"])
    assert done.exit_code == 0, done.output
    assert done.output == (
        "published edition 2026-06: data/editions/2026-06.yml (3 facts, 1 derived, 1 claims, "
        "0 notes; published 2026-06-30)\n"
    )
    again = runner.invoke(main, ["edition", "publish", "2026-06"])
    assert again.exit_code == 1
    assert "already published" in again.output
    listed = runner.invoke(main, ["editions", "list"])
    assert listed.output.startswith("2026-06\t2026-06-30\t3 facts\t0 notes\t")
    checked = runner.invoke(main, ["editions", "verify"])
    assert checked.exit_code == 0
    assert "ok: 1 edition(s) verified (2026-06)" in checked.output


def test_a_fact_verified_after_the_publication_date_is_refused(hub: Path) -> None:
    with pytest.raises(DataError) as caught:
        publish(hub, "2026-03", published=dt.date(2026, 3, 31))
    lines = [str(p) for p in caught.value.problems]
    assert lines[0] == (
        "data/facts/main.yml:10: score.alpha: verified 2026-04-01, after the publication date "
        "2026-03-31 (an edition cannot hold a confirmation from its future; check --date)"
    )
    assert len(lines) == 3
    assert not (hub / "data" / "editions").exists()


def test_a_racing_publish_never_overwrites(hub: Path) -> None:
    target = hub / "data" / "editions" / "2026-06.yml"
    write_new(target, b"first\n")
    with pytest.raises(KhubError, match="already exists; another publish got there first"):
        write_new(target, b"second\n")
    assert target.read_bytes() == b"first\n"
    assert [p.name for p in target.parent.iterdir()] == ["2026-06.yml"]  # no temporary left
