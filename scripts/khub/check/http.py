"""Fetch sources over HTTP: the one place in khub that touches the network.

One `Fetcher` per run enforces, for every request: http/https only; the URL parsed once and
its host resolved once, every address checked against the address policy (`net`), and the
connection made to a checked address itself, never to the name (`connect`), on every
redirect hop and retry alike; connect and read timeouts and a total time per exchange that
cuts off a trickling server; retries with exponential backoff on 429 and 5xx (honouring
`Retry-After`); a cap on the body size; an identifying User-Agent; a global and a per-host
concurrency limit; each URL at most once per run; and an on-disk cache revalidated with
`If-None-Match` / `If-Modified-Since`. Each exchange has a connection of its own, and no
proxy is ever used: a proxy would connect to an address the policy never saw.

Failures are raised (by `fetch`) or returned (by `fetch_all`) as `FetchError` subclasses.
"""

from __future__ import annotations

import codecs
import hashlib
import http.client
import re
import ssl
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from itertools import zip_longest
from pathlib import Path
from types import TracebackType
from typing import Literal
from urllib.parse import urldefrag, urljoin, urlsplit

import urllib3.exceptions
from urllib3.connection import HTTPConnection
from urllib3.response import BaseHTTPResponse

from khub import __version__
from khub.check import net
from khub.check.cache import CacheEntry, HttpCache
from khub.check.connect import ConnectTimedOut, Deadline, open_connection, tls_context
from khub.check.net import IPNetwork as IPNetwork  # the type of FetchConfig.allow_networks
from khub.check.net import Pin, Resolver, resolve_host

USER_AGENT = f"khub/{__version__} (+knowledge-hub re-check)"

Kind = Literal["html", "json", "text", "any"]  # expected content; "any" accepts every type

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_ACCEPT = "text/html, application/json;q=0.9, text/plain;q=0.8, */*;q=0.5"
_CONNECTION_ERRORS = (OSError, http.client.HTTPException, urllib3.exceptions.HTTPError)
_TEXTUAL = re.compile(r"^(text/.*|application/(.*\+)?(json|xml)|application/xhtml\+xml)$")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9._:-]+)""", re.I)


class FetchError(Exception):
    """A source could not be fetched; `reason` says why in a few words."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.status = status


class Timeout(FetchError):
    """The server did not connect, answer or finish the body in time."""


class ConnectionFailed(FetchError):
    """No connection: refused, reset, unresolvable host, TLS failure."""


class HTTPStatus(FetchError):
    """The server answered with an error status (after any retries)."""


class TooLarge(FetchError):
    """The body is larger than the configured cap."""


class RedirectLoop(FetchError):
    """Redirects came back to a URL already visited, or went on for too many hops."""


class ForbiddenAddress(FetchError):
    """The host is, or resolves to, a private, loopback or otherwise non-public address."""


class BadScheme(FetchError):
    """The URL is not an http or https URL with a host."""


class UnsafeURL(FetchError):
    """The URL has userinfo, a backslash, odd characters, or parsers that read it differently."""


class WrongContentType(FetchError):
    """The body is not of the kind the caller expects (html, json, text)."""


class DecodeFailed(FetchError):
    """The body's bytes are not valid in its declared (or default) charset."""


@dataclass(frozen=True)
class FetchConfig:
    """Limits and switches for one run of fetches."""

    connect_timeout: float = 5.0  # seconds to establish a connection
    read_timeout: float = 20.0  # seconds of silence allowed while waiting for bytes
    max_time: float = 120.0  # seconds for one exchange: connection, request, headers, body
    retries: int = 3  # extra attempts after a 429 or 5xx
    backoff: float = 1.0  # first retry wait without Retry-After; doubles each attempt
    max_retry_wait: float = 60.0  # longest wait; a longer Retry-After gives up at once
    max_bytes: int = 20 * 1024 * 1024  # body size cap, after content decoding
    max_redirects: int = 10
    max_workers: int = 16  # global concurrency of fetch_all
    per_host: int = 4  # concurrent requests to one host name
    allow_private: bool = False  # allow every non-public address (never in production)
    allow_networks: tuple[IPNetwork, ...] = ()  # non-public networks allowed nonetheless
    cache_dir: Path | None = None  # e.g. cache_root(root) / "http"; None: no cache, no 304s
    user_agent: str = USER_AGENT
    resolver: Resolver = resolve_host  # host name -> addresses, asked once per hop
    ca_file: Path | None = None  # CA certificates for TLS; None: the certifi bundle


