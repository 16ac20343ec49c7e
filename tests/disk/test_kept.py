"""KeptFiles: a kept value stands for its file only while the file is the one it came from."""

from __future__ import annotations

import os
from pathlib import Path

from khub.disk.atomic import write_atomic
from khub.disk.kept import KeptFiles


def _reader(path: Path, reads: list[str]) -> str:
    reads.append(path.name)
    return path.read_text(encoding="utf-8")


def test_a_file_is_read_once_while_it_stays_the_same(tmp_path: Path) -> None:
    path, reads, kept = tmp_path / "entries", [], KeptFiles()
    path.write_text("one", encoding="utf-8")
    assert kept.read(path, lambda: _reader(path, reads)) == "one"
    assert kept.read(path, lambda: _reader(path, reads)) == "one"
    assert reads == ["entries"]


def test_a_file_another_process_replaced_or_removed_is_read_again(tmp_path: Path) -> None:
    path, reads, kept = tmp_path / "entries", [], KeptFiles()
    path.write_text("one", encoding="utf-8")
    kept.read(path, lambda: _reader(path, reads))
    write_atomic(path, b"two", durable=False)  # a new file, as khub writes its caches
    assert kept.read(path, lambda: _reader(path, reads)) == "two"
    path.write_text("three!", encoding="utf-8")  # written in place, a new size
    assert kept.read(path, lambda: _reader(path, reads)) == "three!"
    path.unlink()
    assert kept.read(path, lambda: "none") == "none"
    assert reads == ["entries"] * 3


def test_a_value_written_stands_for_the_file_and_is_stored_at_flush(tmp_path: Path) -> None:
    path, kept = tmp_path / "entries", KeptFiles()
    path.write_text("old", encoding="utf-8")

    def store() -> None:
        write_atomic(path, b"new", durable=False)

    kept.write(path, "new", store)
    assert path.read_text(encoding="utf-8") == "old"  # not yet
    assert kept.read(path, lambda: "read from the file") == "new"
    kept.flush()
    assert path.read_text(encoding="utf-8") == "new"
    assert kept.read(path, lambda: "read from the file") == "new"  # the file it wrote


def test_a_write_that_stored_nothing_is_forgotten(tmp_path: Path) -> None:
    path, kept = tmp_path / "entries", KeptFiles()
    path.write_text("old", encoding="utf-8")
    kept.write(path, "new", lambda: None)  # best effort, and it did not land
    kept.flush()
    assert kept.read(path, lambda: path.read_text(encoding="utf-8")) == "old"

    def refused() -> None:
        raise PermissionError(13, "Permission denied", os.fspath(path))

    kept.write(path, "newer", refused)
    kept.flush()
    assert kept.read(path, lambda: path.read_text(encoding="utf-8")) == "old"
