"""Task rules: references within the tenant, status changes, the timeline of the customer."""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import msgspec

from core import events
from core.catalogue import TaskCompleted, TaskCreated, TaskPayload
from core.db import tenant_transaction
from core.domain.customers.repository import CustomerRepository
from core.domain.tasks import schemas
from core.domain.tasks.repository import TaskRepository
from core.domain.tasks.schemas import MANUAL, TaskStatus
from core.domain.tasks.tables import Task
from core.domain.timeline.service import Timeline
from core.errors import InvalidInput, NotFound
from core.pagination import Cursor, Page
from core.tenancy.context import TenantContext
from core.tenancy.repository import utcnow
from core.tenancy.users import UserRepository

# Timeline kind and verb for a task entering each status.
STATUS_ENTRIES = {
    TaskStatus.done: ("task.completed", "completed"),
    TaskStatus.canceled: ("task.canceled", "canceled"),
    TaskStatus.open: ("task.reopened", "reopened"),
}


class TaskService:
    """Staff tasks; plugins create theirs through `create(..., source=<plugin name>)`."""

    def __init__(self, ctx: TenantContext) -> None:
        self.ctx = ctx
        self.tasks = TaskRepository(ctx.tenant_id)
        self.customers = CustomerRepository(ctx.tenant_id)
        self.users = UserRepository(ctx.tenant_id)
        self.timeline = Timeline(ctx)

    # -- reads ---------------------------------------------------------------------------
    async def get(self, task_id: uuid.UUID | None) -> schemas.Task:
        async with tenant_transaction(self.ctx.tenant_id):
            row = await self._require(task_id)
        return task_view(row)

    async def list(
        self,
        *,
        limit: int,
        cursor: str | None,
        status: TaskStatus | None = None,
        customer_id: uuid.UUID | None = None,
        assignee_id: uuid.UUID | None = None,
        source: str | None = None,
        due_before: datetime.datetime | None = None,
    ) -> Page[schemas.Task]:
        where = []
        if status is not None:
            where.append(Task.status == str(status))
        if customer_id is not None:
            where.append(Task.customer_id == customer_id)
        if assignee_id is not None:
            where.append(Task.assignee_id == assignee_id)
        if source is not None:
            where.append(Task.source == source)
        if due_before is not None:
            if due_before.tzinfo is None:
                raise InvalidInput([("due_before", "an RFC 3339 time with an offset, e.g. Z")])
            where.append(Task.due_at < due_before.astimezone(datetime.UTC))
        async with tenant_transaction(self.ctx.tenant_id):
            page = await self.tasks.page(*where, limit=limit, cursor=Cursor.decode(cursor))
        return page.map(task_view)

    # -- writes --------------------------------------------------------------------------
    async def create(self, data: schemas.TaskCreate, *, source: str = MANUAL) -> schemas.Task:
        """An open task; `source` is "manual" for staff, the plugin's name for a plugin.

        Joins the caller's transaction when there is one, so a plugin's own write and the
        task it schedules commit together.
        """
        now = utcnow()
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            await self._check_references(customer_id=data.customer_id, assignee_id=data.assignee_id)
            row = await self.tasks.insert(
                title=data.title,
                kind=data.kind,
                customer_id=data.customer_id,
                assignee_id=data.assignee_id,
                due_at=_utc(data.due_at),
                priority=str(data.priority),
                status=str(TaskStatus.open),
                source=source,
                created_by=self.ctx.user_id,
                created_at=now,
                updated_at=now,
                completed_at=None,
            )
            await self._record(row, "task.created", f"Task created: {data.title}")
            task = task_view(row)
            await events.emit(self.ctx, TaskCreated(task=task_payload(task)))
        return task

    async def update(self, task_id: uuid.UUID | None, data: schemas.TaskUpdate) -> schemas.Task:
        changes = data.changes()
        now = utcnow()
        async with tenant_transaction(self.ctx.tenant_id, write=True):
            current = await self._require(task_id)
            if "assignee_id" in changes:
                await self._check_references(assignee_id=changes["assignee_id"])
            for key in ("priority", "status"):
                if key in changes:
                    changes[key] = str(changes[key])
            if "due_at" in changes:
                changes["due_at"] = _utc(changes["due_at"])
            status = changes.get("status")
            entered = status is not None and status != current["status"]
            if entered:
                changes["completed_at"] = now if status == TaskStatus.done else None
            row = await self.tasks.update(current["id"], {**changes, "updated_at": now})
            assert row is not None
            task = task_view(row)
            if entered and status is not None:
                kind, verb = STATUS_ENTRIES[TaskStatus(status)]
                await self._record(row, kind, f"Task {verb}: {row['title']}")
                if status == TaskStatus.done:
                    await events.emit(self.ctx, TaskCompleted(task=task_payload(task)))
        return task

    # -- helpers -------------------------------------------------------------------------
    async def _require(self, task_id: uuid.UUID | None) -> dict:
        row = await self.tasks.get(task_id)
        if row is None:
            raise NotFound("No such task.")
        return row

    async def _check_references(
        self, *, customer_id: uuid.UUID | None = None, assignee_id: uuid.UUID | None = None
    ) -> None:
        errors = []
        if customer_id is not None and not await self.customers.get_active(customer_id):
            errors.append(("customer_id", "no such customer in this tenant"))
        if assignee_id is not None and not await self.users.exists(assignee_id):
            errors.append(("assignee_id", "no such user in this tenant"))
        if errors:
            raise InvalidInput(errors)

    async def _record(self, row: dict[str, Any], kind: str, summary: str) -> None:
        """A timeline entry for the task's customer; a task without one has no timeline."""
        if row["customer_id"] is None:
            return
        await self.timeline.record(
            row["customer_id"],
            kind,
            summary,
            subject_id=row["id"],
            data={
                "kind": row["kind"],
                "status": row["status"],
                "assignee_id": row["assignee_id"],
                "due_at": row["due_at"],
            },
            source="core" if row["source"] == MANUAL else row["source"],
        )


def _utc(value: datetime.datetime | None) -> datetime.datetime | None:
    return None if value is None else value.astimezone(datetime.UTC)


def task_view(row: dict[str, Any]) -> schemas.Task:
    return msgspec.convert(row, schemas.Task)


def task_payload(task: schemas.Task) -> TaskPayload:
    return msgspec.convert(msgspec.to_builtins(task), TaskPayload)
