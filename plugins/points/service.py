"""The points plugin's operations: each one posting, exactly once per cause.

Every posting runs in one write transaction with the customer's account locked; the entry's
cause is unique per tenant, so a cause posted before (a payment event delivered twice, say)
is recognised under the lock and changes nothing; should two transactions still race to the
same cause, the unique index refuses the second and it counts as done before.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from core import sdk
from plugins.points import ledger
from plugins.points.config import Ctx
from plugins.points.events import PointsEarned, PointsRedeemed
from plugins.points.store import (
    AccountRepository,
    AllocationRepository,
    EntryRepository,
    LotRepository,
    RedemptionRepository,
    RewardRepository,
    post,
)
from plugins.points.tables import Lot, Redemption, Reward

T = TypeVar("T")
LOG = logging.getLogger(__name__)


def local(ctx: Ctx, moment: datetime.datetime) -> datetime.datetime:
    """A moment as wall-clock time in the tenant's zone (naive)."""
    return moment.astimezone(ZoneInfo(ctx.timezone)).replace(tzinfo=None)


def expiry_of(ctx: Ctx, earned_at: datetime.datetime) -> datetime.datetime | None:
    """`expiry_months` after the earning, counted in the tenant's calendar."""
    if ctx.config.expiry_months is None:
        return None
    zone = ZoneInfo(ctx.timezone)
    moment = earned_at.astimezone(zone)
    return ledger.add_months(moment, ctx.config.expiry_months).astimezone(datetime.UTC)


async def once(tenant_id: uuid.UUID, work: Callable[[], Awaitable[T]]) -> T | None:
    """`work()` in a write transaction; None when its cause clashed with one posted by a
    concurrent transaction (the unique index refused it: it was done once already)."""
    try:
        async with sdk.tenant_transaction(tenant_id, write=True):
            return await work()
    except sdk.UniqueViolation:
        return None


# -- earning --------------------------------------------------------------------------------
async def earn(
    ctx: Ctx,
    customer_id: uuid.UUID,
    points: int,
    cause: str,
    origin: str,
    *,
    earned_at: datetime.datetime | None = None,
    reason: str | None = None,
    lot_extra: dict[str, Any] | None = None,
    timeline: bool = False,
) -> bool:
    """Earn `points` once per `cause`: a lot expiring per config; what the customer owes
    is netted first. False when the cause was posted before (or there is nothing to earn).
    `points.earned` is published in the same transaction; `timeline`: an entry on the
    customer's timeline too (awards by hand, not every payment)."""
    if points <= 0:
        return False
    moment = earned_at or sdk.utcnow()
    expires_at = expiry_of(ctx, moment)

    async def work() -> bool:
        if await EntryRepository(ctx.tenant_id).posted(cause):
            return False
        posted = await post(
            ctx.tenant_id,
            customer_id,
            ctx.config.refund_policy,
            lambda book: book.earn(points, cause, origin, moment, expires_at),
            occurred_at=moment,
            reason=reason,
            created_by=ctx.user_id,
            lot_extra=lot_extra,
            load_lots=False,  # an earning only ever touches its own new lot
        )
        await sdk.emit(
            ctx,
            PointsEarned(
                customer_id=customer_id, points=points, cause=cause, balance=posted.balance
            ),
        )
        if timeline:
            await sdk.record_timeline(
                ctx,
                customer_id,
                "awarded",
                f"Awarded {points} points" + (f": {reason}" if reason else ""),
                data={"points": points, "cause": cause, "balance": posted.balance},
                occurred_at=moment,
            )
        return True

    return bool(await once(ctx.tenant_id, work))


async def earn_on_payment(ctx: Ctx, payment: sdk.PaymentPayload) -> bool:
    """`earn_per_unit` per major unit paid, rounded down, times the campaign multiplier in
    force when the payment was made (tenant time)."""
    paid_at = payment.occurred_at
    amount = payment.amount
    major = sdk.major_units(amount, payment.currency or ctx.currency)
    points = ledger.points_for(
        major, ctx.config.earn_per_unit, ctx.config.multiplier_at(local(ctx, paid_at))
    )
    payment_id = payment.id
    return await earn(
        ctx,
        payment.customer_id,
        points,
        f"payment:{payment_id}",
        "payment",
        earned_at=paid_at,
        lot_extra={"payment_id": payment_id, "payment_amount": amount},
    )


