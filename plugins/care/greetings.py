"""The `greetings` schedule: what is due today in the tenant's time zone — birthdays,
festivals, custom dates and renewal notices — sent at the configured local time, once per
customer and occasion (the core's occasion engine), through the consent gate.

The schedule ticks hourly; a tick before `send_at` (tenant-local) does nothing, the first
one at or after it fans the day's greetings out in batches of `sdk.occasions.BATCH` as
`greet` jobs and marks the day done (an occasion added to the config later that day waits
for next year); later ticks fan nothing out, and every cause is used once anyway.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from core import sdk
from plugins.care import reactions
from plugins.care.config import GREETING_FIELDS, CareConfig, OccasionConfig, check_template
from plugins.care.context import Ctx
from plugins.care.journal import record
from plugins.care.repository import CareLogRepository

GREET_JOB = "greet"


def occasion_config(config: CareConfig, key: str) -> OccasionConfig | None:
    return next((item for item in config.occasions if item.occasion().key == key), None)


async def run(ctx: Ctx, now: datetime.datetime | None = None) -> None:
    """The schedule's job (daily at the config's `send_at`, tenant-local; `now` is the
    slot's moment): today's greetings and renewal notices, once."""
    config = ctx.config
    moment = sdk.occasions.local_now(ctx.timezone, now)
    today = moment.date()
    occasions = [item.occasion() for item in config.occasions]
    jobs: list[tuple[dict[str, Any], uuid.UUID | None]] = []
    log = CareLogRepository(ctx.tenant_id)
    marker = f"care:greetings:{today.isoformat()}"
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        # A second run of the day (at least once, or on demand) fans nothing out again.
        if await log.done([marker]):
            occasions = []
        await log.record(
            [
                {
                    "kind": "run",
                    "occasion": "greetings",
                    "cause": marker,
                    "outcome": "done",
                    "served_on": today,
                }
            ]
        )
        if any(o.kind == "birthday" for o in occasions):
            celebrating = await sdk.occasions.customers_born_on(ctx, today, fields=("name",))
            jobs += batches("birthday", today, [c["id"] for c in celebrating])
        dated = sdk.occasions.occasions_on(occasions, today)
        if dated:
            everyone = [c["id"] for c in await sdk.CoreFacts(ctx).customers(fields=("name",))]
            for occasion in dated:
                jobs += batches(occasion.key, today, everyone)
        if jobs:
            await sdk.enqueue_jobs(ctx, GREET_JOB, jobs)
    await reactions.send_due_renewals(ctx, config, today)


def batches(
    key: str, day: datetime.date, ids: list[uuid.UUID]
) -> list[tuple[dict[str, Any], uuid.UUID | None]]:
    return [
        ({"occasion": key, "day": day.isoformat(), "customer_ids": [str(i) for i in batch]}, None)
        for batch in sdk.chunked(sorted(ids, key=str), sdk.occasions.BATCH)
    ]


async def greet(ctx: Ctx, payload: dict[str, Any]) -> None:
    """One batch of one occasion (a job; idempotent through the occasion cause keys)."""
    config = ctx.config
    item = occasion_config(config, payload["occasion"])
    if item is None:  # removed from the config since
        return
    occasion = item.occasion()
    day = datetime.date.fromisoformat(payload["day"])
    template = check_template(item.template, GREETING_FIELDS, "template")
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        people = await sdk.CoreFacts(ctx).customers(
            [uuid.UUID(i) for i in payload["customer_ids"]],
            fields=sdk.occasions.CUSTOMER_FIELDS,
        )
        greetings = await sdk.occasions.greet(
            ctx,
            occasion,
            sorted(people, key=lambda c: str(c["id"])),
            template=template,
            channels=item.channels,
            day=day,
            fallback=config.fallback,
        )
        await record(ctx, "greeting", occasion.key, greetings, day)