@dataclass(frozen=True)
class FetchResult:
    """A fetched source: the evidence behind every value extracted from it."""

    url: str  # as requested
    final_url: str  # after redirects
    status: int  # 200-299, or 304 when the body is the cached copy
    fetched_at: datetime  # UTC, when the final response arrived
    sha256: str  # hex digest of body
    body: bytes
    text: str  # body decoded; "" for a non-text body fetched as "any"
    content_type: str  # the Content-Type header as sent
    from_cache: bool  # True when the server answered 304 Not Modified
    elapsed_s: float  # wall time including retries and redirects


@dataclass(frozen=True)
class Progress:
    """One URL finished during `fetch_all`: `done` of `total` so far."""

    url: str
    outcome: FetchResult | FetchError
    done: int
    total: int


ProgressHook = Callable[[Progress], None]


@dataclass(frozen=True)
class _Reply:
    """One HTTP exchange, before redirects are followed."""

    url: str
    status: int
    reason: str
    body: bytes = b""
    content_type: str = ""
    location: str | None = None
    retry_after: str | None = None
    from_cache: bool = False


@dataclass(frozen=True)
class _Raw:
    """The final reply for a URL, kind-independent, as memoised for the run."""

    final_url: str
    status: int
    body: bytes
    content_type: str
    from_cache: bool
    fetched_at: datetime
    elapsed_s: float


