"""Domain events and plugin jobs through a transactional outbox.

`emit` writes an event (a Struct of `core.catalogue`) in the same transaction as the
change that caused it, so a crash between commit and delivery loses nothing; a plugin's
background job is a row of kind `job`. Jobs (core.jobs) deliver pending rows after
commit to their subscribers, one at a time: the enabled plugins subscribing to the event,
then webhooks (or, for a job, its plugin). A subscriber that raises is retried with
backoff (only that subscriber), and never undoes the change. After
`MAX_ATTEMPTS` an event is kept as `dead` with its errors, for `patron jobs retry`.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Sequence
from typing import Any

import msgspec
from piccolo.columns import JSON, UUID, Integer, Text, Timestamptz, Varchar

from core import db
from core.catalogue import Event, encode
from core.ids import uuid7
from core.jobs.context import job_context
from core.jobs.webhooks import fan_out, webhook_subscribers
from core.tenancy.context import TenantContext
from core.tenancy.repository import TenantRepository, utcnow
from core.tenancy.rows import aware, json_value
from core.tenancy.tables import TenantTable

log = logging.getLogger("patron.events")

MAX_ATTEMPTS = 12
DELIVERY_TIMEOUT_SECONDS = 30
BATCH = 200
PARTITIONS = 16
# How long a dispatcher holds a batch; a crashed worker's events are free again after it.
LEASE = datetime.timedelta(seconds=DELIVERY_TIMEOUT_SECONDS)
WEBHOOKS = "@webhooks"  # webhooks' key in `delivered_to` and `last_error`
EVENT, JOB = "event", "job"  # the kinds of outbox rows
# Delivered events are kept this long (for `patron jobs` and debugging), then deleted by
# the maintenance job: their payloads hold customers' personal data.
DELIVERED_RETENTION = datetime.timedelta(days=7)


class OutboxEvent(TenantTable, tablename="outbox_events"):
    """An event waiting for (or done with) delivery. Read across tenants by the relay, so
    it is exempt from row-level security (see `RLS_EXEMPT`)."""

    kind = Varchar(length=8, default=EVENT)  # event | job
    type = Varchar(length=64)  # the event's name, or a job's "<plugin>.<job>"
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


async def emit(ctx: TenantContext, event: Event, customer_id: uuid.UUID | None = None) -> None:
    """Record an event inside the caller's transaction (`TransactionRequired` outside one).

    `customer_id` keeps the customer's events in order; by default the event's own."""
    db.require_transaction(f"emitting {event.type}")
    await OutboxRepository(ctx.tenant_id).insert(
        **_row(ctx, EVENT, event.type, encode(event), customer_id or event.ordering_key())
    )


async def emit_many(ctx: TenantContext, items: Sequence[Event]) -> None:
    """Record many events inside the caller's transaction, written in bulk: for work such
    as re-ranking a whole tenant."""
    db.require_transaction("emitting events")
    now = utcnow()
    await OutboxRepository(ctx.tenant_id).insert_many(
        [_row(ctx, EVENT, e.type, encode(e), e.ordering_key(), now) for e in items]
    )


async def enqueue_jobs(
    ctx: TenantContext, job: str, items: Sequence[tuple[dict[str, Any], uuid.UUID | None]]
) -> None:
    """Record `<plugin>.<job>` runs, one per (payload, customer_id), in the caller's
    transaction: they run after commit, ordered with the customer's events."""
    db.require_transaction(f"enqueuing the job {job}")
    now = utcnow()
    await OutboxRepository(ctx.tenant_id).insert_many(
        [
            _row(ctx, JOB, job, msgspec.json.encode(payload).decode(), customer_id, now)
            for payload, customer_id in items
        ]
    )


def _row(
    ctx: TenantContext,
    kind: str,
    type: str,
    payload: str,
    customer_id: uuid.UUID | None,
    now: datetime.datetime | None = None,
) -> dict[str, Any]:
    now = now or utcnow()
    event_id = uuid7()
    return {
        "id": event_id,
        "kind": kind,
        "type": type,
        "customer_id": customer_id,
        "partition": (customer_id or event_id).int % PARTITIONS,
        "actor_id": ctx.user_id,
        "payload": payload,
        "created_at": now,
        "next_attempt_at": now,
    }


async def purge_delivered(now: datetime.datetime | None = None) -> int:
    """Delete events delivered longer than `DELIVERED_RETENTION` ago (across tenants: the
    outbox is exempt from row-level security); how many."""
    cutoff = (now or utcnow()) - DELIVERED_RETENTION
    async with db.transaction(write=True):
        gone = await (
            OutboxEvent.delete()
            .where(OutboxEvent.status == "done", OutboxEvent.created_at < cutoff)
            .returning(OutboxEvent.id)
        )
    return len(gone)


