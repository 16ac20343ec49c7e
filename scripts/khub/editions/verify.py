"""Verify the editions: each file against its own hashes, the chain, and git's history."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khub.data.problems import ProblemLog
from khub.editions.git import GitError, changes, file_at, is_repository
from khub.editions.store import (
    EDITIONS_DIR,
    SECTIONS,
    Edition,
    PreviousRef,
    canonical_sha256,
    edition_paths,
    is_month,
    parse_edition,
    read_edition,
    read_edition_bytes,
    section_hashes,
    unsealed,
)
from khub.errors import DataError


def verify(root: Path | str = ".") -> list[Edition]:
    """Check every edition and the chain; return them, or raise DataError naming each change.

    In a git repository the history anchors the chain: the first version git ever saw of
    an edition file is its published version, and every edition any commit had must
    still exist, so neither deleting nor replacing the latest edition goes unseen.
    """
    root = Path(root)
    log = ProblemLog()
    history = edition_history(root)
    editions = [e for e in (read_edition(root, p, log) for p in edition_paths(root)) if e]
    for edition in editions:
        _check_content(root, edition, history.get(edition.path), log)
    _check_missing(root, history, log)
    _check_chain(editions, log)
    if log.has_errors:
        raise DataError(log.located())
    return editions


@dataclass(frozen=True)
class FileHistory:
    """What git's history holds of one edition file: the commits that added and removed it."""

    path: str
    added: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def published(self) -> str:
        """Return the commit that first added the file: its publication."""
        return self.added[0]


def edition_history(root: Path) -> dict[str, FileHistory]:
    """Return the history of every edition file HEAD's history ever had; {} outside git."""
    if not is_repository(root):
        return {}
    try:
        found = changes(root, f"{EDITIONS_DIR}/")
    except GitError:
        return {}
    added: dict[str, list[str]] = {}
    removed: dict[str, list[str]] = {}
    for change in found:
        name = change.path.removeprefix(f"{EDITIONS_DIR}/")
        if "/" in name or not name.endswith(".yml") or not is_month(name[: -len(".yml")]):
            continue
        (added if change.status == "A" else removed).setdefault(change.path, []).append(
            change.commit
        )
    return {
        path: FileHistory(path, tuple(commits), tuple(removed.get(path, ())))
        for path, commits in added.items()
    }


def _check_missing(root: Path, history: Mapping[str, FileHistory], log: ProblemLog) -> None:
    """Report each edition file the history published that the work tree no longer has."""
    for path, item in sorted(history.items()):
        if (root / path).exists():
            continue
        commit = item.published[:12]
        log.error(
            path,
            (),
            f"published in commit {commit}, now missing",
            f"restore it with git checkout {commit} -- {path}",
        )


def _check_content(
    root: Path, edition: Edition, history: FileHistory | None, log: ProblemLog
) -> None:
    """Compare the file with its own hashes and, when git has it, with the published bytes."""
    changed = canonical_sha256(unsealed(edition.data)) != edition.record.content_sha256
    published = None if history is None else file_at(root, history.published, edition.path)
    if history and published is not None and published != read_edition_bytes(root, edition.path):
        _name_replacement(edition, history, log)
        _name_differences(edition, published, history.published, changed, log)
        return
    if changed:
        _name_sections(edition, log)


def _name_replacement(edition: Edition, history: FileHistory, log: ProblemLog) -> None:
    """Name the commits of an edition that was removed and added again with other bytes."""
    if len(history.added) < 2:
        return
    first, last = history.published[:12], history.added[-1][:12]
    removed = f", removed in commit {history.removed[0][:12]}" if history.removed else ""
    message = (
        f"edition {edition.id}: replaced after publication: published in commit {first}"
        f"{removed} and added again in commit {last}"
    )
    hint = f"restore it with git checkout {first} -- {edition.path}"
    log.error(edition.path, (), message, hint)