class Fetcher:
    """Fetch URLs for one run: each URL at most once, politely, through a disk cache."""

    def __init__(self, config: FetchConfig | None = None) -> None:
        self.config = config or FetchConfig()
        self._policy = net.AddressPolicy(self.config.allow_private, self.config.allow_networks)
        self._tls = tls_context(self.config.ca_file)
        self._cache = HttpCache(self.config.cache_dir) if self.config.cache_dir else None
        self._memo: dict[str, Future[_Raw]] = {}
        self._memo_lock = threading.Lock()
        self._hosts: dict[str, threading.BoundedSemaphore] = {}
        self._hosts_lock = threading.Lock()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the run's resources: connections never outlive their exchange, so none."""

    def fetch(self, url: str, kind: Kind = "any") -> FetchResult:
        """Return the source at `url` checked as `kind`; raise a `FetchError` subclass."""
        return _as_kind(url, self._retrieve(urldefrag(url).url), kind)

    def fetch_all(
        self,
        urls: Iterable[str],
        kinds: Mapping[str, Kind] | None = None,
        *,
        progress: ProgressHook | None = None,
    ) -> dict[str, FetchResult | FetchError]:
        """Fetch distinct `urls` concurrently; map each to its result or its error."""
        ordered = list(dict.fromkeys(urls))
        kinds = kinds or {}
        outcomes: dict[str, FetchResult | FetchError] = {}
        with ThreadPoolExecutor(self.config.max_workers, thread_name_prefix="khub-fetch") as pool:
            futures = {
                pool.submit(self._outcome, url, kinds.get(url, "any")): url
                for url in interleave_hosts(ordered)
            }
            for done, future in enumerate(as_completed(futures), start=1):
                url = futures[future]
                outcomes[url] = future.result()
                if progress is not None:
                    progress(Progress(url, outcomes[url], done, len(futures)))
        return {url: outcomes[url] for url in ordered}

    def _outcome(self, url: str, kind: Kind) -> FetchResult | FetchError:
        try:
            return self.fetch(url, kind)
        except FetchError as error:
            return error

    def _retrieve(self, url: str) -> _Raw:
        with self._memo_lock:
            future = self._memo.get(url)
            if future is None:
                future = self._memo[url] = Future()
                owner = True
            else:
                owner = False
        if owner:
            try:
                future.set_result(self._download(url))
            except BaseException as error:
                future.set_exception(error)
        return future.result()

    def _download(self, url: str) -> _Raw:
        started = time.monotonic()
        visited: list[str] = []
        target = url
        while True:
            reply = self._hop(url, target)
            visited.append(target)
            if reply.location is None:
                return _raw(reply, started)
            target = self._next_hop(url, visited, reply.location)

    def _hop(self, url: str, target: str) -> _Reply:
        """Request `target` on the way to `url`; errors name `url` and the hop."""
        try:
            return self._request(target, self._pin(target))
        except FetchError as error:
            if target == url:
                raise
            reason = f"{error.reason} (redirected to {target})"
            raise type(error)(url, reason, error.status) from error

    def _next_hop(self, url: str, visited: list[str], location: str) -> str:
        target = urldefrag(urljoin(visited[-1], location)).url
        if target in visited:
            raise RedirectLoop(url, f"redirect loop back to {target}")
        if len(visited) > self.config.max_redirects:
            raise RedirectLoop(url, f"more than {self.config.max_redirects} redirects")
        return target

    def _pin(self, url: str) -> Pin:
        """Return where `url` may be fetched from: resolved once, every address checked."""
        try:
            return net.pin(url, self._policy, self.config.resolver)
        except net.Refused as refusal:
            raise _REFUSALS[type(refusal)](url, refusal.reason) from None

    def _request(self, url: str, pin: Pin) -> _Reply:
        for attempt in range(self.config.retries + 1):
            reply = self._exchange(url, pin)
            if not _retryable(reply.status) or attempt == self.config.retries:
                break
            time.sleep(self._retry_wait(url, reply, attempt))
        return _checked(url, reply, retried=attempt)

    def _retry_wait(self, url: str, reply: _Reply, attempt: int) -> float:
        asked = parse_retry_after(reply.retry_after, datetime.now(UTC))
        cap = self.config.max_retry_wait
        if asked is None:
            return float(min(self.config.backoff * 2**attempt, cap))
        if asked > cap:
            reason = f"HTTP {reply.status}, asked to retry after {asked:.0f} s (cap {cap:g} s)"
            raise HTTPStatus(url, reason, reply.status)
        return asked

    def _exchange(self, url: str, pin: Pin) -> _Reply:
        cached = self._cache.get(url) if self._cache else None
        headers = self._headers(pin, cached)
        with self._host_slot(pin.target.host), Deadline(self.config.max_time) as deadline:
            connection: HTTPConnection | None = None
            status: int | None = None
            try:
                connection = self._open(pin, deadline)
                connection.request("GET", pin.target.path, headers=headers, preload_content=False)
                with connection.getresponse() as response:
                    if deadline.cut:  # the head ended early because the socket was shut
                        raise self._too_slow(url, None)
                    status = response.status
                    return self._reply(url, response, cached, deadline)
            except _CONNECTION_ERRORS as error:
                raise self._failure(url, error, deadline, status) from error
            finally:
                if connection is not None:
                    connection.close()

    def _open(self, pin: Pin, deadline: Deadline) -> HTTPConnection:
        timeouts = (self.config.connect_timeout, self.config.read_timeout)
        return open_connection(pin, timeouts, deadline, self._tls)

    def _headers(self, pin: Pin, cached: CacheEntry | None) -> dict[str, str]:
        return {
            "Host": pin.target.authority,
            "User-Agent": self.config.user_agent,
            "Accept": _ACCEPT,
            "Accept-Encoding": "gzip, deflate",
            "Connection": "close",
            **(cached.validators() if cached else {}),
        }

    def _failure(
        self, url: str, error: Exception, deadline: Deadline, status: int | None
    ) -> FetchError:
        if deadline.cut:
            return self._too_slow(url, status)
        return _translate(url, error)

    def _too_slow(self, url: str, status: int | None) -> Timeout:
        limit = f"{self.config.max_time:g} s"
        if status is None:
            return Timeout(url, f"no response within {limit}")
        return Timeout(url, f"body took longer than {limit}", status)

    def _reply(
        self, url: str, response: BaseHTTPResponse, cached: CacheEntry | None, deadline: Deadline
    ) -> _Reply:
        status, reason = response.status, response.reason or ""
        if status == 304 and cached is not None:
            return _Reply(url, status, reason, cached.body, cached.content_type, from_cache=True)
        if status in _REDIRECTS:
            return _Reply(url, status, reason, location=_location(response))
        if not 200 <= status < 300:
            return _Reply(url, status, reason, retry_after=response.headers.get("Retry-After"))
        body = self._read_body(url, response, deadline)
        content_type = response.headers.get("Content-Type", "")
        if self._cache is not None:
            etag, modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
            self._cache.put(CacheEntry(url, body, content_type, etag, modified))
        return _Reply(url, status, reason, body, content_type)

    def _read_body(self, url: str, response: BaseHTTPResponse, deadline: Deadline) -> bytes:
        """Read the decoded body within the size cap and the exchange's deadline."""
        cap, status = self.config.max_bytes, response.status
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > cap:
            raise TooLarge(url, f"Content-Length {declared} exceeds the {cap}-byte cap", status)
        chunks, size = [], 0
        for chunk in response.stream(_CHUNK, decode_content=True):
            size += len(chunk)
            if size > cap:
                raise TooLarge(url, f"body exceeds the {cap}-byte cap", status)
            if deadline.passed:
                raise self._too_slow(url, status)
            chunks.append(chunk)
        if deadline.cut:  # a body without a length ends early when its socket is shut
            raise self._too_slow(url, status)
        return b"".join(chunks)

    @contextmanager
    def _host_slot(self, host: str) -> Iterator[None]:
        with self._hosts_lock:
            slot = self._hosts.get(host)
            if slot is None:
                slot = self._hosts[host] = threading.BoundedSemaphore(self.config.per_host)
        with slot:
            yield


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Return the seconds a `Retry-After` header asks to wait (delta or HTTP date)."""
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def interleave_hosts(urls: Iterable[str]) -> list[str]:
    """Order `urls` round-robin by host so that workers rarely wait on one host's limit."""
    by_host: dict[str, list[str]] = defaultdict(list)
    for url in urls:
        by_host[(urlsplit(url).hostname or "").lower()].append(url)
    rounds = zip_longest(*by_host.values())
    return [url for group in rounds for url in group if url is not None]


