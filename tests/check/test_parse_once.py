"""A body is parsed once per run and format, and not at all when the server answers 304."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from khub.check import cache
from khub.check.extract import json as json_method
from tests.kit.checkhub import Hub, serve_hub


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count the JSON parses of the method, whatever reads them."""
    calls: list[int] = []
    real = json_method._parse

    def counted(text: str) -> Any:
        calls.append(len(text))
        return real(text)

    monkeypatch.setattr(json_method, "_parse", counted)
    return calls


@pytest.fixture
def hub(tmp_path: Path, server: HTTPServer) -> Hub:
    """Return the check hub served on loopback."""
    return serve_hub(tmp_path / "hub", server)


def test_three_facts_of_one_json_parse_it_once_and_a_304_run_not_at_all(
    hub: Hub, parses: list[int], tmp_path: Path
) -> None:
    env = {"KHUB_CACHE_DIR": str(tmp_path / "cache")}
    first = hub.run("swe-verified.*", "--json", env=env)
    assert first.exit_code == 0, first.stderr
    assert len(json.loads(first.stdout)["outcomes"]) == 3
    assert len(parses) == 1
    second = hub.run("swe-verified.*", "--json", env=env)
    report = json.loads(second.stdout)
    assert report["from_cache"] == 1, "the server answered 304"
    outcomes = [(o["fact"], o["outcome"], o["new"]) for o in report["outcomes"]]
    assert outcomes == [
        (o["fact"], o["outcome"], o["new"]) for o in json.loads(first.stdout)["outcomes"]
    ]
    assert len(parses) == 1, "the parsed form was read from beside the HTTP cache"
    stored = sorted(p.name for p in (tmp_path / "cache").rglob("parsed/*"))
    assert len(stored) == 1 and stored[0].endswith(".json.marshal")


def test_a_damaged_parsed_copy_is_parsed_again(tmp_path: Path) -> None:
    store = cache.ParseStore(tmp_path)
    assert store.get("json", "ab" * 32, lambda: {"k": [1, 2.5, "x"]}) == {"k": [1, 2.5, "x"]}
    (path,) = (tmp_path / "parsed").iterdir()
    path.write_bytes(b"\x00garbage")
    again = cache.ParseStore(tmp_path)
    assert again.get("json", "ab" * 32, lambda: {"k": 2}) == {"k": 2}
    assert again.parses == 1


def test_a_body_that_does_not_parse_fails_every_fact_with_one_parse() -> None:
    store = cache.ParseStore(None)
    calls: list[int] = []

    def bad() -> object:
        calls.append(1)
        raise ValueError("malformed")

    for _ in range(3):
        with pytest.raises(ValueError, match="malformed"):
            store.get("json", "cd" * 32, bad)
    assert calls == [1]


def test_parsed_copies_unused_for_two_months_are_deleted(tmp_path: Path) -> None:
    import os
    import time

    store = cache.ParseStore(tmp_path)
    store.get("json", "aa" * 32, lambda: [1])
    store.get("json", "bb" * 32, lambda: [2])
    old = time.time() - (cache.PARSED_KEEP_DAYS + 1) * 86_400
    for path in (tmp_path / "parsed").iterdir():
        os.utime(path, (old, old))
    cache.ParseStore(tmp_path).get("json", "aa" * 32, lambda: [9])  # read: kept
    store.prune()
    assert [p.name for p in (tmp_path / "parsed").iterdir()] == [f"{'aa' * 32}.json.marshal"]
