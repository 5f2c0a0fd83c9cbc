"""The lifecycle on the calendar (seed 001): a student moves by dates as well as by what
staff record.

- `enrolled` (or `renewed`) → `learning` on the start date of a course they are in;
- `enrolled` / `learning` → `renewal_due` when the renewal window of their latest course
  opens (`renewal_reminder_days` before its end, once that course has started);
- `renewal_due` → `lost` once `lost_after_days` have passed after that end with no new
  enrolment;
- a new enrolment → `renewed` when the student was `renewal_due`, or was `enrolled` /
  `learning` with the window of their previous latest course open (`students.enrolled`).

The daily schedule `lifecycle` (01:00 tenant time) applies the date moves, several in one
run when days were missed; every move is a `StageChange` (the funnel counts them, the
customer timeline shows them).
"""

from __future__ import annotations

import datetime
from typing import Any

from core import sdk
from plugins.education.config import EducationConfig, LifecycleStage
from plugins.education.context import Ctx
from plugins.education.repository import (
    EnrollmentRepository,
    Period,
    StageChangeRepository,
    StudentRepository,
)
from plugins.education.timezone import local_now

DAY = datetime.timedelta(days=1)
# Stages the calendar moves on from.
MOVING = (
    LifecycleStage.enrolled,
    LifecycleStage.learning,
    LifecycleStage.renewal_due,
    LifecycleStage.renewed,
)


def latest(periods: list[Period]) -> Period | None:
    """The course ending last (the later start on a tie)."""
    return max(periods, key=lambda p: (p[1], p[0])) if periods else None


def window_open(config: EducationConfig, course: Period, today: datetime.date) -> bool:
    """Whether `today` is in the course's renewal window: from `renewal_reminder_days`
    before its end to `lost_after_days` after it (then the student is lost)."""
    return (
        opens_on(config, course)
        <= today
        <= course[1] + datetime.timedelta(days=config.lost_after_days)
    )


def opens_on(config: EducationConfig, course: Period) -> datetime.date:
    return course[1] - datetime.timedelta(days=config.renewal_reminder_days)


def moves(
    config: EducationConfig,
    stage: LifecycleStage,
    periods: list[Period],
    today: datetime.date,
) -> list[LifecycleStage]:
    """The stages a student at `stage` with these enrolments moves through on `today`, in
    order (pure)."""
    course = latest(periods)
    if course is None:
        return []
    found: list[LifecycleStage] = []
    if stage in (LifecycleStage.enrolled, LifecycleStage.renewed) and any(
        start <= today <= end for start, end in periods
    ):
        stage = LifecycleStage.learning
        found.append(stage)
    started = course[0] <= today
    if (
        stage in (LifecycleStage.enrolled, LifecycleStage.learning)
        and started
        and today >= opens_on(config, course)
    ):
        stage = LifecycleStage.renewal_due
        found.append(stage)
    grace = datetime.timedelta(days=config.lost_after_days)
    if stage == LifecycleStage.renewal_due and today > course[1] + grace:
        found.append(LifecycleStage.lost)
    return found


async def move_stage(
    ctx: Ctx, row: dict[str, Any], stage: LifecycleStage, at: datetime.datetime | None = None
) -> dict[str, Any]:
    """Move a student along the lifecycle (`at`: when, default now), recording the move for
    the funnel and the timeline."""
    if row["lifecycle_stage"] == stage:
        return row
    now = at or sdk.utcnow()
    await StageChangeRepository(ctx.tenant_id).insert(
        customer_id=row["customer_id"],
        old_stage=row["lifecycle_stage"],
        new_stage=str(stage),
        changed_by=ctx.user_id,
        changed_at=now,
    )
    updated = await StudentRepository(ctx.tenant_id).update(
        row["id"], {"lifecycle_stage": str(stage), "updated_at": now}
    )
    assert updated is not None
    return updated


async def daily_lifecycle(ctx: Ctx, now: datetime.datetime | None = None) -> None:
    """The date moves of the tenant's day (schedule `lifecycle`, daily 01:00); `now` is the
    slot's moment, whose tenant-local date decides. Moves are recorded when they are made
    (so the funnel sees them in the order they happened). Idempotent: a second run finds
    nothing left to move."""
    config: EducationConfig = ctx.config
    moment = now or sdk.utcnow()
    today = local_now(ctx.timezone, moment).date()
    students = StudentRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        rows = await students.in_stages([str(s) for s in MOVING])
        periods = await EnrollmentRepository(ctx.tenant_id).periods(
            [row["customer_id"] for row in rows]
        )
        for row in rows:
            path = moves(
                config,
                LifecycleStage(row["lifecycle_stage"]),
                periods.get(row["customer_id"], []),
                today,
            )
            current: dict[str, Any] = row
            for stage in path:
                current = await move_stage(ctx, current, stage)
