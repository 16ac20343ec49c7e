"""The fetcher connects only where it checked.

URL parsing, one resolution, pinned addresses, redirect hops, TLS by host name, and a total
time limit that cuts off a trickling server.

Every server here listens on loopback. Other addresses appear only as answers of a scripted
resolver, and the connection spy refuses to dial anything but loopback.
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from khub.check.http import (
    BadScheme,
    ConnectionFailed,
    FetchConfig,
    Fetcher,
    ForbiddenAddress,
    Timeout,
    UnsafeURL,
)
from tests.check.netkit import (
    ConnectionLog,
    ScriptedResolver,
    Trickle,
    answer,
    raw_server,
    request_header,
    spy_connections,
)

MakeFetcher = Callable[..., Fetcher]

ONLY_127_0_0_1 = (ipaddress.ip_network("127.0.0.1/32"),)
TEST_NET_1 = (ipaddress.ip_network("192.0.2.0/24"),)  # stands in for "public" in these tests


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> ConnectionLog:
    """Record every address the fetcher dials; dial loopback only."""
    log, spy = spy_connections(socket.create_connection)
    monkeypatch.setattr(socket, "create_connection", spy)
    return log


def port_of(server: HTTPServer) -> int:
    """Return the port of the loopback test server."""
    return int(server.port)


def hosts_seen(server: HTTPServer) -> list[str]:
    """Return the Host header of every request the server received."""
    return [request.headers.get("Host", "") for request, _ in server.log]


# Parsing: one reading of the URL ---------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("http://127.0.0.1:{port}\\@example.test/x", "refused: the URL contains a backslash"),
        ("http://127.0.0.1:{port}/a\\b", "refused: the URL contains a backslash"),
        ("http://me:secret@127.0.0.1:{port}/", "refused: the URL carries a user name or password"),
        (
            "http://example.test@127.0.0.1:{port}/",
            "refused: the URL carries a user name or password",
        ),
        (
            "http://127.0.0.1:{port}/a b",
            "refused: the URL contains whitespace or a control character",
        ),
        (
            "http://127.0.0.1:{port}/\x00",
            "refused: the URL contains whitespace or a control character",
        ),
        (
            "http://exa%6dple.test:{port}/",
            "refused: the host is percent-encoded or has an IPv6 zone",
        ),
        (
            "http://[fe80::1%25lo]:{port}/",
            "refused: the host is percent-encoded or has an IPv6 zone",
        ),
        (
            "http://ΣΑΣ.test:{port}/",
            "refused: urllib.parse and urllib3 read the URL differently "
            "(http://xn--mxa9ab.test:{port} or http://xn--mxa8ab.test:{port})",
        ),
    ],
)
def test_an_ambiguous_url_is_refused_before_resolving_or_connecting(
    server: HTTPServer,
    make_fetcher: MakeFetcher,
    connections: ConnectionLog,
    template: str,
    reason: str,
) -> None:
    server.expect_request("/x").respond_with_data("must not be read")
    url = template.format(port=port_of(server))
    resolver = ScriptedResolver({"example.test": [["127.0.0.1"]]})

    with pytest.raises(UnsafeURL) as raised:
        make_fetcher(resolver=resolver).fetch(url)

    assert (raised.value.url, raised.value.reason) == (url, reason.format(port=port_of(server)))
    assert (resolver.asked, connections.opened, server.log) == ([], [], [])


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.test/file", "scheme 'ftp' is not http or https"),
        ("file:///etc/passwd", "scheme 'file' is not http or https"),
        ("gopher://example.test", "scheme 'gopher' is not http or https"),
        ("http:///nohost", "no host in URL"),
        ("http://example.test:99999/", "invalid port"),
        ("http://example.test:0/", "invalid port"),
        ("http://[v1.x]/", "v1.x is not a valid IPv6 address"),
    ],
)
def test_only_http_and_https_urls_with_a_host_are_fetched(
    make_fetcher: MakeFetcher, connections: ConnectionLog, url: str, reason: str
) -> None:
    with pytest.raises(BadScheme) as raised:
        make_fetcher().fetch(url)

    assert raised.value.reason == reason
    assert connections.opened == []


# Resolution happens once; the connection uses that answer --------------------------------


def test_a_name_is_resolved_once_per_hop_even_across_retries(
    server: HTTPServer, make_fetcher: MakeFetcher, connections: ConnectionLog
) -> None:
    answers = iter([Response(status=503), Response("fresh", content_type="text/plain")])
    server.expect_request("/page").respond_with_handler(lambda request: next(answers))
    resolver = ScriptedResolver({"rebind.test": [["127.0.0.1"], ["192.0.2.66"]]})
    url = f"http://rebind.test:{port_of(server)}/page"

    result = make_fetcher(resolver=resolver, allow_networks=ONLY_127_0_0_1).fetch(url, "text")

    assert result.text == "fresh"
    assert resolver.asked == ["rebind.test"]
    assert connections.opened == [("127.0.0.1", port_of(server))] * 2
    assert hosts_seen(server) == [f"rebind.test:{port_of(server)}"] * 2


def test_a_rebinding_second_answer_is_never_used(
    server: HTTPServer, make_fetcher: MakeFetcher, connections: ConnectionLog
) -> None:
    server.expect_request("/").respond_with_data("the loopback server must stay unasked")
    resolver = ScriptedResolver({"rebind.test": [["192.0.2.66"], ["127.0.0.1"]]})
    url = f"http://rebind.test:{port_of(server)}/"
    fetcher = make_fetcher(resolver=resolver, allow_networks=TEST_NET_1)

    with pytest.raises(ConnectionFailed) as raised:
        fetcher.fetch(url)

    assert raised.value.reason == "connection refused"  # by the spy: 192.0.2.66 is not dialled
    assert resolver.asked == ["rebind.test"]
    assert connections.opened == [("192.0.2.66", port_of(server))]
    assert server.log == []


def test_a_name_with_one_private_address_among_public_ones_is_refused(
    make_fetcher: MakeFetcher, connections: ConnectionLog
) -> None:
    resolver = ScriptedResolver({"mixed.test": [["192.0.2.66", "127.0.0.1"]]})

    with pytest.raises(ForbiddenAddress) as raised:
        make_fetcher(resolver=resolver, allow_networks=TEST_NET_1).fetch("http://mixed.test/")

    assert raised.value.reason == "refused: mixed.test resolves to 127.0.0.1, a loopback address"
    assert connections.opened == []


def test_the_next_checked_address_is_tried_when_the_first_refuses(
    server: HTTPServer, make_fetcher: MakeFetcher, connections: ConnectionLog
) -> None:
    server.expect_request("/").respond_with_data("second address", content_type="text/plain")
    resolver = ScriptedResolver({"two.test": [["192.0.2.66", "127.0.0.1"]]})
    allowed = (*TEST_NET_1, *ONLY_127_0_0_1)
    url = f"http://two.test:{port_of(server)}/"

    result = make_fetcher(resolver=resolver, allow_networks=allowed).fetch(url, "text")

    assert result.text == "second address"
    assert connections.opened == [("192.0.2.66", port_of(server)), ("127.0.0.1", port_of(server))]


def test_an_unknown_name_cannot_be_resolved(
    make_fetcher: MakeFetcher, connections: ConnectionLog
) -> None:
    with pytest.raises(ConnectionFailed) as raised:
        make_fetcher(resolver=ScriptedResolver({})).fetch("http://nowhere.invalid/")

    assert raised.value.reason == "cannot resolve host nowhere.invalid"
    assert connections.opened == []


def test_the_system_resolver_answer_for_localhost_is_checked(
    server: HTTPServer, connections: ConnectionLog
) -> None:
    server.expect_request("/").respond_with_data("hello")

    with Fetcher(FetchConfig()) as fetcher, pytest.raises(ForbiddenAddress) as raised:
        fetcher.fetch(f"http://localhost:{port_of(server)}/")

    assert raised.value.reason in {
        "refused: localhost resolves to 127.0.0.1, a loopback address",
        "refused: localhost resolves to ::1, a loopback address",
    }
    assert (connections.opened, server.log) == ([], [])


# Address literals: what the parser sees is what is checked -------------------------------


def test_loopback_is_refused_unless_allowed(server: HTTPServer, connections: ConnectionLog) -> None:
    server.expect_request("/").respond_with_data("hello")

    with Fetcher(FetchConfig()) as fetcher, pytest.raises(ForbiddenAddress) as raised:
        fetcher.fetch(server.url_for("/"))

    assert raised.value.reason == "refused: 127.0.0.1 is a loopback address"
    assert (connections.opened, server.log) == ([], [])


def test_allow_private_allows_loopback(server: HTTPServer) -> None:
    server.expect_request("/").respond_with_data("hello", content_type="text/plain")

    with Fetcher(FetchConfig(allow_private=True)) as fetcher:
        assert fetcher.fetch(server.url_for("/"), "text").text == "hello"


@pytest.mark.parametrize(
    "form", ["0177.0.0.1", "0x7f.1", "2130706433", "127.1", "0x7f000001", "127.0.1", "0177.0.0.1."]
)
def test_other_spellings_of_127_0_0_1_are_that_address(
    server: HTTPServer, make_fetcher: MakeFetcher, connections: ConnectionLog, form: str
) -> None:
    server.expect_request("/").respond_with_data("numeric", content_type="text/plain")
    url = f"http://{form}:{port_of(server)}/"
    resolver = ScriptedResolver({})

    with pytest.raises(ForbiddenAddress) as raised:
        make_fetcher(resolver=resolver, allow_networks=()).fetch(url)
    allowed = make_fetcher(resolver=resolver).fetch(url, "text")

    assert raised.value.reason == f"refused: {form} is 127.0.0.1, a loopback address"
    assert allowed.text == "numeric"
    assert resolver.asked == []
    assert connections.opened == [("127.0.0.1", port_of(server))]
    assert hosts_seen(server) == [f"{form}:{port_of(server)}"]


@pytest.mark.parametrize(
    "form", ["256.0.0.1", "0x100.0.0.1", "08.0.0.1", "1.2.3.4.5", "4294967296", "0x1g.1"]
)
def test_a_host_that_ends_in_a_number_but_is_no_ipv4_address_is_refused(
    make_fetcher: MakeFetcher, connections: ConnectionLog, form: str
) -> None:
    resolver = ScriptedResolver({form: [["127.0.0.1"]]})

    with pytest.raises(UnsafeURL) as raised:
        make_fetcher(resolver=resolver).fetch(f"http://{form}/")

    assert raised.value.reason == f"refused: {form} is not a valid IPv4 address"
    assert (resolver.asked, connections.opened) == ([], [])


def test_ipv4_mapped_loopback_is_refused_and_when_allowed_dials_ipv4(
    server: HTTPServer, make_fetcher: MakeFetcher, connections: ConnectionLog
) -> None:
    server.expect_request("/").respond_with_data("mapped", content_type="text/plain")
    url = f"http://[::ffff:127.0.0.1]:{port_of(server)}/"

    with pytest.raises(ForbiddenAddress) as raised:
        make_fetcher(allow_networks=()).fetch(url)
    allowed = make_fetcher().fetch(url, "text")

    assert raised.value.reason == "refused: ::ffff:127.0.0.1 is 127.0.0.1, a loopback address"
    assert allowed.text == "mapped"
    assert connections.opened == [("127.0.0.1", port_of(server))]
    assert hosts_seen(server) == [f"[::ffff:127.0.0.1]:{port_of(server)}"]


@pytest.fixture
def ipv6_loopback() -> None:
    """Skip the test when this machine has no IPv6 loopback."""
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")


@pytest.mark.usefixtures("ipv6_loopback")
def test_ipv6_loopback_is_refused_unless_allowed(
    make_fetcher: MakeFetcher, connections: ConnectionLog
) -> None:
    heads: list[bytes] = []
    with raw_server(answer(b"over IPv6", heads), host="::1") as six:
        with pytest.raises(ForbiddenAddress) as raised:
            make_fetcher(allow_networks=()).fetch(six.url("/"))
        refused_heads = list(heads)
        allowed = make_fetcher(allow_networks=(ipaddress.ip_network("::1/128"),)).fetch(
            six.url("/"), "text"
        )

    assert raised.value.reason == "refused: ::1 is a loopback address"
    assert refused_heads == []
    assert allowed.text == "over IPv6"
    assert connections.opened == [("::1", six.port)]
    assert request_header(heads[0], "Host") == f"[::1]:{six.port}"


# International names ---------------------------------------------------------------------


def test_an_international_name_is_resolved_and_sent_in_punycode(
    server: HTTPServer, make_fetcher: MakeFetcher, connections: ConnectionLog
) -> None:
    server.expect_request("/").respond_with_data("idn", content_type="text/plain")
    resolver = ScriptedResolver({"xn--bcher-kva.test": [["127.0.0.1"]]})

    result = make_fetcher(resolver=resolver).fetch(f"http://Bücher.test:{port_of(server)}/", "text")

    assert result.text == "idn"
    assert resolver.asked == ["xn--bcher-kva.test"]
    assert hosts_seen(server) == [f"xn--bcher-kva.test:{port_of(server)}"]


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        (
            "☃.test",
            "refused: ☃.test is not a valid host name "
            "(Codepoint U+2603 at position 1 of '☃' not allowed)",
        ),
        ("xn--zz.test", "refused: xn--zz.test is not a valid host name (Invalid A-label)"),
        ("a..test", "refused: a..test is not a valid host name"),
        ("bad!name.test", "refused: bad!name.test is not a valid host name"),
    ],
)
def test_an_invalid_host_name_is_refused_before_resolving(
    make_fetcher: MakeFetcher, connections: ConnectionLog, host: str, reason: str
) -> None:
    resolver = ScriptedResolver({})

    with pytest.raises(UnsafeURL) as raised:
        make_fetcher(resolver=resolver).fetch(f"http://{host}/")

    assert raised.value.reason == reason
    assert (resolver.asked, connections.opened) == ([], [])


# Redirect hops go through the same check -------------------------------------------------


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://10.0.0.1/admin", "refused: 10.0.0.1 is a private address"),
        ("http://127.0.0.2:{port}/", "refused: 127.0.0.2 is a loopback address"),
        ("http://0x7f.0.0.2:{port}/", "refused: 0x7f.0.0.2 is 127.0.0.2, a loopback address"),
        ("http://[::1]:{port}/", "refused: ::1 is a loopback address"),
        (
            "http://[::ffff:a9fe:a9fe]/",
            "refused: ::ffff:a9fe:a9fe is 169.254.169.254, a link-local address",
        ),
        (
            "http://[2002:7f00:2::]:{port}/",
            "refused: 2002:7f00:2:: is a 6to4 address for 127.0.0.2, a loopback address",
        ),
        (
            "http://metadata.test/",
            "refused: metadata.test resolves to 169.254.169.254, a link-local address",
        ),
        ("http://me@127.0.0.1:{port}/", "refused: the URL carries a user name or password"),
    ],
)
def test_a_redirect_from_an_allowed_to_a_private_address_is_refused(
    server: HTTPServer,
    make_fetcher: MakeFetcher,
    connections: ConnectionLog,
    location: str,
    reason: str,
) -> None:
    target = location.format(port=port_of(server))
    server.expect_request("/go").respond_with_response(
        Response(status=302, headers={"Location": target})
    )
    resolver = ScriptedResolver({"metadata.test": [["169.254.169.254"]]})

    with pytest.raises((ForbiddenAddress, UnsafeURL)) as raised:
        make_fetcher(resolver=resolver, allow_networks=ONLY_127_0_0_1).fetch(server.url_for("/go"))

    assert raised.value.url == server.url_for("/go")
    assert raised.value.reason == f"{reason} (redirected to {target})"
    assert connections.opened == [("127.0.0.1", port_of(server))]


def test_a_redirect_to_a_name_pins_that_hop_too(
    server: HTTPServer, make_fetcher: MakeFetcher, connections: ConnectionLog
) -> None:
    port = port_of(server)
    server.expect_request("/go").respond_with_response(
        Response(status=301, headers={"Location": f"http://next.test:{port}/there"})
    )
    server.expect_request("/there").respond_with_data("arrived", content_type="text/plain")
    resolver = ScriptedResolver({"next.test": [["127.0.0.1"], ["192.0.2.66"]]})

    result = make_fetcher(resolver=resolver, allow_networks=ONLY_127_0_0_1).fetch(
        server.url_for("/go"), "text"
    )

    assert (result.final_url, result.text) == (f"http://next.test:{port}/there", "arrived")
    assert resolver.asked == ["next.test"]
    assert connections.opened == [("127.0.0.1", port)] * 2
    assert hosts_seen(server) == [f"127.0.0.1:{port}", f"next.test:{port}"]


# TLS: the connection goes to the pinned address, the certificate is checked by name -------


def openssl(*args: str | Path) -> None:
    """Run the openssl command line quietly."""
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Make a test CA and a server certificate for secure.test only; return their folder."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command line is not installed")
    folder = tmp_path_factory.mktemp("tls")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl(
        "req",
        "-x509",
        *ec,
        "-keyout",
        folder / "ca.key",
        "-out",
        folder / "ca.pem",
        "-subj",
        "/CN=khub test CA",
        "-days",
        "2",
    )
    openssl(
        "req",
        *ec,
        "-keyout",
        folder / "server.key",
        "-out",
        folder / "server.csr",
        "-subj",
        "/CN=secure.test",
    )
    (folder / "san.ext").write_text("subjectAltName=DNS:secure.test\n", encoding="utf-8")
    openssl(
        "x509",
        "-req",
        "-in",
        folder / "server.csr",
        "-CA",
        folder / "ca.pem",
        "-CAkey",
        folder / "ca.key",
        "-CAcreateserial",
        "-out",
        folder / "server.pem",
        "-days",
        "2",
        "-extfile",
        folder / "san.ext",
    )
    return folder


@pytest.fixture
def tls_server(certificates: Path) -> Iterator[HTTPServer]:
    """Run an HTTPS server on 127.0.0.1 with the secure.test certificate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates / "server.pem", certificates / "server.key")
    server = HTTPServer(host="127.0.0.1", port=0, ssl_context=context)
    server.start()
    server.expect_request("/").respond_with_data("over TLS", content_type="text/plain")
    yield server
    server.clear()
    server.stop()


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("secure.test", None),
        ("other.test", "Hostname mismatch, certificate is not valid for 'other.test'."),
        ("127.0.0.1", "IP address mismatch, certificate is not valid for '127.0.0.1'."),
    ],
)
def test_tls_is_verified_for_the_host_name_while_dialling_the_pinned_address(
    tls_server: HTTPServer,
    certificates: Path,
    make_fetcher: MakeFetcher,
    connections: ConnectionLog,
    host: str,
    reason: str | None,
) -> None:
    resolver = ScriptedResolver({"secure.test": [["127.0.0.1"]], "other.test": [["127.0.0.1"]]})
    fetcher = make_fetcher(resolver=resolver, ca_file=certificates / "ca.pem")
    url = f"https://{host}:{tls_server.port}/"

    if reason is None:
        assert fetcher.fetch(url, "text").text == "over TLS"
        assert hosts_seen(tls_server) == [f"secure.test:{tls_server.port}"]
    else:
        with pytest.raises(ConnectionFailed) as raised:
            fetcher.fetch(url)
        assert raised.value.reason == f"TLS certificate rejected ({reason})"
        assert tls_server.log == []
    assert connections.opened == [("127.0.0.1", tls_server.port)]


