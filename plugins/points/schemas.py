"""Request and response shapes of the points routes (api.md §6)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated

import msgspec
from msgspec import Meta

from core import sdk

Positive = Annotated[int, Meta(ge=1, le=1_000_000_000)]
Signed = Annotated[int, Meta(ge=-1_000_000_000, le=1_000_000_000)]
Reason = Annotated[str, Meta(min_length=1, max_length=2000, pattern=r"^[^\x00]*\S[^\x00]*$")]
Label = Annotated[str, Meta(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")]
Stock = Annotated[int, Meta(ge=0, le=1_000_000_000)]


class AwardIn(sdk.Input):
    customer_id: uuid.UUID
    points: Positive
    reason: Reason


class AdjustmentIn(sdk.Input):
    """`points` may be negative (never 0); under `within_balance` it cannot take the
    balance below zero (409)."""

    customer_id: uuid.UUID
    points: Signed
    reason: Reason


class RedemptionIn(sdk.Input):
    """`{customer_id, points, reward?}` (`reward` a free-text label) or `{customer_id,
    reward_id}` (a catalogue item: its cost and one of its stock)."""

    customer_id: uuid.UUID
    points: Positive | None = None
    reward: Label | None = None
    reward_id: uuid.UUID | None = None


class RewardIn(sdk.Input):
    name: Label
    cost: Positive
    stock: Stock | None = None  # null: unlimited


class Reward(sdk.Output):
    id: uuid.UUID
    name: str
    cost: int
    stock: int | None


class Allocation(sdk.Output):
    """Points a redemption took from one lot (one earning), and when that lot expires."""

    lot_id: uuid.UUID
    points: int
    expires_at: datetime.datetime | None


class Redemption(sdk.Output):
    id: uuid.UUID
    customer_id: uuid.UUID
    points: int
    reward: str | None
    reward_id: uuid.UUID | None
    status: str  # active | canceled
    created_at: datetime.datetime
    canceled_at: datetime.datetime | None
    # The lots spent, soonest-expiring first; a cancel gives back to these.
    allocations: list[Allocation]


class Account(sdk.Output):
    customer_id: uuid.UUID
    balance: int
    earned: int
    redeemed: int  # net of cancellations
    expired: int
    owed: int  # what refunds could not take back (within_balance), netted against earnings
    verified: bool  # the stored balance equals the sum of the entries


class Entry(sdk.Output):
    id: uuid.UUID
    kind: str  # earn | redeem | expire | reverse | adjust
    points: int  # negative for what leaves the account
    cause: str
    origin: str
    reason: str | None
    redemption_id: uuid.UUID | None
    occurred_at: datetime.datetime


class TopReward(sdk.Output):
    reward_id: uuid.UUID
    name: str | None
    redemptions: int
    points: int


class Stats(sdk.Output):
    start: datetime.date = msgspec.field(name="from")
    end: datetime.date = msgspec.field(name="to")
    earned: int
    redeemed: int
    expired: int
    outstanding: int  # what the accounts held at the end of the period
    top_rewards: list[TopReward]


class ExpiryRun(sdk.Output):
    expired_lots: int
