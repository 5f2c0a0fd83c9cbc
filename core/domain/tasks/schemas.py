"""Request and response shapes of tasks (api.md §4)."""

from __future__ import annotations

import datetime
import enum
import uuid
from typing import Any

from msgspec import UNSET, UnsetType

from core.domain.types import Input, Instant, Name, Output, ShortText

# RFC 3339 with an offset: a time without one would be ambiguous.

MANUAL = "manual"


class TaskStatus(enum.StrEnum):
    open = "open"
    done = "done"
    canceled = "canceled"


class TaskPriority(enum.StrEnum):
    low = "low"
    normal = "normal"
    high = "high"
    urgent = "urgent"


class TaskCreate(Input):
    title: Name
    kind: ShortText | None = None
    customer_id: uuid.UUID | None = None
    assignee_id: uuid.UUID | None = None
    due_at: Instant | None = None
    priority: TaskPriority = TaskPriority.normal


class TaskUpdate(Input):
    """Every field optional; `null` clears an optional field."""

    title: Name | UnsetType = UNSET
    kind: ShortText | None | UnsetType = UNSET
    assignee_id: uuid.UUID | None | UnsetType = UNSET
    due_at: Instant | None | UnsetType = UNSET
    priority: TaskPriority | UnsetType = UNSET
    status: TaskStatus | UnsetType = UNSET

    def changes(self) -> dict[str, Any]:
        return {
            field: value
            for field in self.__struct_fields__
            if (value := getattr(self, field)) is not UNSET
        }


class Task(Output):
    id: uuid.UUID
    title: str
    kind: str | None
    status: str
    priority: str
    source: str
    customer_id: uuid.UUID | None
    assignee_id: uuid.UUID | None
    due_at: datetime.datetime | None
    created_by: uuid.UUID | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    completed_at: datetime.datetime | None
