"""Webhook queries, always within one tenant (plus the relay's due scan)."""

from __future__ import annotations

import datetime
from typing import Any

from core import db
from core.domain.webhooks.tables import WebhookDelivery, WebhookEndpoint
from core.tenancy.repository import TenantRepository


class WebhookEndpointRepository(TenantRepository[WebhookEndpoint]):
    table = WebhookEndpoint


class WebhookDeliveryRepository(TenantRepository[WebhookDelivery]):
    table = WebhookDelivery


async def due_deliveries(now: datetime.datetime, limit: int) -> list[dict[str, Any]]:
    """Ids, tenants and attempt numbers of deliveries due for an attempt, across tenants:
    the one cross-tenant read of `webhook_deliveries` (exempt from row-level security).
    The job then works on the row through `WebhookDeliveryRepository` of its tenant."""
    async with db.transaction():
        rows: list[dict[str, Any]] = await (
            WebhookDelivery.select(
                WebhookDelivery.id, WebhookDelivery.tenant_id, WebhookDelivery.attempt
            )
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.next_attempt_at <= now,
                WebhookDelivery.locked_until.is_null() | (WebhookDelivery.locked_until < now),
            )
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(limit)
        )
    return rows


async def purge_finished_bodies(cutoff: datetime.datetime) -> int:
    """Empty the bodies (event data) of deliveries finished before `cutoff`, keeping the
    delivery log itself; across tenants (the table is exempt from row-level security)."""
    async with db.transaction(write=True):
        rows: list[dict[str, Any]] = await (
            WebhookDelivery.update({WebhookDelivery.body: ""})
            .where(
                WebhookDelivery.status != "pending",
                WebhookDelivery.completed_at < cutoff,
                WebhookDelivery.body != "",
            )
            .returning(WebhookDelivery.id)
        )
    return len(rows)
