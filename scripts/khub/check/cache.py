"""Keep fetched bodies on disk with their validators, for conditional requests."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

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