def media_type(content_type: str) -> str:
    """Return the lower-case media type of a Content-Type header (`text/html`)."""
    return content_type.split(";", 1)[0].strip().lower()


def charset_of(content_type: str) -> str | None:
    """Return the charset parameter of a Content-Type header, if any."""
    for param in content_type.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip():
            return value.strip().strip("\"'")
    return None


def _location(response: BaseHTTPResponse) -> str | None:
    """Return the Location header, read as UTF-8 when its bytes are (http.client reads Latin-1)."""
    value = response.headers.get("Location")
    if value is None:
        return None
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _checked(url: str, reply: _Reply, retried: int) -> _Reply:
    if reply.from_cache or 200 <= reply.status < 300:
        return reply
    if reply.status in _REDIRECTS and reply.location:
        return reply
    words = [f"HTTP {reply.status}", reply.reason]
    if reply.status in _REDIRECTS:
        words.append("without Location")
    if reply.status == 304:
        words.append("but nothing is cached")
    if retried:
        words.append(f"after {retried} retries")
    raise HTTPStatus(url, " ".join(word for word in words if word), reply.status)


def _raw(reply: _Reply, started: float) -> _Raw:
    return _Raw(
        final_url=reply.url,
        status=reply.status,
        body=reply.body,
        content_type=reply.content_type,
        from_cache=reply.from_cache,
        fetched_at=datetime.now(UTC),
        elapsed_s=time.monotonic() - started,
    )


