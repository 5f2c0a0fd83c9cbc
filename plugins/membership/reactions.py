"""Reactions to the core's events, as plain async functions `(ctx, plugin, fact)`: the
hook adapters in `hooks` call them (so they can be rewired to typed events later). Each is
idempotent: events arrive at least once."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from core import sdk
from plugins.membership.evaluation import reevaluate
from plugins.membership.referrals import record_referral
from plugins.membership.repository import ReferralRepository


def _id(value: Any) -> uuid.UUID | None:
    return None if value is None else uuid.UUID(str(value))


async def on_payment_recorded(
    ctx: sdk.TenantContext, plugin: sdk.PluginDescriptor, payment: dict[str, Any]
) -> None:
    """A payment or refund: the payer is re-evaluated."""
    what = "refund recorded" if payment.get("kind") == "refund" else "payment recorded"
    await reevaluate(ctx, plugin, [uuid.UUID(str(payment["customer_id"]))], what)


async def on_customer_created(
    ctx: sdk.TenantContext, plugin: sdk.PluginDescriptor, customer: dict[str, Any]
) -> None:
    """A new customer gets a first level; a referred one counts for the referrer."""
    customer_id = uuid.UUID(str(customer["id"]))
    await reevaluate(ctx, plugin, [customer_id], "new customer")
    referrer = _id(customer.get("referred_by_id"))
    if referrer is not None:
        await record_referral(ctx, plugin, customer_id, referrer)


async def on_customer_updated(
    ctx: sdk.TenantContext,
    plugin: sdk.PluginDescriptor,
    customer: dict[str, Any],
    changed: list[str],
) -> None:
    """A referrer given (or changed) later: a referral, recorded once per customer."""
    if "referred_by_id" not in changed:
        return
    customer_id = uuid.UUID(str(customer["id"]))
    referrer = _id(customer.get("referred_by_id"))
    if referrer is not None:
        await record_referral(ctx, plugin, customer_id, referrer)
        return
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        earlier = await ReferralRepository(ctx.tenant_id).of_referred(customer_id)
        if earlier is not None:
            await reevaluate(ctx, plugin, [earlier["referrer_id"]], "referral removed")


async def on_customer_deleted(
    ctx: sdk.TenantContext, plugin: sdk.PluginDescriptor, customer_id: str
) -> None:
    """A deleted referred customer no longer counts for their referrer."""
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        earlier = await ReferralRepository(ctx.tenant_id).of_referred(uuid.UUID(customer_id))
        if earlier is not None:
            await reevaluate(ctx, plugin, [earlier["referrer_id"]], "referred customer deleted")


async def on_plugin_enabled(ctx: sdk.TenantContext, plugin: sdk.PluginDescriptor) -> None:
    """Every existing customer gets a level (a first level: no events)."""
    await reevaluate(ctx, plugin, None, "plugin enabled")


async def on_plugin_reconfigured(ctx: sdk.TenantContext, plugin: sdk.PluginDescriptor) -> None:
    """A new ladder, window or grace may change levels."""
    await reevaluate(ctx, plugin, None, "settings changed")


async def daily_reevaluation(
    ctx: sdk.TenantContext,
    plugin: sdk.PluginDescriptor,
    now: datetime.datetime | None = None,
) -> None:
    """Every member, as of today: purchases and referrals that left the window lower a
    level (within the grace); running twice changes nothing the second time."""
    await reevaluate(ctx, plugin, None, "daily re-evaluation", now=now)
