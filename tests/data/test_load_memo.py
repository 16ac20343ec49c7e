"""A load with khub.data.memo.LoadMemo equals a load without, and reuses unchanged records."""

from __future__ import annotations

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
