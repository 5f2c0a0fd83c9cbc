"""The membership plugin's settings per tenant (validated by the plugin host against this
Struct; its JSON Schema is published at `GET /api/v1/plugins`). Every field has a default
(domain.md §3.3: ordinary / silver / gold / platinum), so `{"config": {}}` is a working setup.

Money is in minor units of `currency` (the tenant's currency when null): 500000 is
5000.00 CNY. A bad ladder is a 422 naming the field, e.g. `config.levels[2].min_spend`.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from msgspec import Meta

Name = Annotated[str, Meta(min_length=1, max_length=40, pattern=r"^[a-z][a-z0-9_]*$")]
Label = Annotated[str, Meta(min_length=1, max_length=200, pattern=r"^[^\x00]*\S[^\x00]*$")]
Money = Annotated[int, Meta(ge=0, le=10_000_000_000_000)]
Count = Annotated[int, Meta(ge=0, le=1_000_000)]
MAX_POINTS = 1_000_000_000
MINIMUMS = ("min_spend", "min_purchases", "min_referrals")


class Level(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One rung of the ladder: reached when every minimum is met over the window."""

    name: Name
    # Spend (payments less refunds, minor units), purchases (payments not wholly refunded)
    # and customers referred (whose `referred_by_id` is this customer), over the window.
    min_spend: Money = 0
    min_purchases: Count = 0
    min_referrals: Count = 0
    # Free-form: what the level gives (discount, priority enrolment, free services…).
    benefits: dict[str, Any] = msgspec.field(default_factory=dict)
    # Once reached, a customer never falls below this level.
    never_downgrade: bool = False


class ReferralReward(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """What a referrer of a level earns per referral: points (granted by the points plugin
    from the `membership.referral_rewarded` event), a gift task for their owner, or both."""

    # 1 to 1,000,000,000 (checked by the config, to name the level in the error).
    points: int | None = None
    gift_task: Label | None = None


class ReferralCap(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """At most `count` rewarded referrals per referrer in `period_months` (tenant time)."""

    count: Annotated[int, Meta(ge=1, le=100_000)]
    period_months: Annotated[int, Meta(ge=1, le=120)] = 12


def default_levels() -> list[Level]:
    return [
        Level(name="ordinary", benefits={"discount_percent": 0}),
        Level(
            name="silver",
            min_spend=500000,
            min_purchases=2,
            benefits={"discount_percent": 5, "priority_enrolment": False},
        ),
        Level(
            name="gold",
            min_spend=2000000,
            min_purchases=4,
            min_referrals=1,
            benefits={"discount_percent": 10, "priority_enrolment": True},
        ),
        Level(
            name="platinum",
            min_spend=5000000,
            min_purchases=6,
            min_referrals=3,
            benefits={
                "discount_percent": 15,
                "priority_enrolment": True,
                "exclusive_courses": True,
                "free_services": True,
            },
        ),
    ]


def default_referral_rewards() -> dict[str, ReferralReward]:
    return {
        "ordinary": ReferralReward(points=100),
        "silver": ReferralReward(points=200),
        "gold": ReferralReward(points=300, gift_task="Send the referral gift"),
        "platinum": ReferralReward(points=500, gift_task="Send the referral gift"),
    }


class BadField(ValueError):
    """A cross-field error naming its field: the host reports `config` + the path given
    (msgspec's own message form, "<message> - at `$.<path>`")."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{message} - at `$.{path}`")


class MembershipConfig(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    # The ladder, lowest level first; every minimum at least the one below it.
    levels: Annotated[list[Level], Meta(min_length=1, max_length=20)] = msgspec.field(
        default_factory=default_levels
    )
    # Spend, purchases and referrals count for this many months (tenant time).
    window_months: Annotated[int, Meta(ge=1, le=120)] = 12
    # A customer who falls below their level keeps it this many days (0: falls at once).
    downgrade_grace_days: Annotated[int, Meta(ge=0, le=3650)] = 0
    # The currency of `min_spend` (the tenant's when null); other payments do not count.
    currency: Annotated[str, Meta(pattern=r"^[A-Z]{3}$")] | None = None
    # Per level name: the referrer's reward for each referral (a level not named earns
    # none). Null: the defaults (100 / 200 / 300 + gift / 500 + gift points for ordinary,
    # silver, gold, platinum) for those of the ladder's levels so named.
    referral_rewards: dict[Name, ReferralReward] | None = None
    # At most so many rewarded referrals per referrer per period (no cap when null).
    referral_reward_cap: ReferralCap | None = None

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for index, level in enumerate(self.levels):
            if level.name in seen:
                raise BadField(f"levels[{index}].name", f"duplicate level name {level.name!r}")
            seen.add(level.name)
            if index == 0:
                continue
            below = self.levels[index - 1]
            for field in MINIMUMS:
                if getattr(level, field) < getattr(below, field):
                    raise BadField(
                        f"levels[{index}].{field}",
                        f"levels ascend: {field} must be at least {getattr(below, field)} "
                        f"(level {below.name!r})",
                    )
        for name, reward in (self.referral_rewards or {}).items():
            if name not in seen:
                raise BadField(f"referral_rewards.{name}", f"no level named {name!r}")
            if reward.points is None and reward.gift_task is None:
                raise BadField(f"referral_rewards.{name}", "give points, gift_task or both")
            if reward.points is not None and not 1 <= reward.points <= MAX_POINTS:
                raise BadField(f"referral_rewards.{name}.points", f"from 1 to {MAX_POINTS} points")

    def level(self, name: str | None) -> Level | None:
        return next((level for level in self.levels if level.name == name), None)

    def rank(self, name: str | None) -> int:
        """A level's place on the ladder (0 lowest); -1 for none or a name no longer there."""
        return next((i for i, level in enumerate(self.levels) if level.name == name), -1)

    def reward_for(self, level: str | None) -> ReferralReward | None:
        rewards = self.referral_rewards
        if rewards is None:
            rewards = default_referral_rewards()
        return None if level is None else rewards.get(level)

    def currency_of(self, tenant_currency: str) -> str:
        return self.currency or tenant_currency
