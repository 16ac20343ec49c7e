"""Round-trip writes of data files: formatting kept, atomic, validated, restored on failure."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from khub.check import writeback as write
from khub.check.writeback import Update, WriteError, apply_updates, edit_text
from khub.data.load import load
from khub.data.model import Range
from tests.kit.checkhub import HUB_CHECK, copy_check_hub
from tests.kit.paths import REPO

DAY = dt.date(2026, 7, 15)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return copy_check_hub(tmp_path / "hub", "http://127.0.0.1:9", "http://127.0.0.1:9")


def _change(fid: str, file: str, value: float | Range | str) -> Update:
    series, subject = fid.split(".", 1)
    return Update(fid, file, series, subject, "changed", DAY, value, DAY)


def _confirm(fid: str, file: str) -> Update:
    series, subject = fid.split(".", 1)
    return Update(fid, file, series, subject, "confirmed", DAY)


def test_every_fixture_and_seed_file_round_trips_unchanged() -> None:
    repo = REPO
    files = [*HUB_CHECK.rglob("*.yml"), *(repo / "data" / "facts").glob("*.yml")]
    assert len(files) >= 8
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert edit_text(text, []) == text, path


def test_no_update_leaves_every_byte_and_mtime(root: Path) -> None:
    facts = sorted((root / "data" / "facts").glob("*.yml"))
    stamps = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in facts}
    confirmed_today = [
        Update(
            "retries.after-500",
            "data/facts/retries.yml",
            "retries",
            "after-500",
            "confirmed",
            dt.date(2026, 6, 30),
        )
    ]
    assert apply_updates(root, []) == []
    assert apply_updates(root, confirmed_today) == []
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in facts} == stamps


def test_change_of_a_range_and_of_text(root: Path) -> None:
    path = root / "data" / "facts" / "values.yml"
    text = path.read_text(encoding="utf-8")
    new = edit_text(
        text,
        [_change("licence.governing-law", "data/facts/values.yml", "the laws of Ireland")],
    )
    assert "      value: the laws of Ireland\n" in new
    assert (
        "        - {value: the laws of the State of California, from: 2026-06-30, "
        "to: 2026-07-15}\n" in new
    )
    ranged = edit_text(
        "s:\n  title: t\n  unit: multiplier\n  source: x\n  facts:\n    a:\n"
        "      value: {low: 3, high: 5}\n      as_of: 2026-06-30\n      verified: 2026-06-30\n"
        "      status: estimate\n",
        [Update("s.a", "f", "s", "a", "changed", DAY, Range(low=3, high=6), DAY)],
    )
    assert "      value: {low: 3, high: 6}\n" in ranged
    assert "        - {value: {low: 3, high: 5}, from: 2026-06-30, to: 2026-07-15}\n" in ranged


def test_second_change_appends_to_history(root: Path) -> None:
    file = "data/facts/prices.yml"
    apply_updates(root, [_change("api-price.sonnet-input", file, 3.5)])
    later = dt.date(2026, 8, 1)
    apply_updates(
        root,
        [
            Update(
                "api-price.sonnet-input",
                file,
                "api-price",
                "sonnet-input",
                "changed",
                later,
                3.25,
                later,
            )
        ],
    )
    fact = load(root, cache=False)[0].facts["api-price.sonnet-input"]
    assert fact.value == 3.25
    assert [(h.value, h.from_, h.to) for h in fact.history] == [
        (3.0, dt.date(2026, 6, 30), DAY),
        (3.5, DAY, later),
    ]


def test_invalid_value_is_refused_before_anything_is_written(root: Path) -> None:
    before = {p: p.read_bytes() for p in (root / "data").rglob("*.yml")}
    updates = [
        _confirm("api-price.sonnet-input", "data/facts/prices.yml"),
        _change("faults.tenfold", "data/facts/faults.yml", 5000.0),  # bound is 100
    ]
    with pytest.raises(WriteError, match="above its bound 100"):
        apply_updates(root, updates)
    assert {p: p.read_bytes() for p in (root / "data").rglob("*.yml")} == before
    assert not list((root / "data").rglob("*.tmp"))


def test_failure_half_way_restores_the_files_already_written(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = {p: p.read_bytes() for p in (root / "data").rglob("*.yml")}
    real = write.write_atomic
    calls: list[Path] = []

    def fail_second(path: Path, data: bytes) -> None:
        calls.append(path)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real(path, data)

    monkeypatch.setattr(write, "write_atomic", fail_second)
    updates = [
        _confirm("api-price.sonnet-input", "data/facts/prices.yml"),
        _confirm("retries.after-500", "data/facts/retries.yml"),
    ]
    with pytest.raises(WriteError, match="originals restored"):
        apply_updates(root, updates)
    assert {p: p.read_bytes() for p in (root / "data").rglob("*.yml")} == before


def test_unknown_fact_is_an_error(root: Path) -> None:
    with pytest.raises(WriteError, match="not in this file"):
        apply_updates(root, [_confirm("api-price.nothing", "data/facts/prices.yml")])


def test_replace_keeps_the_file_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.yml"
    target.write_text("a: 1\n")
    target.chmod(0o640)
    write.write_atomic(target, b"a: 2\n")
    assert target.read_bytes() == b"a: 2\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir()] == ["a.yml"]


def test_seed_data_accepts_a_change(tmp_path: Path) -> None:
    repo = REPO
    shutil.copytree(repo / "data", tmp_path / "data")
    file = "data/facts/prices.yml"
    written = apply_updates(tmp_path, [_change("api-input-price.claude-sonnet-4-6", file, 3.3)])
    assert written == [file]
    fact = load(tmp_path, cache=False)[0].facts["api-input-price.claude-sonnet-4-6"]
    assert (fact.value, fact.as_of, fact.verified) == (3.3, DAY, DAY)


def test_updates_never_move_dates_backwards(root: Path) -> None:
    from khub.check.apply import updates_for
    from khub.check.run import CheckRun, Evidence, FactOutcome

    factset, _ = load(root, cache=False)
    early = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    evidence = Evidence("http://x/", "http://x/", 200, early, "0" * 64)
    outcomes = (
        FactOutcome("api-price.sonnet-input", "confirmed", 3.0, 3.0, evidence, ""),
        FactOutcome("api-price.haiku-input", "changed", 0.9, 1.0, evidence, "", early.date()),
    )
    run = CheckRun(early.date(), outcomes, 1, 0, 0.1, 0.5)
    updates = updates_for(run, factset)
    assert [(u.fact_id, u.kind, u.as_of, u.verified) for u in updates] == [
        ("api-price.haiku-input", "changed", dt.date(2026, 6, 30), dt.date(2026, 6, 30))
    ]
