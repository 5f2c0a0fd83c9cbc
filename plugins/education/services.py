"""The service schedule each tier earns (seed 003 §5), turned into tasks for the staff.

Recurring services ("every 15 days") keep exactly one open task per student: created when
the student's tier starts earning it, moved on when it is done, canceled when the tier
stops earning it. Occasions (a referral, an opinion, a birthday, a holiday) are served
once per cause: `ServiceLog` is unique by (service, cause), so retried jobs and repeated
events never serve twice.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from core import sdk
from plugins.education.config import Assignee, EducationConfig, Service, Tier
from plugins.education.context import Ctx
from plugins.education.evaluation import reevaluate, tier_in_force
from plugins.education.repository import (
    ServiceLogRepository,
    ServiceTaskRepository,
    StudentRepository,
)
from plugins.education.tiering import add_months
from plugins.education.timezone import local_today

TITLE = 200


def config_of(ctx: Ctx) -> EducationConfig:
    return ctx.config


def next_due(after: datetime.datetime, service: Service) -> datetime.datetime:
    every = service.every
    assert every is not None, f"{service.name} is not recurring"
    count, unit = every
    if unit == "days":
        return after + datetime.timedelta(days=count)
    return datetime.datetime.combine(add_months(after.date(), count), after.timetz())


def clip(title: str) -> str:
    return title if len(title) <= TITLE else title[: TITLE - 1] + "…"


async def service_task(
    ctx: Ctx,
    service: Service,
    customer: dict[str, Any],
    *,
    title: str,
    due_at: datetime.datetime | None,
    priority: str = "normal",
) -> sdk.Task:
    """A task of `service` about `customer`, for whoever the service names."""
    assignee = {
        Assignee.owner: customer.get("owner_id"),
        Assignee.message_admin: config_of(ctx).message_admin_id,
        Assignee.unassigned: None,
    }[service.assign_to]
    fields = {
        "title": clip(title),
        "kind": service.task_kind,
        "customer_id": customer["id"],
        "due_at": due_at,
        "priority": priority,
    }
    try:
        return await sdk.create_task(ctx, assignee_id=assignee, **fields)
    except sdk.InvalidInput:
        if assignee is None:
            raise
        # The assignee has left the tenant: the task is still to be done, by anyone.
        return await sdk.create_task(ctx, **fields)


async def recurring_task(
    ctx: Ctx, service: Service, customer: dict[str, Any], after: datetime.datetime
) -> sdk.Task:
    """The task of a recurring service falling due a period `after`."""
    title = f"{service.title}: {customer['name']}"
    return await service_task(ctx, service, customer, title=title, due_at=next_due(after, service))


async def customer_of(ctx: Ctx, customer_id: uuid.UUID) -> dict[str, Any] | None:
    found = await sdk.CoreFacts(ctx).customers([customer_id])
    return found[0] if found else None


async def tier_of_customer(ctx: Ctx, customer_id: uuid.UUID) -> Tier | None:
    """The tier in force, evaluating a student seen for the first time; None for a customer
    who is not a student (no profile, no enrolment: see `evaluation.widen`)."""
    tier = tier_in_force(await StudentRepository(ctx.tenant_id).of(customer_id))
    if tier is None:
        await reevaluate(ctx, [customer_id], "first evaluation")
        tier = tier_in_force(await StudentRepository(ctx.tenant_id).of(customer_id))
    return tier


# -- recurring services ------------------------------------------------------------------
async def sync_services(ctx: Ctx, payload: dict[str, Any]) -> None:
    """Bring one student's recurring-service tasks in line with their tier in force (a job:
    queued by re-evaluation for each change of tier)."""
    customer_id = uuid.UUID(payload["customer_id"])
    config = config_of(ctx)
    plans = ServiceTaskRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        customer = await customer_of(ctx, customer_id)
        tier = tier_in_force(await StudentRepository(ctx.tenant_id).of(customer_id))
        wanted = {s.name: s for s in config.recurring_for(tier)} if customer and tier else {}
        for row in await plans.of_customer(customer_id):
            if wanted.pop(row["service"], None) is None:
                await sdk.cancel_task(ctx, row["task_id"])
                await plans.delete(row["id"])
        now = sdk.utcnow()
        for service in wanted.values():
            assert customer is not None
            task = await recurring_task(ctx, service, customer, now)
            await plans.insert(
                customer_id=customer_id,
                service=service.name,
                task_id=task.id,
                due_at=task.due_at,
                created_at=now,
            )


async def advance(ctx: Ctx, task: dict[str, Any]) -> None:
    """A recurring service's task was done: the next one falls due a period later."""
    if task.get("source") != ctx.plugin.name:
        return
    plans = ServiceTaskRepository(ctx.tenant_id)
    config = config_of(ctx)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        row = await plans.of_task(uuid.UUID(str(task["id"])))
        if row is None:  # not a recurring service's, or already moved on
            return
        service = config.service(row["service"])
        customer = await customer_of(ctx, row["customer_id"])
        tier = tier_in_force(await StudentRepository(ctx.tenant_id).of(row["customer_id"]))
        earned = service is not None and tier is not None and tier in service.tiers
        if not earned or service is None or service.every is None or customer is None:
            await plans.delete(row["id"])
            return
        done_at = datetime.datetime.fromisoformat(str(task.get("completed_at") or sdk.utcnow()))
        following = await recurring_task(ctx, service, customer, done_at)
        await plans.update(row["id"], {"task_id": following.id, "due_at": following.due_at})


