"""safe_output_paths: many output paths checked at once, refused as safe_output_path refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from khub.disk.paths import safe_output_paths
from khub.errors import UnsafePathError

RELS = ["index.md", "facts/a.md", "facts/b.md", "api/v1/facts.json"]


def test_plain_paths_come_back_under_base(tmp_path: Path) -> None:
    (tmp_path / "facts").mkdir()
    paths = safe_output_paths(tmp_path, RELS, "build/docs")
    assert paths == {rel: tmp_path.joinpath(*rel.split("/")) for rel in RELS}


@pytest.mark.parametrize("rel", ["../outside.md", "/etc/passwd", "facts/../../x.md"])
def test_a_path_that_leaves_is_refused(tmp_path: Path, rel: str) -> None:
    with pytest.raises(UnsafePathError, match="a path that"):
        safe_output_paths(tmp_path, [*RELS, rel], "build/docs")


def test_a_symlinked_folder_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    base = tmp_path / "docs"
    base.mkdir()
    (base / "facts").symlink_to(outside, target_is_directory=True)
    with pytest.raises(UnsafePathError) as caught:
        safe_output_paths(base, RELS, "build/docs")
    assert caught.value.problem.path == "build/docs/facts"


def test_a_symlinked_file_is_refused(tmp_path: Path) -> None:
    base = tmp_path / "docs"
    (base / "facts").mkdir(parents=True)
    (base / "facts" / "b.md").symlink_to(tmp_path / "elsewhere.md")
    with pytest.raises(UnsafePathError, match="a symlink where khub writes"):
        safe_output_paths(base, RELS, "build/docs")
