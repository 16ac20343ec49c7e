"""The fetcher against a real HTTP server on loopback: evidence, limits and every fault."""

from __future__ import annotations

import gzip
import hashlib
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from khub.check.http import (
    USER_AGENT,
    BadScheme,
    ConnectionFailed,
    DecodeFailed,
    Fetcher,
    FetchError,
    FetchResult,
    HTTPStatus,
    Progress,
    RedirectLoop,
    Timeout,
    TooLarge,
    WrongContentType,
    interleave_hosts,
    parse_retry_after,
)
from tests.check.netkit import raw_server, read_request

MakeFetcher = Callable[..., Fetcher]

HTML = "text/html; charset=utf-8"


def counting(responses: list[Response]) -> tuple[Counter[str], Any]:
    """Return a request counter and a handler answering `responses` in turn, then the last."""
    calls: Counter[str] = Counter()

    def handler(request: Request) -> Response:
        calls[request.path] += 1
        return responses[min(calls[request.path], len(responses)) - 1]

    return calls, handler


# Evidence ------------------------------------------------------------------------------


def test_result_carries_the_evidence(
    server: HTTPServer, make_fetcher: MakeFetcher, sources: Path
) -> None:
    body = (sources / "pricing.html").read_bytes()
    server.expect_request("/pricing", headers={"User-Agent": USER_AGENT}).respond_with_data(
        body, content_type=HTML
    )
    url = server.url_for("/pricing")

    result = make_fetcher().fetch(url, "html")

    assert (result.url, result.final_url, result.status) == (url, url, 200)
    assert result.sha256 == hashlib.sha256(body).hexdigest()
    assert result.body == body
    assert "Claude Opus 4.8" in result.text
    assert result.content_type == HTML
    assert not result.from_cache
    assert result.fetched_at.tzinfo is UTC
    assert abs((datetime.now(UTC) - result.fetched_at).total_seconds()) < 5
    assert 0 < result.elapsed_s < 5


def test_user_agent_identifies_khub() -> None:
    assert USER_AGENT.startswith("khub/")
    assert USER_AGENT.endswith("(+knowledge-hub re-check)")


def test_redirects_are_followed_to_the_final_url(
    server: HTTPServer, make_fetcher: MakeFetcher
) -> None:
    server.expect_request("/old").respond_with_response(
        Response(status=301, headers={"Location": "/new"})
    )
    server.expect_request("/new").respond_with_data("moved here", content_type="text/plain")

    result = make_fetcher().fetch(server.url_for("/old"), "text")

    assert result.final_url == server.url_for("/new")
    assert result.text == "moved here"


# Network faults ------------------------------------------------------------------------


def test_a_server_slower_than_the_read_timeout_is_a_timeout(
    server: HTTPServer, make_fetcher: MakeFetcher
) -> None:
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response("late", content_type="text/plain")

    server.expect_request("/slow").respond_with_handler(slow)
    started = time.monotonic()

    with pytest.raises(Timeout) as raised:
        make_fetcher(read_timeout=0.2).fetch(server.url_for("/slow"))

    assert time.monotonic() - started < 0.55
    assert raised.value.status is None
    assert raised.value.reason == "read timed out"


def test_a_closed_port_is_connection_refused(make_fetcher: MakeFetcher) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"

    with pytest.raises(ConnectionFailed) as raised:
        make_fetcher().fetch(url)

    assert (raised.value.url, raised.value.reason) == (url, "connection refused")


def test_404_is_an_http_status_error_without_retries(
    server: HTTPServer, make_fetcher: MakeFetcher
) -> None:
    calls, handler = counting([Response("gone", status=404)])
    server.expect_request("/gone").respond_with_handler(handler)

    with pytest.raises(HTTPStatus) as raised:
        make_fetcher().fetch(server.url_for("/gone"))

    assert raised.value.status == 404
    assert raised.value.reason == "HTTP 404 NOT FOUND"
    assert calls["/gone"] == 1


def test_500_is_retried_until_it_succeeds(server: HTTPServer, make_fetcher: MakeFetcher) -> None:
    ok = Response("fine", content_type="text/plain")
    calls, handler = counting([Response(status=500), Response(status=503), ok])
    server.expect_request("/flaky").respond_with_handler(handler)

    result = make_fetcher().fetch(server.url_for("/flaky"), "text")

    assert (result.status, result.text) == (200, "fine")
    assert calls["/flaky"] == 3


