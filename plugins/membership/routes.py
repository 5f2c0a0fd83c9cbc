"""HTTP: the membership routes, mounted by the plugin host under
`/api/v1/plugins/membership/` (404 for tenants that have not enabled it). Reads need
`viewer`, writes `agent`, unless a route names a stronger role."""

from __future__ import annotations

import uuid

from litestar import get, post

from core import sdk
from plugins.membership import members
from plugins.membership.context import Ctx
from plugins.membership.repository import ReferralRepository
from plugins.membership.schemas import LevelChange, Member, PinIn, Referral, Stats

SUPERVISOR = {"min_role": sdk.Role.supervisor}


def customer_id_of(raw: str) -> uuid.UUID:
    parsed = sdk.parse_id(raw)
    if parsed is None:
        raise sdk.NotFound("No such customer.")
    return parsed


@get("/members/{customer_id:str}", operation_id="membershipGetMember")
async def get_member(plugin_ctx: Ctx, customer_id: str) -> Member:
    """A customer's level in force, its benefits, what the rule computes and the window's
    spend, purchases and referrals."""
    return await members.get_member(plugin_ctx, customer_id_of(customer_id))


@get("/members/{customer_id:str}/level-changes", operation_id="membershipListLevelChanges")
async def list_level_changes(plugin_ctx: Ctx, customer_id: str) -> list[LevelChange]:
    """Every change of the member's level in force (a first level too), newest first."""
    return await members.level_changes(plugin_ctx, customer_id_of(customer_id))


@post("/level-pins", operation_id="membershipPinLevel", opt=SUPERVISOR, status_code=200)
async def pin_level(plugin_ctx: Ctx, data: PinIn) -> Member:
    """Pin a member's level (supervisor and above), or remove the pin with `level: null`;
    the computed level is still shown."""
    return await members.set_pin(plugin_ctx, data.customer_id, data.level, data.reason)


@get("/stats", operation_id="membershipStats")
async def stats(plugin_ctx: Ctx) -> Stats:
    """Members per level in force, lowest level first."""
    return await members.stats(plugin_ctx)


@get("/referrals", operation_id="membershipListReferrals")
async def list_referrals(
    plugin_ctx: Ctx,
    referrer_id: str | None = None,
    limit: sdk.Limit = sdk.DEFAULT_LIMIT,
    cursor: str | None = None,
) -> sdk.Page[Referral]:
    """Referrals recorded, newest first, with each referrer's reward; `referrer_id` narrows
    them to one referrer's."""
    repo = ReferralRepository(plugin_ctx.tenant_id)
    where = []
    if referrer_id is not None:
        wanted = sdk.parse_id(referrer_id)
        if wanted is None:
            return sdk.Page(items=[], next_cursor=None)
        where.append(repo.table.referrer_id == wanted)
    async with sdk.tenant_transaction(plugin_ctx.tenant_id):
        page = await repo.page(
            *where, limit=limit, cursor=sdk.Cursor.decode(cursor), newest_first=True
        )
    return page.map(lambda row: Referral(**{f: row[f] for f in Referral.__struct_fields__}))


ROUTES = [get_member, list_level_changes, pin_level, stats, list_referrals]
