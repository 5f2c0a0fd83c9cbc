"""What the membership plugin does when something happens: the handlers of the events it
subscribes to (`subscriptions` on its descriptor), and its daily schedule. They run after
the core's commit, retried until they succeed: every handler here is idempotent (events
arrive at least once)."""

from __future__ import annotations

import datetime

from core import sdk
from plugins.membership.context import Ctx
from plugins.membership.evaluation import reevaluate
from plugins.membership.referrals import record_referral
from plugins.membership.repository import ReferralRepository


async def on_payment_recorded(ctx: Ctx, event: sdk.PaymentRecorded) -> None:
    """A payment or refund: the payer is re-evaluated."""
    what = "refund recorded" if event.payment.kind == "refund" else "payment recorded"
    await reevaluate(ctx, [event.payment.customer_id], what)


async def on_customer_created(ctx: Ctx, event: sdk.CustomerCreated) -> None:
    """A new customer gets a first level; a referred one counts for the referrer."""
    customer = event.customer
    await reevaluate(ctx, [customer.id], "new customer")
    if customer.referred_by_id is not None:
        await record_referral(ctx, customer.id, customer.referred_by_id)


async def on_customer_updated(ctx: Ctx, event: sdk.CustomerUpdated) -> None:
    """A referrer given (or changed) later: a referral, recorded once per customer."""
    if "referred_by_id" not in event.changed:
        return
    customer = event.customer
    if customer.referred_by_id is not None:
        await record_referral(ctx, customer.id, customer.referred_by_id)
        return
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        earlier = await ReferralRepository(ctx.tenant_id).of_referred(customer.id)
        if earlier is not None:
            await reevaluate(ctx, [earlier["referrer_id"]], "referral removed")


async def on_customer_deleted(ctx: Ctx, event: sdk.CustomerDeleted) -> None:
    """A deleted referred customer no longer counts for their referrer."""
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        earlier = await ReferralRepository(ctx.tenant_id).of_referred(event.customer_id)
        if earlier is not None:
            await reevaluate(ctx, [earlier["referrer_id"]], "referred customer deleted")


async def on_plugin_enabled(ctx: Ctx, event: sdk.PluginEnabled) -> None:
    """Every existing customer gets a level (a first level: no events)."""
    await reevaluate(ctx, None, "plugin enabled")


async def on_plugin_reconfigured(ctx: Ctx, event: sdk.PluginReconfigured) -> None:
    """A new ladder, window or grace may change levels."""
    await reevaluate(ctx, None, "settings changed")


async def daily_reevaluation(ctx: Ctx, now: datetime.datetime) -> None:
    """The `levels` schedule: every member, as of the slot's moment `now`. Purchases and
    referrals that left the window lower a level (within the grace); running twice changes
    nothing the second time."""
    await reevaluate(ctx, None, "daily re-evaluation", now=now)
