"""HTTP: the customer timeline."""

from __future__ import annotations

from litestar import get

from core.db import tenant_transaction
from core.domain.customers.repository import CustomerRepository
from core.domain.timeline.service import (
    TimelineEntryView,
    TimelineRepository,
    computed_view,
    entry_view,
)
from core.domain.timeline.tables import TimelineEntry
from core.errors import NotFound
from core.ids import parse_id
from core.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from core.plugins.host import PluginHost
from core.tenancy.context import TenantContext


@get(
    "/api/v1/customers/{customer_id:str}/timeline",
    operation_id="listCustomerTimeline",
    tags=["customers"],
)
async def list_timeline(
    ctx: TenantContext,
    host: PluginHost,
    customer_id: str,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> Page[TimelineEntryView]:
    """The customer's history, newest first: interactions, tasks, payments, changes and
    plugin events. `limit` counts stored entries; entries that enabled plugins compute
    when read are added to the page whose time span they fall in."""
    after = Cursor.decode(cursor)
    async with tenant_transaction(ctx.tenant_id):
        customer = await CustomerRepository(ctx.tenant_id).get_active(parse_id(customer_id))
        if customer is None:
            raise NotFound("No such customer.")
        page = await TimelineRepository(ctx.tenant_id).page(
            TimelineEntry.customer_id == customer["id"],
            limit=limit,
            cursor=after,
            newest_first=True,
            order_column=TimelineEntry.occurred_at,
        )
    entries = page.map(entry_view)
    # This page spans (oldest entry on it, the previous page's oldest]; the last page
    # reaches back to the beginning of time.
    newer_than = entries.items[-1].occurred_at if page.next_cursor and entries.items else None
    not_newer_than = after.last_key if after else None
    computed = await host.timeline_entries(ctx, str(customer["id"]), newer_than, not_newer_than)
    entries.items += [computed_view(customer["id"], plugin, entry) for plugin, entry in computed]
    entries.items.sort(key=lambda e: e.occurred_at, reverse=True)
    return entries
