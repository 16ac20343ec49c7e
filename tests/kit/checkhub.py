"""The check fixture hub (tests/fixtures/hub-check) with its sources served on loopback."""

from __future__ import annotations

import hashlib
import shutil
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from click.testing import Result
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from tests.kit.cli import invoke_khub
from tests.kit.paths import HUB_CHECK, SOURCES

__all__ = ["HUB_CHECK", "SOURCES"]

TODAY = "2026-07-15"

CONTENT_TYPES = {
    "leaderboard.json": "application/json",
    "license.txt": "text/plain; charset=utf-8",
    "pricing.html": "text/html; charset=utf-8",
    "benchmarks.html": "text/html; charset=utf-8",
}

# Options that make a CLI run fast and loopback-only; tests add what they exercise.
FAST = [
    "--allow-network",
    "127.0.0.0/8",
    "--timeout",
    "0.5",
    "--retries",
    "1",
    "--max-bytes",
    "16384",
]


def conditional(body: bytes, content_type: str) -> Callable[[Request], Response]:
    """Return a handler serving body with an ETag, answering 304 to a matching request."""
    etag = hashlib.sha256(body).hexdigest()[:16]

    def handle(request: Request) -> Response:
        response = Response(body, content_type=content_type)
        response.set_etag(etag)
        return response.make_conditional(request)

    return handle


@dataclass
class Pages:
    """What the server serves under /: mutable, so a test can change a page between runs."""

    bodies: dict[str, tuple[bytes, str]] = field(default_factory=dict)

    def set(self, name: str, body: bytes, content_type: str) -> None:
        """Serve body at /name."""
        self.bodies[name] = (body, content_type)

    def handler(self, name: str) -> Callable[[Request], Response]:
        """Return a handler that serves the current body of /name, conditionally."""

        def handle(request: Request) -> Response:
            body, content_type = self.bodies[name]
            return conditional(body, content_type)(request)

        return handle


def _fails_once(status: int, headers: dict[str, str]) -> Callable[[Request], Response]:
    lock, calls = threading.Lock(), [0]

    def handle(request: Request) -> Response:
        with lock:
            calls[0] += 1
            first = calls[0] == 1
        if first:
            return Response("try again", status=status, headers=headers)
        return Response("count 42", content_type="text/plain")

    return handle


def _slow(request: Request) -> Response:
    time.sleep(1.5)
    return Response("price 10", content_type="text/plain")


FAULTS: dict[str, tuple[bytes, str, int, dict[str, str]]] = {
    "not-there": (b"gone", "text/plain", 404, {}),
    "server-error": (b"broken", "text/plain", 500, {}),
    "redirect-loop": (b"", "text/plain", 302, {"Location": "/fault/redirect-loop-2"}),
    "redirect-loop-2": (b"", "text/plain", 302, {"Location": "/fault/redirect-loop"}),
    "redirect-private": (b"", "text/plain", 302, {"Location": "http://10.255.255.1/x"}),
    "oversized": (b"price 10 " + b"x" * 100_000, "text/plain", 200, {}),
    "wrong-type": (b'{"price": 10}', "application/json", 200, {}),
    "not-utf8": (b"price 10 \xff\xfe\xe9", "text/plain; charset=utf-8", 200, {}),
    "malformed-json": (b'{"price": 10,', "application/json", 200, {}),
    "malformed-html": (b'<html><body><div class="x"><p>price', "text/html", 200, {}),
    "not-html": (b"price 10 and not a single tag", "text/html", 200, {}),
    "no-match": (b"this page moved on", "text/plain", 200, {}),
    "out-of-bounds": (b"price 150", "text/plain", 200, {}),
    "tenfold": (b"price 100", "text/plain", 200, {}),
    "not-a-number": (b"price free", "text/plain", 200, {}),
}


def refused_url() -> str:
    """Return a loopback URL on which nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def copy_check_hub(dest: Path, base: str, refused: str) -> Path:
    """Copy the fixture hub to dest with the server's addresses filled in."""
    shutil.copytree(HUB_CHECK, dest)
    for path in dest.rglob("*.yml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("{{BASE}}", base).replace("{{REFUSED}}", refused), "utf-8")
    return dest


@dataclass
class Hub:
    """A fixture hub in tmp_path, the pages its checks read, and a way to run khub there."""

    root: Path
    pages: Pages
    base: str

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        """Run `khub check ARGS` in the hub (in process) and return the result."""
        return invoke_khub(self.root, ["check", *FAST, *args], today=TODAY, env=env)

    def snapshot(self) -> dict[str, bytes]:
        """Return the bytes of every data file."""
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes()
            for p in sorted((self.root / "data").rglob("*.yml"))
        }


def serve_hub(dest: Path, server: HTTPServer) -> Hub:
    """Copy the fixture hub to dest and serve its sources, fault pages and flaky pages."""
    base = f"http://127.0.0.1:{server.port}"
    root = copy_check_hub(dest, base, refused_url())
    pages = Pages()
    for name, content_type in CONTENT_TYPES.items():
        pages.set(name, (SOURCES / name).read_bytes(), content_type)
        server.expect_request(f"/{name}").respond_with_handler(pages.handler(name))
    for name, (body, content_type, status, headers) in FAULTS.items():
        server.expect_request(f"/fault/{name}").respond_with_response(
            Response(body, status=status, headers=headers, content_type=content_type)
        )
    server.expect_request("/fault/timeout").respond_with_handler(_slow)
    server.expect_request("/flaky/500").respond_with_handler(_fails_once(500, {}))
    server.expect_request("/flaky/429").respond_with_handler(_fails_once(429, {"Retry-After": "1"}))
    return Hub(root, pages, base)
