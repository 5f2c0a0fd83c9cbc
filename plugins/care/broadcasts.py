"""Notices on demand to a segment (a weather warning, a service notice): recorded, fanned
out in batches as `broadcast` jobs, each message through the consent gate."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from core import sdk
from plugins.care.config import NOTICE_FIELDS, check_template, split_filter
from plugins.care.context import Ctx
from plugins.care.journal import live_status, record, tally
from plugins.care.repository import BroadcastRepository, CareLogRepository
from plugins.care.schemas import BroadcastIn, BroadcastOut, Counts

BROADCAST_JOB = "broadcast"


async def segment(
    ctx: Ctx,
    tag: str | None,
    ids: list[uuid.UUID] | None,
    selector: str | None = None,
    *,
    field: str = "filter",
) -> list[uuid.UUID]:
    """The live customers tagged `tag`, selected by the customer filter `selector`
    ("education.tier=key") and among `ids`, each when given. A filter no plugin the
    tenant enabled has is `InvalidInput` naming `field`."""
    facts = sdk.CoreFacts(ctx)
    wanted = None if ids is None else list(dict.fromkeys(ids))
    if tag is not None:
        tagged = set(await facts.tagged(tag))
        wanted = [i for i in (wanted if wanted is not None else tagged) if i in tagged]
    if selector is not None:
        try:
            selected = set(await facts.matching(*split_filter(selector)))
        except sdk.InvalidInput:
            raise sdk.InvalidInput(
                [(field, "not a filter of a plugin the tenant enabled")]
            ) from None
        wanted = [i for i in (wanted if wanted is not None else selected) if i in selected]
    people = await facts.customers(wanted, fields=("name",))
    return sorted((c["id"] for c in people), key=str)


async def start(ctx: Ctx, data: BroadcastIn) -> BroadcastOut:
    check_template(data.template, NOTICE_FIELDS, "template")
    broadcasts = BroadcastRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        ids = await segment(ctx, data.tag, data.customer_ids, data.filter)
        row = await broadcasts.insert(
            label=data.label,
            body=data.template,
            channel=data.channel,
            purpose=data.purpose,
            tag=data.tag,
            customers=len(ids),
            created_by=ctx.user_id,
            created_at=sdk.utcnow(),
        )
        jobs = [
            ({"broadcast_id": str(row["id"]), "customer_ids": [str(i) for i in batch]}, None)
            for batch in sdk.chunked(ids, sdk.occasions.BATCH)
        ]
        if jobs:
            await sdk.enqueue_jobs(ctx, BROADCAST_JOB, jobs)
    return view(row, len(jobs), Counts())


async def send_batch(ctx: Ctx, payload: dict[str, Any]) -> None:
    """One batch of a broadcast (a job; idempotent through its cause keys)."""
    config = ctx.config
    broadcast_id = uuid.UUID(payload["broadcast_id"])
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        row = await BroadcastRepository(ctx.tenant_id).get(broadcast_id)
        if row is None:
            return
        people = await sdk.CoreFacts(ctx).customers(
            [uuid.UUID(i) for i in payload["customer_ids"]], fields=sdk.occasions.CUSTOMER_FIELDS
        )
        day = sdk.occasions.local_now(ctx.timezone).date()
        greetings = await sdk.occasions.greet(
            ctx,
            sdk.occasions.Occasion(key="broadcast", label=row["label"], kind="date"),
            sorted(people, key=lambda c: str(c["id"])),
            template=check_template(row["body"], NOTICE_FIELDS, "template"),
            channels=[row["channel"]],
            day=day,
            fallback=config.fallback,
            purpose=row["purpose"],
            cause=f"care:broadcast:{broadcast_id}",
        )
        await record(ctx, "broadcast", row["label"], greetings, day, run_id=broadcast_id)


async def get(ctx: Ctx, broadcast_id: uuid.UUID | None) -> BroadcastOut:
    async with sdk.tenant_transaction(ctx.tenant_id):
        row = await BroadcastRepository(ctx.tenant_id).get(broadcast_id)
        if row is None:
            raise sdk.NotFound("No such broadcast.")
        logged = await CareLogRepository(ctx.tenant_id).of_run(row["id"])
        statuses = await sdk.CoreFacts(ctx).message_statuses(
            r["message_cause"] for r in logged if r["message_cause"]
        )
    counts = tally(live_status(r, statuses) for r in logged)
    batches = -(-row["customers"] // sdk.occasions.BATCH)
    return view(row, batches, counts)


def view(row: dict[str, Any], batches: int, counts: Counts) -> BroadcastOut:
    created = row["created_at"]
    if isinstance(created, str):
        created = datetime.datetime.fromisoformat(created)
    return BroadcastOut(
        id=row["id"],
        label=row["label"],
        channel=row["channel"],
        purpose=row["purpose"],
        customers=row["customers"],
        batches=batches,
        counts=counts,
        created_at=created,
    )
