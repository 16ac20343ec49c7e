"""Editions: freeze the facts into data/editions/YYYY-MM.yml, read them back, verify the chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from khub.data.load import load, today_default
from khub.data.model import FactSet, Record, Slug
from khub.data.problems import ProblemLog
from khub.data.record_errors import validate
from khub.data.yamlio import MAX_FILE_BYTES, parse, read_text, too_large
from khub.disk.atomic import write_atomic
from khub.disk.lock import OnWait, data_lock
from khub.disk.paths import SOURCE_DIRS, read_contained, safe_output_path
from khub.editions.git import GitError, changes, file_at, is_repository
from khub.editions.snapshot import (
    ClaimState,
    FactState,
    Note,
    Snapshot,
    SourceRef,
    from_factset,
    state_data,
    state_from_data,
)
from khub.errors import DataError, KhubError, Problem, UnsafePathError, UsageError

EDITIONS_DIR = "data/editions"
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_MONTH_FIELD = rf"^{_MONTH.pattern}$"  # pydantic's regex engine: '$' is the very end
_SECTIONS = ("notes", "sources", "facts", "derived", "claims")
_HEADER = (
    "# khub edition {edition}: frozen by `khub edition publish` on {published}.\n"
    "# Never edit this file: `khub editions verify` (run by `make test`) detects any change,\n"
    "# and the next edition records this file's sha256. Correct a fact in data/ and publish\n"
    "# a new edition instead.\n"
)

# --- records --------------------------------------------------------------------------


class PreviousRef(Record):
    """The edition before this one, and the sha256 of its file as published."""

    edition: str = Field(pattern=_MONTH_FIELD)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class NoteRecord(Record):
    """An editorial note: free text tied to a module and optionally to facts and claims."""

    module: Slug
    text: str = Field(min_length=1)
    facts: list[str] = Field(default_factory=list)
    acknowledges: list[str] = Field(default_factory=list)


class FrozenFact(Record):
    """A fact as frozen in an edition."""

    label: str = ""
    value: float | str | dict[str, Any] | None
    unit: str
    as_of: dt.date
    verified: dt.date
    status: str
    source: str | None
    formula: str | None = None
    inputs: list[str] = Field(default_factory=list)

    @field_validator("value", mode="before")
    @classmethod
    def _no_bool(cls, value: Any) -> Any:
        if isinstance(value, bool):
            raise ValueError("true/false is not a fact value")
        return value


class FrozenClaim(Record):
    """A claim as it stood when the edition was published."""

    says: str
    holds_when: str
    holds: bool | None
    facts: list[str] = Field(default_factory=list)


class FrozenSource(Record):
    """A citation's title and URL as they stood when the edition was published."""

    title: str
    url: str | None


class EditionRecord(Record):
    """One published edition: data/editions/YYYY-MM.yml."""

    edition: str = Field(pattern=_MONTH_FIELD)
    published: dt.date
    previous: PreviousRef | None
    content_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    section_sha256: dict[str, str]
    notes: list[NoteRecord] = Field(default_factory=list)
    sources: dict[str, FrozenSource] = Field(default_factory=dict)
    facts: dict[str, FrozenFact]
    derived: dict[str, FrozenFact] = Field(default_factory=dict)
    claims: dict[str, FrozenClaim] = Field(default_factory=dict)


@dataclass(frozen=True)
class Edition:
    """A published edition read from disk: its record, path, file hash and plain data."""

    record: EditionRecord
    path: str
    sha256: str
    data: Mapping[str, Any]

    @property
    def id(self) -> str:
        """Return the edition's month, YYYY-MM."""
        return self.record.edition


# --- hashing ----------------------------------------------------------------------------


def canonical_sha256(data: Any) -> str:
    """Return the sha256 of plain data in canonical JSON (sorted keys, no spaces)."""
    blob = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def _content(data: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("content_sha256", "section_sha256")}


def _sections(data: Mapping[str, Any]) -> dict[str, str]:
    return {name: canonical_sha256(data.get(name)) for name in _SECTIONS}


# --- reading ----------------------------------------------------------------------------


def edition_paths(root: Path | str) -> list[Path]:
    """Return the edition files under root, oldest month first."""
    folder = Path(root) / EDITIONS_DIR
    return sorted(folder.glob("*.yml")) if folder.is_dir() else []


