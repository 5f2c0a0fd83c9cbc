"""Channel and message queries, always within one tenant (plus the relay's due scan)."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from core.messaging.tables import Message, MessageChannel
from core.tenancy.repository import TenantRepository

RELAY_BATCH = 200


class ChannelRepository(TenantRepository[MessageChannel]):
    table = MessageChannel

    async def of_kind(self, kind: str) -> dict | None:
        return await self.select().where(MessageChannel.kind == kind).first()


class MessageRepository(TenantRepository[Message]):
    table = Message

    async def insert_if_absent(self, **values: Any) -> bool:
        """Insert unless the tenant already has a message with this `cause_key`; True when
        this call inserted it. `ON CONFLICT DO NOTHING` on the unique (tenant_id, cause_key)
        index: no error, so the caller's transaction stays usable on PostgreSQL."""
        row_id = values["id"]
        row = self.table(**{**values, "tenant_id": self.tenant_id})
        await self.table.insert(row).on_conflict(
            target=(Message.tenant_id, Message.cause_key), action="DO NOTHING"
        )
        stored = await self.select(Message.id).where(Message.cause_key == values["cause_key"])
        return bool(stored) and stored[0]["id"] == row_id

    async def lease(
        self, message_id: uuid.UUID, now: datetime.datetime, until: datetime.datetime
    ) -> bool:
        """Take the queued message for one sender until `until`; False when it is not queued
        or another sender holds it."""
        leased = await (
            self.update_where({Message.locked_until: until})
            .where(
                Message.id == message_id,
                Message.status == "queued",
                Message.locked_until.is_null() | (Message.locked_until < now),
            )
            .returning(Message.id)
        )
        return bool(leased)


async def due_messages(now: datetime.datetime, limit: int = RELAY_BATCH) -> list[dict[str, Any]]:
    """Ids, tenants and attempts of queued messages due for a send, across tenants: the one
    cross-tenant read of `messages` (the relay's), which returns no content."""
    return await (
        Message.select(Message.id, Message.tenant_id, Message.attempts)
        .where(
            Message.status == "queued",
            Message.next_attempt_at <= now,
            Message.locked_until.is_null() | (Message.locked_until < now),
        )
        .order_by(Message.next_attempt_at)
        .limit(limit)
    )