async def reverse_refund(ctx: Ctx, refund: sdk.PaymentPayload) -> bool:
    """Take back the share of its payment's points that a refund refunds (see
    `ledger.refund_points`), under the configured `refund_policy`."""
    if refund.refund_of_id is None:
        return False
    payment_id = refund.refund_of_id
    customer_id = refund.customer_id
    cause = f"refund:{refund.id}"
    amount = refund.amount

    async def work() -> bool:
        if await EntryRepository(ctx.tenant_id).posted(cause):
            return False
        # Locked before the lot is read: every change to the customer's points waits here.
        account = await AccountRepository(ctx.tenant_id).locked(customer_id)
        lots = LotRepository(ctx.tenant_id)
        lot = await lots.of_payment(payment_id)
        if lot is None:
            return False  # it earned nothing here (before the plugin was enabled, say)
        points = ledger.refund_points(
            lot["points"], lot["payment_amount"], lot["refunded_amount"], amount
        )
        await lots.update_where({Lot.refunded_amount: lot["refunded_amount"] + amount}).where(
            Lot.id == lot["id"]
        )
        await post(
            ctx.tenant_id,
            customer_id,
            ctx.config.refund_policy,
            lambda book: book.reverse(points, cause, "refund", lot["id"]),
            occurred_at=refund.occurred_at,
            created_by=ctx.user_id,
            account=account,
        )
        return True

    return bool(await once(ctx.tenant_id, work))


async def award(
    ctx: Ctx,
    customer_id: uuid.UUID,
    points: int,
    reason: str,
) -> dict[str, Any]:
    await sdk.require_customer(ctx, customer_id)
    cause = f"award:{sdk.uuid7()}"
    await earn(ctx, customer_id, points, cause, "award", reason=reason, timeline=True)
    return await account_view(ctx, customer_id)


async def adjust(
    ctx: Ctx,
    customer_id: uuid.UUID,
    points: int,
    reason: str,
) -> dict[str, Any]:
    await sdk.require_customer(ctx, customer_id)
    cause = f"adjust:{sdk.uuid7()}"
    now = sdk.utcnow()
    expires_at = expiry_of(ctx, now)

    async def work() -> None:
        await post(
            ctx.tenant_id,
            customer_id,
            ctx.config.refund_policy,
            lambda book: book.adjust(points, cause, now, expires_at),
            occurred_at=now,
            reason=reason,
            created_by=ctx.user_id,
        )

    try:
        await once(ctx.tenant_id, work)
    except ledger.Short as short:
        raise sdk.Conflict(f"Insufficient balance: {short}.") from None
    return await account_view(ctx, customer_id)


# -- catalogue and redemptions --------------------------------------------------------------
def reward_view(row: dict[str, Any]) -> dict[str, Any]:
    # The service's own dict (routes shape it into the response schema).
    return {"id": row["id"], "name": row["name"], "cost": row["cost"], "stock": row["stock"]}


async def create_reward(ctx: Ctx, name: str, cost: int, stock: int | None) -> dict:
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        row = await RewardRepository(ctx.tenant_id).insert(
            name=name, cost=cost, stock=stock, created_at=sdk.utcnow()
        )
    return reward_view(row)


async def redemption_views(ctx: Ctx, rows: list[dict]) -> list[dict[str, Any]]:
    """Redemptions as shown, with the lots each one spent (call inside a transaction)."""
    shown = await AllocationRepository(ctx.tenant_id).shown([row["id"] for row in rows])
    return [{**redemption_view(row), "allocations": shown.get(row["id"], [])} for row in rows]


def redemption_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "customer_id": row["customer_id"],
        "points": row["points"],
        "reward": row["reward"],
        "reward_id": row["reward_id"],
        "status": row["status"],
        "created_at": row["created_at"],
        "canceled_at": row["canceled_at"],
    }


