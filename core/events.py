"""Domain events through a transactional outbox.

`emit` writes the event in the same transaction as the change that caused it, so a
crash between commit and delivery loses nothing. Jobs (core.jobs) deliver pending events
to the enabled plugins' hooks after commit, one plugin at a time: a plugin that raises is
retried with backoff (only that plugin), and never undoes the change. After
`MAX_ATTEMPTS` an event is kept as `dead` with its errors, for `patron jobs retry`.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Any

import msgspec
from piccolo.columns import JSON, UUID, Integer, Text, Timestamptz, Varchar

from core import db
from core.ids import uuid7
from core.jobs.context import job_context
from core.jobs.webhooks import fan_out
from core.tenancy.context import TenantContext
from core.tenancy.repository import TenantRepository, utcnow
from core.tenancy.tables import TenantTable

log = logging.getLogger("patron.events")

MAX_ATTEMPTS = 12
BATCH = 200
PARTITIONS = 16
LEASE = datetime.timedelta(seconds=60)
WEBHOOKS = "@webhooks"  # the key of a failed webhook fan-out in `last_error`


class OutboxEvent(TenantTable, tablename="outbox_events"):
    """An event waiting for (or done with) delivery. Read across tenants by the relay, so
    it is exempt from row-level security (see `RLS_EXEMPT`)."""

    type = Varchar(length=64)
    customer_id = UUID(null=True, default=None)
    partition = Integer(default=0)  # by customer: a customer's events stay in order
    actor_id = UUID(null=True, default=None)
    payload = JSON(default="{}")
    created_at = Timestamptz()
    status = Varchar(length=16, default="pending")  # pending | done | dead
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz()
    locked_until = Timestamptz(null=True, default=None)
    delivered_to = JSON(default="[]")
    last_error = Text(null=True, default=None)


class OutboxRepository(TenantRepository[OutboxEvent]):
    table = OutboxEvent


async def emit(
    ctx: TenantContext, type: str, payload: dict[str, Any], customer_id: uuid.UUID | None = None
) -> None:
    """Record an event inside the caller's transaction."""
    now = utcnow()
    event_id = uuid7()
    await OutboxRepository(ctx.tenant_id).insert(
        id=event_id,
        type=type,
        customer_id=customer_id,
        partition=(customer_id or event_id).int % PARTITIONS,
        actor_id=ctx.user_id,
        payload=msgspec.json.encode(payload).decode(),
        created_at=now,
        next_attempt_at=now,
    )


def backoff(attempts: int) -> datetime.timedelta:
    """1 s, 2 s, 4 s … capped at one hour."""
    return datetime.timedelta(seconds=min(2 ** max(attempts - 1, 0), 3600))


def _as_aware(moment: Any) -> datetime.datetime:
    if isinstance(moment, str):
        moment = datetime.datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=datetime.UTC)


def _decode(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


class OutboxDispatcher:
    """Delivers pending events to plugin hooks, one partition at a time.

    Events are partitioned by customer, and a partition is drained by one job at a time
    (the queue's job id is the partition), in id order: a customer's events are handled in
    the order they happened. An event that fails holds back that customer's later events
    until its retry; other customers go on.
    """

    def __init__(self, host: Any) -> None:
        self.host = host

    async def due_partitions(self) -> list[int]:
        async with db.transaction():
            rows = await (
                OutboxEvent.select(OutboxEvent.partition)
                .where(OutboxEvent.status == "pending", OutboxEvent.next_attempt_at <= utcnow())
                .distinct()
            )
        return sorted(row["partition"] for row in rows)

    async def drain(self, partition: int) -> int:
        """Deliver the partition's due events; the number handled."""
        handled = 0
        while True:
            now = utcnow()
            async with db.transaction():
                rows = await (
                    OutboxEvent.select()
                    .where(OutboxEvent.status == "pending", OutboxEvent.partition == partition)
                    .order_by(OutboxEvent.id)
                    .limit(BATCH)
                )
            held: set[Any] = set()
            progressed = 0
            for event in rows:
                customer = event["customer_id"]
                if customer is not None and customer in held:
                    continue
                if _as_aware(event["next_attempt_at"]) > now:
                    held.add(customer)
                    continue
                if not await self._lease(event["id"], now):
                    held.add(customer)
                    continue
                if not await self._deliver(event):
                    held.add(customer)
                progressed += 1
            handled += progressed
            if len(rows) < BATCH or not progressed:
                return handled

    async def _lease(self, event_id: uuid.UUID, now: datetime.datetime) -> bool:
        async with db.transaction(write=True):
            leased = await (
                OutboxEvent.update({OutboxEvent.locked_until: now + LEASE})
                .where(
                    OutboxEvent.id == event_id,
                    OutboxEvent.status == "pending",
                    OutboxEvent.locked_until.is_null() | (OutboxEvent.locked_until < now),
                )
                .returning(OutboxEvent.id)
            )
        return bool(leased)

    async def _deliver(self, event: dict[str, Any]) -> bool:
        """Deliver to the plugins not yet reached; True when none failed."""
        ctx = await job_context(self.host, event["tenant_id"], event["actor_id"])
        done: list[str] = list(_decode(event["delivered_to"]))
        outcome = (
            {}
            if ctx is None
            else await self.host.deliver(ctx, event["type"], _decode(event["payload"]), skip=done)
        )
        done += [plugin for plugin, error in outcome.items() if error is None]
        errors = {plugin: error for plugin, error in outcome.items() if error is not None}
        # Webhooks get the event whatever the plugins did. Idempotent: retrying the event
        # (for a failed plugin or a failed fan-out) adds no second delivery.
        try:
            await fan_out(event)
        except Exception as exc:  # noqa: BLE001 - retried with the event
            log.exception("webhook fan-out of event %s failed", event["id"])
            errors[WEBHOOKS] = f"{type(exc).__name__}: {exc}"
        attempts = event["attempts"] + 1
        status = "done" if not errors else "dead" if attempts >= MAX_ATTEMPTS else "pending"
        async with db.transaction(write=True):
            await OutboxEvent.update(
                {
                    OutboxEvent.status: status,
                    OutboxEvent.attempts: attempts,
                    OutboxEvent.delivered_to: msgspec.json.encode(done).decode(),
                    OutboxEvent.last_error: msgspec.json.encode(errors).decode()
                    if errors
                    else None,
                    OutboxEvent.next_attempt_at: utcnow() + backoff(attempts),
                    OutboxEvent.locked_until: None,
                }
            ).where(OutboxEvent.id == event["id"])
        return not errors
