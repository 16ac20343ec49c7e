"""Publish an edition: check the order, claims, dates and notes, then freeze the working facts."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from khub.data.load import load, today_default
from khub.data.model import FactSet
from khub.data.problems import ProblemLog
from khub.data.record_errors import validate
from khub.data.serialize import frozen_data
from khub.data.yamlio import MAX_FILE_BYTES, parse, read_text, too_large
from khub.disk.atomic import write_atomic
from khub.disk.lock import OnWait, data_lock
from khub.disk.paths import SOURCE_DIRS, read_contained, safe_output_path
from khub.editions.snapshot import from_factset
from khub.editions.store import (
    EDITIONS_DIR,
    Edition,
    NoteRecord,
    dump_edition,
    is_month,
    seal,
)
from khub.editions.verify import verify
from khub.errors import DataError, KhubError, Problem, UsageError

# --- notes ------------------------------------------------------------------------------


def read_notes(path: Path, root: Path, factset: FactSet) -> list[NoteRecord]:
    """Read an editorial notes file; raise DataError naming each bad entry by line."""
    shown = path.as_posix()
    inside = _source_path(root, path)
    try:
        raw = (
            read_contained(root, inside, MAX_FILE_BYTES, too_large)
            if inside is not None
            else path.read_bytes()
        )
    except OSError as exc:
        raise UsageError(f"cannot read notes file {shown}: {exc.strerror}") from exc
    log = ProblemLog()
    text, problem = read_text(shown, raw)
    data: Any = None
    if text is not None:
        log.texts[shown] = text
        data, problem = parse(shown, text)
    if problem is not None:
        raise DataError([problem])
    if not isinstance(data, list):
        log.error(shown, (), "a notes file is a list of notes", "start each note with '- module:'")
        raise DataError(log.located())
    notes = [_note(item, i, shown, root, factset, log) for i, item in enumerate(data)]
    if log.has_errors:
        raise DataError(log.located())
    return [n for n in notes if n is not None]


def _source_path(root: Path, path: Path) -> str | None:
    """Return path relative to root when it names a file in the hub's source folders."""
    try:
        rel = path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return None
    return rel if rel.split("/")[0] in SOURCE_DIRS else None


def _note(
    item: Any, index: int, path: str, root: Path, factset: FactSet, log: ProblemLog
) -> NoteRecord | None:
    note = validate(NoteRecord, item, path, (index,), log)
    if note is None:
        return None
    if not os.path.lexists(root / "content" / f"{note.module}.md"):
        log.error(
            path,
            (index, "module"),
            f"unknown module '{note.module}'",
            f"no content/{note.module}.md; name a module that exists",
        )
    for j, fid in enumerate(note.facts):
        if fid not in factset.facts:
            log.error(path, (index, "facts", j), f"unknown fact '{fid}'", "see `khub facts`")
    for j, cid in enumerate(note.acknowledges):
        if cid not in factset.claims:
            log.error(path, (index, "acknowledges", j), f"unknown claim '{cid}'", "")
    return note


# --- publishing -------------------------------------------------------------------------


def publish(
    root: Path | str,
    edition_id: str,
    *,
    published: dt.date | None = None,
    notes_path: Path | None = None,
    on_wait: OnWait | None = None,
) -> Path:
    """Validate everything, then freeze the working facts as a new edition; return its path.

    Holds the write lock of data/ (khub.disk.lock) from reading the data to writing the file.
    """
    root = Path(root)
    if not is_month(edition_id):
        raise UsageError(
            f"edition {_quoted(edition_id)} is not a month (write YYYY-MM, e.g. 2026-06)"
        )
    published = published or today_default()
    if published < dt.date.fromisoformat(f"{edition_id}-01"):
        raise UsageError(
            f"edition {edition_id} cannot be published on {published}, before its month starts"
        )
    with data_lock(root, on_wait=on_wait):
        return _publish(root, edition_id, published, notes_path)


def _quoted(text: str) -> str:
    """Return text quoted with its control characters escaped, for a message."""
    return json.dumps(text, ensure_ascii=False)