async def redeem(
    ctx: Ctx,
    customer_id: uuid.UUID,
    points: int | None,
    reward: str | None,
    reward_id: uuid.UUID | None,
) -> dict[str, Any]:
    """Spend points on a free-text reward, or on a catalogue item (its cost and one of its
    stock); 409 when the balance or the stock is short. One write transaction: the customer
    is checked in it, and the view is made from what the posting wrote."""
    redemption_id = sdk.uuid7()
    now = sdk.utcnow()
    rewards = RewardRepository(ctx.tenant_id)

    async def work() -> dict[str, Any]:
        await sdk.require_customer(ctx, customer_id)  # joins this transaction
        # The account first, then the reward: every path locks in this order.
        account = await AccountRepository(ctx.tenant_id).locked(customer_id)
        cost, label = points, reward
        if reward_id is not None:
            item = await rewards.get_for_update(reward_id)
            if item is None:
                raise sdk.NotFound("No such reward.")
            if item["stock"] is not None and item["stock"] <= 0:
                raise sdk.Conflict(f"The reward {item['name']!r} is out of stock.")
            if item["stock"] is not None:
                await rewards.update_where({Reward.stock: item["stock"] - 1}).where(
                    Reward.id == reward_id
                )
            cost, label = item["cost"], item["name"]
        assert cost is not None
        cause = f"redeem:{redemption_id}"
        row = {
            "id": redemption_id,
            "customer_id": customer_id,
            "points": cost,
            "reward": label,
            "reward_id": reward_id,
            "status": "active",
            "created_by": ctx.user_id,
            "created_at": now,
            "canceled_at": None,
        }
        try:
            posted = await post(
                ctx.tenant_id,
                customer_id,
                ctx.config.refund_policy,
                lambda book: book.redeem(cost, cause),
                occurred_at=now,
                created_by=ctx.user_id,
                redemption_id=redemption_id,
                account=account,
                redemption=row,
            )
        except ledger.Short as short:
            raise sdk.Conflict(f"Insufficient balance: {short}.") from None
        await sdk.emit(
            ctx,
            PointsRedeemed(
                customer_id=customer_id, points=cost, cause=cause, balance=posted.balance
            ),
        )
        await sdk.record_timeline(
            ctx,
            customer_id,
            "redeemed",
            f"Redeemed {cost} points" + (f" for {label}" if label else ""),
            data={"points": cost, "redemption_id": redemption_id, "balance": posted.balance},
            occurred_at=now,
        )
        return {
            **redemption_view(row),
            "allocations": posted.shown(posted.posting.allocations),
        }

    view = await once(ctx.tenant_id, work)
    if view is None:  # a uuid7 clash: cannot happen
        raise sdk.Conflict("The redemption clashed with another; try again.")
    return view


async def cancel_redemption(ctx: Ctx, redemption_id: uuid.UUID | None) -> dict[str, Any]:
    """Give back the points to the same lots (original expiry) and the stock; a canceled
    redemption is a 409. One write transaction; the view is made from what it wrote."""
    if redemption_id is None:
        raise sdk.NotFound("No such redemption.")
    redemptions = RedemptionRepository(ctx.tenant_id)
    now = sdk.utcnow()

    async def work() -> dict[str, Any]:
        found = await redemptions.get(redemption_id)
        if found is None:
            raise sdk.NotFound("No such redemption.")
        customer_id = found["customer_id"]
        # The account first, then the redemption: every path locks in this order.
        account = await AccountRepository(ctx.tenant_id).locked(customer_id)
        row = await redemptions.get_for_update(redemption_id)
        assert row is not None
        if row["status"] != "active":
            raise sdk.Conflict("The redemption is already canceled.")
        allocations = await AllocationRepository(ctx.tenant_id).of(redemption_id)
        posted = await post(
            ctx.tenant_id,
            customer_id,
            ctx.config.refund_policy,
            lambda book: book.cancel(allocations, f"cancel:{redemption_id}", now),
            occurred_at=now,
            created_by=ctx.user_id,
            redemption_id=redemption_id,
            lots=[lot_id for lot_id, _ in allocations],
            account=account,
        )
        if row["reward_id"] is not None:
            # Only a limited stock is given back (an unlimited one stays null).
            await (
                RewardRepository(ctx.tenant_id)
                .update_where({Reward.stock: Reward.stock + 1})
                .where(Reward.id == row["reward_id"], Reward.stock.is_not_null())
            )
        await redemptions.update_where(
            {Redemption.status: "canceled", Redemption.canceled_at: now}
        ).where(Redemption.id == redemption_id)
        await sdk.record_timeline(
            ctx,
            customer_id,
            "redemption_canceled",
            f"Redemption of {row['points']} points canceled",
            data={
                "points": row["points"],
                "redemption_id": redemption_id,
                "balance": posted.balance,
            },
            occurred_at=now,
        )
        canceled = {**row, "status": "canceled", "canceled_at": now}
        return {**redemption_view(canceled), "allocations": posted.shown(allocations)}

    view = await once(ctx.tenant_id, work)
    if view is None:
        raise sdk.Conflict("The redemption is already canceled.")
    return view


