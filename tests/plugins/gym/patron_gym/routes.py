"""HTTP: the gym's routes, mounted by the plugin host under `/api/v1/plugins/gym/` (404 for
tenants that have not enabled the gym). A handler asks for `plugin_ctx`: the caller's
context bound to the gym, with the tenant's config of it."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from core import sdk
from litestar import get, post

from patron_gym import terms
from patron_gym.config import GymConfig, PlanName
from patron_gym.events import MembershipStarted
from patron_gym.repository import MembershipRepository


class MembershipIn(sdk.Input):
    customer_id: uuid.UUID
    plan: PlanName
    starts_on: sdk.Day  # years 2-9998: a date at the calendar's edge would overflow


class MembershipOut(sdk.Output):
    id: uuid.UUID
    customer_id: uuid.UUID
    plan: str
    starts_on: datetime.date
    ends_on: datetime.date
    active: bool
    created_at: datetime.datetime


def membership_view(row: dict[str, Any], today: datetime.date) -> MembershipOut:
    return MembershipOut(
        id=row["id"],
        customer_id=row["customer_id"],
        plan=row["plan"],
        starts_on=row["starts_on"],
        ends_on=row["ends_on"],
        active=terms.is_active(row["starts_on"], row["ends_on"], today),
        created_at=row["created_at"],
    )


@post("/memberships", operation_id="gymCreateMembership")
async def create_membership(
    plugin_ctx: sdk.PluginContext[GymConfig], data: MembershipIn
) -> MembershipOut:
    """Sign a customer up for one of the gym's plans from `starts_on`; publishes
    `gym.membership_started` with the membership."""
    ctx = plugin_ctx
    plan = ctx.config.plan(data.plan)
    if plan is None:
        raise sdk.InvalidInput([("plan", "not one of this gym's plans")])
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        if not await sdk.customer_exists(ctx, data.customer_id):
            raise sdk.InvalidInput([("customer_id", "no such customer in this tenant")])
        row = await MembershipRepository(ctx.tenant_id).insert(
            customer_id=data.customer_id,
            plan=plan.name,
            starts_on=data.starts_on,
            ends_on=terms.last_day_covered(data.starts_on, plan.months),
            created_at=sdk.utcnow(),
        )
        await sdk.emit(
            ctx,
            MembershipStarted(
                membership_id=row["id"],
                customer_id=row["customer_id"],
                plan=row["plan"],
                starts_on=row["starts_on"],
                ends_on=row["ends_on"],
            ),
        )
    return membership_view(row, terms.local_today(ctx.timezone))


@get("/memberships/{membership_id:str}", operation_id="gymGetMembership")
async def get_membership(ctx: sdk.TenantContext, membership_id: str) -> MembershipOut:
    async with sdk.tenant_transaction(ctx.tenant_id):
        row = await MembershipRepository(ctx.tenant_id).get(sdk.parse_id(membership_id))
    if row is None:
        raise sdk.NotFound("No such membership.")
    return membership_view(row, terms.local_today(ctx.timezone))


@get("/members", operation_id="gymListMembers")
async def list_members(
    ctx: sdk.TenantContext,
    customer_id: str | None = None,
    limit: sdk.Limit = sdk.DEFAULT_LIMIT,
    cursor: str | None = None,
) -> sdk.Page[MembershipOut]:
    """Memberships, newest first; `customer_id` narrows them to one customer's."""
    repo = MembershipRepository(ctx.tenant_id)
    where = []
    if customer_id is not None:
        wanted = sdk.parse_id(customer_id)
        if wanted is None:
            return sdk.Page(items=[], next_cursor=None)
        where.append(repo.table.customer_id == wanted)
    async with sdk.tenant_transaction(ctx.tenant_id):
        page = await repo.page(
            *where, limit=limit, cursor=sdk.Cursor.decode(cursor), newest_first=True
        )
    today = terms.local_today(ctx.timezone)
    return page.map(lambda row: membership_view(row, today))


ROUTES = [create_membership, get_membership, list_members]
