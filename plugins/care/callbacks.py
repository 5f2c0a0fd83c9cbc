"""Periodic callbacks: every `every_days` days, a task for each customer's owner to call the
customers of a segment (a tag, or everyone), once per rule, customer and period."""

from __future__ import annotations

import datetime
import logging
from typing import Any

from core import sdk
from plugins.care.broadcasts import segment
from plugins.care.config import CallbackRule
from plugins.care.context import Ctx
from plugins.care.repository import CareLogRepository

logger = logging.getLogger(__name__)
EPOCH = datetime.date(1970, 1, 1)
END_OF_DAY = datetime.time(23, 59)


def period_of(rule: CallbackRule, day: datetime.date) -> int:
    return (day - EPOCH).days // rule.every_days


async def run(ctx: Ctx, now: datetime.datetime | None = None) -> None:
    """The `callbacks` schedule: this period's callback tasks, once."""
    config = ctx.config
    moment = sdk.occasions.local_now(ctx.timezone, now)
    for rule in config.callbacks:
        await run_rule(ctx, rule, moment)


async def run_rule(ctx: Ctx, rule: CallbackRule, moment: datetime.datetime) -> int:
    today = moment.date()
    period = period_of(rule, today)
    created = 0
    log = CareLogRepository(ctx.tenant_id)
    facts = sdk.CoreFacts(ctx)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        try:
            ids = None
            if rule.tag is not None or rule.filter is not None:
                ids = await segment(ctx, rule.tag, None, rule.filter)
        except sdk.InvalidInput:  # the filter's plugin is not enabled (any more)
            logger.warning(
                "tenant %s: care callback %r skipped: %s is not a filter of an enabled plugin",
                ctx.tenant_id,
                rule.name,
                rule.filter,
            )
            return 0
        people = await facts.customers(ids, fields=("name", "owner_id"))
        for batch in sdk.chunked(sorted(people, key=lambda c: str(c["id"])), 500):
            causes = {c["id"]: f"care:callback:{rule.name}:{period}:{c['id']}" for c in batch}
            done = await log.done(list(causes.values()))
            rows: list[dict[str, Any]] = []
            for customer in batch:
                if causes[customer["id"]] in done:
                    continue
                await sdk.create_task(
                    ctx,
                    title=f"{rule.title}: {customer['name']}"[:200],
                    kind="callback",
                    customer_id=customer["id"],
                    assignee_id=customer.get("owner_id"),
                    due_at=datetime.datetime.combine(today, END_OF_DAY, tzinfo=moment.tzinfo),
                )
                rows.append(
                    {
                        "kind": "callback",
                        "occasion": rule.name,
                        "customer_id": customer["id"],
                        "cause": causes[customer["id"]],
                        "outcome": "task",
                        "served_on": today,
                    }
                )
            if rows:
                await log.record(rows)
            created += len(rows)
    return created
