"""Outbound webhook delivery (api.md §7, Standard Webhooks).

- `fan_out(event, endpoints)`: called by the outbox dispatcher for every event; one delivery row
  per enabled endpoint of the event's tenant subscribed to its type. Idempotent: a
  re-delivered event finds its rows (unique per tenant, endpoint and event).
- `enqueue_due_webhooks`: a step of the job relay; due deliveries become
  `deliver_webhook` jobs whose id names the attempt, so a tick never enqueues one twice.
- `WebhookDeliverer.deliver`: leases the row, resolves and checks the destination once
  (`core.net.destinations`) and connects to that checked address, signs the stored body
  bytes and POSTs exactly those bytes; the reply's body is never read or kept. A non-2xx
  answer or an error is retried after `PATRON_WEBHOOK_RETRY_SECONDS` (Standard Webhooks'
  ~24 h schedule); after the last it fails, and `DISABLE_AFTER` deliveries in a row failing for good
  disable the endpoint until an admin re-enables it.

`webhook_deliveries` is read across tenants by the relay (only ids, tenants and attempt
numbers), so it is exempt from row-level security; everything else goes through the
tenant repositories.
"""

from __future__ import annotations

import datetime
import logging
import time
import uuid
from typing import Any

import httpx
import msgspec
from arq.connections import ArqRedis
from standardwebhooks.webhooks import Webhook

from core import db
from core.crypto import FieldCipher
from core.db import tenant_transaction
from core.domain.webhooks.repository import (
    WebhookDeliveryRepository,
    WebhookEndpointRepository,
    due_deliveries,
)
from core.domain.webhooks.schemas import ALL_EVENTS
from core.domain.webhooks.tables import WebhookDelivery, WebhookEndpoint
from core.ids import uuid7
from core.net.destinations import (
    Resolver,
    UnsafeDestination,
    failure_reason,
    pinned_client,
    resolve_url,
)
from core.settings import Settings
from core.tenancy.repository import utcnow
from core.tenancy.rows import aware, json_value

log = logging.getLogger("patron.webhooks")

TIMEOUT_SECONDS = 10.0
LEASE = datetime.timedelta(seconds=60)  # longer than a request can take
RELAY_BATCH = 500
DISABLE_AFTER = 5  # deliveries failing for good in a row disable the endpoint
USER_AGENT = "Patron-Webhooks/1"


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def subscribed(events: Any, event_type: str) -> bool:
    names = json_value(events)
    return ALL_EVENTS in names or event_type in names


def message(event: dict[str, Any]) -> str:
    """The body of every attempt: `{"type", "timestamp", "data"}`, serialised once."""
    return msgspec.json.encode(
        {
            "type": event["type"],
            "timestamp": aware(event["created_at"]).isoformat(),
            "data": json_value(event["payload"]),
        }
    ).decode()


# -- fan-out ----------------------------------------------------------------------------
async def webhook_subscribers(tenant_id: Any) -> list[dict[str, Any]]:
    """The tenant's enabled endpoints with the events they subscribe to."""
    tenant_id = _uuid(tenant_id)
    async with tenant_transaction(tenant_id):
        return (
            await WebhookEndpointRepository(tenant_id)
            .select(WebhookEndpoint.id, WebhookEndpoint.events)
            .where(WebhookEndpoint.enabled.eq(True))
        )


