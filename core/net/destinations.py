"""The one guard between a tenant-supplied destination and the network.

Webhook URLs, the http channel's gateway and the e-mail channel's SMTP host are all
written by tenant admins, so every outbound connection made for a tenant goes through
here, at configuration (a 422 naming the field) and again at every send:

- the host is resolved **once** and every address it resolves to must be public;
  the connection then goes to that checked address (`pinned_transport` for httpx, the
  address itself for SMTP), with the original name kept for `Host`, SNI and certificate
  checks. Resolving again to connect would let a name answer a public address to the
  check and 127.0.0.1 to the connection (DNS rebinding).
- refused: loopback, private, shared (CGNAT), link-local (cloud metadata at
  169.254.169.254 and fd00:ec2::254), unspecified, multicast, reserved and documentation
  ranges, and every IPv6 form that carries an IPv4 address (IPv4-mapped and -compatible,
  NAT64, 6to4, Teredo) or was site-local (fec0::/10); the embedded IPv4 address is
  checked as well. Python's own `is_global` misses several of these (e.g. 64:ff9b::/96),
  so the ranges are listed here.

`PATRON_WEBHOOK_ALLOW_PRIVATE=1` (tests only) lifts the address rules; the name is still
resolved once and the connection pinned.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from core.errors import InvalidInput

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) -> the addresses it resolves to, as text.
Resolver = Callable[[str, int], Awaitable[list[str]]]

_V4_REFUSED = [
    ipaddress.IPv4Network(net)
    for net in (
        "0.0.0.0/8",  # "this network", unspecified
        "10.0.0.0/8",
        "100.64.0.0/10",  # shared address space (CGNAT)
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",  # IETF protocol assignments
        "192.0.2.0/24",  # documentation
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",  # benchmarking
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
    )
]
_V6_REFUSED = [
    ipaddress.IPv6Network(net)
    for net in (
        "::/128",  # unspecified
        "::1/128",  # loopback
        "::/96",  # IPv4-compatible (deprecated)
        "::ffff:0:0/96",  # IPv4-mapped
        "::ffff:0:0:0/96",  # IPv4-translated
        "64:ff9b::/96",  # NAT64
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/32",  # Teredo
        "2001:2::/48",  # benchmarking
        "2001:10::/28",  # ORCHID
        "2001:20::/28",  # ORCHIDv2
        "2001:db8::/32",  # documentation
        "2002::/16",  # 6to4
        "3fff::/20",  # documentation
        "5f00::/16",  # segment routing
        "fc00::/7",  # unique local, incl. fd00:ec2::254 (cloud metadata)
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
]


class UnsafeDestination(Exception):
    """A destination that may not be called; the message says why (and names no secret)."""


@dataclass(frozen=True)
class Destination:
    """A checked destination: connect to `address`, call it `host` (Host, SNI, TLS)."""

    host: str
    port: int
    address: IPAddress
    scheme: str = "https"


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4, Teredo)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    low = int(address) & 0xFFFFFFFF
    for prefix in ("::/96", "64:ff9b::/96", "64:ff9b:1::/48", "::ffff:0:0:0/96"):
        if address in ipaddress.IPv6Network(prefix):
            return ipaddress.IPv4Address(low)
    return None


def refusal(address: IPAddress) -> str | None:
    """Why `address` may not be called, or None when it is a public unicast address."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            return f"{address} is a scoped (link-local) address"
        inner = embedded_ipv4(address)
        if inner is not None and refusal(inner) is not None:
            return f"{address} carries the non-public IPv4 address {inner}"
        networks: list[Any] = _V6_REFUSED
    else:
        networks = _V4_REFUSED
    for network in networks:
        if address in network:
            return f"{address} is in the non-public range {network}"
    if (
        not address.is_global
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address.is_link_local
        or address.is_loopback
        or address.is_private
    ):
        return f"{address} is not a public address"
    return None


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def parse_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL; `UnsafeDestination` when it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeDestination(f"not a valid URL ({exc})") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeDestination("must be an http or https URL")
    if not parts.hostname:
        raise UnsafeDestination("must name a host")
    if parts.username is not None or parts.password is not None:
        raise UnsafeDestination("must not carry credentials (put a token in a header)")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


