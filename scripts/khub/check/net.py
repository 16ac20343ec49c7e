"""Decide where a URL may be fetched from: parse it once, resolve it once, check the addresses.

`pin(url, policy, resolver)` returns a `Pin`: the parsed target and the addresses that passed
the policy. The fetcher connects to those addresses and nowhere else, so what is checked here
is what is connected to; nothing downstream resolves the name again.

A URL is refused, before any name is resolved, when it carries a user name or password, a
backslash, whitespace or a control character, a percent-encoded host or an IPv6 zone, or
when `urllib.parse` and urllib3 read its scheme, host or port differently. A host that ends
in a number is an IPv4 address in any of the forms the C library accepts (`0177.0.0.1`,
`0x7f.1`, `2130706433`, `127.1`), decoded here to the address it names; a host that fails to
decode is refused rather than handed to the resolver. International names are converted to
punycode with the idna package; invalid ones are refused.

An address is refused when it is not public unicast: unspecified, loopback, link-local,
multicast, reserved, private or otherwise not global, including the IPv4 address inside an
IPv4-mapped, 6to4, Teredo or NAT64 (64:ff9b::/96) address. The local-use NAT64 prefix
64:ff9b:1::/48 is refused outright. A name is refused when any of its addresses is.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

import idna
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str], Sequence[IPAddress]]  # host name -> its addresses

_DEFAULT_PORTS = {"http": 80, "https": 443}
_CATEGORIES = ("unspecified", "loopback", "link_local", "multicast", "reserved", "private")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")
_UNSAFE_CHARACTER = re.compile(r"[\x00-\x20\x7f-\x9f]|\s")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_ASCII_NAME = re.compile(r"[a-z0-9_-]{1,63}(\.[a-z0-9_-]{1,63})*\.?")
_DIGITS = {16: re.compile(r"[0-9a-f]*"), 10: re.compile(r"[0-9]+"), 8: re.compile(r"[0-7]+")}


class Refused(Exception):
    """A URL or an address the fetcher will not use; `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class BadURL(Refused):
    """Not an http(s) URL with a host and a valid port."""


class UnsafeURL(Refused):
    """An http(s) URL written in a way that parsers may read differently."""


class ForbiddenHost(Refused):
    """The host is, or resolves to, an address that is not public."""


class Unresolvable(Refused):
    """The host name has no address."""


@dataclass(frozen=True)
class Target:
    """An http(s) URL as read by both parsers: where to connect and what to ask for."""

    scheme: str  # "http" or "https"
    host: str  # ASCII: a punycode name or an IP address as written, without brackets
    port: int
    path: str  # the request target: path and query, percent-encoded
    address: IPAddress | None  # the address a numeric host names; None for a name

    @property
    def authority(self) -> str:
        """Return the Host header: the host, bracketed if IPv6, and any non-default port."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if _DEFAULT_PORTS[self.scheme] == self.port else f"{host}:{self.port}"

    @property
    def tls_name(self) -> str:
        """Return the name the server's certificate must be valid for."""
        return str(self.address) if self.address is not None else self.host.rstrip(".")


@dataclass(frozen=True)
class Pin:
    """A target and the checked addresses the fetcher may connect to for it, in order."""

    target: Target
    addresses: tuple[IPAddress, ...]


@dataclass(frozen=True)
class AddressPolicy:
    """Which non-public addresses are allowed nonetheless (tests and benchmarks only)."""

    allow_private: bool = False
    allow_networks: tuple[IPNetwork, ...] = ()

    def refusal(self, address: IPAddress) -> str | None:
        """Return why `address` may not be connected to, or None when it may."""
        if self.allow_private or any(address in network for network in self.allow_networks):
            return None
        return forbidden_reason(address)


def pin(url: str, policy: AddressPolicy, resolver: Resolver) -> Pin:
    """Parse `url`, resolve its host once and check every address; raise `Refused`."""
    target = parse_target(url)
    if target.address is not None:
        return Pin(target, (_checked(target, target.address, policy, resolved=False),))
    found = dict.fromkeys(_unmapped(address) for address in _resolve(target.host, resolver))
    return Pin(target, tuple(_checked(target, a, policy, resolved=True) for a in found))


def parse_target(url: str) -> Target:
    """Return the target of `url` when urllib.parse and urllib3 agree on it; raise `Refused`."""
    if "\\" in url:
        raise UnsafeURL("refused: the URL contains a backslash")
    if _UNSAFE_CHARACTER.search(url):
        raise UnsafeURL("refused: the URL contains whitespace or a control character")
    parts = _split(url)
    host, address = _host(parts)
    port = _port(parts)
    return Target(parts.scheme, host, port, _agreed_path(url, parts.scheme, host, port), address)


def forbidden_reason(address: IPAddress) -> str | None:
    """Return why `address` is not public unicast ("a loopback address"), or None when it is."""
    address = _unmapped(address)
    if isinstance(address, ipaddress.IPv6Address):
        if address in _NAT64_LOCAL:
            return "a local-use NAT64 address"
        for kind, inner in _embedded(address):
            reason = forbidden_reason(inner)
            if reason is not None:
                return f"a {kind} address for {inner}, {reason}"
        if address in _NAT64:
            return None
    for category in _CATEGORIES:
        if getattr(address, f"is_{category}"):
            return _article(category.replace("_", "-")) + " address"
    return None if address.is_global else "a non-global address"


def parse_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address a numeric host names in any inet_aton form, or None."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    numbers = [_ipv4_number(part) for part in parts]
    if len(parts) > 4 or None in numbers:
        return None
    *leading, last = [number for number in numbers if number is not None]
    if any(number > 255 for number in leading) or last >= 256 ** (5 - len(parts)):
        return None
    value = sum(number << (8 * (3 - index)) for index, number in enumerate(leading))
    return ipaddress.IPv4Address(value + last)


def resolve_host(host: str) -> list[IPAddress]:
    """Return the addresses the system resolver gives for `host`, in its order."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def _split(url: str) -> SplitResult:
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise BadURL(f"not a valid URL ({error})") from None
    if parts.scheme not in _DEFAULT_PORTS:
        raise BadURL(f"scheme {parts.scheme or '(none)'!r} is not http or https")
    if "@" in parts.netloc:
        raise UnsafeURL("refused: the URL carries a user name or password")
    if not parts.hostname:
        raise BadURL("no host in URL")
    return parts


def _host(parts: SplitResult) -> tuple[str, IPAddress | None]:
    host = parts.hostname or ""
    if "%" in host:
        raise UnsafeURL("refused: the host is percent-encoded or has an IPv6 zone")
    if "[" in parts.netloc:
        try:
            return host, ipaddress.IPv6Address(host)
        except ValueError:
            raise BadURL(f"{host} is not a valid IPv6 address") from None
    if _ends_in_number(host):
        address = parse_ipv4(host)
        if address is None:
            raise UnsafeURL(f"refused: {host} is not a valid IPv4 address")
        return host, address
    return _ascii_name(host), None


def _ascii_name(host: str) -> str:
    try:
        name = host if host.isascii() else idna.encode(host, strict=True, std3_rules=True).decode()
        labels = [label for label in name.split(".") if label.startswith("xn--")]
        for label in labels:
            idna.decode(label)
    except idna.IDNAError as error:
        raise UnsafeURL(f"refused: {host} is not a valid host name ({error})") from None
    if len(name) > 253 or not _ASCII_NAME.fullmatch(name):
        raise UnsafeURL(f"refused: {host} is not a valid host name")
    return name


def _port(parts: SplitResult) -> int:
    try:
        port = parts.port
    except ValueError:
        raise BadURL("invalid port") from None
    if port == 0:
        raise BadURL("invalid port")
    return port or _DEFAULT_PORTS[parts.scheme]


def _agreed_path(url: str, scheme: str, host: str, port: int) -> str:
    """Return the request target as urllib3 reads `url`, after it agrees on the rest."""
    try:
        other = parse_url(url)
    except LocationParseError as error:
        raise UnsafeURL(f"refused: urllib3 cannot parse the URL ({error})") from None
    other_host = (other.host or "").strip("[]")
    other_port = other.port or _DEFAULT_PORTS.get(other.scheme or "", 0)
    if (other.scheme, other_host, other_port) != (scheme, host, port):
        seen = f"{other.scheme}://{other_host}:{other_port}"
        raise UnsafeURL(
            f"refused: urllib.parse and urllib3 read the URL differently "
            f"({scheme}://{host}:{port} or {seen})"
        )
    return other.request_uri


def _ends_in_number(host: str) -> bool:
    labels = host.split(".")
    if len(labels) > 1 and labels[-1] == "":
        labels.pop()
    return _NUMERIC_LABEL.fullmatch(labels[-1]) is not None


def _ipv4_number(part: str) -> int | None:
    if part.startswith("0x"):
        digits, base = part[2:], 16
    elif len(part) > 1 and part.startswith("0"):
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not _DIGITS[base].fullmatch(digits):
        return None
    return int(digits, base) if digits else 0


def _resolve(host: str, resolver: Resolver) -> Sequence[IPAddress]:
    try:
        found = resolver(host)
    except (OSError, UnicodeError):
        raise Unresolvable(f"cannot resolve host {host}") from None
    if not found:
        raise Unresolvable(f"cannot resolve host {host}")
    return found


def _checked(
    target: Target, address: IPAddress, policy: AddressPolicy, *, resolved: bool
) -> IPAddress:
    address = _unmapped(address)
    reason = policy.refusal(address)
    if reason is None:
        return address
    if resolved:
        raise ForbiddenHost(f"refused: {target.host} resolves to {address}, {reason}")
    if target.host == str(address):
        raise ForbiddenHost(f"refused: {address} is {reason}")
    raise ForbiddenHost(f"refused: {target.host} is {address}, {reason}")


def _unmapped(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _embedded(address: ipaddress.IPv6Address) -> list[tuple[str, ipaddress.IPv4Address]]:
    found: list[tuple[str, ipaddress.IPv4Address]] = []
    if address.sixtofour is not None:
        found.append(("6to4", address.sixtofour))
    if address.teredo is not None:
        server, client = address.teredo
        found += [("Teredo", server), ("Teredo", client)]
    if address in _NAT64:
        found.append(("NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)))
    return found


def _article(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"
