"""How points reacts to what happens elsewhere: one plain async function per event, taking
the caller's context, the tenant's config and the event's payload. `hooks.py` adapts the
core's event hooks to them; nothing here knows how it is called, so the wiring can change
(to declarative subscriptions) without touching the rules. Every reaction is idempotent:
its effect is keyed by its cause."""

from __future__ import annotations

import uuid
from typing import Any

from core import sdk
from plugins.points import service
from plugins.points.config import PointsConfig


async def on_payment_recorded(
    ctx: sdk.TenantContext, config: PointsConfig, payment: dict[str, Any]
) -> None:
    """A payment earns its points (cause `payment:<id>`), and the referrer of a referred
    customer earns `referral_first_payment_points` once (`referral-first-payment:<id>`); a
    refund takes back the share of its payment's points (`refund:<id>`)."""
    if payment.get("kind") == "refund":
        await service.reverse_refund(ctx, config, payment)
        return
    await service.earn_on_payment(ctx, config, payment)
    if config.referral_first_payment_points > 0:
        await _referral_first_payment(ctx, config, uuid.UUID(str(payment["customer_id"])))


async def _referral_first_payment(
    ctx: sdk.TenantContext, config: PointsConfig, customer_id: uuid.UUID
) -> None:
    async with sdk.tenant_transaction(ctx.tenant_id):
        found = await sdk.CoreFacts(ctx).customers([customer_id], ["referred_by_id"])
    referrer = found[0]["referred_by_id"] if found else None
    if referrer is None:
        return
    await service.earn(
        ctx,
        config,
        uuid.UUID(str(referrer)),
        config.referral_first_payment_points,
        f"referral-first-payment:{customer_id}",
        "referral",
    )


async def award_referral(
    ctx: sdk.TenantContext,
    config: PointsConfig,
    referrer_id: uuid.UUID | str,
    referred_id: uuid.UUID | str,
    points: int,
) -> None:
    """Membership's referral reward (`membership.referral_rewarded`): `points` for the
    referrer, once per referred customer (cause `referral:<referred_id>`); nothing for a
    referrer that is not (or no longer) a customer of the tenant."""
    if not await sdk.customer_exists(ctx, referrer_id):
        return
    await service.earn(
        ctx,
        config,
        uuid.UUID(str(referrer_id)),
        int(points),
        f"referral:{referred_id}",
        "referral",
    )


async def on_referral_rewarded(
    ctx: sdk.TenantContext, config: PointsConfig, payload: dict[str, Any]
) -> None:
    """The event form of `award_referral`: `{"referrer_id", "referred_id", "level",
    "points"}`."""
    await award_referral(
        ctx, config, payload["referrer_id"], payload["referred_id"], int(payload["points"])
    )


async def on_task_completed(
    ctx: sdk.TenantContext, config: PointsConfig, task: dict[str, Any]
) -> None:
    """An activity: a completed task of a kind named in `activities` (`on: "task"`)."""
    points = config.activity_points("task", task.get("kind"))
    if points and task.get("customer_id"):
        await service.earn(
            ctx,
            config,
            uuid.UUID(str(task["customer_id"])),
            points,
            f"activity:task:{task['id']}",
            "activity",
        )


async def on_interaction_logged(
    ctx: sdk.TenantContext, config: PointsConfig, interaction: dict[str, Any]
) -> None:
    """An activity: an interaction on a channel named in `activities` (`on:
    "interaction"`)."""
    points = config.activity_points("interaction", interaction.get("channel"))
    if points and interaction.get("customer_id"):
        await service.earn(
            ctx,
            config,
            uuid.UUID(str(interaction["customer_id"])),
            points,
            f"activity:interaction:{interaction['id']}",
            "activity",
            earned_at=service.moment_of(interaction.get("occurred_at")),
        )


async def expire_due(ctx: sdk.TenantContext, config: PointsConfig) -> None:
    """The daily schedule: what is left of each lot past its expiry expires, once."""
    await service.expire_due(ctx, config)