# -- occasions ---------------------------------------------------------------------------
async def serve_once(
    ctx: Ctx,
    service: Service,
    cause: str,
    customer: dict[str, Any],
    *,
    title: str,
    due_at: datetime.datetime | None,
    priority: str = "normal",
    detail: dict[str, Any] | None = None,
) -> bool:
    """A task for this occasion unless it was served before; True when served now."""
    log = ServiceLogRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        if await log.served(service.name, cause) is not None:
            return False
        task = await service_task(
            ctx, service, customer, title=title, due_at=due_at, priority=priority
        )
        await log.insert(
            service=service.name,
            cause=cause,
            customer_id=customer["id"],
            task_id=task.id,
            detail=detail or {},
            served_on=local_today(ctx.timezone),
            created_at=sdk.utcnow(),
        )
    return True


async def reply_to_opinion(ctx: Ctx, interaction: dict[str, Any]) -> None:
    """Every opinion (an interaction of a feedback kind) gets a reply task, due within the
    configured hours of when it was given."""
    config = config_of(ctx)
    if interaction.get("kind") not in config.feedback_kinds:
        return
    customer_id = uuid.UUID(str(interaction["customer_id"]))
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        customer = await customer_of(ctx, customer_id)
        if customer is None:
            return
        given_at = datetime.datetime.fromisoformat(str(interaction["occurred_at"]))
        tier = await tier_of_customer(ctx, customer_id)
        for service in [] if tier is None else config.services_on("feedback", tier):
            await serve_once(
                ctx,
                service,
                str(interaction["id"]),
                customer,
                title=f"Reply to {customer['name']}: {interaction['summary']}",
                due_at=given_at + datetime.timedelta(hours=config.feedback_reply_hours),
                priority="high",
                detail={"interaction_id": str(interaction["id"])},
            )


async def reward_referral(ctx: Ctx, customer: dict[str, Any]) -> None:
    """A new customer referred by a student: a gift task for the referrer by the referrer's
    tier, and the new customer's discount recorded (shown in their section)."""
    referrer_id = customer.get("referred_by_id")
    if not referrer_id:
        return
    config = config_of(ctx)
    referrer_id = uuid.UUID(str(referrer_id))
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        referrer = await customer_of(ctx, referrer_id)
        if referrer is None:
            return
        tier = await tier_of_customer(ctx, referrer_id)
        for service in [] if tier is None else config.services_on("referral", tier):
            currency = config.currency_of(ctx.currency)
            gift = f"{sdk.major_units(service.referrer_gift or 0, currency)} {currency}"
            await serve_once(
                ctx,
                service,
                str(customer["id"]),
                referrer,
                title=f"Referral gift ({gift}) for {referrer['name']}, who referred "
                f"{customer['name']}",
                due_at=sdk.utcnow() + datetime.timedelta(days=7),
                detail={
                    "referred_id": str(customer["id"]),
                    "referrer_id": str(referrer_id),
                    "referrer_tier": str(tier),
                    "referrer_gift": service.referrer_gift,
                    "currency": config.currency_of(ctx.currency),
                    "discount_percent": service.discount_percent,
                },
            )
