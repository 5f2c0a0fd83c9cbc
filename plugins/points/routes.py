"""HTTP: the points routes, mounted by the plugin host under `/api/v1/plugins/points/` (404
for tenants that have not enabled it). Reads need `viewer`, writes `agent`, unless a route
names a stronger role."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

import msgspec
from litestar import get, post
from litestar.params import Parameter

from core import sdk
from plugins.points import service
from plugins.points.config import Ctx
from plugins.points.schemas import (
    Account,
    AdjustmentIn,
    AwardIn,
    Entry,
    ExpiryRun,
    Redemption,
    RedemptionIn,
    Reward,
    RewardIn,
    Stats,
)
from plugins.points.store import EntryRepository, RedemptionRepository, RewardRepository
from plugins.points.tables import Entry as EntryTable
from plugins.points.tables import Redemption as RedemptionTable

SUPERVISOR = {"min_role": sdk.Role.supervisor}
ADMIN = {"min_role": sdk.Role.admin}


def id_or_404(raw: str, what: str) -> uuid.UUID:
    parsed = sdk.parse_id(raw)
    if parsed is None:
        raise sdk.NotFound(f"No such {what}.")
    return parsed


def shaped(kind: type[msgspec.Struct], row: dict[str, Any]) -> Any:
    return msgspec.convert(
        {f: row[f] for f in kind.__struct_fields__ if f in row}, kind, from_attributes=True
    )


# -- accounts ------------------------------------------------------------------------------
@get("/accounts/{customer_id:str}", operation_id="pointsGetAccount")
async def get_account(plugin_ctx: Ctx, customer_id: str) -> Account:
    """`{balance, earned, redeemed, expired, owed}`; the stored balance is checked against
    the sum of the customer's entries."""
    wanted = id_or_404(customer_id, "customer")
    await sdk.require_customer(plugin_ctx, wanted)
    return Account(**await service.account_view(plugin_ctx, wanted))


@get("/accounts/{customer_id:str}/entries", operation_id="pointsListEntries")
async def list_entries(
    plugin_ctx: Ctx,
    customer_id: str,
    limit: sdk.Limit = sdk.DEFAULT_LIMIT,
    cursor: str | None = None,
) -> sdk.Page[Entry]:
    """The customer's ledger entries, newest first."""
    wanted = id_or_404(customer_id, "customer")
    await sdk.require_customer(plugin_ctx, wanted)
    repo = EntryRepository(plugin_ctx.tenant_id)
    async with sdk.tenant_transaction(plugin_ctx.tenant_id):
        page = await repo.page(
            EntryTable.customer_id == wanted,
            limit=limit,
            cursor=sdk.Cursor.decode(cursor),
            newest_first=True,
        )
    return page.map(lambda row: shaped(Entry, row))


# -- earning by hand -----------------------------------------------------------------------
@post("/awards", operation_id="pointsCreateAward", opt=SUPERVISOR)
async def create_award(plugin_ctx: Ctx, data: AwardIn) -> Account:
    """Award points by hand (supervisor and above), with a reason; they expire like any."""
    view = await service.award(plugin_ctx, data.customer_id, data.points, data.reason)
    return Account(**view)


@post("/adjustments", operation_id="pointsCreateAdjustment", opt=SUPERVISOR)
async def create_adjustment(plugin_ctx: Ctx, data: AdjustmentIn) -> Account:
    """Correct a balance (supervisor and above), with a reason: positive adds a lot,
    negative spends the soonest-expiring points; 409 when it would take the balance below
    zero under `within_balance`."""
    if data.points == 0:
        raise sdk.InvalidInput([("points", "must not be 0")])
    view = await service.adjust(plugin_ctx, data.customer_id, data.points, data.reason)
    return Account(**view)


# -- catalogue and redemptions -------------------------------------------------------------
@post("/rewards", operation_id="pointsCreateReward", opt=SUPERVISOR)
async def create_reward(plugin_ctx: Ctx, data: RewardIn) -> Reward:
    """A catalogue item (supervisor and above): `cost` in points, `stock` null for
    unlimited."""
    return Reward(**await service.create_reward(plugin_ctx, data.name, data.cost, data.stock))


