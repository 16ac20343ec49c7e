"""A load with khub.data.memo.LoadMemo equals a load without, and reuses unchanged records."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from khub.data.load import load
from khub.data.memo import LoadMemo
from khub.errors import DataError
from tests.kit.hubs import TODAY, copy_hub, replace_once


def _same(root: Path, memo: LoadMemo) -> None:
    with_memo, warnings = load(root, today=TODAY, memo=memo)
    without, expected = load(root, today=TODAY)
    assert with_memo.facts == without.facts
    assert with_memo.series == without.series and with_memo.sources == without.sources
    assert [str(p) for p in warnings] == [str(p) for p in expected]


def test_a_memo_load_equals_a_plain_one_before_and_after_an_edit(tmp_path: Path) -> None:
    root = copy_hub(tmp_path / "hub")
    memo = LoadMemo()
    _same(root, memo)
    first = load(root, today=TODAY, memo=memo)[0]
    replace_once(root / "data" / "facts" / "costs.yml", "value: 5\n", "value: 6\n")
    _same(root, memo)
    second = load(root, today=TODAY, memo=memo)[0]
    changed = {fid for fid, fact in second.facts.items() if fact.file.endswith("costs.yml")}
    for fid, fact in second.facts.items():
        if fact.derived:
            continue  # computed on every load
        kept = fact is first.facts[fid]
        assert kept == (fid not in changed), fid  # unchanged files give the very same objects


def test_a_record_with_errors_is_reported_on_every_load(tmp_path: Path) -> None:
    root = copy_hub(tmp_path / "hub")
    memo = LoadMemo()
    load(root, today=TODAY, memo=memo)
    replace_once(root / "data" / "facts" / "costs.yml", "value: 5\n", "value: five\n")
    for _ in range(2):
        with pytest.raises(DataError) as failed:
            load(root, today=TODAY, memo=memo)
        assert any("costs.yml" in str(p) for p in failed.value.problems)


def test_a_fact_s_own_checks_are_judged_against_each_load_s_day(tmp_path: Path) -> None:
    root = copy_hub(tmp_path / "hub")
    memo = LoadMemo()
    load(root, today=TODAY, memo=memo)  # 2026-07-01: the facts of 2026-06-30 are in the past
    for _ in range(2):  # what the memo kept of today's checks does not stand for another day
        with pytest.raises(DataError) as failed:
            load(root, today=dt.date(2026, 6, 29), memo=memo)
        assert any("2026-06-30 is in the future" in str(p) for p in failed.value.problems)
    _same(root, memo)  # and back on the first day, nothing is reported
    assert all("in the future" not in str(p) for p in load(root, today=TODAY, memo=memo)[1])


def test_a_fact_s_warning_is_reported_on_every_memo_load(tmp_path: Path) -> None:
    root = copy_hub(tmp_path / "hub")
    replace_once(root / "data" / "facts" / "costs.yml", "value: 5\n", "value: null\n")
    memo = LoadMemo()
    for _ in range(3):
        warnings = load(root, today=TODAY, memo=memo)[1]
        assert sum("value is unknown (null)" in str(p) for p in warnings) == 1