def backoff(attempts: int) -> datetime.timedelta:
    """1 s, 2 s, 4 s … capped at one hour."""
    return datetime.timedelta(seconds=min(2 ** max(attempts - 1, 0), 3600))


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
        """Deliver the partition's due events; the number handled.

        Work is batched: one query loads a batch, one update leases it, one marks the
        delivered events done; tenants' contexts and webhook subscribers are looked up
        once per batch.
        """
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
            leased = await self._lease(
                [r["id"] for r in rows if aware(r["next_attempt_at"]) <= now], now
            )
            batch = _Batch(self.host)
            held: set[Any] = set()
            progressed = 0
            for event in rows:
                customer = event["customer_id"]
                if customer is not None and customer in held:
                    continue
                if event["id"] not in leased:  # not yet due, or another relay has it
                    held.add(customer)
                    continue
                if await self._deliver(event, batch):
                    batch.done.append(event["id"])
                else:
                    held.add(customer)
                progressed += 1
            await batch.finish()
            handled += progressed
            if len(rows) < BATCH or not progressed:
                return handled

    async def _lease(self, event_ids: list[uuid.UUID], now: datetime.datetime) -> set[uuid.UUID]:
        if not event_ids:
            return set()
        async with db.transaction(write=True):
            leased = await (
                OutboxEvent.update({OutboxEvent.locked_until: now + LEASE})
                .where(
                    OutboxEvent.id.is_in(event_ids),
                    OutboxEvent.status == "pending",
                    OutboxEvent.locked_until.is_null() | (OutboxEvent.locked_until < now),
                )
                .returning(OutboxEvent.id)
            )
        return {row["id"] for row in leased}

    async def _deliver(self, event: dict[str, Any], batch: _Batch) -> bool:
        """Hand the event to every subscriber not yet reached: the enabled plugins'
        subscriptions (or a job's plugin), then webhooks. True when all went well (the
        batch then marks it done); else only the failed subscribers are retried later."""
        ctx = await batch.context(event["tenant_id"], event["actor_id"])
        done: list[str] = list(json_value(event["delivered_to"]))
        payload = json_value(event["payload"])
        if ctx is None:
            outcome: dict[str, str | None] = {}
        elif event["kind"] == JOB:
            outcome = await self.host.run_job(ctx, event["type"], payload, skip=done)
        else:
            outcome = await self.host.deliver(ctx, event["type"], payload, skip=done)
        done += [plugin for plugin, error in outcome.items() if error is None]
        errors = {plugin: error for plugin, error in outcome.items() if error is not None}
        # Webhooks are one more subscriber: reached once, retried alone when they fail.
        if event["kind"] == EVENT and WEBHOOKS not in done:
            try:
                await fan_out(event, await batch.subscribers(event["tenant_id"]))
                done.append(WEBHOOKS)
            except Exception as exc:  # noqa: BLE001 - retried with the event
                log.exception("webhook fan-out of event %s failed", event["id"])
                errors[WEBHOOKS] = f"{type(exc).__name__}: {exc}"
        if not errors:
            return True
        attempts = event["attempts"] + 1
        status = "dead" if attempts >= MAX_ATTEMPTS else "pending"
        async with db.transaction(write=True):
            await OutboxEvent.update(
                {
                    OutboxEvent.status: status,
                    OutboxEvent.attempts: attempts,
                    OutboxEvent.delivered_to: msgspec.json.encode(done).decode(),
                    OutboxEvent.last_error: msgspec.json.encode(errors).decode(),
                    OutboxEvent.next_attempt_at: utcnow() + backoff(attempts),
                    OutboxEvent.locked_until: None,
                }
            ).where(OutboxEvent.id == event["id"])
        return False


class _Batch:
    """What one pass of `drain` looks up once: tenant contexts and webhook subscribers;
    and the events it delivered, marked done together."""

    def __init__(self, host: Any) -> None:
        self.host = host
        self.done: list[uuid.UUID] = []
        self._contexts: dict[Any, TenantContext | None] = {}
        self._subscribers: dict[Any, list[dict[str, Any]]] = {}

    async def context(self, tenant_id: Any, actor_id: Any) -> TenantContext | None:
        if tenant_id not in self._contexts:
            self._contexts[tenant_id] = await job_context(self.host, tenant_id)
        ctx = self._contexts[tenant_id]
        return (
            None if ctx is None else msgspec.structs.replace(ctx, user_id=actor_id or ctx.user_id)
        )

    async def subscribers(self, tenant_id: Any) -> list[dict[str, Any]]:
        if tenant_id not in self._subscribers:
            self._subscribers[tenant_id] = await webhook_subscribers(tenant_id)
        return self._subscribers[tenant_id]

    async def finish(self) -> None:
        if self.done:
            async with db.transaction(write=True):
                await OutboxEvent.update(
                    {
                        OutboxEvent.status: "done",
                        OutboxEvent.attempts: OutboxEvent.attempts + 1,
                        OutboxEvent.last_error: None,
                        OutboxEvent.locked_until: None,
                    }
                ).where(OutboxEvent.id.is_in(self.done))
