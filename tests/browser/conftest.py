"""Fixtures of the browser tests: the real hub built once, served on loopback, and a guarded page.

Chromium is Debian's (/usr/bin/chromium, installed by `make chromium`); Playwright's own
browser downloads are never used. Every request that does not go to 127.0.0.1 is aborted
and fails the test, and so does any console error or uncaught exception in the page.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.kit import CHROMIUM, CHROMIUM_ARGS, Guard, Site, build, serve
from tests.kit.hubs import copy_repo


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """Build the repository's hub once (calculators and charts wired in) and serve it."""
    root = copy_repo(tmp_path_factory.mktemp("browser") / "hub")
    (root / "site").mkdir()
    with serve(root) as (url, folder):
        build(root, url)
        yield Site(root, folder, url)


@pytest.fixture(scope="session")
def base_url(site: Site) -> str:
    """Point Playwright's relative URLs at the served hub."""
    return site.url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium, quiet and without any background network."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    """Use a desktop viewport, so Material shows its navigation sidebar."""
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def guard(page: Page) -> Iterator[Guard]:
    """Guard the page: block and record off-loopback requests, record console errors."""
    watch = Guard()
    page.context.route("**/*", watch.route)
    page.on("console", watch.console)
    page.on("pageerror", lambda error: watch.errors.append(str(error)))
    yield watch
    watch.check()
