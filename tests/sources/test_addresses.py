"""The public-address rule and its allow-list (no network: resolvers are injected)."""

from __future__ import annotations

import ipaddress

import pytest

from bot.domain.errors import FetchError
from bot.sources.addresses import AddressGuard, is_public_address, split_host_port


def resolve_to(*addresses: str) -> AddressGuard:
    return AddressGuard.from_allow_list((), resolve=lambda host, port: list(addresses))


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.100.100.200",
        "0.0.0.0",
        "224.0.0.1",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "fe80::1",
        "fd00:ec2::254",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
    ],
)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert not is_public_address(ipaddress.ip_address(address))
    with pytest.raises(FetchError, match="not a public address"):
        resolve_to(address).check("http://host.test/", host="host.test", port=80)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public_addresses_pass(address: str) -> None:
    assert is_public_address(ipaddress.ip_address(address))
    resolve_to(address).check("http://host.test/", host="host.test", port=80)


def test_one_private_address_among_public_ones_is_refused() -> None:
    with pytest.raises(FetchError, match=r"10\.0\.0\.1"):
        resolve_to("8.8.8.8", "10.0.0.1").check("http://mixed.test/", host="mixed.test", port=80)


def test_allow_list_accepts_names_ips_and_cidrs() -> None:
    guard = AddressGuard.from_allow_list(
        ["Intranet.Example.", "127.0.0.1", "10.0.0.0/8"], resolve=lambda host, port: ["10.1.2.3"]
    )
    guard.check("http://intranet.example/", host="intranet.example", port=80)
    guard.check("http://127.0.0.1/", host="127.0.0.1", port=80)
    guard.check("http://wiki.corp/", host="wiki.corp", port=80)  # resolves into 10.0.0.0/8
    with pytest.raises(FetchError):
        guard.check("http://192.168.0.1/", host="192.168.0.1", port=80)


def test_unresolvable_host_is_a_fetch_error_naming_the_url() -> None:
    def fail(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    guard = AddressGuard.from_allow_list((), resolve=fail)
    with pytest.raises(FetchError, match=r"http://nowhere\.test/x: cannot resolve"):
        guard.check("http://nowhere.test/x", host="nowhere.test", port=80)


def test_localhost_resolved_by_the_system_is_refused() -> None:
    guard = AddressGuard.from_allow_list(())
    with pytest.raises(FetchError, match="not a public address"):
        guard.check("http://localhost/", host="localhost", port=80)


def test_host_port_entry_allows_only_that_port() -> None:
    guard = AddressGuard.from_allow_list(["127.0.0.1:43117"])
    guard.check("http://127.0.0.1:43117/", host="127.0.0.1", port=43117)
    for host, port in (("127.0.0.1", 43118), ("127.0.0.1", 80), ("127.0.0.2", 43117)):
        with pytest.raises(FetchError, match="not a public address"):
            guard.check(f"http://{host}:{port}/", host=host, port=port)


def test_host_port_entry_matches_names_resolving_to_it() -> None:
    guard = AddressGuard.from_allow_list(
        ["127.0.0.1:8080"], resolve=lambda host, port: ["127.0.0.1"]
    )
    guard.check("http://localhost:8080/", host="localhost", port=8080)
    with pytest.raises(FetchError):
        guard.check("http://localhost:8081/", host="localhost", port=8081)


def test_named_and_ipv6_host_port_entries() -> None:
    guard = AddressGuard.from_allow_list(
        ["Wiki.Corp:8443", "[::1]:8080", " ", ""], resolve=lambda host, port: ["10.1.2.3"]
    )
    guard.check("https://wiki.corp:8443/", host="wiki.corp", port=8443)
    guard.check("http://[::1]:8080/", host="[::1]", port=8080)
    with pytest.raises(FetchError):
        guard.check("https://wiki.corp/", host="wiki.corp", port=443)
    with pytest.raises(FetchError):
        guard.check("http://[::1]:8081/", host="[::1]", port=8081)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("127.0.0.1:43117", ("127.0.0.1", 43117)),
        ("[::1]:8080", ("::1", 8080)),
        ("Intranet.Example.:8443", ("intranet.example", 8443)),
        ("::1", None),
        ("fe80::1", None),
        ("intranet.example", None),
        ("host:99999", None),
        ("host:", None),
        (":80", None),
    ],
)
def test_split_host_port(entry: str, expected: tuple[str, int] | None) -> None:
    assert split_host_port(entry) == expected
