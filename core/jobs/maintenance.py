"""The core's own housekeeping, run as a job once an hour by whichever worker gets it.

Personal data is kept no longer than it is needed: delivered outbox events (their
payloads are customers), the bodies of finished webhook deliveries, and idempotency
records past their 24 hours (stored responses). Each step is an idempotent delete, so
a run repeated by two workers, or after a crash, does no harm.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from arq.connections import ArqRedis

from core import events, idempotency
from core.domain.webhooks.repository import purge_finished_bodies
from core.tenancy.repository import utcnow

log = logging.getLogger("patron.jobs")

JOB = "maintain"
PERIOD = datetime.timedelta(hours=1)


async def maintain(
    job: dict[str, Any] | None = None, now: datetime.datetime | None = None
) -> dict[str, int]:
    """One housekeeping pass (as of `now`); how many rows each step removed."""
    now = now or utcnow()
    done = {
        "outbox_events": await events.purge_delivered(now),
        "webhook_bodies": await purge_finished_bodies(now - events.DELIVERED_RETENTION),
        "idempotency_keys": await idempotency.purge_expired(now),
    }
    if any(done.values()):
        log.info("maintenance: %s", done)
    return done


def slot_of(now: datetime.datetime) -> str:
    start = now.timestamp() // PERIOD.total_seconds() * PERIOD.total_seconds()
    return datetime.datetime.fromtimestamp(start, datetime.UTC).isoformat()


async def enqueue_maintenance(pool: ArqRedis, now: datetime.datetime | None = None) -> None:
    """Enqueue this period's pass; its job id names the period, so every scheduler of
    every process asks for it and it is queued once."""
    await pool.enqueue_job(JOB, _job_id=f"{JOB}:{slot_of(now or utcnow())}")
