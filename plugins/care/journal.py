"""The care log: what care did for whom, read by the monthly report."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from core import sdk
from plugins.care.repository import CareLogRepository
from plugins.care.schemas import STATUSES, Counts


async def record(
    ctx: sdk.PluginContext[Any],
    kind: str,
    occasion: str,
    greetings: list[sdk.occasions.Greeting],
    day: datetime.date,
    run_id: uuid.UUID | None = None,
) -> None:
    """Log what the engine did (a repeat of an earlier cause is not logged again)."""
    await CareLogRepository(ctx.tenant_id).record(
        [
            {
                "kind": kind,
                "occasion": occasion,
                "channel": g.channel,
                "customer_id": g.customer_id,
                "cause": g.cause_key,
                "outcome": g.outcome,
                "message_cause": None if g.outcome == "skipped_no_address" else g.cause_key,
                "run_id": run_id,
                "served_on": day,
            }
            for g in greetings
            if g.outcome != "duplicate"
        ]
    )


def live_status(row: dict[str, Any], statuses: dict[str, str]) -> str:
    if row["outcome"] == "skipped_no_address" or not row["message_cause"]:
        return row["outcome"]
    return statuses.get(row["message_cause"], row["outcome"])


def tally(statuses: Any) -> Counts:
    found = dict.fromkeys(STATUSES, 0)
    total = 0
    for status in statuses:
        total += 1
        found[status] = found.get(status, 0) + 1
    return Counts(total=total, **{k: v for k, v in found.items() if k in STATUSES})
