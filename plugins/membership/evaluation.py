"""Re-evaluation: load the facts for many customers in a few set-based queries, apply the
pure rule (`ladder`), store what changed in bulk and record each change of level.

Called for one customer on every payment and refund, for a referrer on each referral, for
all of a tenant's customers on the daily schedule and when the config changes.

A first level (a customer evaluated for the first time, e.g. every customer when the plugin
is enabled) is recorded in the level changes but is not an event and not on the timeline:
enabling the plugin for a tenant of 100,000 customers must not flood its webhooks.
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Collection
from typing import Any

import msgspec

from core import sdk
from plugins.membership.config import MembershipConfig
from plugins.membership.context import Ctx
from plugins.membership.events import LevelChanged
from plugins.membership.ladder import (
    Facts,
    Held,
    Outcome,
    Payment,
    Refund,
    evaluate,
    window_start,
)
from plugins.membership.repository import LevelChangeRepository, MemberRepository
from plugins.membership.tables import Member


class Change(msgspec.Struct, frozen=True, kw_only=True):
    customer_id: uuid.UUID
    old: str | None
    new: str | None
    reason: str
    first: bool = False  # the customer's first evaluation: recorded, not announced
    pinned: bool = False


async def load_facts(
    ctx: Ctx,
    config: MembershipConfig,
    customer_ids: Collection[uuid.UUID] | None,
    now: datetime.datetime,
) -> dict[uuid.UUID, Facts]:
    """Each customer's facts within the window: two queries, however many customers
    (`customer_ids` None: the whole tenant)."""
    start = window_start(now, ctx.timezone, config.window_months)
    core = sdk.CoreFacts(ctx)
    payments: dict[uuid.UUID, list[Payment]] = defaultdict(list)
    refunds: dict[uuid.UUID, list[Refund]] = defaultdict(list)
    for row in await core.payments(config.currency_of(ctx.currency), customer_ids, since=start):
        if row["kind"] == "refund":
            refunds[row["customer_id"]].append(
                Refund(at=row["occurred_at"], amount=row["amount"], of=row["refund_of_id"])
            )
        else:
            payments[row["customer_id"]].append(
                Payment(id=row["id"], at=row["occurred_at"], amount=row["amount"])
            )
    referrals: dict[uuid.UUID, list[datetime.datetime]] = defaultdict(list)
    for row in await core.referrals(customer_ids):
        if row["created_at"] >= start:
            referrals[row["referred_by_id"]].append(row["created_at"])
    ids = set(payments) | set(refunds) | set(referrals)
    return {
        customer_id: Facts(
            payments=tuple(payments.get(customer_id, ())),
            refunds=tuple(refunds.get(customer_id, ())),
            referrals=tuple(referrals.get(customer_id, ())),
        )
        for customer_id in ids
    }


async def compute(ctx: Ctx, customer_id: uuid.UUID, now: datetime.datetime) -> Outcome:
    """What the rule gives a customer not evaluated yet (a first level), read-only: for
    reads that must not write (the customer section, GET member). Call inside a
    transaction."""
    facts = await load_facts(ctx, ctx.config, [customer_id], now)
    return evaluate(facts.get(customer_id, Facts()), ctx.config, Held(), now, ctx.timezone)


async def reevaluate(
    ctx: Ctx,
    customer_ids: Collection[uuid.UUID] | None,
    reason: str,
    now: datetime.datetime | None = None,
) -> list[Change]:
    """Re-evaluate the customers named (every live customer of the tenant when None) as of
    `now` (the present when None), storing their levels; returns the changes of level in
    force. Joins the caller's transaction."""
    config = ctx.config
    members = MemberRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        live = await sdk.CoreFacts(ctx).customers(customer_ids, fields=("id",))
        live_ids = [row["id"] for row in live]
        if not live_ids:
            return []
        await members.add_missing(live_ids, everyone=customer_ids is None)
        scope = None if customer_ids is None else live_ids
        rows = await members.of_many(scope, lock=scope is not None)
        # The present is read once the members are locked: evaluations of one member then
        # record their changes in the order they ran (a clock read before waiting for the
        # lock could date a later change earlier).
        now = now or sdk.utcnow()
        facts = await load_facts(ctx, config, scope, now)
        alive = set(live_ids)
        groups: dict[tuple[Any, ...], list[uuid.UUID]] = defaultdict(list)
        changes: list[Change] = []
        for row in rows:
            if row["customer_id"] not in alive:
                continue
            held = Held(level=row["computed_level"], below_since=row["below_since"])
            if row["evaluated_at"] is None:
                held = Held()
            result = evaluate(
                facts.get(row["customer_id"], Facts()), config, held, now, ctx.timezone
            )
            pinned = config.level(row["pinned_level"]) is not None
            in_force = row["pinned_level"] if pinned else result.level
            wanted = (
                in_force,
                result.level,
                result.qualified,
                result.below_since,
                result.totals.spend,
                result.totals.purchases,
                result.totals.referrals,
            )
            stored = (
                row["level"],
                row["computed_level"],
                row["qualified_level"],
                row["below_since"],
                row["spend"],
                row["purchases"],
                row["referrals"],
            )
            if stored == wanted and row["evaluated_at"] is not None:
                continue
            groups[wanted].append(row["customer_id"])
            first = row["evaluated_at"] is None
            if (first and in_force is not None) or (not first and row["level"] != in_force):
                changes.append(
                    Change(
                        customer_id=row["customer_id"],
                        old=None if first else row["level"],
                        new=in_force,
                        first=first,
                        pinned=pinned,
                        reason=f"{reason}: {result.why}",
                    )
                )
        for (level, computed, qualified, below, spend, purchases, referrals), ids in groups.items():
            for batch in sdk.chunked(ids):
                await members.update_where(
                    {
                        Member.level: level,
                        Member.computed_level: computed,
                        Member.qualified_level: qualified,
                        Member.below_since: below,
                        Member.spend: spend,
                        Member.purchases: purchases,
                        Member.referrals: referrals,
                        Member.evaluated_at: now,
                        Member.updated_at: now,
                    }
                ).where(Member.customer_id.is_in(batch))
        await record_changes(ctx, changes, now)
    return changes


async def record_changes(
    ctx: Ctx,
    changes: list[Change],
    now: datetime.datetime | None = None,
) -> None:
    """Keep each change of level; a real change (not a first level) also goes on the
    customer's timeline and out as `membership.level_changed`, in the caller's transaction."""
    if not changes:
        return
    now = now or sdk.utcnow()
    await LevelChangeRepository(ctx.tenant_id).insert_many(
        [
            {
                "customer_id": change.customer_id,
                "old_level": change.old,
                "new_level": change.new,
                "reason": change.reason,
                "pinned": change.pinned,
                "changed_by": ctx.user_id,
                "changed_at": now,
            }
            for change in changes
        ]
    )
    real = [change for change in changes if not change.first]
    if not real:
        return
    for change in real:
        await sdk.record_timeline(
            ctx,
            change.customer_id,
            "level_changed",
            f"Level {change.old} → {change.new or 'none'}: {change.reason}",
            data={"old": change.old, "new": change.new, "reason": change.reason},
            occurred_at=now,
        )
    await sdk.emit_many(
        ctx,
        [
            LevelChanged(
                customer_id=change.customer_id,
                old=change.old,
                new=change.new,
                reason=change.reason,
            )
            for change in real
        ],
    )
