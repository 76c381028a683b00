"""Which hosts may be fetched: public addresses only, unless an operator allows more.

A host is refused when any address it resolves to is private, loopback, link-local (the cloud
metadata service at 169.254.169.254 is one), multicast, reserved or otherwise not global,
unless the host name, or every one of its addresses, is in the allow-list.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from bot.domain.errors import FetchError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
Resolver = Callable[[str, int], Sequence[str]]


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to for TCP (``socket.getaddrinfo``)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return sorted({str(info[4][0]) for info in infos})


@dataclass(frozen=True, slots=True)
class AddressGuard:
    """Refuses hosts that are not public, with exceptions from an allow-list."""

    allowed_names: frozenset[str]
    allowed_networks: tuple[IPNetwork, ...]
    resolve: Resolver = resolve_host

    @classmethod
    def from_allow_list(
        cls, entries: Iterable[str], *, resolve: Resolver = resolve_host
    ) -> AddressGuard:
        """Build a guard from host names, IP addresses and CIDR blocks like ``10.0.0.0/8``."""
        names: set[str] = set()
        networks: list[IPNetwork] = []
        for entry in entries:
            try:
                networks.append(ipaddress.ip_network(entry.strip(), strict=False))
            except ValueError:
                names.add(_normalize_name(entry))
        return cls(frozenset(names), tuple(networks), resolve)

    def check(self, url: str, *, host: str, port: int) -> None:
        """Raise ``FetchError`` naming ``url`` unless ``host`` may be fetched."""
        if _normalize_name(host) in self.allowed_names:
            return
        for text in self._addresses(url, host=host, port=port):
            address = _parse_address(text)
            if not self._is_allowed(address):
                raise FetchError(f"GET {url}: refused, {host} is not a public address ({address})")

    def _addresses(self, url: str, *, host: str, port: int) -> Sequence[str]:
        literal = host.strip("[]")
        try:
            return [str(ipaddress.ip_address(literal))]
        except ValueError:
            pass
        try:
            addresses = self.resolve(literal, port)
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"GET {url}: cannot resolve {host} ({exc})") from exc
        if not addresses:
            raise FetchError(f"GET {url}: {host} resolves to no address")
        return addresses

    def _is_allowed(self, address: IPAddress) -> bool:
        if any(address in network for network in self.allowed_networks):
            return True
        return is_public_address(address)


def is_public_address(address: IPAddress) -> bool:
    """True for a globally routable unicast address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_multicast or address.is_reserved or address.is_link_local:
        return False
    return address.is_global and not (address.is_private or address.is_loopback)


def _parse_address(text: str) -> IPAddress:
    # getaddrinfo returns IPv6 link-local addresses with a "%scope" suffix.
    return ipaddress.ip_address(text.split("%", 1)[0])


def _normalize_name(name: str) -> str:
    return name.strip().strip("[]").lower().rstrip(".")
