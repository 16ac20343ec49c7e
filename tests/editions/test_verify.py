"""`khub editions verify`: any later edit to a published edition is found and named."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from khub.cli.main import main
from khub.editions.store import dump_edition, seal
from khub.editions.verify import verify
from khub.errors import DataError
from tests.kit.git import commit_all


def _errors(root: Path) -> list[str]:
    with pytest.raises(DataError) as caught:
        verify(root)
    return [str(p) for p in caught.value.problems]


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_shipped_style_chain_verifies(hub3: Path) -> None:
    assert len(verify(hub3)) == 3


def test_edit_to_a_middle_edition_breaks_the_chain(hub3: Path) -> None:
    _edit(hub3 / "data/editions/2026-05.yml", '"value": 82.5', '"value": 83.5')
    errors = _errors(hub3)
    assert any(
        e.startswith("data/editions/2026-05.yml:") and "edition 2026-05: 'facts' changed" in e
        for e in errors
    )
    assert any("edition 2026-05 changed after edition 2026-06 was published" in e for e in errors)


def test_edit_to_the_last_edition_is_found_by_its_content_hash(hub3: Path) -> None:
    _edit(hub3 / "data/editions/2026-06.yml", '"status": "vendor-reported"', '"status": "official"')
    errors = _errors(hub3)
    assert len(errors) == 1
    assert errors[0].startswith("data/editions/2026-06.yml:")
    assert "edition 2026-06: 'facts' changed after publication" in errors[0]


def test_git_names_the_exact_field_and_line(hub3: Path) -> None:
    commit_all(hub3, "publish")
    path = hub3 / "data/editions/2026-06.yml"
    _edit(path, '"value": 79.0', '"value": 71.0')
    commit_all(hub3, "sneaky edit, even committed")
    errors = _errors(hub3)
    line = next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if "71.0" in ln)
    assert errors == [
        f"data/editions/2026-06.yml:{line}: edition 2026-06: facts.score.beta.value changed after "
        f"publication: 79.0 → 71.0 (published editions are immutable; restore it: git checkout "
        f"{errors[0].split('git checkout ')[1].split(' ')[0]} -- data/editions/2026-06.yml)"
    ]


def test_git_catches_an_edit_that_also_rewrote_the_hashes(hub3: Path) -> None:
    commit_all(hub3, "publish")
    path = hub3 / "data/editions/2026-06.yml"
    data = yaml.safe_load(path.read_text())
    data["facts"]["score.beta"]["label"] = "Beta (forged)"
    path.write_bytes(dump_edition(seal(data)))
    errors = _errors(hub3)
    assert any("facts.score.beta.label changed after publication" in e for e in errors)


def test_without_git_a_resealed_last_edition_is_not_detectable(hub3: Path) -> None:
    path = hub3 / "data/editions/2026-06.yml"
    data = yaml.safe_load(path.read_text())
    data["facts"]["score.beta"]["label"] = "Beta (forged)"
    path.write_bytes(dump_edition(seal(data)))
    assert len(verify(hub3)) == 3  # the honest limit: only git or a later edition can tell


def test_comment_edit_in_a_committed_edition_is_named(hub3: Path) -> None:
    commit_all(hub3, "publish")
    path = hub3 / "data/editions/2026-04.yml"
    path.write_text(path.read_text() + "# a harmless-looking comment\n")
    errors = _errors(hub3)
    assert any("bytes differ from the published version" in e for e in errors)
    assert any("edition 2026-04 changed after edition 2026-05" in e for e in errors)


def test_an_edition_rewritten_as_block_yaml_still_reads(hub3: Path) -> None:
    path = hub3 / "data/editions/2026-05.yml"
    data = yaml.safe_load(path.read_text())
    before = path.read_bytes()
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    errors = _errors(hub3)  # same content, other bytes: only the chain can tell
    assert errors == [
        "data/editions/2026-05.yml:1: edition 2026-05 changed after edition 2026-06 was published "
        f"(its sha256 is {hashlib.sha256(path.read_bytes()).hexdigest()[:12]}…, 2026-06 recorded "
        f"{hashlib.sha256(before).hexdigest()[:12]}…) (published editions are immutable; restore "
        "the file from git)"
    ]


def test_corrupt_edition_file_is_reported_by_line(hub3: Path) -> None:
    path = hub3 / "data/editions/2026-05.yml"
    path.write_text(path.read_text().replace('"facts": {', '"facts": {{', 1))
    errors = _errors(hub3)
    assert errors[0].startswith("data/editions/2026-05.yml:")
    assert "YAML syntax error" in errors[0]


def test_a_missing_field_and_a_renamed_file_are_reported(hub3: Path) -> None:
    path = hub3 / "data/editions/2026-04.yml"
    _edit(path, '"published": "2026-04-30",\n', "")
    shutil.move(hub3 / "data/editions/2026-05.yml", hub3 / "data/editions/2026-07.yml")
    errors = _errors(hub3)
    assert any(e.startswith("data/editions/2026-04.yml:") and "'published'" in e for e in errors)
    assert any("file is named 2026-07 but holds edition 2026-05" in e for e in errors)


def test_a_deleted_edition_breaks_the_chain(hub3: Path) -> None:
    (hub3 / "data/editions/2026-05.yml").unlink()
    errors = _errors(hub3)
    assert any(
        "names 2026-05 as previous, but the edition before it is 2026-04" in e for e in errors
    )


def test_cli_verify_names_the_edition_and_exits_1(hub3: Path) -> None:
    _edit(hub3 / "data/editions/2026-06.yml", '"says": "Alpha leads', '"says": "Alpha trails')
    done = CliRunner().invoke(main, ["editions", "verify"])
    assert done.exit_code == 1
    assert "edition 2026-06: 'claims' changed after publication" in done.output


def test_no_editions_verifies(hub: Path) -> None:
    assert verify(hub) == []
