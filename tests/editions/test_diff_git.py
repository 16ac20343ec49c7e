"""`khub diff` against a git revision: no option smuggled into git, any file name read whole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from khub.cli.main import main
from tests.kit.git import commit_all
from tests.kit.tree import file_bytes


@pytest.mark.parametrize(
    "args",
    [
        ["diff", "--base=--output={out}"],
        ["diff", "--base", "--output={out}"],
        ["diff", "--", "--output={out}"],
        ["diff", "2026-04", "--", "--output={out}"],
    ],
)
def test_a_revision_that_reads_as_an_option_is_refused(
    hub3: Path, tmp_path: Path, args: list[str]
) -> None:
    commit_all(hub3, "publish")
    out = tmp_path.parent / f"{tmp_path.name}-written-by-git"
    before = file_bytes(hub3)
    done = CliRunner().invoke(main, [a.format(out=out) for a in args])
    assert (done.exit_code, done.output) == (
        2,
        f"error: git revision '--output={out}' starts with '-' or is empty "
        "(name a branch, tag or commit, such as origin/main or HEAD~1)\n",
    )
    assert isinstance(done.exception, SystemExit)
    assert not out.exists()
    assert file_bytes(hub3) == before


def test_a_data_file_with_a_space_in_its_name(hub3: Path) -> None:
    main_file = hub3 / "data/facts/main.yml"
    spaced = hub3 / "data/facts/main prices.yml"
    text = main_file.read_text()
    start = text.index("price:\n")
    main_file.write_text(text[:start])
    spaced.write_text(text[start:])
    commit_all(hub3, "prices in a file whose name has a space")
    spaced.write_text(spaced.read_text().replace("value: 5.0", "value: 6.0"))
    before = file_bytes(hub3)
    done = CliRunner().invoke(main, ["diff", "HEAD", "--format", "json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.output)
    changed = {c["id"]: (c["kind"], c["old"]["value"], c["new"]["value"]) for c in doc["facts"]}
    assert changed == {"price.alpha": ("value", 5.0, 6.0)}
    assert doc["from"] == "HEAD"
    assert file_bytes(hub3) == before


def test_an_unknown_revision_is_named(hub3: Path) -> None:
    commit_all(hub3, "publish")
    done = CliRunner().invoke(main, ["diff", "--base", "no-such-branch"])
    assert done.exit_code == 1
    assert done.output == (
        "error: git ls-tree failed: fatal: Not a valid object name no-such-branch\n"
    )