def test_500_after_every_retry_is_an_http_status_error(
    server: HTTPServer, make_fetcher: MakeFetcher
) -> None:
    calls, handler = counting([Response(status=502)])
    server.expect_request("/down").respond_with_handler(handler)

    with pytest.raises(HTTPStatus) as raised:
        make_fetcher(retries=2).fetch(server.url_for("/down"))

    assert raised.value.status == 502
    assert raised.value.reason == "HTTP 502 BAD GATEWAY after 2 retries"
    assert calls["/down"] == 3


def test_429_waits_as_long_as_retry_after_says(
    server: HTTPServer, make_fetcher: MakeFetcher
) -> None:
    busy = Response("slow down", status=429, headers={"Retry-After": "1"})
    calls, handler = counting([busy, Response("{}", content_type="application/json")])
    server.expect_request("/rate").respond_with_handler(handler)
    started = time.monotonic()

    result = make_fetcher().fetch(server.url_for("/rate"), "json")

    assert result.text == "{}"
    assert time.monotonic() - started >= 1.0
    assert calls["/rate"] == 2


def test_a_retry_after_beyond_the_cap_gives_up_at_once(
    server: HTTPServer, make_fetcher: MakeFetcher
) -> None:
    calls, handler = counting([Response(status=429, headers={"Retry-After": "3600"})])
    server.expect_request("/later").respond_with_handler(handler)

    with pytest.raises(HTTPStatus) as raised:
        make_fetcher(max_retry_wait=2.0).fetch(server.url_for("/later"))

    assert raised.value.reason == "HTTP 429, asked to retry after 3600 s (cap 2 s)"
    assert calls["/later"] == 1


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("1", 1.0),
        (" 120 ", 120.0),
        ("Mon, 01 Jun 2026 12:00:30 GMT", 30.0),
        ("Mon, 01 Jun 2026 11:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
    ],
)
def test_retry_after_reads_seconds_and_dates(header: str | None, seconds: float | None) -> None:
    now = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after(header, now) == seconds


def test_a_location_in_raw_utf8_is_followed(make_fetcher: MakeFetcher) -> None:
    asked: list[bytes] = []

    def serve(connection: socket.socket) -> None:
        path = read_request(connection).split(b" ")[1]
        asked.append(path)
        if path == b"/old":
            connection.sendall(b"HTTP/1.1 302 Found\r\nLocation: /caf\xc3\xa9\r\n")
            connection.sendall(b"Content-Length: 0\r\n\r\n")
        else:
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n")
            connection.sendall(b"Content-Length: 4\r\n\r\nmenu")

    with raw_server(serve) as raw:
        result = make_fetcher().fetch(raw.url("/old"), "text")

    assert asked == [b"/old", b"/caf%C3%A9"]
    assert (result.final_url, result.text) == (raw.url("/caf\u00e9"), "menu")


def test_a_redirect_loop_is_detected(server: HTTPServer, make_fetcher: MakeFetcher) -> None:
    server.expect_request("/a").respond_with_response(
        Response(status=302, headers={"Location": "/b"})
    )
    server.expect_request("/b").respond_with_response(
        Response(status=307, headers={"Location": "/a"})
    )

    with pytest.raises(RedirectLoop) as raised:
        make_fetcher().fetch(server.url_for("/a"))

    assert raised.value.reason == f"redirect loop back to {server.url_for('/a')}"


def test_too_many_redirects_stop(server: HTTPServer, make_fetcher: MakeFetcher) -> None:
    def onward(request: Request) -> Response:
        step = int(request.path.rsplit("/", 1)[1])
        return Response(status=302, headers={"Location": f"/hop/{step + 1}"})

    server.expect_request("/hop/0").respond_with_handler(onward)
    for step in range(1, 10):
        server.expect_request(f"/hop/{step}").respond_with_handler(onward)

    with pytest.raises(RedirectLoop, match="more than 3 redirects"):
        make_fetcher(max_redirects=3).fetch(server.url_for("/hop/0"))


# Bodies ----------------------------------------------------------------------------------


def test_a_body_over_the_cap_is_too_large(server: HTTPServer, make_fetcher: MakeFetcher) -> None:
    server.expect_request("/big").respond_with_data(b"x" * 5000, content_type="text/plain")

    with pytest.raises(TooLarge, match="Content-Length 5000 exceeds the 1000-byte cap"):
        make_fetcher(max_bytes=1000).fetch(server.url_for("/big"))


def test_a_streamed_body_over_the_cap_stops_early(
    server: HTTPServer, make_fetcher: MakeFetcher
) -> None:
    sent = []

    def endless() -> Iterator[bytes]:
        for _ in range(10_000):
            sent.append(1)
            yield b"y" * 1024

    server.expect_request("/stream").respond_with_handler(
        lambda request: Response(endless(), content_type="text/plain")
    )

    with pytest.raises(TooLarge, match="body exceeds the 4096-byte cap"):
        make_fetcher(max_bytes=4096).fetch(server.url_for("/stream"))

    assert len(sent) < 10_000


