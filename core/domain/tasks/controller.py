"""HTTP: tasks (api.md §4)."""

from __future__ import annotations

from litestar import Controller, get, patch, post
from litestar.di import Provide

from core.domain.tasks import schemas
from core.domain.tasks.service import TaskService
from core.domain.types import Instant, OptionalQueryText, plain
from core.ids import parse_id
from core.pagination import DEFAULT_LIMIT, Limit, Page
from core.tenancy.context import TenantContext


def task_service(ctx: TenantContext) -> TaskService:
    return TaskService(ctx)


class TaskController(Controller):
    path = "/api/v1/tasks"
    tags = ["tasks"]
    dependencies = {"service": Provide(task_service, sync_to_thread=False)}

    @post(operation_id="createTask")
    async def create(self, service: TaskService, data: schemas.TaskCreate) -> schemas.Task:
        """A new task, `status: "open"`, `source: "manual"`."""
        return await service.create(data)

    @get(operation_id="listTasks")
    async def list(
        self,
        service: TaskService,
        limit: Limit = DEFAULT_LIMIT,
        cursor: str | None = None,
        status: schemas.TaskStatus | None = None,
        customer_id: str | None = None,
        assignee_id: str | None = None,
        source: OptionalQueryText = None,
        due_before: Instant | None = None,
    ) -> Page[schemas.Task]:
        """Filter by `status`, `customer_id`, `assignee_id`, `source` and `due_before`."""
        customer = parse_id(customer_id) if customer_id else None
        assignee = parse_id(assignee_id) if assignee_id else None
        if (customer_id and customer is None) or (assignee_id and assignee is None):
            return Page(items=[], next_cursor=None)
        return await service.list(
            limit=limit,
            cursor=cursor,
            status=status,
            customer_id=customer,
            assignee_id=assignee,
            source=source,
            due_before=plain(due_before),
        )

    @get("/{task_id:str}", operation_id="getTask")
    async def get(self, service: TaskService, task_id: str) -> schemas.Task:
        return await service.get(parse_id(task_id))

    @patch("/{task_id:str}", operation_id="updateTask")
    async def update(
        self, service: TaskService, task_id: str, data: schemas.TaskUpdate
    ) -> schemas.Task:
        """`status: "done"` sets `completed_at`; back to `open` clears it."""
        return await service.update(parse_id(task_id), data)
