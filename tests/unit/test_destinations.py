"""The destination guard (core.net.destinations): which addresses may be called, that a
name is resolved once and the connection goes to the checked address."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from core.errors import InvalidInput
from core.net.destinations import (
    UnsafeDestination,
    check_configured,
    embedded_ipv4,
    pinned_client,
    refusal,
    resolve,
    resolve_url,
)
from tests.support import loopback

REFUSED = [
    "127.0.0.1",
    "10.0.0.1",
    "172.16.5.4",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",  # cloud metadata
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "198.18.0.1",
    "::",
    "::1",
    "fd00:ec2::254",  # cloud metadata over IPv6
    "fe80::1",
    "fc00::1",
    "fec0::1",  # site-local
    "ff02::1",
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::127.0.0.1",  # IPv4-compatible
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::808:808",  # NAT64 even of a public address: a translator is a proxy
    "64:ff9b:1::a00:1",  # local-use NAT64
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:808:808::1",  # 6to4
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo
    "2001:db8::1",
]
PUBLIC = ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111", "2a00:1450:4001:80b::200e"]


@pytest.mark.parametrize("address", REFUSED)
def test_non_public_addresses_are_refused(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is not None
    with pytest.raises(UnsafeDestination):
        asyncio.run(resolve(address, 443, allow_private=False))


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


def test_the_ipv4_address_inside_an_ipv6_address_is_found() -> None:
    v6 = ipaddress.IPv6Address
    assert embedded_ipv4(v6("64:ff9b::7f00:1")) == ipaddress.IPv4Address("127.0.0.1")
    assert embedded_ipv4(v6("::ffff:10.0.0.1")) == ipaddress.IPv4Address("10.0.0.1")
    assert embedded_ipv4(v6("2002:c0a8:101::1")) == ipaddress.IPv4Address("192.168.1.1")
    assert embedded_ipv4(v6("::127.0.0.1")) == ipaddress.IPv4Address("127.0.0.1")
    assert "127.0.0.1" in (refusal(v6("64:ff9b::7f00:1")) or "")


def test_a_name_resolving_to_any_private_address_is_refused() -> None:
    async def resolver(host: str, port: int) -> list[str]:
        return ["93.184.215.14", "10.0.0.7"]

    with pytest.raises(UnsafeDestination, match=r"10\.0\.0\.7"):
        asyncio.run(resolve_url("https://mixed.example/x", allow_private=False, resolver=resolver))


def test_configuration_names_the_field_and_lets_an_unresolved_name_pass() -> None:
    with pytest.raises(InvalidInput) as refused:
        asyncio.run(check_configured("config.url", url="http://[::1]:8000/", allow_private=False))
    assert [e["field"] for e in refused.value.errors] == ["config.url"]
    asyncio.run(
        check_configured("config.url", url="https://no-such-host.invalid/", allow_private=False)
    )
    with pytest.raises(InvalidInput):
        asyncio.run(
            check_configured("url", url="https://user:pw@example.com/", allow_private=False)
        )


class Rebinding:
    """A resolver that answers `first` to the first question and `then` afterwards."""

    def __init__(self, first: str, then: str) -> None:
        self.answers = [first, then]
        self.calls = 0

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls += 1
        return [self.answers[min(self.calls - 1, 1)]]


def test_a_rebinding_name_is_connected_to_at_the_checked_address() -> None:
    """Public to the check, 127.0.0.1 to anyone who asks again: the request still goes to
    the checked public address, under the original name."""
    resolver = Rebinding("93.184.215.14", "127.0.0.1")
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    async def send() -> None:
        destination = await resolve_url(
            "https://rebind.example/hook?x=1", allow_private=False, resolver=resolver
        )
        async with pinned_client(
            destination, timeout=5, inner=httpx.MockTransport(record)
        ) as client:
            await client.post("https://rebind.example/hook?x=1", content=b"{}")

    asyncio.run(send())
    [request] = seen
    assert request.url.host == "93.184.215.14"
    assert request.url.path == "/hook" and request.url.query == b"x=1"
    assert request.headers["host"] == "rebind.example"
    assert request.extensions["sni_hostname"] == "rebind.example"
    assert resolver.calls == 1


@pytest.fixture
def loopback_server() -> Iterator[tuple[int, list[dict[str, Any]]]]:
    seen: list[dict[str, Any]] = []

    class Handler(loopback.QuietHandler):
        def do_POST(self) -> None:  # noqa: N802
            self.rfile.read(int(self.headers.get("content-length") or 0))
            seen.append({"host": self.headers["host"], "path": self.path})
            self.send_response(204)
            self.end_headers()

    server = loopback.start(Handler)
    try:
        yield server.server_address[1], seen
    finally:
        loopback.stop(server)


def test_the_real_connection_goes_to_the_checked_address(loopback_server: Any) -> None:
    """With private addresses allowed (as in tests): a name first answering 127.0.0.1,
    then an unreachable address, is reached at 127.0.0.1 over a real socket."""
    port, seen = loopback_server
    resolver = Rebinding("127.0.0.1", "203.0.113.9")

    async def send() -> int:
        destination = await resolve_url(
            f"http://rebind.test:{port}/in", allow_private=True, resolver=resolver
        )
        async with pinned_client(destination, timeout=5) as client:
            response = await client.post(f"http://rebind.test:{port}/in", content=b"{}")
            return response.status_code

    assert asyncio.run(send()) == 204
    assert seen == [{"host": f"rebind.test:{port}", "path": "/in"}]
    assert resolver.calls == 1


def test_a_pinned_client_refuses_any_other_host() -> None:
    async def send() -> None:
        destination = await resolve("93.184.215.14", 443, allow_private=False)
        async with pinned_client(
            destination, timeout=5, inner=httpx.MockTransport(lambda r: httpx.Response(200))
        ) as client:
            await client.get("https://other.example/")

    with pytest.raises(httpx.ConnectError):
        asyncio.run(send())
