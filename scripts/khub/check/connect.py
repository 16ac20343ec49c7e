"""Connect to a checked address only, and cut an exchange off when its time is up.

`open_connection` dials the pinned addresses of a `Pin` in turn (never its host name), wraps
the socket in TLS verified against the host name, and hands it to a urllib3 connection that
may not reconnect by itself. `Deadline` shuts the socket down from a timer thread when the
exchange's total time is spent, which wakes any read blocked on a trickling server.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from contextlib import suppress
from pathlib import Path
from types import TracebackType

import certifi
from urllib3.connection import HTTPConnection

from khub.check.net import IPAddress, Pin


class ConnectTimedOut(OSError):
    """No TCP connection could be established within the connect timeout."""


class Deadline:
    """A time limit for one exchange, enforced on its socket by a timer."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds
        self.cut = False  # True once the timer has shut the socket down
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Deadline:
        self._timer.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._timer.cancel()

    @property
    def passed(self) -> bool:
        """Return True when the time is up (whether or not the timer has run yet)."""
        return self.cut or time.monotonic() >= self.at

    def remaining(self) -> float:
        """Return the seconds left, never below zero."""
        return max(0.0, self.at - time.monotonic())

    def attach(self, sock: socket.socket) -> None:
        """Make `sock` the socket to shut down when the time is up (at once if it is)."""
        with self._lock:
            self._socket = sock
            if self.cut:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.cut = True
            if self._socket is not None:
                _shut(self._socket)


def tls_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """Return a client TLS context that verifies certificates and host names."""
    return ssl.create_default_context(cafile=str(ca_file or certifi.where()))


def open_connection(
    pin: Pin,
    timeouts: tuple[float, float],
    deadline: Deadline,
    context: ssl.SSLContext,
) -> HTTPConnection:
    """Return a connection to the first pinned address that answers, TLS-verified by name."""
    connect_timeout, read_timeout = timeouts
    sock, address = _dial(pin, connect_timeout, deadline)
    deadline.attach(sock)
    sock.settimeout(read_timeout)
    if pin.target.scheme == "https":
        sock = _handshake(sock, pin.target.tls_name, context, deadline)
    connection = HTTPConnection(str(address), pin.target.port, timeout=read_timeout)
    connection.sock = sock
    connection.auto_open = 0  # a dropped socket is an error, never a fresh dial by name
    return connection


def _dial(pin: Pin, timeout: float, deadline: Deadline) -> tuple[socket.socket, IPAddress]:
    """Connect to the first pinned address that accepts, within the deadline."""
    error: OSError = ConnectionRefusedError("no address to connect to")
    for address in pin.addresses:
        limit = max(0.001, min(timeout, deadline.remaining()))
        try:
            sock = socket.create_connection((str(address), pin.target.port), limit)
        except TimeoutError:
            error = ConnectTimedOut(f"connecting to {address} timed out")
        except OSError as failure:
            error = failure
        else:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock, address
    raise error


def _handshake(
    sock: socket.socket, name: str, context: ssl.SSLContext, deadline: Deadline
) -> ssl.SSLSocket:
    try:
        wrapped = context.wrap_socket(sock, server_hostname=name, do_handshake_on_connect=False)
    except BaseException:
        sock.close()
        raise
    deadline.attach(wrapped)
    try:
        wrapped.do_handshake()
    except BaseException:
        wrapped.close()
        raise
    return wrapped


def _shut(sock: socket.socket) -> None:
    """Shut `sock` down for both directions; a socket already closed is left alone."""
    with suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
