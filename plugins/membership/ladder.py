"""The ladder rule, pure: a customer's facts (payments, refunds, referrals) and what they
hold now → the level they earn. No I/O; `evaluation` loads the facts and stores the answer.

- The window is the last `window_months` months in the tenant's time: from the start of the
  day after today's date `window_months` months ago (month ends clamp: 31 March − 1 month is
  28/29 February). A purchase made on 3 December 2025 counts up to and including
  2 December 2026 (for 12 months), and leaves the window on 3 December 2026.
- Spend is the window's payments less what was refunded of them, less refunds that name no
  payment (at their own time); a refund of a payment before the window changes nothing.
  A purchase is a payment in the window not wholly refunded. Referrals are customers
  referred (created with `referred_by_id`) within the window.
- The highest level whose every minimum is met is the level qualified for.
- Falling below the level held: a level marked `never_downgrade` (the held one or any below
  it) is a floor; above the floor, `downgrade_grace_days` keep the held level that many
  days after the first evaluation that found the customer below it (the daily schedule
  makes that at most a day after the purchase left the window). Rising is immediate and
  ends any grace.
"""

from __future__ import annotations

import calendar
import datetime
import uuid
from zoneinfo import ZoneInfo

import msgspec

from plugins.membership.config import MembershipConfig


class Payment(msgspec.Struct, frozen=True, kw_only=True):
    id: uuid.UUID
    at: datetime.datetime
    amount: int  # minor units, positive


class Refund(msgspec.Struct, frozen=True, kw_only=True):
    at: datetime.datetime
    amount: int  # minor units, positive
    of: uuid.UUID | None = None  # the refunded payment


class Facts(msgspec.Struct, frozen=True, kw_only=True):
    payments: tuple[Payment, ...] = ()
    refunds: tuple[Refund, ...] = ()
    referrals: tuple[datetime.datetime, ...] = ()  # when each referred customer was created


class Totals(msgspec.Struct, frozen=True, kw_only=True):
    spend: int = 0
    purchases: int = 0
    referrals: int = 0


class Held(msgspec.Struct, frozen=True, kw_only=True):
    """What the customer holds now (before this evaluation)."""

    level: str | None = None
    below_since: datetime.datetime | None = None


class Outcome(msgspec.Struct, frozen=True, kw_only=True):
    level: str | None  # the level earned: qualified for, or kept by grace or a floor
    qualified: str | None  # the level the minimums alone give
    below_since: datetime.datetime | None  # set while a grace keeps the level
    totals: Totals
    why: str  # what decided it, for the change's reason


def add_months(day: datetime.date, months: int) -> datetime.date:
    """`day` moved by `months` (negative: back); the day of month clamps to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def window_start(now: datetime.datetime, timezone: str, months: int) -> datetime.datetime:
    """The first instant of the window ending at `now`: local midnight of the day after
    today's date `months` months ago."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    first = add_months(today, -months) + datetime.timedelta(days=1)
    return datetime.datetime.combine(first, datetime.time(), tzinfo=zone)


def totals(facts: Facts, start: datetime.datetime) -> Totals:
    """Spend, purchases and referrals from `start` on."""
    refunded: dict[uuid.UUID, int] = {}
    loose = 0
    for refund in facts.refunds:
        if refund.of is not None:
            refunded[refund.of] = refunded.get(refund.of, 0) + refund.amount
        elif refund.at >= start:
            loose += refund.amount
    spend = -loose
    purchases = 0
    for payment in facts.payments:
        if payment.at < start:
            continue
        kept = max(0, payment.amount - refunded.get(payment.id, 0))
        spend += kept
        purchases += kept > 0
    referrals = sum(1 for at in facts.referrals if at >= start)
    return Totals(spend=spend, purchases=purchases, referrals=referrals)


def qualified_rank(config: MembershipConfig, found: Totals) -> int:
    """The rank of the highest level whose every minimum is met (-1: none)."""
    rank = -1
    for index, level in enumerate(config.levels):
        if (
            found.spend >= level.min_spend
            and found.purchases >= level.min_purchases
            and found.referrals >= level.min_referrals
        ):
            rank = index
    return rank


def floor_rank(config: MembershipConfig, held_rank: int) -> int:
    """The highest `never_downgrade` level at or below the held one (-1: none)."""
    floors = [i for i in range(held_rank + 1) if config.levels[i].never_downgrade]
    return max(floors, default=-1)


def evaluate(
    facts: Facts,
    config: MembershipConfig,
    held: Held,
    now: datetime.datetime,
    timezone: str,
) -> Outcome:
    found = totals(facts, window_start(now, timezone, config.window_months))
    qualified = qualified_rank(config, found)
    held_rank = config.rank(held.level)
    name = describe(found)

    def outcome(rank: int, why: str, below_since: datetime.datetime | None = None) -> Outcome:
        return Outcome(
            level=None if rank < 0 else config.levels[rank].name,
            qualified=None if qualified < 0 else config.levels[qualified].name,
            below_since=below_since,
            totals=found,
            why=f"{why} ({name})",
        )

    if qualified >= held_rank:
        return outcome(qualified, "minimums met" if qualified >= 0 else "no level's minimums met")
    target = max(qualified, floor_rank(config, held_rank))
    if target >= held_rank:
        return outcome(held_rank, "never downgraded")
    if config.downgrade_grace_days > 0:
        since = held.below_since or now
        if now < since + datetime.timedelta(days=config.downgrade_grace_days):
            return outcome(held_rank, "kept during the downgrade grace", since)
        return outcome(target, f"downgrade grace of {config.downgrade_grace_days} days over")
    return outcome(target, "minimums no longer met")


def describe(found: Totals) -> str:
    return f"spend {found.spend}, purchases {found.purchases}, referrals {found.referrals}"
