"""Referral rewards: a referral (a customer created with, or given, `referred_by_id`) is
recorded once per referred customer. The referrer is re-evaluated (the referral counts
towards `min_referrals`), then rewarded per their level in force: points (emitted as
`membership.referral_rewarded`, which the points plugin turns into points) and/or a gift
task for the referrer's owner, within `referral_reward_cap` per referrer per period.

Self-referral and cycles are refused by the core (`referred_by_id` is validated there).
"""

from __future__ import annotations

import uuid

from core import sdk
from plugins.membership.context import Ctx
from plugins.membership.evaluation import reevaluate
from plugins.membership.events import ReferralRewarded
from plugins.membership.ladder import window_start
from plugins.membership.repository import MemberRepository, ReferralRepository


async def record_referral(ctx: Ctx, referred_id: uuid.UUID, referrer_id: uuid.UUID) -> None:
    """Record the referral and reward the referrer, once however often it is delivered.
    A customer referred before (by anyone) is not a new referral: the referrers are only
    re-evaluated."""
    config = ctx.config
    referrals = ReferralRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        found = await sdk.CoreFacts(ctx).customers([referred_id, referrer_id], ("owner_id",))
        owners = {row["id"]: row["owner_id"] for row in found}
        earlier = await referrals.of_referred(referred_id)
        if earlier is not None:
            await reevaluate(ctx, {earlier["referrer_id"], referrer_id}, "referral moved")
            return
        if referred_id not in owners or referrer_id not in owners:
            return  # deleted since: nothing to reward
        await reevaluate(ctx, [referrer_id], "referral")
        member = await MemberRepository(ctx.tenant_id).of(referrer_id)
        level = None if member is None else member["level"]
        reward = config.reward_for(level)
        now = sdk.utcnow()
        rewarded, points, task_id, note = False, 0, None, None
        cap = config.referral_reward_cap
        if reward is None:
            note = f"no reward for level {level or 'none'}"
        elif (
            cap is not None
            and await referrals.rewarded_since(
                referrer_id, window_start(now, ctx.timezone, cap.period_months)
            )
            >= cap.count
        ):
            note = f"cap of {cap.count} rewards per {cap.period_months} months reached"
        else:
            rewarded, points = True, reward.points or 0
            if reward.gift_task is not None:
                task = await sdk.create_task(
                    ctx,
                    title=reward.gift_task,
                    kind="referral_gift",
                    customer_id=referrer_id,
                    assignee_id=owners[referrer_id],
                )
                task_id = task.id
            await sdk.emit(
                ctx,
                ReferralRewarded(
                    referrer_id=referrer_id, referred_id=referred_id, level=level, points=points
                ),
            )
        # Unique per referred customer: a concurrent delivery fails here and, retried,
        # finds the referral recorded.
        await referrals.insert(
            referred_id=referred_id,
            referrer_id=referrer_id,
            referrer_level=level,
            rewarded=rewarded,
            points=points,
            task_id=task_id,
            note=note,
            created_at=now,
        )