def test_a_gzip_body_is_decoded_and_capped_after_decoding(
    server: HTTPServer, make_fetcher: MakeFetcher
) -> None:
    packed = gzip.compress(b"z" * 8000)
    server.expect_request(
        "/packed", headers={"Accept-Encoding": "gzip, deflate"}
    ).respond_with_data(packed, content_type="text/plain", headers={"Content-Encoding": "gzip"})
    url = server.url_for("/packed")

    assert make_fetcher().fetch(url, "text").text == "z" * 8000
    with pytest.raises(TooLarge, match="body exceeds the 4096-byte cap"):
        make_fetcher(max_bytes=4096).fetch(url)
    assert len(packed) < 4096


def test_a_corrupt_gzip_body_fails_to_decode(server: HTTPServer, make_fetcher: MakeFetcher) -> None:
    server.expect_request("/broken").respond_with_data(
        b"\x1f\x8b not really gzip", content_type="text/plain", headers={"Content-Encoding": "gzip"}
    )

    with pytest.raises(DecodeFailed) as raised:
        make_fetcher().fetch(server.url_for("/broken"))

    assert raised.value.reason == "content encoding (gzip/deflate) is corrupt"


def test_a_wrong_content_type_is_refused(server: HTTPServer, make_fetcher: MakeFetcher) -> None:
    server.expect_request("/logo").respond_with_data(b"\x89PNG\r\n", content_type="image/png")
    fetcher = make_fetcher()

    with pytest.raises(WrongContentType) as raised:
        fetcher.fetch(server.url_for("/logo"), "html")

    assert raised.value.reason == "expected html, got image/png"
    assert raised.value.status == 200
    assert fetcher.fetch(server.url_for("/logo"), "any").body == b"\x89PNG\r\n"


def test_json_may_come_as_text_plain(server: HTTPServer, make_fetcher: MakeFetcher) -> None:
    server.expect_request("/raw.json").respond_with_data('{"a": 1}', content_type="text/plain")

    assert make_fetcher().fetch(server.url_for("/raw.json"), "json").text == '{"a": 1}'


def test_bytes_invalid_in_the_declared_charset_fail_to_decode(
    server: HTTPServer, make_fetcher: MakeFetcher
) -> None:
    server.expect_request("/bad").respond_with_data(b"caf\xe9 cr\xe8me", content_type=HTML)

    with pytest.raises(DecodeFailed) as raised:
        make_fetcher().fetch(server.url_for("/bad"), "html")

    assert raised.value.reason == "bytes at offset 3 are not valid utf-8"


def test_the_declared_charset_is_used(server: HTTPServer, make_fetcher: MakeFetcher) -> None:
    latin = "text/plain; charset=ISO-8859-1"
    server.expect_request("/latin").respond_with_data(b"caf\xe9", content_type=latin)

    assert make_fetcher().fetch(server.url_for("/latin"), "text").text == "café"


def test_an_html_meta_charset_is_used_when_the_header_has_none(
    server: HTTPServer, make_fetcher: MakeFetcher
) -> None:
    page = b'<html><head><meta charset="windows-1252"></head><body>\x9330%\x94</body></html>'
    server.expect_request("/meta").respond_with_data(page, content_type="text/html")

    assert "\u201c30%\u201d" in make_fetcher().fetch(server.url_for("/meta"), "html").text


def test_an_unknown_charset_fails_to_decode(server: HTTPServer, make_fetcher: MakeFetcher) -> None:
    odd = "text/plain; charset=klingon"
    server.expect_request("/odd").respond_with_data(b"abc", content_type=odd)

    with pytest.raises(DecodeFailed, match="unknown charset 'klingon'"):
        make_fetcher().fetch(server.url_for("/odd"), "text")


# Cache and conditional requests ----------------------------------------------------------


@pytest.mark.parametrize(
    ("validator", "conditional"),
    [
        ("ETag", "If-None-Match"),
        ("Last-Modified", "If-Modified-Since"),
    ],
)
def test_a_second_run_revalidates_and_takes_the_body_from_cache(
    server: HTTPServer,
    make_fetcher: MakeFetcher,
    sources: Path,
    tmp_path: Path,
    validator: str,
    conditional: str,
) -> None:
    value = '"v1"' if validator == "ETag" else "Mon, 01 Jun 2026 00:00:00 GMT"
    body = (sources / "leaderboard.json").read_bytes()
    seen: list[str | None] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get(conditional))
        if request.headers.get(conditional) == value:
            return Response(status=304)
        return Response(body, content_type="application/json", headers={validator: value})

    server.expect_request("/board.json").respond_with_handler(handler)
    url = server.url_for("/board.json")

    first = make_fetcher(cache_dir=tmp_path).fetch(url, "json")
    second = make_fetcher(cache_dir=tmp_path).fetch(url, "json")

    assert seen == [None, value]
    assert (first.status, first.from_cache) == (200, False)
    assert (second.status, second.from_cache) == (304, True)
    assert (second.body, second.sha256, second.text) == (first.body, first.sha256, first.text)


