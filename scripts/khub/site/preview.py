"""The live preview of `khub serve`: serve site/ on loopback, rebuild once per change.

The preview is the `khub build` path (khub.site.builder.build_site, with its page cache),
so a change costs what an incremental build costs, and the page shown is the page a clean
build makes. Three parts:

- `bind` claims the address first, so a taken port is one message and a non-zero exit,
  before anything is built;
- `Watcher` reports edits under content/, data/ and templates/ and to mkdocs.yml, and
  nothing else: khub's own reads (open and close events are not even asked of the kernel),
  its writes to build/, site/ and the caches, and editors' temporary files are ignored;
- `Preview.run` waits (no CPU) until the watcher reports, lets a burst of events settle,
  and rebuilds only when the sources' bytes changed since the last build (a save that
  writes the same bytes, or a touch, builds nothing).

The HTTP server answers from site/ as it is on disk at each request: a build swaps the
whole folder in at once, so a reader sees the old site or the new one, never a mix.
"""

from __future__ import annotations

import errno
import functools
import http.server
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from khub.disk.atomic import TEMP_SUFFIX
from khub.errors import KhubError
from khub.site import heap, stamp
from khub.site.stamp import CONFIG

WATCHED = ("content", "data", "templates")
CHANGES = frozenset({"created", "deleted", "modified", "moved", "closed"})
IGNORED_SUFFIXES = (TEMP_SUFFIX, "~", ".swp", ".swx", ".tmp")
QUIET = 0.1  # seconds without an event before a burst counts as one change


class PortInUse(KhubError):
    """The preview's address is taken by another program."""


def parse_addr(dev_addr: str) -> tuple[str, int]:
    """Return (host, port) of HOST:PORT; raise KhubError when it is not one."""
    host, sep, port = dev_addr.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise KhubError(f"--dev-addr '{dev_addr}' is not HOST:PORT (for example 127.0.0.1:8000)")
    return host, int(port)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Files of site/, no directory listings, no log line per request."""

    def list_directory(self, path: Any) -> None:
        self.send_error(404, "Not found")
        return None

    def log_message(self, format: str, *args: Any) -> None:
        return


def bind(dev_addr: str, site: Path) -> http.server.ThreadingHTTPServer:
    """Return an HTTP server bound to dev_addr that serves site/; PortInUse if taken."""
    host, port = parse_addr(dev_addr)
    handler = functools.partial(_Handler, directory=str(site))
    try:
        server = http.server.ThreadingHTTPServer((host, port), handler, bind_and_activate=False)
        server.allow_reuse_address = False
        server.server_bind()
        server.server_activate()
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise PortInUse(
                f"khub serve: {dev_addr} is in use (pick another with --dev-addr HOST:PORT)"
            ) from None
        raise KhubError(f"khub serve: cannot listen on {dev_addr} ({exc.strerror})") from None
    server.daemon_threads = True
    return server


def serve_in_background(server: http.server.ThreadingHTTPServer) -> Callable[[], None]:
    """Start answering requests in a daemon thread; return the function that stops it."""
    thread = threading.Thread(target=server.serve_forever, name="khub-serve", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)

    return stop


def _wanted(root: Path, event_type: str, paths: list[str]) -> bool:
    """Return True when an event is an edit of a source: a watched folder or mkdocs.yml."""
    if event_type not in CHANGES:
        return False  # opened, closed without writing: khub's own reads
    config = str(root / CONFIG)
    for path in paths:
        if not path or path.endswith(IGNORED_SUFFIXES):
            continue
        if path == config or any(path.startswith(str(root / name)) for name in WATCHED):
            return True
    return False


@dataclass
class Watcher:
    """Set `changed` when a source is edited; watches only what a build reads."""

    root: Path
    changed: threading.Event = field(default_factory=threading.Event)
    events: int = 0

    def start(self) -> Callable[[], None]:
        """Start watching; return the function that stops it."""
        from watchdog.events import (
            DirCreatedEvent,
            DirDeletedEvent,
            DirMovedEvent,
            FileClosedEvent,
            FileCreatedEvent,
            FileDeletedEvent,
            FileModifiedEvent,
            FileMovedEvent,
            FileSystemEvent,
            FileSystemEventHandler,
        )
        from watchdog.observers import Observer

        # Edits only: with no opened/read/closed-unwritten events asked for, the kernel does
        # not report khub's own reads of thousands of sources while it builds.
        edits: list[type[FileSystemEvent]] = [
            FileCreatedEvent,
            FileDeletedEvent,
            FileModifiedEvent,
            FileMovedEvent,
            FileClosedEvent,
            DirCreatedEvent,
            DirDeletedEvent,
            DirMovedEvent,
        ]

        root = self.root.resolve()
        watcher = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                paths = [str(event.src_path), str(getattr(event, "dest_path", "") or "")]
                if _wanted(root, event.event_type, paths):
                    watcher.events += 1
                    watcher.changed.set()

        observer = Observer()
        for name in WATCHED:
            if (root / name).is_dir():
                observer.schedule(Handler(), str(root / name), recursive=True, event_filter=edits)
        # for mkdocs.yml only
        observer.schedule(Handler(), str(root), recursive=False, event_filter=edits)
        observer.start()

        def stop() -> None:
            observer.stop()
            observer.join(timeout=5)

        return stop


@dataclass
class Preview:
    """The rebuild loop: one build per settled change of the sources' bytes."""

    root: Path
    build: Callable[[str], bool]  # given the sources' digest; False: failed (it said why)
    log: Callable[[str], None]
    today: str
    watcher: Watcher
    rebuilds: int = 0
    _last: str = ""

    def mark_built(self) -> None:
        """Record the sources the site now shows (after the first build)."""
        self._last = stamp.source_digest(self.root, self.today)

    def run(self) -> None:
        """Wait for changes and rebuild; returns only by an exception (Ctrl-C, SIGTERM)."""
        while True:
            heap.settle()  # between builds: the next one does not go through what is kept
            self.watcher.changed.wait()
            self._settle()
            sources = stamp.source_digest(self.root, self.today)
            if sources == self._last:
                continue  # same bytes: nothing to build
            start = time.monotonic()
            built = self.build(sources)
            self._last = sources  # a failed build is not retried until the next edit
            self.rebuilds += 1
            took = time.monotonic() - start
            verdict = "rebuilt" if built else "build failed, still serving the last site"
            self.log(f"khub serve: {verdict} ({took:.1f} s)")

    def _settle(self) -> None:
        """Return once no event came for QUIET seconds (an editor's save is a burst)."""
        while True:
            self.watcher.changed.clear()
            if not self.watcher.changed.wait(QUIET):
                return
