"""write_atomic on real files: whole old or whole new, never a temporary left behind."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from khub.disk import atomic
from khub.disk.atomic import NEW_FILE_MODE, TEMP_SUFFIX, write_atomic


def _names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _failing_fsync(fd: int) -> None:
    raise OSError(errno.EIO, "Input/output error")


def test_a_new_file_gets_its_bytes_and_the_default_mode(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "er" / "report.json"
    write_atomic(target, b'{"ok": true}\n')
    assert target.read_bytes() == b'{"ok": true}\n'
    assert target.stat().st_mode & 0o777 == NEW_FILE_MODE
    assert _names(target.parent) == ["report.json"]


def test_a_replaced_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "prices.yml"
    target.write_bytes(b"a: 1\n")
    target.chmod(0o640)
    write_atomic(target, b"a: 2\n")
    assert target.read_bytes() == b"a: 2\n"
    assert target.stat().st_mode & 0o777 == 0o640
    assert _names(tmp_path) == ["prices.yml"]


def test_a_failure_mid_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "prices.yml"
    target.write_bytes(b"a: 1\n")
    monkeypatch.setattr(atomic.os, "fsync", _failing_fsync)
    with pytest.raises(OSError, match="Input/output error"):
        write_atomic(target, b"a: 2\n" * 10_000)
    assert target.read_bytes() == b"a: 1\n"
    assert _names(tmp_path) == ["prices.yml"]


def test_a_failure_before_the_first_write_creates_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(atomic.os, "fsync", _failing_fsync)
    with pytest.raises(OSError, match="Input/output error"):
        write_atomic(tmp_path / "new.yml", b"a: 1\n")
    assert _names(tmp_path) == []


def test_not_durable_skips_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic.os, "fsync", _failing_fsync)
    write_atomic(tmp_path / "cache", b"blob", durable=False)
    assert (tmp_path / "cache").read_bytes() == b"blob"
    assert _names(tmp_path) == ["cache"]


def test_exclusive_writes_a_file_that_does_not_exist(tmp_path: Path) -> None:
    target = tmp_path / "editions" / "2026-06.yml"
    write_atomic(target, b"first\n", exclusive=True)
    assert target.read_bytes() == b"first\n"
    assert target.stat().st_nlink == 1  # the temporary name is gone, only one name is left
    assert _names(target.parent) == ["2026-06.yml"]


def test_exclusive_refuses_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "2026-06.yml"
    target.write_bytes(b"first\n")
    with pytest.raises(FileExistsError):
        write_atomic(target, b"second\n", exclusive=True)
    assert target.read_bytes() == b"first\n"
    assert _names(tmp_path) == ["2026-06.yml"]


def test_exclusive_refuses_a_symlink_even_a_dangling_one(tmp_path: Path) -> None:
    target = tmp_path / "2026-06.yml"
    target.symlink_to(tmp_path / "elsewhere.yml")
    with pytest.raises(FileExistsError):
        write_atomic(target, b"second\n", exclusive=True)
    assert not (tmp_path / "elsewhere.yml").exists()
    assert _names(tmp_path) == ["2026-06.yml"]


def test_the_temporary_sits_beside_the_target_with_the_shared_suffix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[str] = []
    real_replace = os.replace

    def spy(src: str | Path, dst: str | Path) -> None:
        seen.append(Path(src).parent.name + "/" + Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", spy)
    write_atomic(tmp_path / "out" / "page.md", b"# page\n")
    assert len(seen) == 1
    folder, name = seen[0].split("/")
    assert folder == "out"
    assert name.startswith(".page.md.")
    assert name.endswith(TEMP_SUFFIX)