def _name_differences(
    edition: Edition, published: bytes, commit: str, changed: bool, log: ProblemLog
) -> None:
    """Name each field that differs from the published bytes, or say only the bytes differ."""
    named = _name_changes(edition, published, commit, log)
    if not named and not changed:
        log.error(
            edition.path,
            (),
            f"edition {edition.id}: the file's bytes differ from the published version "
            f"(commit {commit[:12]}) though no value changed (comments or layout)",
            f"restore it: git checkout {commit[:12]} -- {edition.path}",
        )
    elif not named:
        _name_sections(edition, log)


def _name_sections(edition: Edition, log: ProblemLog) -> None:
    stored = edition.record.section_sha256
    actual = section_hashes(edition.data)
    sections = [name for name in SECTIONS if stored.get(name) != actual[name]]
    if not sections:
        sections = [k for k in ("edition", "published", "previous") if k in edition.data][:1]
    for name in sections:
        log.error(
            edition.path,
            (name,),
            f"edition {edition.id}: '{name}' changed after publication "
            "(its content no longer matches the sha256 recorded at publication)",
            "published editions are immutable; restore the file from git",
        )


def _name_changes(edition: Edition, blob: bytes, commit: str, log: ProblemLog) -> bool:
    """Log one error per field that differs from the published version; return True if any."""
    old, problem, _ = parse_edition(edition.path, blob)
    if problem is not None or not isinstance(old, dict):
        return False
    paths = list(_differences(old, edition.data, ()))
    content = [d for d in paths if d[0][:1] not in (("content_sha256",), ("section_sha256",))]
    paths = content or paths  # resealed hashes only follow from the content they seal
    for keypath, before, after in paths[:20]:
        where = ".".join(str(k) for k in keypath)
        log.error(
            edition.path,
            keypath,
            f"edition {edition.id}: {where} changed after publication: "
            f"{_show(before)} → {_show(after)}",
            f"published editions are immutable; restore it: git checkout {commit[:12]} -- "
            f"{edition.path}",
        )
    if len(paths) > 20:
        log.error(edition.path, (), f"edition {edition.id}: {len(paths) - 20} more changes")
    return bool(paths)


_MISSING = object()


def _differences(
    old: Any, new: Any, keypath: tuple[str | int, ...]
) -> Iterable[tuple[tuple[str | int, ...], Any, Any]]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            yield from _differences(old.get(key, _MISSING), new.get(key, _MISSING), (*keypath, key))
    elif old != new or type(old) is not type(new):
        yield keypath, old, new


def _show(value: Any) -> str:
    if value is _MISSING:
        return "(absent)"
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _check_chain(editions: list[Edition], log: ProblemLog) -> None:
    previous: Edition | None = None
    for edition in editions:
        ref = edition.record.previous
        if previous is None and ref is not None:
            log.error(
                edition.path,
                ("previous",),
                f"edition {edition.id} names {ref.edition} as previous, "
                "but no earlier edition file exists",
                f"restore data/editions/{ref.edition}.yml from git",
            )
        elif previous is not None and ref is None:
            log.error(
                edition.path,
                ("previous",),
                f"edition {edition.id} has no previous edition, but {previous.id} exists",
                "restore the file from git",
            )
        elif previous is not None and ref is not None:
            _check_link(edition, ref, previous, log)
        previous = edition


def _check_link(edition: Edition, ref: PreviousRef, previous: Edition, log: ProblemLog) -> None:
    if ref.edition != previous.id:
        log.error(
            edition.path,
            ("previous", "edition"),
            f"edition {edition.id} names {ref.edition} as previous, but the edition before it "
            f"is {previous.id}",
            "an edition was added or removed after publication; restore the files from git",
        )
    elif ref.sha256 != previous.sha256:
        log.error(
            previous.path,
            (),
            f"edition {previous.id} changed after edition {edition.id} was published "
            f"(its sha256 is {previous.sha256[:12]}…, {edition.id} recorded {ref.sha256[:12]}…)",
            "published editions are immutable; restore the file from git",
        )
    if edition.record.published < previous.record.published:
        log.error(
            edition.path,
            ("published",),
            f"edition {edition.id} is dated {edition.record.published}, before "
            f"{previous.id} ({previous.record.published})",
            "editions are published in order",
        )
