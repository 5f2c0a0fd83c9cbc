"""How points reacts to what happens elsewhere: the handlers of the descriptor's
`subscriptions` (typed events in, postings out) and its daily `expiry` schedule. Every
reaction is idempotent: its effect is keyed by its cause."""

from __future__ import annotations

import uuid

import msgspec

from core import sdk
from plugins.points import service
from plugins.points.config import Ctx


class ReferralRewarded(msgspec.Struct, frozen=True, kw_only=True):
    """The fields of the membership plugin's `membership.referral_rewarded` points relies on
    (plugins never import each other; other fields are ignored)."""

    referrer_id: uuid.UUID
    referred_id: uuid.UUID
    level: str | None = None
    points: int


async def on_payment_recorded(ctx: Ctx, event: sdk.PaymentRecorded) -> None:
    """A payment earns its points (cause `payment:<id>`), and the referrer of a referred
    customer earns `referral_first_payment_points` once (`referral-first-payment:<id>`); a
    refund takes back the share of its payment's points (`refund:<id>`)."""
    payment = event.payment
    if payment.kind == "refund":
        await service.reverse_refund(ctx, payment)
        return
    await service.earn_on_payment(ctx, payment)
    if ctx.config.referral_first_payment_points > 0:
        await _referral_first_payment(ctx, payment.customer_id)


async def _referral_first_payment(ctx: Ctx, customer_id: uuid.UUID) -> None:
    async with sdk.tenant_transaction(ctx.tenant_id):
        found = await sdk.CoreFacts(ctx).customers([customer_id], ["referred_by_id"])
    referrer = found[0]["referred_by_id"] if found else None
    if referrer is None:
        return
    await service.earn(
        ctx,
        uuid.UUID(str(referrer)),
        ctx.config.referral_first_payment_points,
        f"referral-first-payment:{customer_id}",
        "referral",
    )


async def on_referral_rewarded(ctx: Ctx, event: ReferralRewarded) -> None:
    """Membership's referral reward: `points` for the referrer, once per referred customer
    (cause `referral:<referred_id>`); nothing for a referrer that is not (or no longer) a
    customer of the tenant."""
    if not await sdk.customer_exists(ctx, event.referrer_id):
        return
    await service.earn(
        ctx, event.referrer_id, event.points, f"referral:{event.referred_id}", "referral"
    )


async def on_task_completed(ctx: Ctx, event: sdk.TaskCompleted) -> None:
    """An activity: a completed task of a kind named in `activities` (`on: "task"`)."""
    task = event.task
    points = ctx.config.activity_points("task", task.kind)
    if points and task.customer_id is not None:
        await service.earn(ctx, task.customer_id, points, f"activity:task:{task.id}", "activity")


async def on_interaction_logged(ctx: Ctx, event: sdk.InteractionLogged) -> None:
    """An activity: an interaction on a channel named in `activities` (`on:
    "interaction"`)."""
    interaction = event.interaction
    points = ctx.config.activity_points("interaction", interaction.channel)
    if points:
        await service.earn(
            ctx,
            interaction.customer_id,
            points,
            f"activity:interaction:{interaction.id}",
            "activity",
            earned_at=interaction.occurred_at,
        )


async def expire_due(ctx: Ctx) -> None:
    """The daily `expiry` schedule: what is left of each lot past its expiry expires, once."""
    await service.expire_due(ctx)
