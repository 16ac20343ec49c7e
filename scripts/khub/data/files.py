"""Find the data files of a hub and parse them, reusing parses of unchanged files.

Parsing is the floor of every load. Unchanged files come back from a content-addressed
cache (marshal, no YAML at all); changed ones are parsed on every core when there is
enough of them to be worth a process pool.
"""

from __future__ import annotations

import hashlib
import marshal
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khub import __version__
from khub.data.problems import ProblemLog
from khub.data.yamlio import MAX_FILE_BYTES, parse, read_text, too_large
from khub.disk.atomic import write_atomic
from khub.disk.paths import read_contained, scan
from khub.errors import Problem, UnsafePathError

# Bump RULES whenever the YAML reader's rules change (a tag newly refused, say), so that
# files parsed under the old rules are parsed again.
RULES = 2
_CACHE_FORMAT = f"khub-{__version__}-rules{RULES}".encode()
_POOL_MIN_BYTES = 1024 * 1024


@dataclass(frozen=True)
class DataFile:
    """One parsed data file: where it is, its hash, and its plain data."""

    path: str
    kind: str
    sha256: str
    data: Any


def discover(root: Path) -> list[tuple[str, Path]]:
    """Return (kind, path) of every data file, in a stable order (symlinks and all)."""
    data = root / "data"
    found: list[tuple[str, Path]] = []
    if os.path.lexists(data / "sources.yml"):
        found.append(("sources", data / "sources.yml"))
    found.extend(("facts", p) for p in sorted((data / "facts").glob("*.yml")))
    if os.path.lexists(data / "derived.yml"):
        found.append(("derived", data / "derived.yml"))
    if os.path.lexists(data / "decision-rules.yml"):
        found.append(("rules", data / "decision-rules.yml"))
    if os.path.lexists(data / "calculators.yml"):
        found.append(("calculators", data / "calculators.yml"))
    return found


def data_files(root: Path, readable: set[str]) -> list[tuple[str, str]]:
    """Return (kind, relative path) of the data files that passed the containment scan."""
    found = [(kind, path.relative_to(root).as_posix()) for kind, path in discover(root)]
    return [(kind, rel) for kind, rel in found if rel in readable]


def read_all(root: Path, log: ProblemLog, cache_dir: Path | None) -> list[DataFile]:
    """Read and parse every data file; problems go to the log, good files are returned."""
    tree = scan(root, "data")
    for refused in tree.problems:
        log.add(refused)
    readable = set(tree.files)
    entries = []
    for kind, rel in data_files(root, readable):
        try:
            raw = read_contained(root, rel, MAX_FILE_BYTES, too_large)
        except UnsafePathError as exc:
            log.add(exc.problem)
            continue
        entries.append((kind, rel, raw, hashlib.sha256(raw).hexdigest()))
    parsed = {
        digest: data
        for _, _, _, digest in entries
        if (data := _cached(cache_dir, digest)) is not None
    }
    todo = {digest: (rel, raw) for _, rel, raw, digest in entries if digest not in parsed}
    for digest, (blob, problem) in zip(todo, _parse_many(list(todo.values())), strict=True):
        if problem is not None:
            log.add(problem)
        if blob is not None:
            parsed[digest] = marshal.loads(blob)  # noqa: S302 - made by us just now
            _store(cache_dir, digest, blob)
    files: list[DataFile] = []
    for kind, rel, raw, digest in entries:
        if digest in parsed:
            log.texts[rel] = raw.decode("utf-8")
            files.append(DataFile(rel, kind, digest, parsed[digest]))
    return files


def _parse_many(items: list[tuple[str, bytes]]) -> list[tuple[bytes | None, Problem | None]]:
    """Parse files, on every core when they are large enough to repay the pool."""
    workers = min(os.cpu_count() or 1, len(items))
    if workers < 2 or sum(len(raw) for _, raw in items) < _POOL_MIN_BYTES:
        return [_parse_one(item) for item in items]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(_parse_one, items, chunksize=max(1, len(items) // (workers * 4))))


def _parse_one(item: tuple[str, bytes]) -> tuple[bytes | None, Problem | None]:
    """Parse one file to marshal bytes (cheap to send between processes) or a problem."""
    rel, raw = item
    text, problem = read_text(rel, raw)
    if text is None:
        return None, problem
    data, problem = parse(rel, text)
    if problem is not None:
        return None, problem
    return marshal.dumps(data), None


def _cached(cache_dir: Path | None, digest: str) -> Any:
    if cache_dir is None:
        return None
    try:
        blob = (cache_dir / digest).read_bytes()
    except OSError:
        return None
    if not blob.startswith(_CACHE_FORMAT):
        return None
    try:
        return marshal.loads(blob[len(_CACHE_FORMAT) :])  # noqa: S302 - our own cache of plain data
    except (EOFError, ValueError, TypeError):
        return None


def _store(cache_dir: Path | None, digest: str, blob: bytes) -> None:
    if cache_dir is None:
        return
    try:
        write_atomic(cache_dir / digest, _CACHE_FORMAT + blob, durable=False)
    except OSError:
        return  # a cache that cannot be written is only slower
