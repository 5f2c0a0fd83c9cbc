"""The public SDK for plugin authors: the only module a plugin imports from Patron.

Everything here is part of the versioned plugin API (`CORE_API_VERSION`); anything else
in `core` may change without notice. See docs/plugins.md.

A plugin is a package that exposes a `PluginDescriptor` through the `patron.plugins`
entry-point group, implements hooks (see `core.plugins.hookspecs`) with `@hookimpl`,
keeps its rows in `TenantTable` subclasses reached through `TenantRepository`, and acts on
the tenant's data through the functions below, always with the caller's `ctx`.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

import msgspec

from core import events, occasions
from core.db import tenant_transaction
from core.domain.customers.repository import CustomerRepository
from core.domain.tasks.schemas import Task, TaskCreate, TaskStatus, TaskUpdate
from core.domain.tasks.service import TaskService
from core.domain.timeline.service import Timeline
from core.domain.types import Input, Instant, LocalTime, MonthDay, Output
from core.errors import Conflict, Forbidden, InvalidInput, NotFound, PatronError
from core.ids import parse_id, uuid7
from core.messaging.service import deliver_message, queue_message
from core.messaging.templates import (
    MAX_RENDERED_CHARS,
    MAX_TEMPLATE_CHARS,
    MessageTemplate,
    parse_template,
    render_template,
)
from core.migration_steps import create_index, enable_tenant_rls
from core.money import major_units
from core.pagination import DEFAULT_LIMIT, Cursor, Limit, Page
from core.plugins.descriptor import (
    CORE_API_VERSION,
    EmptyConfig,
    Excluding,
    PluginDescriptor,
    PluginTimelineEntry,
    Schedule,
    Veto,
)
from core.plugins.facts import CoreFacts, chunked
from core.plugins.hookspecs import hookimpl
from core.plugins.host import JOB_EVENT_PREFIX
from core.tenancy.context import Role, TenantContext
from core.tenancy.repository import TenantRepository, utcnow
from core.tenancy.tables import TenantTable

__all__ = [
    "MAX_RENDERED_CHARS",
    "MAX_TEMPLATE_CHARS",
    "Instant",
    "LocalTime",
    "MessageTemplate",
    "MonthDay",
    "deliver_message",
    "occasions",
    "parse_template",
    "render_template",
    "CORE_API_VERSION",
    "Excluding",
    "customer_exists",
    "enqueue_job",
    "enqueue_jobs",
    "DEFAULT_LIMIT",
    "Conflict",
    "CoreFacts",
    "Cursor",
    "EmptyConfig",
    "Forbidden",
    "Input",
    "InvalidInput",
    "Limit",
    "NotFound",
    "Output",
    "Page",
    "PatronError",
    "PluginDescriptor",
    "PluginTimelineEntry",
    "Role",
    "Schedule",
    "Task",
    "TenantContext",
    "TenantRepository",
    "TenantTable",
    "Veto",
    "create_index",
    "cancel_task",
    "chunked",
    "create_task",
    "emit",
    "emit_many",
    "enable_tenant_rls",
    "hookimpl",
    "major_units",
    "parse_id",
    "queue_message",
    "record_timeline",
    "tenant_transaction",
    "utcnow",
    "uuid7",
]


async def customer_exists(ctx: TenantContext, customer_id: uuid.UUID | str) -> bool:
    """Whether the id names a live (not deleted) customer of the caller's tenant."""
    parsed = parse_id(str(customer_id))
    async with tenant_transaction(ctx.tenant_id):
        return await CustomerRepository(ctx.tenant_id).get_active(parsed) is not None


