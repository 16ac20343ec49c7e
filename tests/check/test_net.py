"""The address policy and URL reading of `khub.check.net`, without any network."""

from __future__ import annotations

import ipaddress

import pytest

from khub.check.net import AddressPolicy, forbidden_reason, parse_ipv4, parse_target


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("10.0.0.1", "a private address"),
        ("172.16.5.4", "a private address"),
        ("192.168.1.1", "a private address"),
        ("192.0.2.1", "a private address"),
        ("127.0.0.1", "a loopback address"),
        ("169.254.169.254", "a link-local address"),
        ("224.0.0.251", "a multicast address"),
        ("240.0.0.1", "a reserved address"),
        ("0.0.0.0", "an unspecified address"),
        ("100.64.0.1", "a non-global address"),
        ("::", "an unspecified address"),
        ("::1", "a loopback address"),
        ("fe80::1", "a link-local address"),
        ("fc00::1", "a private address"),
        ("ff02::1", "a multicast address"),
        ("::127.0.0.1", "a reserved address"),
        ("::ffff:127.0.0.1", "a loopback address"),
        ("::ffff:10.1.2.3", "a private address"),
        ("2002:7f00:1::", "a 6to4 address for 127.0.0.1, a loopback address"),
        ("2002:a9fe:a9fe::1", "a 6to4 address for 169.254.169.254, a link-local address"),
        ("2001:0:7f00:1::", "a Teredo address for 127.0.0.1, a loopback address"),
        (
            "2001:0:4136:e378:8000:63bf:3fff:fdd2",
            "a Teredo address for 192.0.2.45, a private address",
        ),
        ("64:ff9b::7f00:1", "a NAT64 address for 127.0.0.1, a loopback address"),
        ("64:ff9b::a00:1", "a NAT64 address for 10.0.0.1, a private address"),
        ("64:ff9b:1::5db8:d822", "a local-use NAT64 address"),
        ("93.184.216.34", None),
        ("2606:4700:4700::1111", None),
        ("2002:5db8:d822::1", None),  # 6to4 for a public address
        ("64:ff9b::5db8:d822", None),  # NAT64 for a public address
    ],
)
def test_addresses_are_classified(address: str, reason: str | None) -> None:
    assert forbidden_reason(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("0X7F.1", None),  # hosts reach the parser lower-cased
        ("2130706433", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("127.0.1", "127.0.0.1"),
        ("10.0.0.1.", "10.0.0.1"),
        ("0x", "0.0.0.0"),
        ("4294967295", "255.255.255.255"),
        ("4294967296", None),
        ("256.0.0.1", None),
        ("1.65536.1", None),
        ("1.65535", "1.0.255.255"),
        ("08.0.0.1", None),
        ("1.2.3.4.5", None),
        ("1._2.3.4", None),
        ("1.+2.3.4", None),
        ("1..3.4", None),
    ],
)
def test_numeric_hosts_decode_as_inet_aton_does(host: str, address: str | None) -> None:
    expected = None if address is None else ipaddress.IPv4Address(address)
    assert parse_ipv4(host) == expected


@pytest.mark.parametrize(
    ("url", "authority", "path", "tls_name"),
    [
        ("http://example.test/", "example.test", "/", "example.test"),
        ("https://example.test:443/a?b=1", "example.test", "/a?b=1", "example.test"),
        ("http://example.test:8080", "example.test:8080", "/", "example.test"),
        ("http://example.test./x y".replace(" ", "%20"), "example.test.", "/x%20y", "example.test"),
        ("https://[2606:4700::1]:8443/", "[2606:4700::1]:8443", "/", "2606:4700::1"),
        ("http://example.test/caf\u00e9", "example.test", "/caf%C3%A9", "example.test"),
    ],
)
def test_a_target_carries_what_is_sent(url: str, authority: str, path: str, tls_name: str) -> None:
    target = parse_target(url)

    assert (target.authority, target.path, target.tls_name) == (authority, path, tls_name)


def test_allowed_networks_exempt_only_their_addresses() -> None:
    policy = AddressPolicy(allow_networks=(ipaddress.ip_network("127.0.0.0/8"),))

    assert policy.refusal(ipaddress.ip_address("127.3.2.1")) is None
    assert policy.refusal(ipaddress.ip_address("10.0.0.1")) == "a private address"
    assert policy.refusal(ipaddress.ip_address("::1")) == "a loopback address"
    assert AddressPolicy(allow_private=True).refusal(ipaddress.ip_address("::1")) is None