@get("/rewards", operation_id="pointsListRewards")
async def list_rewards(
    plugin_ctx: Ctx, limit: sdk.Limit = sdk.DEFAULT_LIMIT, cursor: str | None = None
) -> sdk.Page[Reward]:
    async with sdk.tenant_transaction(plugin_ctx.tenant_id):
        page = await RewardRepository(plugin_ctx.tenant_id).page(
            limit=limit, cursor=sdk.Cursor.decode(cursor)
        )
    return page.map(lambda row: Reward(**service.reward_view(row)))


@post("/redemptions", operation_id="pointsCreateRedemption")
async def create_redemption(plugin_ctx: Ctx, data: RedemptionIn) -> Redemption:
    """Spend points: `{customer_id, points, reward?}` or `{customer_id, reward_id}`; 409
    when the balance or the stock is short."""
    if data.reward_id is None and data.points is None:
        raise sdk.InvalidInput([("points", "give points, or a reward_id from the catalogue")])
    if data.reward_id is not None and (data.points is not None or data.reward is not None):
        field = "points" if data.points is not None else "reward"
        raise sdk.InvalidInput([(field, "not with reward_id: the catalogue item sets it")])
    view = await service.redeem(
        plugin_ctx, data.customer_id, data.points, data.reward, data.reward_id
    )
    return msgspec.convert(view, Redemption)


@get("/redemptions", operation_id="pointsListRedemptions")
async def list_redemptions(
    plugin_ctx: Ctx,
    customer_id: str | None = None,
    limit: sdk.Limit = sdk.DEFAULT_LIMIT,
    cursor: str | None = None,
) -> sdk.Page[Redemption]:
    """Redemptions, newest first; `customer_id` narrows them to one customer's."""
    where = []
    if customer_id is not None:
        wanted = sdk.parse_id(customer_id)
        if wanted is None:
            return sdk.Page(items=[], next_cursor=None)
        where.append(RedemptionTable.customer_id == wanted)
    async with sdk.tenant_transaction(plugin_ctx.tenant_id):
        page = await RedemptionRepository(plugin_ctx.tenant_id).page(
            *where, limit=limit, cursor=sdk.Cursor.decode(cursor), newest_first=True
        )
        views = await service.redemption_views(plugin_ctx, page.items)
    return sdk.Page(
        items=[msgspec.convert(v, Redemption) for v in views], next_cursor=page.next_cursor
    )


@post(
    "/redemptions/{redemption_id:str}/cancel",
    operation_id="pointsCancelRedemption",
    opt=SUPERVISOR,
    status_code=200,
)
async def cancel_redemption(plugin_ctx: Ctx, redemption_id: str) -> Redemption:
    """Cancel a redemption (supervisor and above): its points go back to the lots they came
    from, with their original expiry (points of a lot expired meanwhile expire again at
    once), and its reward's stock comes back."""
    wanted = id_or_404(redemption_id, "redemption")
    return msgspec.convert(await service.cancel_redemption(plugin_ctx, wanted), Redemption)


# -- expiry and statistics -----------------------------------------------------------------
@post("/expiry-runs", operation_id="pointsRunExpiry", opt=ADMIN, status_code=200)
async def run_expiry(plugin_ctx: Ctx) -> ExpiryRun:
    """Run the daily expiry now (admin): what is left of each lot past its expiry expires,
    once per lot, however often this runs."""
    return ExpiryRun(expired_lots=await service.expire_due(plugin_ctx))


@get("/stats", operation_id="pointsStats")
async def stats(
    plugin_ctx: Ctx,
    start: Annotated[datetime.date, Parameter(query="from")],
    end: Annotated[datetime.date, Parameter(query="to")],
) -> Stats:
    """Over tenant-local days (both included): points earned, redeemed (net of
    cancellations) and expired, what the accounts held at the end, the most redeemed
    rewards."""
    return msgspec.convert(await service.stats(plugin_ctx, start, end), Stats)


ROUTES = [
    get_account,
    list_entries,
    create_award,
    create_adjustment,
    create_reward,
    list_rewards,
    create_redemption,
    list_redemptions,
    cancel_redemption,
    run_expiry,
    stats,
]
