"""Helpers of the browser tests: build the repository's hub and serve it on loopback."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from playwright.sync_api import ConsoleMessage, Page, Route

from khub.calc import export as calculators
from khub.calc.form import calculator_helper
from khub.data.load import load
from khub.render import charts
from khub.render.charts import chart_helper
from khub.site.builder import mkdocs_build
from khub.site.generate import generate
from tests.kit.hubs import TODAY

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MODULES = ("open-vs-closed", "api-prices", "licences")


def build(root: Path, site_url: str, today: dt.date = TODAY) -> Path:
    """Generate the hub with the calculators and charts wired in, then mkdocs build --strict."""
    factset, _ = load(root, today=today, cache=False)
    generate(
        root,
        factset,
        helpers={"calculator": calculator_helper(factset), "chart": chart_helper(factset)},
        extra_files=[calculators.extra_files, charts.extra_files],
        today=today,
        cache=False,
    )
    previous = os.environ.get("KHUB_SITE_URL")
    os.environ["KHUB_SITE_URL"] = site_url
    try:
        return mkdocs_build(root)
    finally:
        if previous is None:
            del os.environ["KHUB_SITE_URL"]
        else:
            os.environ["KHUB_SITE_URL"] = previous


class _Quiet(SimpleHTTPRequestHandler):
    """Serve files without logging each request to stderr."""

    def log_message(self, format: str, *args: Any) -> None:
        """Drop the request log."""


@contextmanager
def serve(root: Path) -> Iterator[tuple[str, Path]]:
    """Serve root/site on a free loopback port; yield (base URL, site folder) while built."""
    site = root / "site"
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(site)))
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield url, site
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def open_module(page: Page, module: str) -> None:
    """Open a module page and wait until its calculators are live."""
    page.goto(f"{module}/")
    wait_ready(page)


def wait_ready(page: Page) -> None:
    """Wait until every calculator on the page has loaded its data."""
    page.wait_for_function(
        "[...document.querySelectorAll('[data-khub-calc]')]"
        ".every(el => el.getAttribute('data-khub-ready') === 'ready')"
    )


@dataclass(frozen=True)
class Site:
    """The built hub: its root, its site folder and the URL it is served at."""

    root: Path
    folder: Path
    url: str


@dataclass
class Guard:
    """What a page did that it must not: requests off loopback, console errors."""

    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def route(self, route: Route) -> None:
        """Let loopback requests through; abort and record every other one."""
        url = route.request.url
        if urlparse(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(url)
            route.abort()

    def console(self, message: ConsoleMessage) -> None:
        """Record console errors."""
        if message.type == "error":
            self.errors.append(message.text)

    def check(self) -> None:
        """Fail when the page reached outside loopback or logged an error."""
        assert self.outside == [], f"requests left loopback: {self.outside}"
        assert self.errors == [], f"console errors: {self.errors}"
