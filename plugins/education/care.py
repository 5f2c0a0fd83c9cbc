"""Care on the calendar: the daily birthday check (`care_check_time`, 08:00 tenant time,
due by `birthday_check_due`, 10:00), birthday gifts and
greetings, holiday greetings through the tenant's message channel, and services staff run
on request (an appreciation event, product news) for every student of the tiers.

Work over many students is fanned out in batches of `BATCH` as plugin jobs, each
idempotent through `ServiceLog`.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from core import sdk
from plugins.education.config import TEMPLATE_FIELDS, Assignee, Service, Tier
from plugins.education.context import Ctx
from plugins.education.repository import ServiceLogRepository, StudentRepository
from plugins.education.services import config_of, serve_once, service_task
from plugins.education.timezone import local_now, local_time

BATCH = 500
GREET_JOB = "greet"
SERVE_JOB = "serve_request"
BIRTHDAY_CHECK = "birthday_check"
END_OF_DAY = datetime.time(23, 59)


# -- occasions (the core engine decides when, what text and whether allowed) -------------
def template(config_text: str, field: str) -> sdk.MessageTemplate:
    return sdk.parse_template(config_text, TEMPLATE_FIELDS, field=field)


def tiers_served(services: list[Service]) -> set[Tier]:
    return {tier for service in services for tier in service.tiers}


# -- the daily job -----------------------------------------------------------------------
async def daily_care(ctx: Ctx, now: datetime.datetime | None = None) -> None:
    """Birthdays and holidays of the tenant's day (a schedule: daily at `care_check_time`)."""
    moment = local_now(ctx.timezone, now)
    await birthdays(ctx, moment)
    await holiday_greetings(ctx, moment.date())


async def birthdays(ctx: Ctx, moment: datetime.datetime) -> None:
    """A gift task and a greeting for each student celebrating today whose tier earns it,
    and one task for the message administrator listing them."""
    config = config_of(ctx)
    today = moment.date()
    services = [s for s in config.services if s.occasion == "birthday"]
    if not services:
        return
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        students = StudentRepository(ctx.tenant_id)
        tiers = {
            row["customer_id"]: Tier(row["tier"])
            for row in await students.of_many(
                await students.ids_in_tiers(str(t) for t in tiers_served(services))
            )
        }
        celebrating = await sdk.occasions.customers_born_on(
            ctx, today, tiers, fields=(*sdk.occasions.CUSTOMER_FIELDS, "owner_id")
        )
        for customer in celebrating:
            for service in config.services_on("birthday", tiers[customer["id"]]):
                await serve_once(
                    ctx,
                    service,
                    f"{customer['id']}:{today.isoformat()}",
                    customer,
                    title=f"{service.title}: {customer['name']}",
                    due_at=local_time(today, END_OF_DAY, ctx.timezone),
                    priority="high",
                )
            await send_greeting(
                ctx,
                sdk.occasions.birthday(),
                [customer],
                template(config.birthday_greeting, "birthday_greeting"),
                today,
            )
        if celebrating:
            await birthday_check_task(ctx, celebrating, moment)


async def birthday_check_task(
    ctx: Ctx, celebrating: list[dict[str, Any]], moment: datetime.datetime
) -> None:
    log = ServiceLogRepository(ctx.tenant_id)
    today = moment.date()
    if await log.served(BIRTHDAY_CHECK, today.isoformat()) is not None:
        return
    check = Service(
        name=BIRTHDAY_CHECK,
        title="Birthday check",
        tiers=[Tier.key],
        recurrence="on birthday",
        task_kind=BIRTHDAY_CHECK,
        done_by="message administrator",
        assign_to=Assignee.message_admin,
    )
    names = "、".join(c["name"] for c in celebrating)
    task = await service_task(
        ctx,
        check,
        {"id": None},
        title=f"Birthdays today ({len(celebrating)}): {names}",
        due_at=local_time(today, config_of(ctx).check_due_time(), ctx.timezone),
        priority="high",
    )
    await log.insert(
        service=BIRTHDAY_CHECK,
        cause=today.isoformat(),
        task_id=task.id,
        detail={"customer_ids": [str(c["id"]) for c in celebrating]},
        served_on=today,
        created_at=sdk.utcnow(),
    )


