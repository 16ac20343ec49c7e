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

from axe_playwright_python.sync_playwright import Axe
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


def luminance(rgb: list[float]) -> float:
    """Return the WCAG relative luminance of an sRGB colour given as 0-255 channels."""

    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def shots_folder(tmp_path: Path) -> Path:
    """Return the screenshot folder: $KHUB_SHOTS when set, else the test's temporary folder."""
    folder = Path(os.environ.get("KHUB_SHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def open_module(page: Page, module: str) -> None:
    """Open a module page and wait until its calculators are live."""
    page.goto(f"{module}/")
    wait_ready(page)


# theme.css leaves charts and tables below the first screen unstyled until a reader scrolls
# near them (content-visibility). An audit is of the page as a reader sees it, every block
# laid out; this style lays them all out (and turns off the clipping that comes with it).
LAID_OUT = ".md-typeset * { content-visibility: visible !important; contain: none !important }"


def lay_out_all(page: Page) -> None:
    """Style and lay out every block of the page, as if the reader had scrolled past it."""
    page.add_style_tag(content=LAID_OUT)


def axe_violations(page: Page, impacts: tuple[str, ...] = ()) -> list[str]:
    """Return axe's violations on the page with every block laid out (only `impacts`, if given)."""
    lay_out_all(page)
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']]}"
        for v in results.response["violations"]
        if not impacts or v["impact"] in impacts
    ]


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
