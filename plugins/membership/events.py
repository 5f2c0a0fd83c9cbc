"""The events the membership plugin publishes (declared on its descriptor).

Subscribers in other plugins decode them into Structs of their own and never import this
module: fields are only ever added, never renamed or removed.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from core import sdk


class LevelChanged(sdk.Event, frozen=True):
    """A member's level in force changed (by the rule, the daily re-evaluation or a pin;
    not a first level: enabling the plugin for a tenant of 100,000 customers would flood
    its subscribers). `new` is null when no level's minimums are met any more."""

    type: ClassVar[str] = "membership.level_changed"
    customer_id: uuid.UUID
    old: str | None
    new: str | None
    reason: str


class ReferralRewarded(sdk.Event, frozen=True):
    """A referrer was rewarded for a referral (once per referred customer): `points` for the
    points plugin (0 when the reward is only a gift task), per the referrer's `level`."""

    type: ClassVar[str] = "membership.referral_rewarded"
    referrer_id: uuid.UUID
    referred_id: uuid.UUID
    level: str | None
    points: int

    def ordering_key(self) -> uuid.UUID:
        return self.referrer_id