async def holiday_greetings(ctx: Ctx, today: datetime.date) -> None:
    config = config_of(ctx)
    services = [s for s in config.services if s.occasion == "holidays"]
    # Festivals, not the statutory holiday list: no Qingming, one Spring Festival.
    festivals = sdk.occasions.occasions_on(sdk.occasions.default_festivals(), today)
    if not services or not festivals:
        return
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        ids = await StudentRepository(ctx.tenant_id).ids_in_tiers(
            str(t) for t in tiers_served(services)
        )
        jobs = [
            (
                {
                    "holiday": festival.key,
                    "day": today.isoformat(),
                    "customer_ids": [str(i) for i in ids[start : start + BATCH]],
                },
                None,
            )
            for festival in festivals
            for start in range(0, len(ids), BATCH)
        ]
        await sdk.enqueue_jobs(ctx, GREET_JOB, jobs)


async def greet(ctx: Ctx, payload: dict[str, Any]) -> None:
    """A holiday greeting to each student of a batch (a job)."""
    config = config_of(ctx)
    day = datetime.date.fromisoformat(payload["day"])
    if payload["holiday"] not in sdk.occasions.FESTIVALS:
        return  # queued before the occasion engine (a holiday name): nothing to greet
    occasion = sdk.occasions.festival(payload["holiday"])
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        people = await sdk.CoreFacts(ctx).customers(
            [uuid.UUID(i) for i in payload["customer_ids"]], fields=("name", "phone", "email")
        )
        await send_greeting(
            ctx,
            occasion,
            sorted(people, key=lambda c: str(c["id"])),
            template(config.holiday_greeting, "holiday_greeting"),
            day,
        )


async def send_greeting(
    ctx: Ctx,
    occasion: sdk.occasions.Occasion,
    customers: list[dict[str, Any]],
    text: sdk.MessageTemplate,
    day: datetime.date,
) -> None:
    """Greet through the core's occasion engine (a `marketing` message through the consent
    gate, once per customer, occasion and year), and log it for the monthly report."""
    config = config_of(ctx)
    log = ServiceLogRepository(ctx.tenant_id)
    name = "birthday" if occasion.kind == "birthday" else occasion.label  # the report's key
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        greetings = await sdk.occasions.greet(
            ctx,
            occasion,
            customers,
            template=text,
            channels=[config.greeting_channel],
            day=day,
            values={"holiday": occasion.label},
        )
        for sent in greetings:
            if sent.outcome not in ("queued", "blocked"):
                continue  # greeted before, or no address on the channel
            await log.insert(
                service="greeting",
                cause=sent.cause_key.removeprefix("occasion:"),
                customer_id=sent.customer_id,
                message_cause=sent.cause_key,
                detail={"occasion": name, "channel": sent.channel},
                served_on=day,
                created_at=sdk.utcnow(),
            )


# -- services run on request -------------------------------------------------------------
async def start_request(
    ctx: Ctx, service: Service, run_id: uuid.UUID, title: str, due_at: Any
) -> int:
    """Fan a requested service out to every student of its tiers; returns how many."""
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        ids = await StudentRepository(ctx.tenant_id).ids_in_tiers(str(t) for t in service.tiers)
        await sdk.enqueue_jobs(
            ctx,
            SERVE_JOB,
            [
                (
                    {
                        "service": service.name,
                        "run_id": str(run_id),
                        "title": title,
                        "due_at": None if due_at is None else due_at.isoformat(),
                        "customer_ids": [str(i) for i in ids[start : start + BATCH]],
                    },
                    None,
                )
                for start in range(0, len(ids), BATCH)
            ],
        )
    return len(ids)


async def serve_request(ctx: Ctx, payload: dict[str, Any]) -> None:
    """One batch of a requested service: a task per student (a job)."""
    service = config_of(ctx).service(payload["service"])
    if service is None:  # removed from the config since
        return
    due_at = payload["due_at"] and datetime.datetime.fromisoformat(payload["due_at"])
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        people = await sdk.CoreFacts(ctx).customers(
            [uuid.UUID(i) for i in payload["customer_ids"]], fields=("name", "owner_id")
        )
        for customer in people:
            await serve_once(
                ctx,
                service,
                f"{payload['run_id']}:{customer['id']}",
                customer,
                title=f"{payload['title']}: {customer['name']}",
                due_at=due_at or None,
                detail={"run_id": payload["run_id"]},
            )
