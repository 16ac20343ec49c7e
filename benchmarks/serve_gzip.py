"""Serve a built site on loopback with gzip, the way a production web server would.

    python benchmarks/serve_gzip.py [--dir site] [--port 8000]

Text files (HTML, CSS, JS, JSON, SVG, XML) are sent gzip-compressed (level 6) to a client
that accepts it, with Content-Length and ETag; everything else is sent as is. Listens on
127.0.0.1 only. `serve(site)` runs the same server on a thread for bench_lighthouse.py.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

COMPRESSIBLE = (".html", ".css", ".js", ".json", ".svg", ".xml", ".txt", ".map")


class GzipHandler(SimpleHTTPRequestHandler):
    """Static files from one folder, text ones gzip-compressed on the fly (and cached)."""

    _cache: dict[tuple[str, float], bytes] = {}  # noqa: RUF012 - shared by all requests

    def send_head(self) -> Any:
        """Answer GET/HEAD; compress text files for a client that accepts gzip."""
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().send_head()  # the base class redirects /dir to /dir/
            path = path / "index.html"
        accepts = "gzip" in self.headers.get("Accept-Encoding", "")
        if not accepts or path.suffix not in COMPRESSIBLE or not path.is_file():
            return super().send_head()
        body = self._compressed(path)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", '"' + hashlib.sha256(body).hexdigest()[:16] + '"')
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Vary", "Accept-Encoding")
        self.end_headers()
        return _Body(body)

    def _compressed(self, path: Path) -> bytes:
        key = (str(path), path.stat().st_mtime)
        if key not in self._cache:
            self._cache[key] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        return self._cache[key]

    def log_message(self, format: str, *args: Any) -> None:
        """Drop the request log."""


class _Body:
    """A file-like object over bytes, as send_head's callers expect."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int = -1) -> bytes:
        data, self.data = (self.data, b"") if size < 0 else (self.data[:size], self.data[size:])
        return data

    def close(self) -> None:
        """Nothing to release."""


@contextmanager
def serve(site: Path, port: int = 0) -> Iterator[str]:
    """Serve site on 127.0.0.1 (a free port by default) while inside; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(GzipHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def main() -> None:
    """Serve --dir on --port until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", default="site", type=Path)
    parser.add_argument("--port", default=8000, type=int)
    args = parser.parse_args()
    with serve(args.dir, args.port) as url:
        print(f"serving {args.dir} with gzip at {url} (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
