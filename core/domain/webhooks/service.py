"""Webhook rules: subscriptions, the signing secret, and which addresses may be called.

Destinations go through the one destination guard (`core.net.destinations`) when an
endpoint is created and again at every delivery: the URL must be http(s) with a host, and
every address the host resolves to must be public, unless `PATRON_WEBHOOK_ALLOW_PRIVATE=1`.
A host that does not resolve at creation is accepted (DNS may be private to the receiver's
network or not set up yet); a delivery to it fails until it resolves to public addresses.
"""

from __future__ import annotations

import base64
import secrets
import uuid
from typing import Any

import msgspec

from core.catalogue import Catalogue
from core.crypto import FieldCipher
from core.db import tenant_transaction
from core.domain.webhooks import schemas
from core.domain.webhooks.repository import WebhookDeliveryRepository, WebhookEndpointRepository
from core.domain.webhooks.tables import WebhookDelivery
from core.errors import InvalidInput, NotFound
from core.net import destinations
from core.pagination import Cursor, Page
from core.tenancy.context import TenantContext
from core.tenancy.repository import utcnow
from core.tenancy.rows import json_value

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` + base64 of random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


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
            await destinations.check_configured(
                "url", url=data.url, allow_private=self.allow_private
            )
        except InvalidInput as exc:
            errors[:0] = [(e["field"], e["message"]) for e in exc.errors]
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
            current = await self._require(webhook_id)
            row = await self.endpoints.update(
                current["id"],
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


def webhook_view(row: dict[str, Any]) -> schemas.Webhook:
    # By hand: `events` is a JSON list kept in a text column.
    return schemas.Webhook(
        id=row["id"],
        url=row["url"],
        events=list(json_value(row["events"])),  # a text column
        enabled=bool(row["enabled"]),
        created_at=row["created_at"],
        disabled_at=row["disabled_at"],
    )


def delivery_view(row: dict[str, Any]) -> schemas.Delivery:
    # By hand: `next_attempt_at` is shown only while pending.
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
