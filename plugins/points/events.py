"""The events the points plugin publishes (declared on its descriptor), emitted in the
transaction of the posting they report: subscribers and webhooks see them only once it
committed. Fields are only ever added, never renamed or removed.

Imported by `plugin.py`: keep this module free of the plugin's other modules."""

from __future__ import annotations

import uuid
from typing import ClassVar

from core import sdk


class PointsEarned(sdk.Event, frozen=True):
    """A customer earned points: on a payment, a referral, an activity or a campaign, or by
    hand (an award). `cause` is the earning's unique key (`payment:<id>`, `referral:<referred
    id>`, `activity:task:<id>`, `award:<uuid>` …); `balance` is the account's balance
    after it (what the customer owed is netted first)."""

    type: ClassVar[str] = "points.earned"
    customer_id: uuid.UUID
    points: int
    cause: str
    balance: int


class PointsRedeemed(sdk.Event, frozen=True):
    """A customer spent points on a reward (cause `redeem:<redemption id>`); `balance` is
    the account's balance after it."""

    type: ClassVar[str] = "points.redeemed"
    customer_id: uuid.UUID
    points: int
    cause: str
    balance: int
