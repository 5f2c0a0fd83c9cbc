"""The monthly report of care's messages: by occasion, channel and status."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from core import sdk
from plugins.care.journal import live_status, tally
from plugins.care.repository import CareLogRepository
from plugins.care.schemas import Counts, MessagesReport, ReportRow


async def messages_report(ctx: sdk.PluginContext[Any], month: str) -> MessagesReport:
    first, last = sdk.month_bounds(month)
    async with sdk.tenant_transaction(ctx.tenant_id):
        rows = await CareLogRepository(ctx.tenant_id).messages_between(first, last)
        statuses = await sdk.CoreFacts(ctx).message_statuses(
            r["message_cause"] for r in rows if r["message_cause"]
        )
    cells: Counter[tuple[str, str | None, str]] = Counter()
    by_occasion: dict[str, list[str]] = defaultdict(list)
    by_channel: dict[str, list[str]] = defaultdict(list)
    every: list[str] = []
    for row in rows:
        status = live_status(row, statuses)
        cells[(row["occasion"], row["channel"], status)] += 1
        by_occasion[row["occasion"]].append(status)
        by_channel[row["channel"] or "none"].append(status)
        every.append(status)
    return MessagesReport(
        month=first.strftime("%Y-%m"),
        totals=tally(every) if every else Counts(),
        by_occasion={k: tally(v) for k, v in sorted(by_occasion.items())},
        by_channel={k: tally(v) for k, v in sorted(by_channel.items())},
        items=[
            ReportRow(occasion=o, channel=c, status=s, count=n)
            for (o, c, s), n in sorted(
                cells.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])
            )
        ],
    )
