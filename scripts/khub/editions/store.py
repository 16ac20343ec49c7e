"""Editions: the records of data/editions/YYYY-MM.yml, reading them, hashing and dumping them.

Checking the chain of editions lives in khub.editions.verify; freezing the working data
into a new edition lives in khub.editions.publish.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from khub.data.model import FrozenFact, Record, Slug
from khub.data.problems import ProblemLog
from khub.data.record_errors import validate
from khub.data.serialize import frozen_from_data
from khub.data.yamlio import parse, read_text
from khub.disk.paths import read_contained
from khub.editions.snapshot import ClaimState, Note, Snapshot, SourceRef
from khub.errors import DataError, Problem, UnsafePathError

EDITIONS_DIR = "data/editions"
_MONTH = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])")
_MONTH_FIELD = rf"^{_MONTH.pattern}$"  # pydantic's regex engine: '$' is the very end
SECTIONS = ("notes", "sources", "facts", "derived", "claims")
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


class FrozenFactRecord(Record):
    """How an edition file writes a FrozenFact: this validates it, frozen_from_data reads it.

    The fields are FrozenFact's; the value keeps its JSON form when read (an int stays an
    int), so a snapshot of an edition equals a snapshot of the data it froze.
    """

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


class FrozenClaimRecord(Record):
    """A claim as it stood when the edition was published."""

    says: str
    holds_when: str
    holds: bool | None
    facts: list[str] = Field(default_factory=list)


class FrozenSourceRecord(Record):
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
    sources: dict[str, FrozenSourceRecord] = Field(default_factory=dict)
    facts: dict[str, FrozenFactRecord]
    derived: dict[str, FrozenFactRecord] = Field(default_factory=dict)
    claims: dict[str, FrozenClaimRecord] = Field(default_factory=dict)


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


def unsealed(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return edition data without its hashes: the content the hashes seal."""
    return {k: v for k, v in data.items() if k not in ("content_sha256", "section_sha256")}


def section_hashes(data: Mapping[str, Any]) -> dict[str, str]:
    """Return the sha256 of each section of edition data."""
    return {name: canonical_sha256(data.get(name)) for name in SECTIONS}


# --- reading ----------------------------------------------------------------------------


def edition_paths(root: Path | str) -> list[Path]:
    """Return the edition files under root, oldest month first."""
    folder = Path(root) / EDITIONS_DIR
    return sorted(folder.glob("*.yml")) if folder.is_dir() else []


def read_edition(root: Path, path: Path, log: ProblemLog) -> Edition | None:
    """Read and validate one edition file; log its problems and return None if broken."""
    rel = path.relative_to(root).as_posix()
    try:
        raw = read_edition_bytes(root, rel)
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


# One build asks for the editions several times (what changed, the changelog and feed, the
# fact pages' history, the archive); parsing a 20,000-fact edition takes about 0.6 s. Files
# are keyed by what their status says, so an edited, added or removed edition is read again.
_READ: dict[tuple[object, ...], list[Edition]] = {}


def _files_key(root: Path, paths: list[Path]) -> tuple[object, ...]:
    rows: list[object] = [str(root.resolve())]
    for path in paths:
        stat = path.lstat()
        rows.append((path.name, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns))
    return tuple(rows)


def read_editions(root: Path | str = ".") -> list[Edition]:
    """Return every edition, oldest first; raise DataError if any file is unreadable."""
    root = Path(root)
    paths = edition_paths(root)
    key = _files_key(root, paths)
    if key in _READ:
        return list(_READ[key])
    log = ProblemLog()
    found = [read_edition(root, p, log) for p in paths]
    if log.has_errors:
        raise DataError(log.located())
    editions = [e for e in found if e is not None]
    _READ.clear()  # one hub at a time: keep only the newest answer
    _READ[key] = editions
    return list(editions)


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
    facts: dict[str, FrozenFact] = {}
    for section in ("facts", "derived"):
        for fid, raw in (data.get(section) or {}).items():
            facts[str(fid)] = frozen_from_data(raw)
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


def is_month(text: str) -> bool:
    """Return True when text is exactly a month such as 2026-06 (no trailing newline)."""
    return _MONTH.fullmatch(text) is not None


def seal(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return edition data with its content and section hashes (re)computed, in file order."""
    content = unsealed(data)
    head = {k: content[k] for k in ("edition", "published", "previous")}
    return {
        **head,
        "content_sha256": canonical_sha256(content),
        "section_sha256": section_hashes(content),
        **{k: content[k] for k in SECTIONS},
    }


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


def read_edition_bytes(root: Path, rel: str) -> bytes:
    """Return the bytes of an edition file inside root; raise UnsafePathError if outside."""
    return read_contained(root, rel, MAX_EDITION_BYTES, _too_large)


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


__all__ = [
    "EDITIONS_DIR",
    "Edition",
    "EditionRecord",
    "NoteRecord",
    "canonical_sha256",
    "dump_edition",
    "edition_snapshot",
    "find_edition",
    "is_month",
    "parse_edition",
    "read_editions",
    "seal",
]