async def resolve(
    host: str,
    port: int,
    *,
    allow_private: bool,
    scheme: str = "https",
    resolver: Resolver | None = None,
) -> Destination:
    """Resolve `host` once and check every address; the destination to connect to."""
    host = host.strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    literal = _address(host.split("%", 1)[0]) if "%" not in host else None
    if "%" in host:
        raise UnsafeDestination("a scoped address is not a public address")
    if literal is not None:
        addresses: list[IPAddress] = [literal]
    else:
        try:
            found = await (resolver or system_resolver)(host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            raise UnsafeDestination(f"host {host!r} does not resolve ({exc})") from None
        addresses = []
        for text in found:
            address = _address(str(text))
            if address is None or "%" in str(text):
                raise UnsafeDestination(f"host {host!r} resolves to a scoped or odd address")
            addresses.append(address)
        if not addresses:
            raise UnsafeDestination(f"host {host!r} has no addresses")
    if not allow_private:
        for address in addresses:
            reason = refusal(address)
            if reason is not None:
                raise UnsafeDestination(
                    f"{host} resolves to {reason}; loopback, private, link-local, reserved"
                    " and IPv4-embedding addresses are refused"
                )
    return Destination(host=host, port=port, address=addresses[0], scheme=scheme)


async def resolve_url(
    url: str, *, allow_private: bool, resolver: Resolver | None = None
) -> Destination:
    scheme, host, port = parse_url(url)
    return await resolve(host, port, allow_private=allow_private, scheme=scheme, resolver=resolver)


async def check_configured(
    field: str,
    *,
    url: str | None = None,
    host: str | None = None,
    port: int = 0,
    allow_private: bool,
    resolver: Resolver | None = None,
) -> None:
    """At configuration: a 422 naming `field` for a refused destination. A name that does
    not resolve yet passes (DNS may not be set up yet); every send checks again."""
    try:
        if url is not None:
            scheme, host, port = parse_url(url)
        assert host is not None
        await resolve(host, port, allow_private=allow_private, resolver=resolver)
    except UnsafeDestination as exc:
        if "does not resolve" in str(exc) or "has no addresses" in str(exc):
            return
        raise InvalidInput([(field, str(exc))]) from None


class PinnedTransport(httpx.AsyncBaseTransport):
    """Sends every request to the checked address of one destination, with the original
    name as `Host` and as the TLS server name (SNI and certificate check)."""

    def __init__(self, destination: Destination, inner: httpx.AsyncBaseTransport | None = None):
        self.destination = destination
        self.inner = inner or httpx.AsyncHTTPTransport(retries=0, trust_env=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        dest = self.destination
        if (
            request.url.host.lower().rstrip(".") != dest.host
            or (request.url.port or (443 if request.url.scheme == "https" else 80)) != dest.port
        ):
            raise httpx.ConnectError("not the checked destination", request=request)
        host_header = request.headers.get("host") or request.url.netloc.decode("ascii")
        request.url = request.url.copy_with(host=str(dest.address))
        request.headers["host"] = host_header
        request.extensions = {**request.extensions, "sni_hostname": dest.host}
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def pinned_client(
    destination: Destination, *, timeout: float, inner: httpx.AsyncBaseTransport | None = None
) -> httpx.AsyncClient:
    """An httpx client that can only reach `destination`, never follows redirects and
    ignores proxy settings of the environment."""
    return httpx.AsyncClient(
        transport=PinnedTransport(destination, inner),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
    )


def failure_reason(exc: BaseException) -> str:
    """A fixed, secret-free reason for a failed connection: never the remote's words."""
    if isinstance(exc, httpx.TimeoutException | TimeoutError | asyncio.TimeoutError):
        return "timed out"
    if isinstance(exc, httpx.ConnectError | ConnectionError | OSError):
        return "could not connect"
    if isinstance(exc, httpx.HTTPError):
        return "the connection failed"
    return "failed"
