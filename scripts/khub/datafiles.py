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
from khub.errors import Problem
from khub.report import ProblemLog
from khub.yamlio import MAX_FILE_BYTES, parse, read_text, too_large

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
    """Return (kind, path) of every data file, in a stable order."""
    data = root / "data"
    found: list[tuple[str, Path]] = []
    if (data / "sources.yml").exists():
        found.append(("sources", data / "sources.yml"))
    found.extend(("facts", p) for p in sorted((data / "facts").glob("*.yml")))
    if (data / "derived.yml").exists():
        found.append(("derived", data / "derived.yml"))
    if (data / "decision-rules.yml").exists():
        found.append(("rules", data / "decision-rules.yml"))
    if (data / "calculators.yml").exists():
        found.append(("calculators", data / "calculators.yml"))
    return found


def read_all(root: Path, log: ProblemLog, cache_dir: Path | None) -> list[DataFile]:
    """Read and parse every data file; problems go to the log, good files are returned."""
    entries = []
    for kind, path in discover(root):
        if path.stat().st_size > MAX_FILE_BYTES:
            log.add(too_large(path.relative_to(root).as_posix(), path.stat().st_size))
            continue
        raw = path.read_bytes()
        entries.append(
            (kind, path.relative_to(root).as_posix(), raw, hashlib.sha256(raw).hexdigest())
        )
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
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".{digest}.{os.getpid()}.tmp"
        tmp.write_bytes(_CACHE_FORMAT + blob)
        tmp.replace(cache_dir / digest)
    except OSError:
        return  # a cache that cannot be written is only slower