def read_edition(root: Path, path: Path, log: ProblemLog) -> Edition | None:
    """Read and validate one edition file; log its problems and return None if broken."""
    rel = path.relative_to(root).as_posix()
    try:
        raw = read_contained(root, rel, MAX_EDITION_BYTES, _too_large)
    except UnsafePathError as exc:
        log.add(exc.problem)
        return None
    data, problem, text = parse_edition(rel, raw)
    if text is not None:
        log.texts[rel] = text
    if problem is not None:
        log.add(problem)
        return None
    if not isinstance(data, dict):
        log.error(rel, (), "an edition file holds a mapping", "restore it from git")
        return None
    record = validate(EditionRecord, data, rel, (), log)
    if record is None:
        return None
    if record.edition != path.stem:
        log.error(
            rel,
            ("edition",),
            f"file is named {path.stem} but holds edition {record.edition}",
            "an edition lives in data/editions/<edition>.yml",
        )
        return None
    return Edition(record, rel, hashlib.sha256(raw).hexdigest(), data)


def read_editions(root: Path | str = ".") -> list[Edition]:
    """Return every edition, oldest first; raise DataError if any file is unreadable."""
    root = Path(root)
    log = ProblemLog()
    found = [read_edition(root, p, log) for p in edition_paths(root)]
    if log.has_errors:
        raise DataError(log.located())
    return [e for e in found if e is not None]


def find_edition(editions: Iterable[Edition], edition_id: str) -> Edition:
    """Return the edition with this id, or raise NotFoundError naming the ones there are."""
    from khub.errors import NotFoundError

    listed = list(editions)
    for edition in listed:
        if edition.id == edition_id:
            return edition
    known = ", ".join(e.id for e in listed) or "none published yet"
    raise NotFoundError(f"no edition '{edition_id}' (editions: {known})")


def edition_snapshot(edition: Edition) -> Snapshot:
    """Return the facts, claims, sources and notes frozen in an edition."""
    data = edition.data
    facts: dict[str, FactState] = {}
    for section in ("facts", "derived"):
        for fid, raw in (data.get(section) or {}).items():
            facts[str(fid)] = state_from_data(raw)
    record = edition.record
    return Snapshot(
        label=f"edition {record.edition}",
        facts=facts,
        claims={
            cid: ClaimState(c.says, c.holds_when, c.holds, tuple(c.facts))
            for cid, c in record.claims.items()
        },
        sources={sid: SourceRef(s.title, s.url) for sid, s in record.sources.items()},
        notes=tuple(
            Note(n.module, n.text, tuple(n.facts), tuple(n.acknowledges)) for n in record.notes
        ),
        edition=record.edition,
        published=record.published.isoformat(),
    )


# --- verifying --------------------------------------------------------------------------


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
    changed = canonical_sha256(_content(edition.data)) != edition.record.content_sha256
    published = None if history is None else file_at(root, history.published, edition.path)
    if (
        history
        and published is not None
        and published != read_contained(root, edition.path, MAX_EDITION_BYTES, _too_large)
    ):
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
    actual = _sections(edition.data)
    sections = [name for name in _SECTIONS if stored.get(name) != actual[name]]
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
    """Return a sealed value in exact JSON notation ("Beta", 79.0, not 79), for a message."""
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
            f"edition {_show(edition_id)} is not a month (write YYYY-MM, e.g. 2026-06)"
        )
    published = published or today_default()
    if published < dt.date.fromisoformat(f"{edition_id}-01"):
        raise UsageError(
            f"edition {edition_id} cannot be published on {published}, before its month starts"
        )
    with data_lock(root, on_wait=on_wait):
        return _publish(root, edition_id, published, notes_path)


def is_month(text: str) -> bool:
    """Return True when text is exactly a month such as 2026-06 (no trailing newline)."""
    return _MONTH.fullmatch(text) is not None


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
        "facts": {fid: state_data(s) for fid, s in snapshot.facts.items() if not s.derived},
        "derived": {fid: state_data(s) for fid, s in snapshot.facts.items() if s.derived},
        "claims": {
            cid: {"says": c.says, "holds_when": c.holds_when, "holds": c.holds, "facts": [*c.facts]}
            for cid, c in snapshot.claims.items()
        },
    }
    return seal(content)