async def create_task(
    ctx: TenantContext,
    plugin: PluginDescriptor,
    *,
    title: str,
    kind: str | None = None,
    customer_id: uuid.UUID | str | None = None,
    assignee_id: uuid.UUID | str | None = None,
    due_at: datetime.datetime | None = None,
    priority: str = "normal",
) -> Task:
    """Create a task for the tenant's staff; its `source` is the plugin's name. Values are
    validated like the API's (an `InvalidInput` naming the field), e.g. a title ≤ 200 chars."""
    fields = {
        "title": title,
        "kind": kind,
        "customer_id": customer_id,
        "assignee_id": assignee_id,
        "due_at": due_at,
        "priority": priority,
    }
    try:
        data = msgspec.convert({k: v for k, v in fields.items() if v is not None}, TaskCreate)
    except msgspec.ValidationError as exc:
        message, _, path = str(exc).partition(" - at `$.")
        raise InvalidInput([(path.rstrip("`") or "task", message)]) from None
    return await TaskService(ctx).create(data, source=plugin.name)


async def cancel_task(
    ctx: TenantContext, plugin: PluginDescriptor, task_id: uuid.UUID | str
) -> bool:
    """Cancel one of the plugin's own tasks if it is still open; False when it is not (done,
    canceled, deleted, or not the plugin's), so calling it twice is harmless."""
    tasks = TaskService(ctx)
    async with tenant_transaction(ctx.tenant_id, write=True):
        try:
            task = await tasks.get(parse_id(str(task_id)))
        except NotFound:
            return False
        if task.source != plugin.name or task.status != TaskStatus.open:
            return False
        await tasks.update(task.id, TaskUpdate(status=TaskStatus.canceled))
    return True


async def record_timeline(
    ctx: TenantContext,
    plugin: PluginDescriptor,
    customer_id: uuid.UUID | str,
    kind: str,
    summary: str,
    *,
    data: dict[str, Any] | None = None,
    occurred_at: datetime.datetime | None = None,
) -> None:
    """Add an entry to a customer's timeline (kind is prefixed with the plugin's name)."""
    async with tenant_transaction(ctx.tenant_id, write=True):
        await Timeline(ctx).record(
            uuid.UUID(str(customer_id)),
            f"{plugin.name}.{kind}",
            summary,
            data=data,
            occurred_at=occurred_at,
            source=plugin.name,
        )


async def enqueue_job(
    ctx: TenantContext,
    plugin: PluginDescriptor,
    name: str,
    payload: dict[str, Any],
    customer_id: uuid.UUID | str | None = None,
) -> None:
    """Run `plugin.jobs[name](ctx, payload)` in the background after commit, retried with
    backoff until it succeeds (so make it idempotent); ordered with the customer's events.
    Call it inside your write transaction: the job and your change commit together."""
    if name not in plugin.jobs:
        raise ValueError(f"{plugin.name} declares no job {name!r}")
    async with tenant_transaction(ctx.tenant_id, write=True):
        await events.emit(
            ctx,
            f"{JOB_EVENT_PREFIX}{plugin.name}.{name}",
            payload,
            customer_id=uuid.UUID(str(customer_id)) if customer_id else None,
        )


async def enqueue_jobs(
    ctx: TenantContext,
    plugin: PluginDescriptor,
    name: str,
    items: list[tuple[dict[str, Any], uuid.UUID | None]],
) -> None:
    """`enqueue_job` for many (payload, customer_id) pairs at once, written in bulk: for work
    fanned out over a whole tenant. Call it inside your write transaction."""
    if name not in plugin.jobs:
        raise ValueError(f"{plugin.name} declares no job {name!r}")
    await events.emit_many(ctx, f"{JOB_EVENT_PREFIX}{plugin.name}.{name}", items)


async def emit(
    ctx: TenantContext,
    plugin: PluginDescriptor,
    event: str,
    payload: dict[str, Any],
    customer_id: uuid.UUID | str | None = None,
) -> None:
    """Publish `<plugin>.<event>` (delivered to webhooks after commit); call it inside
    your write transaction so the event and the change commit together."""
    await events.emit(
        ctx,
        f"{plugin.name}.{event}",
        payload,
        customer_id=uuid.UUID(str(customer_id)) if customer_id else None,
    )


async def emit_many(
    ctx: TenantContext,
    plugin: PluginDescriptor,
    event: str,
    items: list[tuple[dict[str, Any], uuid.UUID | None]],
) -> None:
    """`emit` for many (payload, customer_id) pairs at once, written in bulk."""
    await events.emit_many(ctx, f"{plugin.name}.{event}", items)
