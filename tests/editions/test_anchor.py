"""git's history anchors the editions: a deleted or replaced edition, even the latest, is named."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from khub.cli.main import main
from khub.editions.store import dump_edition, seal
from tests.kit.editions import three_editions
from tests.kit.git import commit_all, git

LATEST = "data/editions/2026-06.yml"
MIDDLE = "data/editions/2026-05.yml"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in root.rglob("*")
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


def _verify() -> Result:
    return CliRunner().invoke(main, ["editions", "verify"])


def _published(root: Path) -> str:
    """Commit the hub and return the abbreviated commit that published its editions."""
    commit_all(root, "publish three editions")
    return git(root, "rev-parse", "HEAD").strip()[:12]


def _missing(path: str, commit: str) -> str:
    return (
        f"{path}: published in commit {commit}, now missing "
        f"(restore it with git checkout {commit} -- {path})\n"
    )


def _forge(path: Path) -> None:
    """Rewrite an edition with another label and hashes recomputed to match."""
    data = yaml.safe_load(path.read_text())
    data["facts"]["score.beta"]["label"] = "Beta (forged)"
    path.write_bytes(dump_edition(seal(data)))


def _line(path: Path, text: str) -> int:
    return next(i for i, ln in enumerate(path.read_text().splitlines(), 1) if text in ln)


def test_committed_deletion_of_the_latest_edition_is_named(hub3: Path) -> None:
    commit = _published(hub3)
    git(hub3, "rm", "-q", LATEST)
    commit_all(hub3, "drop the latest edition")
    before = _tree(hub3)
    done = _verify()
    assert (done.exit_code, done.output) == (1, _missing(LATEST, commit))
    assert done.exception is None or isinstance(done.exception, SystemExit)
    assert _tree(hub3) == before


def test_uncommitted_deletion_of_the_latest_edition_is_named(hub3: Path) -> None:
    commit = _published(hub3)
    (hub3 / LATEST).unlink()
    done = _verify()
    assert (done.exit_code, done.output) == (1, _missing(LATEST, commit))
    assert "Traceback" not in done.output


def test_the_printed_command_restores_the_edition(hub3: Path) -> None:
    commit = _published(hub3)
    git(hub3, "rm", "-q", LATEST)
    commit_all(hub3, "drop the latest edition")
    git(hub3, "checkout", commit, "--", LATEST)
    done = _verify()
    assert done.exit_code == 0, done.output
    assert done.output == "ok: 3 edition(s) verified (2026-04, 2026-05, 2026-06)\n"


def test_a_deleted_middle_edition_is_named_before_the_broken_link(hub3: Path) -> None:
    commit = _published(hub3)
    git(hub3, "rm", "-q", MIDDLE)
    commit_all(hub3, "drop the middle edition")
    done = _verify()
    assert done.exit_code == 1
    lines = done.output.splitlines(keepends=True)
    assert lines[0] == _missing(MIDDLE, commit)
    assert lines[1].startswith(f"{LATEST}:")
    assert (
        "edition 2026-06 names 2026-05 as previous, but the edition before it is 2026-04"
        in (lines[1])
    )
    assert len(lines) == 2


def test_latest_edition_removed_then_added_again_resealed_is_named(hub3: Path) -> None:
    commit = _published(hub3)
    git(hub3, "rm", "-q", LATEST)
    commit_all(hub3, "drop the latest edition")
    removed = git(hub3, "rev-parse", "HEAD").strip()[:12]
    git(hub3, "checkout", commit, "--", LATEST)
    _forge(hub3 / LATEST)
    commit_all(hub3, "publish 2026-06 again")
    again = git(hub3, "rev-parse", "HEAD").strip()[:12]
    before = _tree(hub3)
    done = _verify()
    assert done.exit_code == 1
    line = _line(hub3 / LATEST, "Beta (forged)")
    top = _line(hub3 / LATEST, "{")
    assert done.output == (
        f"{LATEST}:{top}: edition 2026-06: replaced after publication: "
        f"published in commit {commit}, removed in commit {removed} "
        f"and added again in commit {again} "
        f"(restore it with git checkout {commit} -- {LATEST})\n"
        f"{LATEST}:{line}: edition 2026-06: facts.score.beta.label changed after publication: "
        f'"Beta" → "Beta (forged)" (published editions are immutable; restore it: '
        f"git checkout {commit} -- {LATEST})\n"
    )
    assert _tree(hub3) == before


def test_removed_and_added_again_unchanged_verifies(hub3: Path) -> None:
    commit = _published(hub3)
    git(hub3, "rm", "-q", LATEST)
    commit_all(hub3, "drop the latest edition")
    git(hub3, "checkout", commit, "--", LATEST)
    commit_all(hub3, "bring it back as it was")
    done = _verify()
    assert (done.exit_code, done.output) == (
        0,
        "ok: 3 edition(s) verified (2026-04, 2026-05, 2026-06)\n",
    )


def test_a_hub_in_a_subfolder_of_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = tmp_path / "repo" / "hub"
    hub.mkdir(parents=True)
    monkeypatch.chdir(hub)
    monkeypatch.setenv("KHUB_TODAY", "2026-06-30")
    three_editions(hub)
    commit_all(tmp_path / "repo", "a hub one folder down")
    commit = git(hub, "rev-parse", "HEAD").strip()[:12]
    assert _verify().exit_code == 0
    _forge(hub / LATEST)
    line = _line(hub / LATEST, "Beta (forged)")
    done = _verify()
    assert done.exit_code == 1
    assert done.output.startswith(
        f"{LATEST}:{line}: edition 2026-06: facts.score.beta.label changed after publication"
    )
    (hub / LATEST).unlink()
    assert _verify().output == _missing(LATEST, commit)


def test_editions_not_yet_committed_are_not_anchored(hub3: Path) -> None:
    git(hub3, "init", "-q", "-b", "main")
    git(hub3, "add", "data/facts", "data/sources.yml")
    git(hub3, "commit", "-q", "-m", "facts only")
    (hub3 / LATEST).unlink()  # never committed: only its own hashes and the chain can tell
    done = _verify()
    assert (done.exit_code, done.output) == (0, "ok: 2 edition(s) verified (2026-04, 2026-05)\n")
