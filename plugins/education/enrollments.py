"""Enrolments: a course from a start to an end date, with a renewal reminder for the
customer's owner a configured number of days before it ends."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import msgspec

from core import sdk
from plugins.education.config import EducationConfig
from plugins.education.context import Ctx
from plugins.education.evaluation import reevaluate
from plugins.education.events import EnrollmentCreated, EnrollmentDeleted
from plugins.education.repository import EnrollmentRepository, StudentRepository
from plugins.education.schemas import Enrollment, EnrollmentIn
from plugins.education.services import clip
from plugins.education.students import enrolled, require_person
from plugins.education.timezone import local_time

REMINDER_AT = datetime.time(9, 0)


def enrollment_view(row: dict[str, Any]) -> Enrollment:
    return msgspec.convert(row, Enrollment)


def as_date(value: Any) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def reminder_due(ctx: Ctx, ends_on: datetime.date, days: int) -> datetime.datetime:
    """09:00 tenant time `days` before the end, or now when that has passed."""
    due = local_time(ends_on - datetime.timedelta(days=days), REMINDER_AT, ctx.timezone)
    return max(due, sdk.utcnow())


async def create_enrollment(ctx: Ctx, data: EnrollmentIn) -> Enrollment:
    if data.ends_on < data.starts_on:
        raise sdk.InvalidInput([("ends_on", "must not be before starts_on")])
    config: EducationConfig = ctx.config
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        await require_person(ctx, data.customer_id)
        customer = (await sdk.CoreFacts(ctx).customers([data.customer_id]))[0]
        task = await sdk.create_task(
            ctx,
            title=clip(f"Renewal due: {customer['name']}'s {data.course} ends on {data.ends_on}"),
            kind="renewal_reminder",
            customer_id=data.customer_id,
            assignee_id=customer["owner_id"],
            due_at=reminder_due(ctx, data.ends_on, config.renewal_reminder_days),
        )
        row = await EnrollmentRepository(ctx.tenant_id).insert(
            customer_id=data.customer_id,
            course=data.course,
            starts_on=data.starts_on,
            ends_on=data.ends_on,
            fee=data.fee,
            currency=ctx.currency,
            reminder_task_id=task.id,
            created_by=ctx.user_id,
            created_at=sdk.utcnow(),
        )
        await StudentRepository(ctx.tenant_id).add_missing([data.customer_id])
        await enrolled(ctx, data.customer_id, row["id"])
        await reevaluate(ctx, [data.customer_id], "enrolment added")
        await sdk.emit(
            ctx,
            EnrollmentCreated(
                customer_id=data.customer_id,
                enrollment_id=row["id"],
                course=data.course,
                starts_on=data.starts_on,
                ends_on=data.ends_on,
            ),
        )
    return enrollment_view(row)


async def get_enrollment(ctx: Ctx, enrollment_id: uuid.UUID | None) -> Enrollment:
    async with sdk.tenant_transaction(ctx.tenant_id):
        row = await EnrollmentRepository(ctx.tenant_id).get(enrollment_id)
        if row is None or not await sdk.customer_exists(ctx, row["customer_id"]):
            raise sdk.NotFound("No such enrolment.")
    return enrollment_view(row)


async def delete_enrollment(ctx: Ctx, enrollment_id: uuid.UUID | None) -> None:
    """Remove an enrolment entered by mistake: its reminder is canceled and the student
    re-evaluated."""
    enrollments = EnrollmentRepository(ctx.tenant_id)
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        row = await enrollments.get_for_update(enrollment_id)
        if row is None or not await sdk.customer_exists(ctx, row["customer_id"]):
            raise sdk.NotFound("No such enrolment.")
        await enrollments.delete(row["id"])
        if row["reminder_task_id"] is not None:
            await sdk.cancel_task(ctx, row["reminder_task_id"])
        await reevaluate(ctx, [row["customer_id"]], "enrolment removed")
        await sdk.emit(
            ctx,
            EnrollmentDeleted(
                customer_id=row["customer_id"],
                enrollment_id=row["id"],
                course=row["course"],
                ends_on=as_date(row["ends_on"]),
            ),
        )


async def list_enrollments(
    ctx: Ctx, customer_id: uuid.UUID | None, limit: int, cursor: str | None
) -> sdk.Page[Enrollment]:
    repo = EnrollmentRepository(ctx.tenant_id)
    where = [] if customer_id is None else [repo.table.customer_id == customer_id]
    async with sdk.tenant_transaction(ctx.tenant_id):
        page = await repo.page(
            *where, limit=limit, cursor=sdk.Cursor.decode(cursor), newest_first=True
        )
    return page.map(enrollment_view)