def _publish(root: Path, edition_id: str, published: dt.date, notes_path: Path | None) -> Path:
    factset, _ = load(root)
    editions = verify(root)
    previous = _check_order(editions, edition_id, published)
    notes = read_notes(notes_path, root, factset) if notes_path else []
    _check_claims(factset, notes)
    _check_dates(root, factset, published)
    data = edition_data(factset, edition_id, published, previous, notes)
    target = safe_output_path(root, f"{EDITIONS_DIR}/{edition_id}.yml", ".")
    write_new(target, dump_edition(data))
    return target


def _check_order(editions: list[Edition], edition_id: str, published: dt.date) -> Edition | None:
    for edition in editions:
        if edition.id == edition_id:
            raise KhubError(
                f"{edition.path}: edition {edition_id} is already published "
                "(editions are immutable; publish the next month instead)"
            )
    last = editions[-1] if editions else None
    if last is not None and edition_id < last.id:
        raise KhubError(
            f"edition {edition_id} is earlier than the last published edition {last.id} "
            "(editions are published in order)"
        )
    if last is not None and published < last.record.published:
        raise KhubError(
            f"publication date {published} is before {last.id}'s ({last.record.published})"
        )
    return last


def _check_claims(factset: FactSet, notes: list[NoteRecord]) -> None:
    acknowledged = {cid for note in notes for cid in note.acknowledges}
    false = [c for c in factset.false_claims() if c.id not in acknowledged]
    if false:
        problems = [
            Problem(
                "data/derived.yml",
                0,
                f"claim '{c.id}' does not hold: {c.says}",
                f"fix the data or the prose, or acknowledge it in the notes: "
                f"acknowledges: [{c.id}]",
            )
            for c in false
        ]
        raise DataError(problems)


def _check_dates(root: Path, factset: FactSet, published: dt.date) -> None:
    log = ProblemLog()
    for f in factset.facts.values():
        if f.derived or f.verified <= published or f.series is None:
            continue
        if f.file not in log.texts:
            log.texts[f.file] = read_contained(root, f.file, MAX_FILE_BYTES).decode("utf-8")
        log.error(
            f.file,
            (f.series, "facts", f.id[len(f.series) + 1 :], "verified"),
            f"{f.id}: verified {f.verified}, after the publication date {published}",
            "an edition cannot hold a confirmation from its future; check --date",
        )
    if log.has_errors:
        raise DataError(log.located())


def edition_data(
    factset: FactSet,
    edition_id: str,
    published: dt.date,
    previous: Edition | None,
    notes: list[NoteRecord],
) -> dict[str, Any]:
    """Return the plain data of a new edition, hashes included."""
    snapshot = from_factset(factset)
    content: dict[str, Any] = {
        "edition": edition_id,
        "published": published.isoformat(),
        "previous": None
        if previous is None
        else {"edition": previous.id, "sha256": previous.sha256},
        "notes": [_note_data(n) for n in notes],
        "sources": {
            sid: {"title": s.title, "url": s.url} for sid, s in sorted(snapshot.sources.items())
        },
        "facts": {fid: frozen_data(s) for fid, s in snapshot.facts.items() if not s.derived},
        "derived": {fid: frozen_data(s) for fid, s in snapshot.facts.items() if s.derived},
        "claims": {
            cid: {"says": c.says, "holds_when": c.holds_when, "holds": c.holds, "facts": [*c.facts]}
            for cid, c in snapshot.claims.items()
        },
    }
    return seal(content)


def _note_data(note: NoteRecord) -> dict[str, Any]:
    data: dict[str, Any] = {"module": note.module}
    if note.facts:
        data["facts"] = list(note.facts)
    if note.acknowledges:
        data["acknowledges"] = list(note.acknowledges)
    data["text"] = note.text
    return data


def write_new(target: Path, blob: bytes) -> None:
    """Write a new file in one step, never over an existing one (a racing publish loses)."""
    try:
        write_atomic(target, blob, exclusive=True)
    except FileExistsError:
        raise KhubError(f"{target}: already exists; another publish got there first") from None
