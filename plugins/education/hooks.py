"""The education plugin's hook implementations (see core.plugins.hookspecs for when each is
called). Events run after the core's commit, retried until they succeed: every handler here
is idempotent."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import msgspec

from core import sdk
from plugins.education import plugin, services
from plugins.education.config import Intent, LifecycleStage, Tier
from plugins.education.evaluation import SYNC_JOB, reevaluate
from plugins.education.repository import (
    ServiceLogRepository,
    StudentRepository,
    TierChangeRepository,
)
from plugins.education.services import config_of
from plugins.education.students import student_of

EVERYONE = "everyone"


# -- events --------------------------------------------------------------------------------
@sdk.hookimpl
async def patron_plugin_enabled(ctx: sdk.TenantContext, plugin: str) -> None:
    """Every existing customer becomes a student with a tier and a service schedule."""
    await reevaluate(ctx, this(), None, "plugin enabled")


@sdk.hookimpl
async def patron_plugin_reconfigured(ctx: sdk.TenantContext, plugin: str, old: Any) -> None:
    """New thresholds may change tiers; a new service schedule applies to everyone."""
    await reevaluate(ctx, this(), None, "settings changed")
    config = config_of(ctx)
    previous = old.get("services") if isinstance(old, dict) else None
    if previous is not None and previous == msgspec.to_builtins(config.services):
        return
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        ids = await StudentRepository(ctx.tenant_id).customer_ids()
        await sdk.enqueue_jobs(
            ctx, this(), SYNC_JOB, [({"customer_id": str(i)}, i) for i in sorted(ids)]
        )


@sdk.hookimpl
async def patron_customer_created(ctx: sdk.TenantContext, customer: dict[str, Any]) -> None:
    customer_id = uuid.UUID(str(customer["id"]))
    if await sdk.customer_exists(ctx, customer_id):
        await reevaluate(ctx, this(), [customer_id], "new customer")
    await services.reward_referral(ctx, customer)


@sdk.hookimpl
async def patron_customer_updated(
    ctx: sdk.TenantContext, customer: dict[str, Any], changed: list[str]
) -> None:
    if "referred_by_id" in changed:
        await services.reward_referral(ctx, customer)


@sdk.hookimpl
async def patron_customer_deleted(ctx: sdk.TenantContext, customer_id: str) -> None:
    """The deleted customer's scheduled service tasks are canceled."""
    await services.sync_services(ctx, {"customer_id": customer_id})


@sdk.hookimpl
async def patron_payment_recorded(ctx: sdk.TenantContext, payment: dict[str, Any]) -> None:
    what = "refund recorded" if payment.get("kind") == "refund" else "payment recorded"
    customer_id = uuid.UUID(str(payment["customer_id"]))
    if await sdk.customer_exists(ctx, customer_id):
        await reevaluate(ctx, this(), [customer_id], what)


@sdk.hookimpl
async def patron_task_completed(ctx: sdk.TenantContext, task: dict[str, Any]) -> None:
    await services.advance(ctx, task)


@sdk.hookimpl
async def patron_interaction_logged(ctx: sdk.TenantContext, interaction: dict[str, Any]) -> None:
    await services.reply_to_opinion(ctx, interaction)


# -- contributions -------------------------------------------------------------------------
@sdk.hookimpl
async def patron_customer_section(
    ctx: sdk.TenantContext, customer: dict[str, Any]
) -> dict[str, Any] | None:
    """`{tier, computed_tier, override, levels}` (api.md §6), plus the profile and any
    referral discount the customer earned."""
    async with sdk.tenant_transaction(ctx.tenant_id):  # one transaction for the section
        student = await student_of(ctx, uuid.UUID(str(customer["id"])))
        discount = await referral_discount(ctx, student.customer_id)
    section = msgspec.to_builtins(student)
    section.pop("customer_id")
    section["referral_discount_percent"] = discount
    return section


async def referral_discount(ctx: sdk.TenantContext, customer_id: uuid.UUID) -> int | None:
    referral = [s.name for s in config_of(ctx).services if s.occasion == "referral"]
    async with sdk.tenant_transaction(ctx.tenant_id):
        row = await ServiceLogRepository(ctx.tenant_id).referral_of(customer_id, referral)
    return ServiceLogRepository.detail(row).get("discount_percent")


@sdk.hookimpl
async def patron_timeline_entries(
    ctx: sdk.TenantContext,
    customer_id: str,
    newer_than: datetime.datetime | None,
    not_newer_than: datetime.datetime | None,
) -> list[sdk.PluginTimelineEntry]:
    """Each change of tier, with its reason."""
    async with sdk.tenant_transaction(ctx.tenant_id):
        rows = await TierChangeRepository(ctx.tenant_id).of_customer(
            uuid.UUID(customer_id), newer_than, not_newer_than
        )
    return [
        sdk.PluginTimelineEntry(
            occurred_at=row["changed_at"],
            kind="tier.changed",
            summary=f"Tier {row['old_tier'] or 'none'} → {row['new_tier']}: {row['reason']}",
            data={
                "old": row["old_tier"],
                "new": row["new_tier"],
                "computed": row["computed_tier"],
                "overridden": row["overridden"],
                "reason": row["reason"],
                "changed_by": None if row["changed_by"] is None else str(row["changed_by"]),
            },
        )
        for row in rows
    ]


# -- policy --------------------------------------------------------------------------------
@sdk.hookimpl
def patron_customer_filter(ctx: sdk.TenantContext, key: str, value: str) -> Any:
    """`?education.tier=key|attention|general`, `?education.lifecycle_stage=…`,
    `?education.intent=high|medium|low`."""
    students = StudentRepository(ctx.tenant_id)
    column = {
        "tier": (students.table.tier, Tier),
        "lifecycle_stage": (students.table.lifecycle_stage, LifecycleStage),
        "intent": (students.table.intent, Intent),
    }.get(key)
    if column is None or value not in column[1].__members__:
        return None
    return students.select(students.table.customer_id).where(column[0] == value)


# -- scheduled ---------------------------------------------------------------------------
async def periodic_reevaluation(ctx: sdk.TenantContext) -> None:
    """Monthly tick: every student is re-evaluated once per configured period (default
    every 6 months: January and July)."""
    every = config_of(ctx).reevaluate_every_months
    today = sdk.utcnow().date()
    period = (today.year * 12 + today.month - 1) // every
    cause = f"every {every} months:{period}"
    log = ServiceLogRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        if await log.served("reevaluation", cause) is not None:
            return
        await reevaluate(ctx, this(), None, "periodic re-evaluation")
        await log.insert(
            service="reevaluation", cause=cause, served_on=today, created_at=sdk.utcnow()
        )


def this() -> sdk.PluginDescriptor:
    return plugin.EDUCATION
