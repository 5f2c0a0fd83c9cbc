"""HTTP: the care routes, mounted under `/api/v1/plugins/care/` (404 for tenants that have
not enabled it). Reads need `viewer`; notices, renewal dates and reports `supervisor`."""

from __future__ import annotations

from litestar import get, post
from litestar.params import Parameter

from core import sdk
from plugins.care import broadcasts, reactions, reports
from plugins.care.context import Ctx
from plugins.care.repository import CareLogRepository
from plugins.care.schemas import (
    BroadcastIn,
    BroadcastOut,
    LogEntry,
    MessagesReport,
    RenewalIn,
    RenewalOut,
)
from plugins.care.tables import CareLog

SUPERVISOR = {"min_role": sdk.Role.supervisor}


@post("/broadcasts", operation_id="careCreateBroadcast", opt=SUPERVISOR, status_code=200)
async def create_broadcast(plugin_ctx: Ctx, data: BroadcastIn) -> BroadcastOut:
    """Send a notice now to a segment (`tag`, `customer_ids`, or everyone), in batches,
    each message through the consent gate; an empty segment is a 200 with zero counts.
    `GET …/broadcasts/{id}` shows the counts as the batches go out."""
    return await broadcasts.start(plugin_ctx, data)


@get("/broadcasts/{broadcast_id:str}", operation_id="careGetBroadcast")
async def get_broadcast(plugin_ctx: Ctx, broadcast_id: str) -> BroadcastOut:
    return await broadcasts.get(plugin_ctx, sdk.parse_id(broadcast_id))


@post("/renewals", operation_id="careCreateRenewal", opt=SUPERVISOR, status_code=201)
async def create_renewal(plugin_ctx: Ctx, data: RenewalIn) -> RenewalOut:
    """Remember a date to send a renewal notice before (a `service` message
    `days_before` days earlier, by default the config's `renewal_days_before`)."""
    row = await reactions.remember_renewal(
        plugin_ctx,
        data.customer_id,
        data.due_on,
        data.label,
        data.days_before,
    )
    return RenewalOut(
        id=row["id"],
        customer_id=row["customer_id"],
        label=row["label"],
        due_on=row["due_on"],
        notify_on=row["notify_on"],
    )


@get("/log", operation_id="careListLog")
async def list_log(
    plugin_ctx: Ctx,
    limit: sdk.Limit = sdk.DEFAULT_LIMIT,
    cursor: str | None = None,
    customer_id: str | None = None,
) -> sdk.Page[LogEntry]:
    """What care did (greetings, notices, callbacks), newest first."""
    where = []
    if customer_id is not None:
        wanted = sdk.parse_id(customer_id)
        if wanted is None:
            return sdk.Page(items=[], next_cursor=None)
        where.append(CareLog.customer_id == wanted)
    async with sdk.tenant_transaction(plugin_ctx.tenant_id):
        page = await CareLogRepository(plugin_ctx.tenant_id).page(
            *where, limit=limit, cursor=sdk.Cursor.decode(cursor), newest_first=True
        )
    return page.map(
        lambda row: LogEntry(
            id=row["id"],
            kind=row["kind"],
            occasion=row["occasion"],
            channel=row["channel"],
            customer_id=row["customer_id"],
            outcome=row["outcome"],
            served_on=row["served_on"],
            created_at=row["created_at"],
        )
    )


@get("/reports/messages", operation_id="careMessagesReport", opt=SUPERVISOR)
async def messages_report(plugin_ctx: Ctx, month: str = Parameter(max_length=7)) -> MessagesReport:
    """Care's messages of a month (`YYYY-MM`, tenant time) by occasion, channel and status
    (`queued`, `sent`, `failed`, `blocked`, `skipped_no_address`)."""
    return await reports.messages_report(plugin_ctx, month)


ROUTES = [create_broadcast, get_broadcast, create_renewal, list_log, messages_report]
