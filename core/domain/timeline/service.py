"""Recording and reading timeline entries."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import msgspec

from core.domain.timeline.tables import TimelineEntry
from core.domain.types import Output
from core.tenancy.context import TenantContext
from core.tenancy.repository import TenantRepository, utcnow


class TimelineEntryView(Output, kw_only=True):
    id: uuid.UUID | None  # None for entries a plugin computes when the timeline is read
    customer_id: uuid.UUID
    occurred_at: datetime.datetime
    kind: str
    source: str
    subject_id: uuid.UUID | None
    summary: str
    data: dict[str, Any]
    actor_id: uuid.UUID | None


class TimelineRepository(TenantRepository[TimelineEntry]):
    table = TimelineEntry


class Timeline:
    """Writes timeline entries; called inside the transaction of the change it records."""

    def __init__(self, ctx: TenantContext) -> None:
        self.ctx = ctx
        self.entries = TimelineRepository(ctx.tenant_id)

    async def record(
        self,
        customer_id: uuid.UUID,
        kind: str,
        summary: str,
        *,
        subject_id: uuid.UUID | None = None,
        occurred_at: datetime.datetime | None = None,
        data: dict[str, Any] | None = None,
        source: str = "core",
    ) -> None:
        await self.entries.insert(
            customer_id=customer_id,
            occurred_at=occurred_at or utcnow(),
            kind=kind,
            source=source,
            subject_id=subject_id,
            summary=summary[:4000],
            data=msgspec.json.encode(data or {}).decode(),
            actor_id=self.ctx.user_id,
        )


def computed_view(customer_id: uuid.UUID, plugin: str, entry: Any) -> TimelineEntryView:
    return TimelineEntryView(
        id=None,
        customer_id=customer_id,
        occurred_at=entry.occurred_at,
        kind=f"{plugin}.{entry.kind}",
        source=plugin,
        subject_id=None,
        summary=entry.summary,
        data=entry.data,
        actor_id=None,
    )


def entry_view(row: dict[str, Any]) -> TimelineEntryView:
    return msgspec.convert(row, TimelineEntryView)
