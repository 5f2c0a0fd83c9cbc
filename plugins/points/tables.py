"""The points plugin's tables: tenant-scoped, prefixed `points_`, reached only through the
repositories in `plugins.points.store`."""

from __future__ import annotations

from piccolo.columns import UUID, BigInt, Boolean, Text, Timestamptz, Varchar

from core import sdk


class Account(sdk.TenantTable, tablename="points_accounts"):
    """One per customer: the stored balance (the sum of the customer's entries, changed only
    with an entry, under this row's lock) and what refunds left owed."""

    customer_id = UUID(null=False)
    balance = BigInt(default=0)
    owed = BigInt(default=0)
    created_at = Timestamptz()
    updated_at = Timestamptz()


class Entry(sdk.TenantTable, tablename="points_entries"):
    """An immutable ledger entry; `cause` is unique per tenant: posting it twice has one
    effect."""

    customer_id = UUID(null=False)
    kind = Varchar(length=10)  # earn | redeem | expire | reverse | adjust
    points = BigInt()
    cause = Varchar(length=200)
    origin = Varchar(length=20)  # payment, refund, award, adjustment, redemption, cancel, …
    reason = Text(null=True, default=None)
    redemption_id = UUID(null=True, default=None)
    created_by = UUID(null=True, default=None)
    occurred_at = Timestamptz()


class Lot(sdk.TenantTable, tablename="points_lots"):
    """What one earning put in, what is left, and when it expires; a payment's lot knows
    how much of the payment was refunded and how many points that took back."""

    customer_id = UUID(null=False)
    entry_id = UUID(null=False)
    points = BigInt()
    remaining = BigInt()
    earned_at = Timestamptz()
    expires_at = Timestamptz(null=True, default=None)
    expired = Boolean(default=False)
    payment_id = UUID(null=True, default=None)
    payment_amount = BigInt(default=0)
    refunded_amount = BigInt(default=0)


class Reward(sdk.TenantTable, tablename="points_rewards"):
    """A catalogue item: a course, a gift, a coupon; `stock` null is unlimited."""

    name = Varchar(length=200)
    cost = BigInt()
    stock = BigInt(null=True, default=None)
    created_at = Timestamptz()


class Redemption(sdk.TenantTable, tablename="points_redemptions"):
    customer_id = UUID(null=False)
    points = BigInt()
    reward = Varchar(length=200, null=True, default=None)  # a free-text label
    reward_id = UUID(null=True, default=None)  # a catalogue item
    status = Varchar(length=10, default="active")  # active | canceled
    created_by = UUID(null=True, default=None)
    created_at = Timestamptz()
    canceled_at = Timestamptz(null=True, default=None)


class Allocation(sdk.TenantTable, tablename="points_allocations"):
    """Which lots a redemption spent, and how much of each: what a cancel gives back."""

    redemption_id = UUID(null=False)
    lot_id = UUID(null=False)
    points = BigInt()


TABLES = [Account, Entry, Lot, Reward, Redemption, Allocation]
