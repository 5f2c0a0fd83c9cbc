"""What the education plugin does when something happens: the handlers of the events it
subscribes to (`subscriptions` on its descriptor). They run after the core's commit,
retried until they succeed: every handler here is idempotent."""

from __future__ import annotations

import msgspec

from core import sdk
from plugins.education import services
from plugins.education.context import Ctx
from plugins.education.evaluation import ORGANIZATION, SYNC_JOB, reevaluate, retire
from plugins.education.repository import StudentRepository


async def on_enabled(ctx: Ctx, event: sdk.PluginEnabled) -> None:
    """Every existing customer becomes a student with a tier and a service schedule."""
    await reevaluate(ctx, None, "plugin enabled")


async def on_reconfigured(ctx: Ctx, event: sdk.PluginReconfigured) -> None:
    """New thresholds may change tiers; a new service schedule applies to everyone."""
    await reevaluate(ctx, None, "settings changed")
    previous = event.old.get("services") if event.old is not None else None
    if previous is not None and previous == msgspec.to_builtins(ctx.config.services):
        return
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        ids = await StudentRepository(ctx.tenant_id).customer_ids()
        await sdk.enqueue_jobs(ctx, SYNC_JOB, [({"customer_id": str(i)}, i) for i in sorted(ids)])


async def on_customer_created(ctx: Ctx, event: sdk.CustomerCreated) -> None:
    if await sdk.customer_exists(ctx, event.customer.id):
        await reevaluate(ctx, [event.customer.id], "new customer")
    await services.reward_referral(ctx, msgspec.to_builtins(event.customer))


async def on_customer_updated(ctx: Ctx, event: sdk.CustomerUpdated) -> None:
    if "kind" in event.changed:
        if event.customer.kind == ORGANIZATION:
            async with sdk.tenant_transaction(ctx.tenant_id, write=True):
                await retire(ctx, [event.customer.id])
        elif await sdk.customer_exists(ctx, event.customer.id):
            await reevaluate(ctx, [event.customer.id], "now a person")
    if "referred_by_id" in event.changed:
        await services.reward_referral(ctx, msgspec.to_builtins(event.customer))


async def on_customer_deleted(ctx: Ctx, event: sdk.CustomerDeleted) -> None:
    """The deleted customer's scheduled service tasks are canceled."""
    await services.sync_services(ctx, {"customer_id": str(event.customer_id)})


async def on_payment_recorded(ctx: Ctx, event: sdk.PaymentRecorded) -> None:
    what = "refund recorded" if event.payment.kind == "refund" else "payment recorded"
    if await sdk.customer_exists(ctx, event.payment.customer_id):
        await reevaluate(ctx, [event.payment.customer_id], what)


async def on_task_completed(ctx: Ctx, event: sdk.TaskCompleted) -> None:
    await services.advance(ctx, msgspec.to_builtins(event.task))


async def on_interaction_logged(ctx: Ctx, event: sdk.InteractionLogged) -> None:
    await services.reply_to_opinion(ctx, msgspec.to_builtins(event.interaction))
