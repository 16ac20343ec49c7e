"""Keep fetched bodies on disk with their validators, for conditional requests."""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from khub.disk.atomic import write_atomic


@dataclass(frozen=True)
class CacheEntry:
    """One cached response: the body and what is needed to revalidate it."""

    url: str
    body: bytes
    content_type: str
    etag: str | None = None
    last_modified: str | None = None

    def validators(self) -> dict[str, str]:
        """Return the conditional request headers that revalidate this entry."""
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class HttpCache:
    """A directory of cached responses: `<key>.json` metadata beside `<key>.body`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def get(self, url: str) -> CacheEntry | None:
        """Return the entry for `url`, or None when absent, unreadable or inconsistent."""
        meta_path, body_path = self._paths(url)
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            body = body_path.read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or meta.get("sha256") != _sha256(body):
            return None
        return _entry(url, body, meta)

    def put(self, entry: CacheEntry) -> None:
        """Store `entry`, or forget the URL when the response carries no validator."""
        if not (entry.etag or entry.last_modified):
            self.drop(entry.url)
            return
        meta_path, body_path = self._paths(entry.url)
        write_atomic(body_path, entry.body, durable=False)
        write_atomic(meta_path, json.dumps(_meta(entry), indent=1).encode(), durable=False)

    def drop(self, url: str) -> None:
        """Forget the cached response for `url`, if any."""
        for path in self._paths(url):
            path.unlink(missing_ok=True)

    def _paths(self, url: str) -> tuple[Path, Path]:
        key = _sha256(url.encode())[:32]
        return self.root / f"{key}.json", self.root / f"{key}.body"


def _entry(url: str, body: bytes, meta: dict[str, object]) -> CacheEntry | None:
    etag, modified, ctype = meta.get("etag"), meta.get("last_modified"), meta.get("content_type")
    if meta.get("url") != url or not isinstance(ctype, str):
        return None
    return CacheEntry(
        url=url,
        body=body,
        content_type=ctype,
        etag=etag if isinstance(etag, str) else None,
        last_modified=modified if isinstance(modified, str) else None,
    )


def _meta(entry: CacheEntry) -> dict[str, str | None]:
    return {
        "url": entry.url,
        "content_type": entry.content_type,
        "etag": entry.etag,
        "last_modified": entry.last_modified,
        "sha256": _sha256(entry.body),
    }


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- parse once ------------------------------------------------------------------------
#
# A body read by many facts is parsed once per run and format. The parsed form of a JSON
# body is also kept beside the HTTP cache (marshal: plain data only, no code), keyed by the
# body's sha256, so a run where the server answers 304 parses nothing.

_PARSED_MAX = 32
PARSED_KEEP_DAYS = 62  # a parsed copy unused for two monthly runs is deleted


@dataclass
class ParseStore:
    """Parsed bodies of one run, in memory and optionally on disk, keyed by format and sha256."""

    root: Path | None = None
    parses: int = 0
    _memory: dict[tuple[str, str], object] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, kind: str, sha256: str, parse: Callable[[], object]) -> object:
        """Return the parsed body: from memory, from disk, or by calling `parse` once."""
        key = (kind, sha256)
        with self._lock:
            if key not in self._memory:
                self._remember(key, self._read_or_parse(kind, sha256, parse))
            value = self._memory[key]
        if isinstance(value, _Failed):
            raise value.error
        return value

    def _read_or_parse(self, kind: str, sha256: str, parse: Callable[[], object]) -> object:
        value = self._load(kind, sha256)
        if value is not _MISSING:
            return value
        self.parses += 1
        try:
            value = parse()
        except Exception as error:  # remembered so that the next fact fails as fast
            return _Failed(error)
        self._save(kind, sha256, value)
        return value

    def _remember(self, key: tuple[str, str], value: object) -> None:
        if len(self._memory) >= _PARSED_MAX:
            self._memory.pop(next(iter(self._memory)))
        self._memory[key] = value

    def _path(self, kind: str, sha256: str) -> Path | None:
        return None if self.root is None else self.root / "parsed" / f"{sha256}.{kind}.marshal"

    def _load(self, kind: str, sha256: str) -> object:
        path = self._path(kind, sha256)
        if path is None:
            return _MISSING
        try:
            value = marshal.loads(path.read_bytes())  # noqa: S302 (trusted: see khub.disk.cachedir)
            os.utime(path)  # used: kept by `prune`
        except (OSError, EOFError, ValueError, TypeError):
            return _MISSING
        return value

    def prune(self, now: float | None = None) -> None:
        """Delete parsed copies that no run has used for PARSED_KEEP_DAYS days."""
        if self.root is None:
            return
        cutoff = (time.time() if now is None else now) - PARSED_KEEP_DAYS * 86_400
        for path in (self.root / "parsed").glob("*.marshal"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
            except OSError:
                continue

    def _save(self, kind: str, sha256: str, value: object) -> None:
        path = self._path(kind, sha256)
        if path is None:
            return
        try:
            data = marshal.dumps(cast(Any, value))
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, data, durable=False)
        except (OSError, ValueError):
            return  # a cache that cannot be written costs a parse next time, nothing else


@dataclass(frozen=True)
class _Failed:
    """A body that did not parse: the error is raised again for every fact reading it."""

    error: Exception


_MISSING = object()
_STORE = ParseStore()


def parse_store() -> ParseStore:
    """Return the store of the run in progress (an in-memory one outside any run)."""
    return _STORE


@contextmanager
def parse_session(cache_dir: Path | None) -> Iterator[ParseStore]:
    """Give one run its own store of parsed bodies, kept beside the HTTP cache in `cache_dir`."""
    global _STORE
    previous, _STORE = _STORE, ParseStore(cache_dir)
    try:
        yield _STORE
        _STORE.prune()
    finally:
        _STORE = previous
