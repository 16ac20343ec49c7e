"""Test kit for the fetcher's address guard and time limit.

Raw loopback servers, a scripted resolver and a record of every connection the fetcher
opens (non-loopback ones are refused by the spy itself, so no test can reach another
machine).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from khub.check.net import IPAddress

Serve = Callable[[socket.socket], None]


@dataclass
class ScriptedResolver:
    """Answer each host name from a script: the n-th question gets the n-th answer (or the last)."""

    answers: dict[str, list[list[str]]]
    asked: list[str] = field(default_factory=list)

    def __call__(self, host: str) -> list[IPAddress]:
        self.asked.append(host)
        script = self.answers.get(host)
        if script is None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        answer = script[min(self.asked.count(host), len(script)) - 1]
        return [ipaddress.ip_address(address) for address in answer]


def is_loopback(host: str) -> bool:
    """Return True for an address literal on the loopback interface."""
    return ipaddress.ip_address(host).is_loopback


@dataclass
class ConnectionLog:
    """Every (address, port) the code under test dialled, in order."""

    opened: list[tuple[str, int]] = field(default_factory=list)

    def hosts(self) -> set[str]:
        """Return the distinct addresses dialled."""
        return {host for host, _ in self.opened}


def spy_connections(
    real: Callable[..., socket.socket],
) -> tuple[ConnectionLog, Callable[..., socket.socket]]:
    """Return a log and a stand-in for `socket.create_connection` that dials loopback only."""
    log = ConnectionLog()

    def create_connection(
        address: tuple[str, int], *args: object, **kwargs: object
    ) -> socket.socket:
        log.opened.append((address[0], address[1]))
        if not is_loopback(address[0]):
            raise ConnectionRefusedError(f"test spy: {address[0]} is not loopback, not dialled")
        return real(address, *args, **kwargs)

    return log, create_connection


class RawServer:
    """A TCP server on a loopback address that hands each accepted connection to `serve`."""

    def __init__(self, serve: Serve, host: str = "127.0.0.1") -> None:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.host = host
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.bind((host, 0))
        self._listener.listen()
        self.port: int = self._listener.getsockname()[1]
        self._serve = serve
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)
        self._accepting.start()

    def url(self, path: str = "/") -> str:
        """Return an http URL for `path` on this server."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{path}"

    def close(self) -> None:
        """Stop accepting and wait for the connection threads to end."""
        with suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)
        self._listener.close()
        self._accepting.join(5)
        for thread in self._threads:
            thread.join(5)

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self._listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._handle, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _handle(self, connection: socket.socket) -> None:
        with connection, suppress(OSError):
            self._serve(connection)


@contextmanager
def raw_server(serve: Serve, host: str = "127.0.0.1") -> Iterator[RawServer]:
    """Run a `RawServer` for the duration of a with block."""
    server = RawServer(serve, host)
    try:
        yield server
    finally:
        server.close()


def read_request(connection: socket.socket) -> bytes:
    """Read one request head (up to the blank line) from `connection`."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def answer(body: bytes, heads: list[bytes]) -> Serve:
    """Return a server that answers every request with `body`, recording each request head."""

    def serve(connection: socket.socket) -> None:
        heads.append(read_request(connection))
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
        connection.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)

    return serve


@dataclass
class Trickle:
    """A server that sends `head`, then `byte` every `pause` seconds until the client leaves."""

    head: bytes
    byte: bytes = b"x"
    pause: float = 0.2
    hung_up_after: list[float] = field(default_factory=list)  # seconds from request to hang-up

    def __call__(self, connection: socket.socket) -> None:
        read_request(connection)
        started = time.monotonic()
        try:
            connection.sendall(self.head)
            for _ in range(10_000):
                time.sleep(self.pause)
                connection.sendall(self.byte)
        finally:
            self.hung_up_after.append(time.monotonic() - started)


def request_header(head: bytes, name: str) -> str | None:
    """Return the value of header `name` in a recorded request head, or None."""
    for line in head.decode("latin-1").split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None
