"""Task queries, always within one tenant."""

from __future__ import annotations

from core.domain.tasks.tables import Task
from core.tenancy.repository import TenantRepository


class TaskRepository(TenantRepository[Task]):
    table = Task
