"""Which hosts may be fetched: public addresses only, unless an operator allows more.

A host is refused when any address it resolves to is private, loopback, link-local (the cloud
metadata service at 169.254.169.254 is one), multicast, reserved or otherwise not global,
unless the host name, or every one of its addresses, is in the allow-list.

Allow-list entries are host names, IP addresses, CIDR blocks (``10.0.0.0/8``) or one port of
a host (``127.0.0.1:43117``, ``[::1]:8080``, ``intranet.example:8443``): the demo allows only
its own loopback server's port, so nothing else on loopback is reachable.
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
    allowed_ports: frozenset[tuple[str, int]] = frozenset()  # (name or IP, port)

    @classmethod
    def from_allow_list(
        cls, entries: Iterable[str], *, resolve: Resolver = resolve_host
    ) -> AddressGuard:
        """Build a guard from host names, IP addresses, CIDR blocks like ``10.0.0.0/8`` and
        ``host:port`` pairs; blank entries are ignored."""
        names: set[str] = set()
        networks: list[IPNetwork] = []
        ports: set[tuple[str, int]] = set()
        for entry in (entry.strip() for entry in entries):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
                continue
            except ValueError:
                pass
            endpoint = split_host_port(entry)
            if endpoint is not None:
                ports.add(endpoint)
            else:
                names.add(_normalize_name(entry))
        return cls(frozenset(names), tuple(networks), resolve, frozenset(ports))

    def check(self, url: str, *, host: str, port: int) -> None:
        """Raise ``FetchError`` naming ``url`` unless ``host`` may be fetched on ``port``."""
        name = _normalize_name(host)
        if name in self.allowed_names or (name, port) in self.allowed_ports:
            return
        for text in self._addresses(url, host=host, port=port):
            address = _parse_address(text)
            if not self._is_allowed(address, port):
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

    def _is_allowed(self, address: IPAddress, port: int) -> bool:
        if any(address in network for network in self.allowed_networks):
            return True
        if (str(address), port) in self.allowed_ports:
            return True
        return is_public_address(address)


def split_host_port(entry: str) -> tuple[str, int] | None:
    """``("127.0.0.1", 43117)`` for ``"127.0.0.1:43117"`` (``[v6]:port`` too), else None.

    The host comes back normalized (lowercase, no brackets, IPs in their canonical form).
    """
    host, sep, port = entry.strip().rpartition(":")
    if not sep or not port.isdigit() or not host or int(port) > 65535:
        return None
    if ":" in host and not (host.startswith("[") and host.endswith("]")):
        return None  # a bare IPv6 address, not host:port
    return _canonical_host(_normalize_name(host)), int(port)


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


def _canonical_host(name: str) -> str:
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


def _normalize_name(name: str) -> str:
    return name.strip().strip("[]").lower().rstrip(".")
