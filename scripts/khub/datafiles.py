"""Find the data files of a hub and parse them, reusing parses of unchanged files."""

from __future__ import annotations

import hashlib
import marshal
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from khub import __version__
from khub.report import ProblemLog
from khub.yamlio import parse, read_text

_CACHE_FORMAT = f"khub-{__version__}-1".encode()


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
    return found


def read_all(root: Path, log: ProblemLog, cache_dir: Path | None) -> list[DataFile]:
    """Read and parse every data file; problems go to the log, good files are returned."""
    files: list[DataFile] = []
    for kind, path in discover(root):
        rel = path.relative_to(root).as_posix()
        raw = path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        data = _cached(cache_dir, digest)
        if data is None:
            data = _parse(rel, raw, log)
            if data is None:
                continue
            _store(cache_dir, digest, data)
        log.texts[rel] = raw.decode("utf-8")
        files.append(DataFile(rel, kind, digest, data))
    return files


def _parse(rel: str, raw: bytes, log: ProblemLog) -> Any:
    text, problem = read_text(rel, raw)
    if problem is not None:
        log.add(problem)
    if text is None:
        return None
    data, problem = parse(rel, text)
    if problem is not None:
        log.add(problem)
        return None
    return data


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


def _store(cache_dir: Path | None, digest: str, data: Any) -> None:
    if cache_dir is None:
        return
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = cache_dir / f".{digest}.{os.getpid()}.tmp"
        tmp.write_bytes(_CACHE_FORMAT + marshal.dumps(data))
        tmp.replace(cache_dir / digest)
    except (OSError, ValueError):
        return  # a cache that cannot be written is only slower
