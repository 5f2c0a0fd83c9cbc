"""Webhook rules: subscriptions, the signing secret, and which addresses may be called.

Destinations are checked when an endpoint is created and again before every delivery
(`check_destination`): the URL must be http(s) with a host, and every address the host
resolves to must be globally routable, unless `PATRON_WEBHOOK_ALLOW_PRIVATE=1`. A host
that does not resolve at creation is accepted (DNS may be private to the receiver's
network or not set up yet); a delivery to it fails until it resolves to public addresses.
"""

from __future__ import annotations

import asyncio
import base64
import ipaddress
import secrets
import socket
import uuid
from typing import Any
from urllib.parse import urlsplit

import msgspec

from core.catalogue import Catalogue
from core.crypto import FieldCipher
from core.db import tenant_transaction
from core.domain.webhooks import schemas
from core.domain.webhooks.repository import WebhookDeliveryRepository, WebhookEndpointRepository
from core.domain.webhooks.tables import WebhookDelivery
from core.errors import InvalidInput, NotFound
from core.pagination import Cursor, Page
from core.tenancy.context import TenantContext
from core.tenancy.repository import utcnow

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


class UnsafeDestination(Exception):
    """A webhook URL that may not be called; the message says why."""


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` + base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not address.is_global or address.is_multicast


def parse_destination(url: str) -> tuple[str, int]:
    """The host and port of an http(s) URL; `UnsafeDestination` when it is not one."""
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
        raise UnsafeDestination("must not carry credentials")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check_destination(url: str, *, allow_private: bool, unresolved_ok: bool) -> None:
    """Refuse a URL any of whose addresses is not public (loopback, private, link-local…).

    `unresolved_ok`: a host that does not resolve passes (at creation) or is refused
    (at delivery, where there would be nothing to call).
    """
    host, port = parse_destination(url)
    if allow_private:
        return
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(
                host, port, type=socket.SOCK_STREAM
            )
        except (socket.gaierror, UnicodeError) as exc:
            if unresolved_ok:
                return
            raise UnsafeDestination(f"host {host!r} does not resolve ({exc})") from None
        addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
        if not addresses and not unresolved_ok:
            raise UnsafeDestination(f"host {host!r} has no addresses")
    for address in addresses:
        if _refused(address):
            raise UnsafeDestination(
                f"resolves to {address}, which is not a public address"
                " (loopback, private, link-local and reserved addresses are refused)"
            )


class WebhookService:
    def __init__(
        self,
        ctx: TenantContext,
        cipher: FieldCipher,
        *,
        allow_private: bool,
        known_events: frozenset[str] | None = None,
    ) -> None:
        """`known_events`: the event catalogue's names (core and loaded plugins')."""
        self.ctx = ctx
        self.known_events = known_events if known_events is not None else Catalogue().names()
        self.cipher = cipher
        self.allow_private = allow_private
        self.endpoints = WebhookEndpointRepository(ctx.tenant_id)
        self.deliveries = WebhookDeliveryRepository(ctx.tenant_id)

    async def create(self, data: schemas.WebhookCreate) -> schemas.WebhookCreated:
        errors = [
            (f"events[{i}]", f"unknown event {name!r}")
            for i, name in enumerate(data.events)
            if name != schemas.ALL_EVENTS and name not in self.known_events
        ]
        try:
            await check_destination(data.url, allow_private=self.allow_private, unresolved_ok=True)
        except UnsafeDestination as exc:
            errors.insert(0, ("url", str(exc)))
        if errors:
            raise InvalidInput(errors)
        events = sorted(set(data.events))
        secret = new_secret()
        now = utcnow()
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            row = await self.endpoints.insert(
                url=data.url,
                events=msgspec.json.encode(events).decode(),
                secret_encrypted=self.cipher.encrypt(secret),
                enabled=True,
                consecutive_failures=0,
                disabled_at=None,
                created_at=now,
                updated_at=now,
            )
        view = webhook_view(row)
        return schemas.WebhookCreated(**msgspec.structs.asdict(view), secret=secret)

    async def list(self, *, limit: int, cursor: str | None) -> Page[schemas.Webhook]:
        async with tenant_transaction(self.ctx.tenant_id):
            page = await self.endpoints.page(limit=limit, cursor=Cursor.decode(cursor))
        return page.map(webhook_view)

    async def delete(self, webhook_id: uuid.UUID | None) -> None:
        """The endpoint and its delivery log; deliveries not yet made are dropped."""
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            row = await self._require(webhook_id)
            await self.deliveries.delete_where().where(WebhookDelivery.endpoint_id == row["id"])
            await self.endpoints.delete(row["id"])

    async def enable(self, webhook_id: uuid.UUID | None) -> schemas.Webhook:
        """Re-enable an endpoint disabled after repeated failures; its count starts over."""
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            row = await self._require(webhook_id)
            row = await self.endpoints.update(
                row["id"],
                {
                    "enabled": True,
                    "consecutive_failures": 0,
                    "disabled_at": None,
                    "updated_at": utcnow(),
                },
            )
        assert row is not None
        return webhook_view(row)

    async def deliveries_of(
        self, webhook_id: uuid.UUID | None, *, limit: int, cursor: str | None
    ) -> Page[schemas.Delivery]:
        """Newest first."""
        async with tenant_transaction(self.ctx.tenant_id):
            row = await self._require(webhook_id)
            page = await self.deliveries.page(
                WebhookDelivery.endpoint_id == row["id"],
                limit=limit,
                cursor=Cursor.decode(cursor),
                newest_first=True,
            )
        return page.map(delivery_view)

    async def _require(self, webhook_id: uuid.UUID | None) -> dict[str, Any]:
        row = await self.endpoints.get(webhook_id)
        if row is None:
            raise NotFound("No such webhook.")
        return row


def _decode(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


def webhook_view(row: dict[str, Any]) -> schemas.Webhook:
    return schemas.Webhook(
        id=row["id"],
        url=row["url"],
        events=list(_decode(row["events"])),
        enabled=bool(row["enabled"]),
        created_at=row["created_at"],
        disabled_at=row["disabled_at"],
    )


def delivery_view(row: dict[str, Any]) -> schemas.Delivery:
    return schemas.Delivery(
        id=row["id"],
        endpoint_id=row["endpoint_id"],
        event_id=row["event_id"],
        event_type=row["event_type"],
        status=row["status"],
        attempt=row["attempt"],
        response_code=row["response_code"],
        duration_ms=row["duration_ms"],
        error=row["error"],
        created_at=row["created_at"],
        last_attempt_at=row["last_attempt_at"],
        next_attempt_at=row["next_attempt_at"] if row["status"] == "pending" else None,
        completed_at=row["completed_at"],
    )
