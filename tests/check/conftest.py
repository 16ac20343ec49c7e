"""Fixtures for the re-check tests: a real threaded HTTP server on loopback, fetchers."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from khub.check.http import FetchConfig, Fetcher, FetchResult, Kind
from tests.kit.paths import SOURCES

LOOPBACK_ONLY = (ipaddress.ip_network("127.0.0.0/8"),)

# Tiny limits keep the fault tests fast; each test overrides what it exercises.
TEST_CONFIG = FetchConfig(
    connect_timeout=1.0,
    read_timeout=1.0,
    retries=2,
    backoff=0.01,
    max_retry_wait=2.0,
    allow_networks=LOOPBACK_ONLY,
)


@pytest.fixture
def sources() -> Path:
    """Return the folder of recorded source pages."""
    return SOURCES


MakeFetcher = Callable[..., Fetcher]


@pytest.fixture
def make_fetcher() -> Iterator[MakeFetcher]:
    """Return a factory of fetchers with test limits; every fetcher is closed afterwards."""
    made: list[Fetcher] = []

    def make(**overrides: Any) -> Fetcher:
        fetcher = Fetcher(replace(TEST_CONFIG, **overrides))
        made.append(fetcher)
        return fetcher

    yield make
    for fetcher in made:
        fetcher.close()


ServeSource = Callable[..., FetchResult]


@pytest.fixture
def source(server: HTTPServer, make_fetcher: MakeFetcher) -> ServeSource:
    """Return a function that serves a fixture file (or bytes) and fetches it."""

    def serve(
        name: str, content_type: str, kind: Kind = "any", body: bytes | None = None
    ) -> FetchResult:
        data = (SOURCES / name).read_bytes() if body is None else body
        server.expect_request(f"/{name}").respond_with_data(data, content_type=content_type)
        return make_fetcher().fetch(server.url_for(f"/{name}"), kind)

    return serve