def test_a_corrupt_cache_entry_is_ignored(
    server: HTTPServer, make_fetcher: MakeFetcher, tmp_path: Path
) -> None:
    _, handler = counting([Response("v1", content_type="text/plain", headers={"ETag": '"1"'})])
    server.expect_request("/doc").respond_with_handler(handler)
    url = server.url_for("/doc")
    make_fetcher(cache_dir=tmp_path).fetch(url)
    for body in tmp_path.glob("*.body"):
        body.write_bytes(b"tampered")

    result = make_fetcher(cache_dir=tmp_path).fetch(url, "text")

    assert (result.status, result.text, result.from_cache) == (200, "v1", False)


# Concurrency, memo, progress -------------------------------------------------------------


def test_each_url_is_fetched_once_per_run(server: HTTPServer, make_fetcher: MakeFetcher) -> None:
    calls, handler = counting([Response("same", content_type="text/plain")])
    server.expect_request("/once").respond_with_handler(handler)
    server.expect_request("/other").respond_with_handler(handler)
    once, other = server.url_for("/once"), server.url_for("/other")
    fetcher = make_fetcher()

    outcomes = fetcher.fetch_all([once, other, once, once + "#section"])
    again = fetcher.fetch(once, "text")

    assert list(outcomes) == [once, other, once + "#section"]
    assert again.sha256 == outcomes[once].sha256  # type: ignore[union-attr]
    assert calls == {"/once": 1, "/other": 1}


def concurrency_probe(server: HTTPServer, paths: list[str], delay: float) -> list[int]:
    """Serve `paths` slowly; return a one-item list that ends as the peak concurrency."""
    lock, state, peak = threading.Lock(), {"now": 0}, [0]

    def handler(request: Request) -> Response:
        with lock:
            state["now"] += 1
            peak[0] = max(peak[0], state["now"])
        time.sleep(delay)
        with lock:
            state["now"] -= 1
        return Response("ok", content_type="text/plain")

    for path in paths:
        server.expect_request(path).respond_with_handler(handler)
    return peak


def test_the_per_host_limit_is_respected(server: HTTPServer, make_fetcher: MakeFetcher) -> None:
    paths = [f"/slow/{n}" for n in range(6)]
    peak = concurrency_probe(server, paths, delay=0.15)

    outcomes = make_fetcher(max_workers=6, per_host=2).fetch_all(map(server.url_for, paths))

    assert all(isinstance(result, FetchResult) for result in outcomes.values())
    assert peak == [2]


def test_the_global_limit_is_respected(server: HTTPServer, make_fetcher: MakeFetcher) -> None:
    paths = [f"/wide/{n}" for n in range(6)]
    peak = concurrency_probe(server, paths, delay=0.15)

    make_fetcher(max_workers=3, per_host=10).fetch_all(map(server.url_for, paths))

    assert peak == [3]


def test_fetch_all_returns_errors_and_reports_progress(
    server: HTTPServer, make_fetcher: MakeFetcher
) -> None:
    server.expect_request("/ok").respond_with_data("{}", content_type="application/json")
    server.expect_request("/missing").respond_with_data("no", status=404)
    urls = [server.url_for("/ok"), server.url_for("/missing"), "ftp://example.org/x"]
    seen: list[Progress] = []

    outcomes = make_fetcher().fetch_all(urls, {urls[0]: "json"}, progress=seen.append)

    assert [type(outcomes[url]) for url in urls] == [FetchResult, HTTPStatus, BadScheme]
    assert all(isinstance(outcomes[url], FetchError) for url in urls[1:])
    assert sorted(p.done for p in seen) == [1, 2, 3]
    assert {p.total for p in seen} == {3}
    assert {p.url: p.outcome for p in seen} == outcomes


def test_urls_are_interleaved_by_host() -> None:
    urls = ["http://a/1", "http://a/2", "http://a/3", "http://b/1", "http://c/1", "http://b/2"]

    assert interleave_hosts(urls) == [
        "http://a/1",
        "http://b/1",
        "http://c/1",
        "http://a/2",
        "http://b/2",
        "http://a/3",
    ]
