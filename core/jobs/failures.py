"""Jobs that kept failing: listed for operators, and retried on request.

Two kinds are kept: outbox events that reached `MAX_ATTEMPTS` (status `dead`, with each
failing plugin's error), and schedule runs whose job gave up (an `error`, no
`finished_at`). Retrying puts the work back where the running workers pick it up.
"""

from __future__ import annotations

import datetime
import uuid

import msgspec

from core import db
from core.events import OutboxEvent
from core.jobs.scheduler import ScheduleRun, ScheduleRunRepository
from core.tenancy.repository import utcnow
from core.tenancy.tables import Tenant


class FailedJob(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str  # "event" | "schedule"
    tenant_id: uuid.UUID
    name: str
    attempts: int
    error: str | None
    failed_at: datetime.datetime | None


async def list_failed() -> list[FailedJob]:
    async with db.transaction():
        dead = (
            await OutboxEvent.select().where(OutboxEvent.status == "dead").order_by(OutboxEvent.id)
        )
        tenants = await Tenant.select(Tenant.id).order_by(Tenant.id)
    failed = [
        FailedJob(
            id=row["id"],
            kind="event",
            tenant_id=row["tenant_id"],
            name=row["type"],
            attempts=row["attempts"],
            error=row["last_error"],
            failed_at=row["next_attempt_at"],
        )
        for row in dead
    ]
    for tenant in tenants:
        async with db.tenant_transaction(tenant["id"]):
            runs = (
                await ScheduleRunRepository(tenant["id"])
                .select()
                .where(ScheduleRun.error.is_not_null(), ScheduleRun.finished_at.is_null())
            )
        failed += [
            FailedJob(
                id=row["id"],
                kind="schedule",
                tenant_id=row["tenant_id"],
                name=f"{row['plugin']}: {row['schedule']} @ {row['slot'].isoformat()}",
                attempts=0,
                error=row["error"],
                failed_at=row["claimed_at"],
            )
            for row in runs
        ]
    return failed


async def retry(job_id: uuid.UUID) -> FailedJob | None:
    """Put a failed job back to work; None when no failed job has this id."""
    for job in await list_failed():
        if job.id != job_id:
            continue
        if job.kind == "event":
            async with db.transaction(write=True):
                await OutboxEvent.update(
                    {
                        OutboxEvent.status: "pending",
                        OutboxEvent.attempts: 0,
                        OutboxEvent.next_attempt_at: utcnow(),
                        OutboxEvent.locked_until: None,
                    }
                ).where(OutboxEvent.id == job_id)
        else:
            # Releasing the claim lets the scheduler claim the slot again at its next tick.
            async with db.tenant_transaction(job.tenant_id, write=True):
                await ScheduleRunRepository(job.tenant_id).delete(job_id)
        return job
    return None
