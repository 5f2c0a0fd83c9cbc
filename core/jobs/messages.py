"""The message jobs: `send_message` sends one queued message; the relay enqueues one job
per due message (`enqueue_due_messages`), with a job id per attempt, so a message has at
most one job queued or running at a time and a retry gets a fresh one."""

from __future__ import annotations

import uuid
from typing import Any

from arq.connections import ArqRedis

from core import db
from core.messaging.repository import due_messages
from core.messaging.service import MessageSender
from core.tenancy.repository import utcnow


async def send_message(job: dict[str, Any], message_id: str, tenant_id: str) -> str | None:
    """Send one message (skipped when already sent, failed or held by another job); the
    status recorded. Failures are recorded on the row and retried by the relay."""
    sender: MessageSender = job["messages"]
    return await sender.send(uuid.UUID(tenant_id), uuid.UUID(message_id))


async def enqueue_due_messages(pool: ArqRedis) -> int:
    async with db.transaction():
        rows = await due_messages(utcnow())
    for row in rows:
        await pool.enqueue_job(
            "send_message",
            str(row["id"]),
            str(row["tenant_id"]),
            _job_id=f"message:{row['id']}:{row['attempts']}",
        )
    return len(rows)
