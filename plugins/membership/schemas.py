"""Request and response shapes of the membership routes (api.md §6)."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

from msgspec import Meta

from core import sdk
from plugins.membership.config import Name

Reason = Annotated[str, Meta(min_length=1, max_length=2000, pattern=r"^[^\x00]*\S[^\x00]*$")]


class PinIn(sdk.Input):
    """Pin a member's level (`level`: one of the ladder's names), or remove the pin with
    `level: null`; the reason is kept either way."""

    customer_id: uuid.UUID
    level: Name | None
    reason: Reason


class Pin(sdk.Output):
    level: str
    reason: str | None
    by: uuid.UUID | None
    at: datetime.datetime | None


class Totals(sdk.Output):
    spend: int
    purchases: int
    referrals: int


class Member(sdk.Output):
    customer_id: uuid.UUID
    # The level in force (the pin, else the computed level); null: no level's minimums met.
    level: str | None
    benefits: dict[str, Any]
    # What the rule gives: the minimums, or kept by the downgrade grace or a floor.
    computed_level: str | None
    # What the minimums alone give now.
    qualified_level: str | None
    # Since when a downgrade grace keeps the computed level (null: no grace running).
    below_since: datetime.datetime | None
    pinned: Pin | None
    window: Totals
    currency: str
    # When the level was last stored; null: not evaluated yet (what the rule gives now,
    # computed read-only: its events are on the way).
    evaluated_at: datetime.datetime | None


class LevelChange(sdk.Output):
    id: uuid.UUID
    customer_id: uuid.UUID
    old_level: str | None
    new_level: str | None
    reason: str
    pinned: bool
    changed_by: uuid.UUID | None
    changed_at: datetime.datetime


class LevelCount(sdk.Output):
    name: str
    members: int


class Stats(sdk.Output):
    """Members per level, lowest first; `without_level`: customers who meet no level."""

    levels: list[LevelCount]
    without_level: int
    total: int


class Referral(sdk.Output):
    id: uuid.UUID
    referred_id: uuid.UUID
    referrer_id: uuid.UUID
    referrer_level: str | None
    rewarded: bool
    points: int
    task_id: uuid.UUID | None
    note: str | None
    created_at: datetime.datetime