def seal(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return edition data with its content and section hashes (re)computed, in file order."""
    content = _content(data)
    head = {k: content[k] for k in ("edition", "published", "previous")}
    return {
        **head,
        "content_sha256": canonical_sha256(content),
        "section_sha256": _sections(content),
        **{k: content[k] for k in _SECTIONS},
    }


def _note_data(note: NoteRecord) -> dict[str, Any]:
    data: dict[str, Any] = {"module": note.module}
    if note.facts:
        data["facts"] = list(note.facts)
    if note.acknowledges:
        data["acknowledges"] = list(note.acknowledges)
    data["text"] = note.text
    return data


def dump_edition(data: Mapping[str, Any]) -> bytes:
    """Return the bytes of an edition: a comment header, then JSON-shaped YAML, one fact a line.

    JSON is YAML, so the file reads as YAML anywhere; khub reads it with a JSON fast path
    (a 100,000-fact edition parses in well under a second instead of tens of seconds).
    """
    items = list(data.items())
    lines = ["{"]
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if isinstance(value, dict | list) and value and key != "previous":
            pairs = value.items() if isinstance(value, dict) else ((None, v) for v in value)
            opener, closer = ("{", "}") if isinstance(value, dict) else ("[", "]")
            lines.append(f" {_json(key)}: {opener}")
            inner = [
                f"  {_json(k)}: {_json(v)}" if k is not None else f"  {_json(v)}" for k, v in pairs
            ]
            lines.append(",\n".join(inner))
            lines.append(f" {closer}{comma}")
        else:
            lines.append(f" {_json(key)}: {_json(value)}{comma}")
    lines.append("}")
    header = _HEADER.format(edition=data["edition"], published=data["published"])
    return (header + "\n".join(lines) + "\n").encode("utf-8")


# Characters JSON leaves raw but YAML 1.1 refuses or folds as line breaks: escape them, so
# the file stays YAML that any reader parses to the same data.
_YAML_UNSAFE = {
    c: f"\\u{c:04x}" for c in (*range(0x7F, 0xA0), 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF)
}
_BARE_EXPONENT = re.compile(r"(?<![\w.])-?\d+e[-+]?\d+")


def _json(value: Any) -> str:
    """Return value as JSON that YAML 1.1 reads back identically."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    if _BARE_EXPONENT.search(text):
        text = _json_exact(value)  # YAML 1.1 reads 1e-06 as text; write 1.0e-06
    return text.translate(_YAML_UNSAFE)


def _json_exact(value: Any) -> str:
    if isinstance(value, dict):
        inner = ", ".join(
            f"{json.dumps(str(k), ensure_ascii=False)}: {_json_exact(v)}" for k, v in value.items()
        )
        return "{" + inner + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_json_exact(v) for v in value) + "]"
    if isinstance(value, float):
        text = json.dumps(value, allow_nan=False)
        mantissa, exp, power = text.partition("e")
        return f"{mantissa}.0e{power}" if exp and "." not in mantissa else text
    return json.dumps(value, ensure_ascii=False)


MAX_EDITION_BYTES = 512 * 1024 * 1024


def _too_large(rel: str, size: int) -> Problem:
    return Problem(rel, 0, "edition file is over 512 MB", "restore it from git")


def parse_edition(rel: str, raw: bytes) -> tuple[Any, Problem | None, str | None]:
    """Return (data, problem, text) of an edition file: JSON fast path, YAML otherwise."""
    if len(raw) > MAX_EDITION_BYTES:
        return None, Problem(rel, 0, "edition file is over 512 MB", "restore it from git"), None
    if b"\x00" in raw or not raw.strip():
        _, problem = read_text(rel, raw[:1024])
        return None, problem, None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, Problem(rel, line, "file is not valid UTF-8", "restore it from git"), None
    body = "\n".join("" if ln.startswith("#") else ln for ln in text.split("\n"))
    try:
        data = json.loads(body, object_pairs_hook=_no_duplicates, parse_constant=_no_nan)
    except ValueError:
        data, problem = parse(rel, text)  # not plain JSON: YAML reports where it breaks
        return data, problem, text
    return data, None, text


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key")
    return out


def _no_nan(name: str) -> Any:
    raise ValueError(f"{name} is not a value")


def write_new(target: Path, blob: bytes) -> None:
    """Write a new file in one step, never over an existing one (a racing publish loses)."""
    try:
        write_atomic(target, blob, exclusive=True)
    except FileExistsError:
        raise KhubError(f"{target}: already exists; another publish got there first") from None


__all__ = [
    "Edition",
    "EditionRecord",
    "NoteRecord",
    "edition_snapshot",
    "find_edition",
    "publish",
    "read_editions",
    "read_notes",
    "seal",
    "verify",
]