_REFUSALS: dict[type[net.Refused], type[FetchError]] = {
    net.BadURL: BadScheme,
    net.UnsafeURL: UnsafeURL,
    net.ForbiddenHost: ForbiddenAddress,
    net.Unresolvable: ConnectionFailed,
}


def _translate(url: str, error: Exception) -> FetchError:
    """Return the `FetchError` for a failure of the connection, the request or the reply."""
    if isinstance(error, ConnectTimedOut):
        return Timeout(url, "connect timed out")
    if _caused_by(error, TimeoutError) or _caused_by(error, urllib3.exceptions.TimeoutError):
        return Timeout(url, "read timed out")
    if isinstance(error, urllib3.exceptions.DecodeError):
        return DecodeFailed(url, "content encoding (gzip/deflate) is corrupt")
    if isinstance(error, ssl.SSLCertVerificationError):
        return ConnectionFailed(url, f"TLS certificate rejected ({error.verify_message})")
    if isinstance(error, ssl.SSLError):
        return ConnectionFailed(url, "TLS handshake failed")
    if _caused_by(error, ConnectionRefusedError):
        return ConnectionFailed(url, "connection refused")
    return ConnectionFailed(url, f"connection failed ({type(_root(error)).__name__})")


def _root(error: BaseException) -> BaseException:
    """Return the innermost exception urllib3 wrapped `error` around."""
    nested = [arg for arg in error.args if isinstance(arg, BaseException)]
    return _root(nested[-1]) if nested else error


def _caused_by(error: BaseException, kind: type[BaseException]) -> bool:
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        nested = [arg for arg in current.args if isinstance(arg, BaseException)]
        reason = getattr(current, "reason", None)
        pending += [current.__cause__, current.__context__, *nested]
        pending += [reason] if isinstance(reason, BaseException) else []
    return False


def _as_kind(url: str, raw: _Raw, kind: Kind) -> FetchResult:
    media = media_type(raw.content_type)
    if not _accepts(kind, media):
        got = media or "no Content-Type"
        raise WrongContentType(url, f"expected {kind}, got {got}", raw.status)
    return FetchResult(
        url=url,
        final_url=raw.final_url,
        status=raw.status,
        fetched_at=raw.fetched_at,
        sha256=hashlib.sha256(raw.body).hexdigest(),
        body=raw.body,
        text=_decode(url, raw, kind),
        content_type=raw.content_type,
        from_cache=raw.from_cache,
        elapsed_s=raw.elapsed_s,
    )


def _accepts(kind: Kind, media: str) -> bool:
    if kind == "html":
        return media in ("text/html", "application/xhtml+xml")
    if kind == "json":
        return media in ("application/json", "text/json", "text/plain") or media.endswith("+json")
    if kind == "text":
        return media.startswith("text/") or media == "application/xhtml+xml"
    return True


def _decode(url: str, raw: _Raw, kind: Kind) -> str:
    media = media_type(raw.content_type)
    if kind == "any" and not _TEXTUAL.match(media):
        return ""
    declared = charset_of(raw.content_type) or _sniff_charset(raw.body, media)
    encoding = declared or "utf-8"
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise DecodeFailed(url, f"unknown charset {encoding!r}", raw.status) from None
    name = "utf-8-sig" if name == "utf-8" else name
    try:
        return raw.body.decode(name, "replace" if kind == "any" else "strict")
    except UnicodeDecodeError as error:
        reason = f"bytes at offset {error.start} are not valid {encoding}"
        raise DecodeFailed(url, reason, raw.status) from None


def _sniff_charset(body: bytes, media: str) -> str | None:
    if body.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if "html" in media:
        found = _META_CHARSET.search(body[:2048])
        return found.group(1).decode("ascii") if found else None
    return None