# -- expiry ---------------------------------------------------------------------------------
async def expire_due(ctx: Ctx) -> int:
    """Expire what is left of every lot past its expiry, once per lot (cause
    `expire:<lot id>`); the number of lots expired."""
    now = sdk.utcnow()
    done = 0
    while True:
        async with sdk.tenant_transaction(ctx.tenant_id):
            due = await LotRepository(ctx.tenant_id).due(now)
        if not due:
            return done
        by_customer: dict[uuid.UUID, list[uuid.UUID]] = {}
        for row in due:
            by_customer.setdefault(row["customer_id"], []).append(row["id"])
        for customer_id, lot_ids in by_customer.items():
            await once(ctx.tenant_id, _expire_lots(ctx, customer_id, lot_ids, now))
            done += len(lot_ids)


def _expire_lots(
    ctx: Ctx,
    customer_id: uuid.UUID,
    lot_ids: list[uuid.UUID],
    now: datetime.datetime,
) -> Callable[[], Awaitable[None]]:
    def rule(book: ledger.Book) -> ledger.Posting:
        posting = ledger.Posting()
        for lot_id in lot_ids:
            if lot_id in book.lots:  # re-read under the lock
                posting.entries += book.expire(lot_id, f"expire:{lot_id}").entries
        return posting

    async def work() -> None:
        await post(
            ctx.tenant_id,
            customer_id,
            ctx.config.refund_policy,
            rule,
            occurred_at=now,
            lots=lot_ids,
        )

    return work


# -- reading --------------------------------------------------------------------------------
async def account_view(ctx: Ctx, customer_id: uuid.UUID) -> dict[str, Any]:
    """`{balance, earned, redeemed, expired, owed, verified}`: `verified` is whether the
    stored balance equals the sum of the customer's entries (always, unless a bug or a hand
    edit broke the ledger; a mismatch is logged)."""
    async with sdk.tenant_transaction(ctx.tenant_id):
        account = await AccountRepository(ctx.tenant_id).of(customer_id)
        totals = await EntryRepository(ctx.tenant_id).totals(customer_id)
    balance = 0 if account is None else account["balance"]
    total = sum(totals.values())
    if total != balance:
        LOG.error(
            "points account of %s: balance %s, entries sum to %s", customer_id, balance, total
        )
    return {
        "customer_id": customer_id,
        "balance": balance,
        **figures(totals),
        "owed": 0 if account is None else account["owed"],
        "verified": total == balance,
    }


def figures(totals: dict[tuple[str, str], int]) -> dict[str, int]:
    """Earned, redeemed (net of cancellations) and expired, as positive numbers."""

    def of(kind: str, origin: str | None = None) -> int:
        return sum(v for (k, o), v in totals.items() if k == kind and origin in (None, o))

    return {
        "earned": of(ledger.EARN),
        "redeemed": -of(ledger.REDEEM) - of(ledger.REVERSE, "cancel"),
        "expired": -of(ledger.EXPIRE),
    }


async def balance_of(ctx: Ctx, customer_id: uuid.UUID) -> int:
    async with sdk.tenant_transaction(ctx.tenant_id):
        account = await AccountRepository(ctx.tenant_id).of(customer_id)
    return 0 if account is None else int(account["balance"])


async def stats(ctx: Ctx, start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """Over the tenant-local days `start` to `end` (both included): earned, redeemed,
    expired; `outstanding` is what accounts held at the end; the most redeemed rewards."""
    if end < start:
        raise sdk.InvalidInput([("to", "must not be before from")])
    zone = ZoneInfo(ctx.timezone)
    begin = datetime.datetime.combine(start, datetime.time(), zone)
    finish = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time(), zone)
    async with sdk.tenant_transaction(ctx.tenant_id):
        totals = await EntryRepository(ctx.tenant_id).totals_between(begin, finish)
        outstanding = await EntryRepository(ctx.tenant_id).sum_before(finish)
        redeemed = await RedemptionRepository(ctx.tenant_id).catalogue_between(begin, finish)
        counts: dict[uuid.UUID, list[int]] = {}
        for row in redeemed:
            found = counts.setdefault(row["reward_id"], [0, 0])
            found[0] += 1
            found[1] += row["points"]
        names = {}
        for batch in sdk.chunked(counts):
            rows = (
                await RewardRepository(ctx.tenant_id)
                .select(Reward.id, Reward.name)
                .where(Reward.id.is_in(batch))
            )
            names.update({row["id"]: row["name"] for row in rows})
    top = sorted(counts.items(), key=lambda item: (-item[1][0], -item[1][1], str(item[0])))[:10]
    return {
        "from": start,
        "to": end,
        **figures(totals),
        "outstanding": outstanding,
        "top_rewards": [
            {"reward_id": rid, "name": names.get(rid), "redemptions": n, "points": p}
            for rid, (n, p) in top
        ],
    }