def test_tls_without_the_test_ca_is_rejected(
    tls_server: HTTPServer, make_fetcher: MakeFetcher
) -> None:
    resolver = ScriptedResolver({"secure.test": [["127.0.0.1"]]})

    with pytest.raises(ConnectionFailed) as raised:
        make_fetcher(resolver=resolver).fetch(f"https://secure.test:{tls_server.port}/")

    assert raised.value.reason == (
        "TLS certificate rejected (unable to get local issuer certificate)"
    )


# The total time limit cuts off a trickling server ---------------------------------------


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"


@pytest.mark.parametrize(
    ("head", "byte"),
    [
        (HEAD + b"Content-Length: 1000\r\n\r\n", b"x"),
        (HEAD + b"Transfer-Encoding: chunked\r\n\r\n", b"1\r\nx\r\n"),
        (HEAD + b"Connection: close\r\n\r\n", b"x"),
    ],
    ids=["content-length", "chunked", "until-close"],
)
def test_a_trickling_body_is_cut_off_at_the_total_limit(
    make_fetcher: MakeFetcher, head: bytes, byte: bytes
) -> None:
    trickle = Trickle(head, byte, pause=0.2)
    with raw_server(trickle) as slow:
        fetcher = make_fetcher(max_time=1.5, read_timeout=1.0)
        started = time.monotonic()
        with pytest.raises(Timeout) as raised:
            fetcher.fetch(slow.url("/"))
        elapsed = time.monotonic() - started

    assert (raised.value.reason, raised.value.status) == ("body took longer than 1.5 s", 200)
    assert 1.5 <= elapsed < 2.5
    assert trickle.hung_up_after and trickle.hung_up_after[0] < 2.5


def test_trickling_headers_are_cut_off_at_the_total_limit(make_fetcher: MakeFetcher) -> None:
    trickle = Trickle(b"HTTP/1.1 200 OK\r\nX-Slow: ", b"z", pause=0.1)
    with raw_server(trickle) as slow:
        started = time.monotonic()
        with pytest.raises(Timeout) as raised:
            make_fetcher(max_time=1.0, read_timeout=1.0).fetch(slow.url("/"))
        elapsed = time.monotonic() - started

    assert (raised.value.reason, raised.value.status) == ("no response within 1 s", None)
    assert 1.0 <= elapsed < 2.0


def test_a_body_within_the_limit_is_read_whole(make_fetcher: MakeFetcher) -> None:
    trickle = Trickle(HEAD + b"Content-Length: 4\r\n\r\n", b"x", pause=0.05)
    with raw_server(trickle) as slow:
        result = make_fetcher(max_time=2.0).fetch(slow.url("/"), "text")

    assert result.text == "xxxx"
