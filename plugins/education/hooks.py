"""The education plugin's hook implementations: contributions and policy (see
docs/plugins.md, "Hook reference"), and its scheduled re-evaluation. What it does when an
event happens is in `reactions`."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import msgspec

from core import sdk
from plugins.education.config import Intent, LifecycleStage, Tier
from plugins.education.context import Ctx
from plugins.education.evaluation import reevaluate
from plugins.education.repository import (
    ServiceLogRepository,
    StageChangeRepository,
    StudentRepository,
    TierChangeRepository,
)
from plugins.education.services import config_of
from plugins.education.students import student_of

EVERYONE = "everyone"


# -- contributions -------------------------------------------------------------------------
@sdk.hookimpl
async def patron_customer_section(ctx: Ctx, customer: dict[str, Any]) -> dict[str, Any] | None:
    """`{tier, computed_tier, override, levels}` (api.md §6), plus `"student": true`, the
    profile and any referral discount the customer earned; `{"student": false,
    "referral_discount_percent"}` for a customer who is not a student (not tiered, no
    service schedule; a referred newcomer still shows the discount they earned)."""
    customer_id = uuid.UUID(str(customer["id"]))
    async with sdk.tenant_transaction(ctx.tenant_id):  # one transaction for the section
        student = await student_of(ctx, customer_id)
        discount = await referral_discount(ctx, customer_id)
    if student is None:
        return {"student": False, "referral_discount_percent": discount}
    section = {"student": True, **msgspec.to_builtins(student)}
    section.pop("customer_id")
    section["referral_discount_percent"] = discount
    return section


async def referral_discount(ctx: Ctx, customer_id: uuid.UUID) -> int | None:
    referral = [s.name for s in config_of(ctx).services if s.occasion == "referral"]
    async with sdk.tenant_transaction(ctx.tenant_id):
        row = await ServiceLogRepository(ctx.tenant_id).referral_of(customer_id, referral)
    return ServiceLogRepository.detail(row).get("discount_percent")


@sdk.hookimpl
async def patron_timeline_entries(
    ctx: Ctx,
    customer_id: str,
    newer_than: datetime.datetime | None,
    not_newer_than: datetime.datetime | None,
) -> list[sdk.PluginTimelineEntry]:
    """Each change of tier, with its reason, and each move along the lifecycle."""
    async with sdk.tenant_transaction(ctx.tenant_id):
        rows = await TierChangeRepository(ctx.tenant_id).of_customer(
            uuid.UUID(customer_id), newer_than, not_newer_than
        )
        moves = await StageChangeRepository(ctx.tenant_id).of_customer(
            uuid.UUID(customer_id), newer_than, not_newer_than
        )
    stages = [
        sdk.PluginTimelineEntry(
            occurred_at=row["changed_at"],
            kind="lifecycle.changed",
            summary=f"Lifecycle {row['old_stage'] or 'none'} → {row['new_stage']}",
            data={
                "old": row["old_stage"],
                "new": row["new_stage"],
                "changed_by": None if row["changed_by"] is None else str(row["changed_by"]),
            },
        )
        for row in moves
    ]
    return stages + [
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
def patron_customer_filter(ctx: Ctx, key: str, value: str) -> Any:
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
async def periodic_reevaluation(ctx: Ctx, now: datetime.datetime | None = None) -> None:
    """Monthly tick: every student is re-evaluated once per configured period (default
    every 6 months: January and July); `now` is the slot's moment."""
    every = config_of(ctx).reevaluate_every_months
    today = (now or sdk.utcnow()).date()
    period = (today.year * 12 + today.month - 1) // every
    cause = f"every {every} months:{period}"
    log = ServiceLogRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        if await log.served("reevaluation", cause) is not None:
            return
        await reevaluate(ctx, None, "periodic re-evaluation")
        await log.insert(
            service="reevaluation", cause=cause, served_on=today, created_at=sdk.utcnow()
        )
