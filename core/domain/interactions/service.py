"""Logging interactions with live customers, each also an entry of the customer's timeline."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import msgspec

from core import events
from core.catalogue import InteractionLogged, InteractionPayload
from core.db import tenant_transaction
from core.domain.customers.repository import CustomerRepository
from core.domain.interactions import schemas
from core.domain.interactions.repository import InteractionRepository
from core.domain.interactions.tables import Interaction
from core.domain.timeline.service import Timeline
from core.pagination import Cursor, Page
from core.tenancy.context import TenantContext
from core.tenancy.repository import utcnow


class InteractionService:
    def __init__(self, ctx: TenantContext) -> None:
        self.ctx = ctx
        self.interactions = InteractionRepository(ctx.tenant_id)
        self.customers = CustomerRepository(ctx.tenant_id)
        self.timeline = Timeline(ctx)

    async def list(
        self, customer_id: uuid.UUID | None, *, limit: int, cursor: str | None
    ) -> Page[schemas.Interaction]:
        """Newest first."""
        async with tenant_transaction(self.ctx.tenant_id):
            customer = await self.customers.require_active(customer_id)
            page = await self.interactions.page(
                Interaction.customer_id == customer["id"],
                limit=limit,
                cursor=Cursor.decode(cursor),
                newest_first=True,
                order_column=Interaction.occurred_at,
            )
        return page.map(interaction_view)

    async def create(
        self, customer_id: uuid.UUID | None, data: schemas.InteractionCreate
    ) -> schemas.Interaction:
        """Logged by the caller; `occurred_at` defaults to now."""
        now = utcnow()
        occurred_at = data.occurred_at.astimezone(datetime.UTC) if data.occurred_at else now
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            customer = await self.customers.require_active(customer_id)
            row = await self.interactions.insert(
                customer_id=customer["id"],
                channel=data.channel,
                direction=str(data.direction),
                summary=data.summary,
                kind=data.kind,
                occurred_at=occurred_at,
                staff_id=self.ctx.user_id,
                created_at=now,
            )
            await self.timeline.record(
                customer["id"],
                "interaction.logged",
                f"{data.channel} ({data.direction}): {data.summary}",
                subject_id=row["id"],
                occurred_at=occurred_at,
                data={
                    "channel": data.channel,
                    "direction": str(data.direction),
                    "kind": data.kind,
                },
            )
            interaction = interaction_view(row)
            payload = msgspec.convert(msgspec.to_builtins(interaction), InteractionPayload)
            await events.emit(self.ctx, InteractionLogged(interaction=payload))
        return interaction


def interaction_view(row: dict[str, Any]) -> schemas.Interaction:
    return msgspec.convert(row, schemas.Interaction)
