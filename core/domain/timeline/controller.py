"""HTTP: the customer timeline."""

from __future__ import annotations

from litestar import get

from core.db import tenant_transaction
from core.domain.customers.repository import CustomerRepository
from core.domain.timeline.service import TimelineEntryView, TimelineRepository, entry_view
from core.domain.timeline.tables import TimelineEntry
from core.errors import NotFound
from core.ids import parse_id
from core.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from core.tenancy.context import TenantContext


@get(
    "/api/v1/customers/{customer_id:str}/timeline",
    operation_id="listCustomerTimeline",
    tags=["customers"],
)
async def list_timeline(
    ctx: TenantContext, customer_id: str, limit: Limit = DEFAULT_LIMIT, cursor: str | None = None
) -> Page[TimelineEntryView]:
    """The customer's history, newest first."""
    async with tenant_transaction(ctx.tenant_id):
        if not await CustomerRepository(ctx.tenant_id).get_active(parse_id(customer_id)):
            raise NotFound("No such customer.")
        page = await TimelineRepository(ctx.tenant_id).page(
            TimelineEntry.customer_id == parse_id(customer_id),
            limit=limit,
            cursor=Cursor.decode(cursor),
            newest_first=True,
            order_column=TimelineEntry.occurred_at,
        )
    return page.map(entry_view)
