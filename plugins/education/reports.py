"""Reports: greetings sent per month, and the funnel (conversion and renewal rates).

Funnel definitions, for a period [from, to] of tenant-local dates:
- **leads**: students who became known (a profile was created) in the period;
  **converted**: those of them who reached `enrolled` (or a later stage) by the period's end;
  conversion rate = converted / leads.
- **renewal due**: students who entered `renewal_due` in the period, and students who
  renewed in the period straight from `enrolled` / `learning` (re-enrolled within the
  renewal window before the daily move); **renewed** / **lost**: those of them who then
  moved to `renewed` / `lost` by the period's end;
  renewal rate = renewed / renewal due.
Rates are fractions 0–1 (api.md §9), rounded to four decimals; null when the whole is 0.
Each is given overall, by the customer's source channel and by the student's intent
("unknown" where none is recorded).
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from core import sdk
from plugins.education.config import ENROLLED_STAGES, LifecycleStage
from plugins.education.context import Ctx
from plugins.education.repository import (
    ServiceLogRepository,
    StageChangeRepository,
    StudentRepository,
)
from plugins.education.schemas import Funnel, FunnelFigures, GreetingCounts, GreetingsReport
from plugins.education.timezone import local_time

UNKNOWN = "unknown"
# Dates a period may span: every time zone's midnight of them is a representable instant.
EARLIEST = datetime.date(2, 1, 1)
LATEST = datetime.date(9998, 12, 31)
STATUSES = ("sent", "queued", "failed", "blocked")


def counts(statuses: Iterable[str]) -> dict[str, int]:
    found = {status: 0 for status in STATUSES}
    total = 0
    for status in statuses:
        total += 1
        found[status] = found.get(status, 0) + 1
    return {"total": total, **found}


async def greetings_report(ctx: Ctx, month: str) -> GreetingsReport:
    first, last = sdk.month_bounds(month)
    async with sdk.tenant_transaction(ctx.tenant_id):
        rows = await ServiceLogRepository(ctx.tenant_id).greetings(first, last)
        statuses = await sdk.CoreFacts(ctx).message_statuses(r["message_cause"] for r in rows)
    by_occasion: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        occasion = ServiceLogRepository.detail(row).get("occasion") or UNKNOWN
        by_occasion[occasion].append(statuses.get(row["message_cause"], "queued"))
    overall = counts(s for items in by_occasion.values() for s in items)
    return GreetingsReport(
        month=first.strftime("%Y-%m"),
        **overall,
        by_occasion={k: GreetingCounts(**counts(v)) for k, v in sorted(by_occasion.items())},
    )


def rate(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


class _Tally:
    def __init__(self) -> None:
        self.leads: set[uuid.UUID] = set()
        self.converted: set[uuid.UUID] = set()
        self.due: set[uuid.UUID] = set()
        self.renewed: set[uuid.UUID] = set()
        self.lost: set[uuid.UUID] = set()

    def figures(self, keep: Callable[[uuid.UUID], bool] = lambda _: True) -> FunnelFigures:
        leads = {c for c in self.leads if keep(c)}
        converted = {c for c in self.converted if keep(c)}
        due = {c for c in self.due if keep(c)}
        renewed = {c for c in self.renewed if keep(c)}
        lost = {c for c in self.lost if keep(c)}
        return FunnelFigures(
            leads=len(leads),
            converted=len(converted),
            conversion_rate=rate(len(converted), len(leads)),
            renewal_due=len(due),
            renewed=len(renewed),
            lost=len(lost),
            renewal_rate=rate(len(renewed), len(due)),
        )


async def funnel(ctx: Ctx, start: datetime.date, end: datetime.date) -> Funnel:
    if end < start:
        raise sdk.InvalidInput([("to", "must not be before from")])
    if start < EARLIEST or end > LATEST:
        raise sdk.InvalidInput([("from" if start < EARLIEST else "to", "not a plausible date")])
    begins = local_time(start, datetime.time(0), ctx.timezone)
    ends = local_time(end + datetime.timedelta(days=1), datetime.time(0), ctx.timezone)
    async with sdk.tenant_transaction(ctx.tenant_id):
        students = await StudentRepository(ctx.tenant_id).of_many(None)
        moves = await StageChangeRepository(ctx.tenant_id).until(ends)
        customers = await sdk.CoreFacts(ctx).customers(
            [s["customer_id"] for s in students], fields=("source",)
        )
    tally = _Tally()
    for student in students:
        if begins <= student["created_at"] < ends:
            tally.leads.add(student["customer_id"])
    entered_due: dict[uuid.UUID, datetime.datetime] = {}
    for move in moves:  # in time order, all before the period's end
        who, stage, at = move["customer_id"], move["new_stage"], move["changed_at"]
        if stage in ENROLLED_STAGES and who in tally.leads:
            tally.converted.add(who)
        if stage == LifecycleStage.renewal_due and at >= begins:
            tally.due.add(who)
            entered_due[who] = at
        elif stage == LifecycleStage.renewed and at >= begins and who not in entered_due:
            tally.due.add(who)  # renewed within the window, never marked due
            entered_due[who] = at
        if who in entered_due and at >= entered_due[who]:
            if stage == LifecycleStage.renewed:
                tally.renewed.add(who)
            elif stage == LifecycleStage.lost:
                tally.lost.add(who)
    live = {c["id"]: c["source"] or UNKNOWN for c in customers}
    intent = {s["customer_id"]: s["intent"] or UNKNOWN for s in students}
    for group in (tally.leads, tally.converted, tally.due, tally.renewed, tally.lost):
        group.intersection_update(live)
    return Funnel(
        start=start,
        end=end,
        overall=tally.figures(),
        by_source=_by(tally, live),
        by_intent=_by(tally, intent),
    )


def _by(tally: _Tally, key: dict[uuid.UUID, Any]) -> dict[str, FunnelFigures]:
    groups = sorted({key[c] for c in tally.leads | tally.due if c in key})
    return {group: tally.figures(_in_group(key, group)) for group in groups}


def _in_group(key: dict[uuid.UUID, Any], group: Any) -> Callable[[uuid.UUID], bool]:
    return lambda c: key.get(c) == group