async def fan_out(event: dict[str, Any], endpoints: list[dict[str, Any]]) -> int:
    """One delivery per subscribed endpoint among `endpoints` (the tenant's enabled ones,
    from `webhook_subscribers`); the number added."""
    tenant_id = _uuid(event["tenant_id"])
    deliveries = WebhookDeliveryRepository(tenant_id)
    targets = {row["id"] for row in endpoints if subscribed(row["events"], event["type"])}
    if not targets:
        return 0
    body, now = message(event), utcnow()
    try:
        async with tenant_transaction(tenant_id, write=True):
            existing = await deliveries.select(WebhookDelivery.endpoint_id).where(
                WebhookDelivery.event_id == event["id"]
            )
            new = targets - {row["endpoint_id"] for row in existing}
            await deliveries.insert_many(
                [
                    {
                        "id": uuid7(),
                        "endpoint_id": endpoint_id,
                        "event_id": event["id"],
                        "event_type": event["type"],
                        "body": body,
                        "status": "pending",
                        "attempt": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for endpoint_id in sorted(new)
                ]
            )
    except Exception as exc:
        if db.is_unique_violation(exc):
            return 0  # a concurrent delivery of the same event made them
        raise
    return len(new)


# -- relay ------------------------------------------------------------------------------
async def enqueue_due_webhooks(pool: ArqRedis) -> int:
    """Enqueue a job per due delivery; the job id names the attempt."""
    rows = await due_deliveries(utcnow(), RELAY_BATCH)
    for row in rows:
        await pool.enqueue_job(
            "deliver_webhook",
            str(row["id"]),
            str(row["tenant_id"]),
            _job_id=f"webhook:{row['id']}:{row['attempt']}",
        )
    return len(rows)


# -- delivery ---------------------------------------------------------------------------
class Outcome(msgspec.Struct):
    response_code: int | None = None
    duration_ms: int | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.response_code is not None and 200 <= self.response_code < 300


class WebhookDeliverer:
    def __init__(
        self,
        settings: Settings,
        transport: httpx.AsyncBaseTransport | None = None,
        resolver: Resolver | None = None,
    ):
        self.cipher = FieldCipher(settings.secret_key)
        self.allow_private = settings.webhook_allow_private
        self.retry_seconds = settings.webhook_retry_seconds
        self.transport = transport
        self.resolver = resolver

    async def deliver(self, delivery_id: uuid.UUID, tenant_id: uuid.UUID) -> str:
        """One attempt of one delivery; its resulting status ("skipped" when not due)."""
        deliveries = WebhookDeliveryRepository(tenant_id)
        endpoints = WebhookEndpointRepository(tenant_id)
        now = utcnow()
        async with tenant_transaction(tenant_id, write=True):
            leased = await (
                deliveries.update_where({WebhookDelivery.locked_until: now + LEASE})
                .where(
                    WebhookDelivery.id == delivery_id,
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at <= now,
                    WebhookDelivery.locked_until.is_null() | (WebhookDelivery.locked_until < now),
                )
                .returning(WebhookDelivery.id)
            )
            if not leased:
                return "skipped"
            delivery = await deliveries.get(delivery_id)
            assert delivery is not None
            endpoint = await endpoints.get(delivery["endpoint_id"])
        if endpoint is None or not endpoint["enabled"]:
            reason = "endpoint deleted" if endpoint is None else "endpoint disabled"
            return await self._finish(delivery, Outcome(error=reason), final=True, count=False)
        outcome = await self._attempt(delivery, endpoint)
        return await self._finish(delivery, outcome)

    async def _attempt(self, delivery: dict[str, Any], endpoint: dict[str, Any]) -> Outcome:
        secret = self.cipher.decrypt(endpoint["secret_encrypted"])
        if secret is None:
            return Outcome(error="the signing secret cannot be decrypted (PATRON_SECRET_KEY?)")
        url = endpoint["url"]
        try:
            destination = await resolve_url(
                url, allow_private=self.allow_private, resolver=self.resolver
            )
        except UnsafeDestination as exc:
            return Outcome(error=f"not delivered: {exc}")
        body: str = delivery["body"]
        msg_id = str(delivery["id"])  # stable across retries: receivers deduplicate on it
        sent_at = datetime.datetime.now(datetime.UTC)
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": Webhook(secret).sign(msg_id, sent_at, body),
        }
        started = time.monotonic()
        try:
            async with (
                pinned_client(destination, timeout=TIMEOUT_SECONDS, inner=self.transport) as client,
                client.stream("POST", url, content=body.encode(), headers=headers) as response,
            ):
                code = response.status_code  # the body is never read
        except httpx.HTTPError as exc:
            return Outcome(duration_ms=_since(started), error=failure_reason(exc))
        return Outcome(
            response_code=code,
            duration_ms=_since(started),
            error=None if 200 <= code < 300 else f"HTTP {code}",
        )

    async def _finish(
        self,
        delivery: dict[str, Any],
        outcome: Outcome,
        *,
        final: bool = False,
        count: bool = True,
    ) -> str:
        tenant_id = _uuid(delivery["tenant_id"])
        deliveries = WebhookDeliveryRepository(tenant_id)
        endpoints = WebhookEndpointRepository(tenant_id)
        attempt = delivery["attempt"] + (0 if final and not count else 1)
        now = utcnow()
        if outcome.ok:
            status = "succeeded"
        elif not final and attempt <= len(self.retry_seconds):
            status = "pending"
        else:
            status = "failed"
        values: dict[str, Any] = {
            "status": status,
            "attempt": attempt,
            "response_code": outcome.response_code,
            "duration_ms": outcome.duration_ms,
            "error": outcome.error,
            "locked_until": None,
        }
        if count:
            values["last_attempt_at"] = now
        if status == "pending":
            delay = self.retry_seconds[attempt - 1]
            values["next_attempt_at"] = now + datetime.timedelta(seconds=delay)
        else:
            values["completed_at"] = now
        async with tenant_transaction(tenant_id, write=True):
            await deliveries.update(delivery["id"], values)
            if count and status != "pending":
                await self._count(endpoints, delivery["endpoint_id"], status == "succeeded", now)
        return status

    async def _count(
        self,
        endpoints: WebhookEndpointRepository,
        endpoint_id: uuid.UUID,
        succeeded: bool,
        now: datetime.datetime,
    ) -> None:
        """Consecutive final failures; the endpoint is disabled at `DISABLE_AFTER`."""
        endpoint = await endpoints.get_for_update(endpoint_id)
        if endpoint is None:
            return
        if succeeded:
            if endpoint["consecutive_failures"]:
                await endpoints.update(endpoint_id, {"consecutive_failures": 0})
            return
        failures = endpoint["consecutive_failures"] + 1
        values: dict[str, Any] = {"consecutive_failures": failures, "updated_at": now}
        if failures >= DISABLE_AFTER and endpoint["enabled"]:
            values.update(enabled=False, disabled_at=now)
            log.warning(
                "webhook %s of tenant %s disabled after %d failed deliveries",
                endpoint_id,
                endpoint["tenant_id"],
                failures,
            )
        await endpoints.update(endpoint_id, values)


def _since(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
