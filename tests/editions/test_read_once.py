"""One build parses each edition file once; an edited or removed edition is read again."""

from __future__ import annotations

from pathlib import Path

import pytest

import khub.editions.store as store
from khub.editions.store import read_editions
from tests.kit.editions import three_editions


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    seen: list[str] = []
    original = store.read_edition

    def counted(root: Path, path: Path, log: store.ProblemLog) -> store.Edition | None:
        seen.append(path.name)
        return original(root, path, log)

    monkeypatch.setattr(store, "read_edition", counted)
    return seen


def test_the_editions_are_parsed_once_until_a_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = three_editions(tmp_path / "hub")
    seen = _counting(monkeypatch)
    first = read_editions(tmp_path / "hub")
    again = read_editions(tmp_path / "hub")
    assert [e.id for e in first] == ["2026-04", "2026-05", "2026-06"]
    assert again == first and len(seen) == 3
    text = paths[0].read_text(encoding="utf-8")
    paths[0].write_text(text + "# a comment\n", encoding="utf-8")
    assert [e.id for e in read_editions(tmp_path / "hub")] == [e.id for e in first]
    assert len(seen) == 6  # the edited file changed the key: all read again
    paths[-1].unlink()
    assert [e.id for e in read_editions(tmp_path / "hub")] == ["2026-04", "2026-05"]
    assert len(seen) == 8
