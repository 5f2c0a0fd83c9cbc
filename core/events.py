"""Domain events through a transactional outbox.

`emit` writes the event in the same transaction as the change that caused it, so a
crash between commit and delivery loses nothing. The relay delivers pending events to
the enabled plugins' hooks after commit, one plugin at a time: a plugin that raises is
retried with backoff (only that plugin), and never undoes the change.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import uuid
from typing import Any

import msgspec
from piccolo.columns import JSON, UUID, Integer, Text, Timestamptz, Varchar

from core import db
from core.tenancy.context import Role, TenantContext, TenantStatus
from core.tenancy.repository import TenantRepository, utcnow
from core.tenancy.tables import Tenant, TenantTable

log = logging.getLogger("patron.events")

MAX_ATTEMPTS = 12
BATCH = 100
POLL_SECONDS = 0.2
LEASE = datetime.timedelta(seconds=60)


class OutboxEvent(TenantTable, tablename="outbox_events"):
    """An event waiting for (or done with) delivery. Read across tenants by the relay, so
    it is exempt from row-level security (see `RLS_EXEMPT`)."""

    type = Varchar(length=64)
    customer_id = UUID(null=True, default=None)
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
    await OutboxRepository(ctx.tenant_id).insert(
        type=type,
        customer_id=customer_id,
        actor_id=ctx.user_id,
        payload=msgspec.json.encode(payload).decode(),
        created_at=now,
        next_attempt_at=now,
    )


def backoff(attempts: int) -> datetime.timedelta:
    """1 s, 2 s, 4 s … capped at one hour."""
    return datetime.timedelta(seconds=min(2 ** max(attempts - 1, 0), 3600))


def _decode(value: Any) -> Any:
    return msgspec.json.decode(value) if isinstance(value, str | bytes) else value


class OutboxRelay:
    """Delivers pending events to plugin hooks. Safe to run in several processes: each
    event is leased (`locked_until`) by the process that delivers it."""

    def __init__(self, host: Any) -> None:
        self.host = host
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="outbox-relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                delivered = await self.relay_once()
            except Exception:  # noqa: BLE001 - the relay must outlive any one failure
                log.exception("outbox relay pass failed")
                delivered = 0
            if not delivered:
                await asyncio.sleep(POLL_SECONDS)

    async def relay_once(self) -> int:
        now = utcnow()
        async with db.transaction():
            due = await (
                OutboxEvent.select(OutboxEvent.id)
                .where(
                    OutboxEvent.status == "pending",
                    OutboxEvent.next_attempt_at <= now,
                    OutboxEvent.locked_until.is_null() | (OutboxEvent.locked_until < now),
                )
                .order_by(OutboxEvent.id)
                .limit(BATCH)
            )
        count = 0
        for row in due:
            event = await self._lease(row["id"], now)
            if event is not None:
                await self._deliver(event)
                count += 1
        return count

    async def _lease(self, event_id: uuid.UUID, now: datetime.datetime) -> dict | None:
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
            if not leased:
                return None  # another relay took it
            return await OutboxEvent.select().where(OutboxEvent.id == event_id).first()

    async def _deliver(self, event: dict[str, Any]) -> None:
        ctx = await self._context(event)
        done: list[str] = list(_decode(event["delivered_to"]))
        outcome = (
            {}
            if ctx is None
            else await self.host.deliver(ctx, event["type"], _decode(event["payload"]), skip=done)
        )
        done += [plugin for plugin, error in outcome.items() if error is None]
        errors = {plugin: error for plugin, error in outcome.items() if error is not None}
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

    async def _context(self, event: dict[str, Any]) -> TenantContext | None:
        """The tenant as it is now, acting as the staff member who caused the event."""
        async with db.transaction():
            tenant = await Tenant.select().where(Tenant.id == event["tenant_id"]).first()
        if tenant is None:
            return None
        return TenantContext(
            tenant_id=tenant["id"],
            user_id=event["actor_id"] or uuid.UUID(int=0),
            role=Role.owner,
            status=TenantStatus(tenant["status"]),
            timezone=tenant["timezone"],
            currency=tenant["currency"],
            country=tenant["country"],
            plugins=await self.host.enabled.configs(tenant["id"], tenant["plugins_revision"]),
            plugins_revision=tenant["plugins_revision"],
        )
