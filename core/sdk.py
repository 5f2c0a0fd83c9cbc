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
from collections.abc import Sequence
from typing import Any

import msgspec

from core import events, occasions
from core.catalogue import (
    CustomerCreated,
    CustomerDeleted,
    CustomerPayload,
    CustomerUpdated,
    Event,
    InteractionLogged,
    InteractionPayload,
    PaymentPayload,
    PaymentRecorded,
    PluginDisabled,
    PluginEnabled,
    PluginReconfigured,
    ProvenancePayload,
    TaskCompleted,
    TaskCreated,
    TaskPayload,
)
from core.db import TransactionRequired, tenant_transaction
from core.domain.customers.repository import CustomerRepository
from core.domain.tasks.schemas import Task, TaskCreate, TaskStatus, TaskUpdate
from core.domain.tasks.service import TaskService
from core.domain.timeline.service import Timeline
from core.domain.types import (
    Day,
    Input,
    Instant,
    LocalTime,
    MonthDay,
    Output,
    convert,
    month_bounds,
    plain,
)
from core.errors import Conflict, Forbidden, InvalidInput, NotFound, PatronError, UniqueViolation
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
from core.plugins.context import PluginContext, tenant_of
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
from core.tenancy.aggregates import Avg, Count, Max, Min, Sum
from core.tenancy.context import Role, TenantContext, TenantScoped
from core.tenancy.repository import TenantRepository, utcnow
from core.tenancy.tables import TenantTable

__all__ = [
    "LocalTime",
    "MonthDay",
    "deliver_message",
    "occasions",
    "CORE_API_VERSION",
    "CustomerCreated",
    "CustomerDeleted",
    "CustomerPayload",
    "CustomerUpdated",
    "Event",
    "InteractionLogged",
    "InteractionPayload",
    "PaymentPayload",
    "PaymentRecorded",
    "PluginContext",
    "PluginDisabled",
    "PluginEnabled",
    "PluginReconfigured",
    "ProvenancePayload",
    "TaskCompleted",
    "TaskCreated",
    "TaskPayload",
    "TransactionRequired",
    "Avg",
    "Count",
    "Max",
    "Min",
    "Sum",
    "UniqueViolation",
    "Excluding",
    "customer_exists",
    "require_customer",
    "enqueue_job",
    "enqueue_jobs",
    "DEFAULT_LIMIT",
    "Conflict",
    "CoreFacts",
    "Cursor",
    "EmptyConfig",
    "Forbidden",
    "Day",
    "month_bounds",
    "Input",
    "Instant",
    "InvalidInput",
    "MAX_RENDERED_CHARS",
    "MAX_TEMPLATE_CHARS",
    "MessageTemplate",
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
    "parse_template",
    "plain",
    "queue_message",
    "record_timeline",
    "render_template",
    "tenant_transaction",
    "utcnow",
    "uuid7",
]


async def customer_exists(ctx: TenantScoped, customer_id: uuid.UUID | str) -> bool:
    """Whether the id names a live (not deleted) customer of the caller's tenant."""
    parsed = parse_id(str(customer_id))
    async with tenant_transaction(ctx.tenant_id):
        return await CustomerRepository(ctx.tenant_id).get_active(parsed) is not None


async def require_customer(ctx: TenantScoped, customer_id: uuid.UUID | str) -> dict[str, Any]:
    """The live (not deleted) customer of the caller's tenant, as a row; 404 "No such
    customer." otherwise (another tenant's and a deleted one alike), as the core's own
    routes answer. Joins the caller's transaction, or opens one."""
    parsed = parse_id(str(customer_id))
    async with tenant_transaction(ctx.tenant_id):
        return await CustomerRepository(ctx.tenant_id).require_active(parsed)


# -- acting on the tenant's data, in the plugin's name ----------------------------------------
# Transactions: `create_task`, `cancel_task`, `record_timeline` and `queue_message` are
# whole changes of their own: each joins the caller's transaction when there is one and
# opens one otherwise. `emit`, `emit_many`, `enqueue_job` and `enqueue_jobs` record what
# must commit together with the caller's change, so they raise `TransactionRequired`
# outside a transaction instead of committing alone.


async def create_task(
    ctx: PluginContext[Any],
    *,
    title: str,
    kind: str | None = None,
    customer_id: uuid.UUID | str | None = None,
    assignee_id: uuid.UUID | str | None = None,
    due_at: datetime.datetime | None = None,
    priority: str = "normal",
) -> Task:
    """Create a task for the tenant's staff; its `source` is the plugin's name. Values are
    validated like the API's (an `InvalidInput` naming the field), e.g. a title ≤ 200 chars.
    Joins the caller's transaction, or opens one."""
    fields = {
        "title": title,
        "kind": kind,
        "customer_id": customer_id,
        "assignee_id": assignee_id,
        "due_at": due_at,
        "priority": priority,
    }
    try:
        data = convert({k: v for k, v in fields.items() if v is not None}, TaskCreate)
    except msgspec.ValidationError as exc:
        raise InvalidInput.from_msgspec(exc, whole="task") from None
    return await TaskService(tenant_of(ctx)).create(data, source=_plugin(ctx).name)


async def cancel_task(ctx: PluginContext[Any], task_id: uuid.UUID | str) -> bool:
    """Cancel one of the plugin's own tasks if it is still open; False when it is not (done,
    canceled, deleted, or not the plugin's), so calling it twice is harmless. Joins the
    caller's transaction, or opens one."""
    tasks = TaskService(tenant_of(ctx))
    async with tenant_transaction(ctx.tenant_id, write=True):
        try:
            task = await tasks.get(parse_id(str(task_id)))
        except NotFound:
            return False
        if task.source != _plugin(ctx).name or task.status != TaskStatus.open:
            return False
        await tasks.update(task.id, TaskUpdate(status=TaskStatus.canceled))
    return True


async def record_timeline(
    ctx: PluginContext[Any],
    customer_id: uuid.UUID | str,
    kind: str,
    summary: str,
    *,
    data: dict[str, Any] | None = None,
    occurred_at: datetime.datetime | None = None,
) -> None:
    """Add an entry to a customer's timeline (kind is prefixed with the plugin's name).
    Joins the caller's transaction, or opens one."""
    plugin = _plugin(ctx).name
    async with tenant_transaction(ctx.tenant_id, write=True):
        await Timeline(tenant_of(ctx)).record(
            uuid.UUID(str(customer_id)),
            f"{plugin}.{kind}",
            summary,
            data=data,
            occurred_at=occurred_at,
            source=plugin,
        )


async def enqueue_job(
    ctx: PluginContext[Any],
    name: str,
    payload: dict[str, Any],
    customer_id: uuid.UUID | str | None = None,
) -> None:
    """Run the plugin's `jobs[name](ctx, payload)` in the background after commit, retried
    with backoff until it succeeds (so make it idempotent); ordered with the customer's
    events. Needs the caller's write transaction (`TransactionRequired` outside one): the
    job and your change commit together."""
    await enqueue_jobs(ctx, name, [(payload, uuid.UUID(str(customer_id)) if customer_id else None)])


async def enqueue_jobs(
    ctx: PluginContext[Any],
    name: str,
    items: Sequence[tuple[dict[str, Any], uuid.UUID | None]],
) -> None:
    """`enqueue_job` for many (payload, customer_id) pairs at once, written in bulk: for work
    fanned out over a whole tenant. Needs the caller's write transaction."""
    plugin = _plugin(ctx)
    if name not in plugin.jobs:
        raise ValueError(f"{plugin.name} declares no job {name!r}")
    await events.enqueue_jobs(tenant_of(ctx), f"{plugin.name}.{name}", items)


async def emit(
    ctx: PluginContext[Any], event: Event, customer_id: uuid.UUID | str | None = None
) -> None:
    """Publish one of the plugin's declared events (delivered after commit to subscribers
    and webhooks); ordered with the customer's events (`customer_id`, by default the
    event's `customer_id` field). Needs the caller's write transaction."""
    _check_declared(ctx, event)
    ordering = uuid.UUID(str(customer_id)) if customer_id else None
    await events.emit(tenant_of(ctx), event, ordering)


async def emit_many(ctx: PluginContext[Any], items: Sequence[Event]) -> None:
    """`emit` for many events at once, written in bulk (each ordered by its
    `customer_id`). Needs the caller's write transaction."""
    for event in {type(event): event for event in items}.values():
        _check_declared(ctx, event)
    await events.emit_many(tenant_of(ctx), items)


def _plugin(ctx: PluginContext[Any]) -> PluginDescriptor[Any]:
    if not isinstance(ctx, PluginContext):
        raise TypeError(
            "pass the PluginContext your hook, job, handler or route (`plugin_ctx`) received"
        )
    return ctx.plugin


def _check_declared(ctx: PluginContext[Any], event: Event) -> None:
    plugin = _plugin(ctx)
    if type(event) not in plugin.events:
        raise ValueError(
            f"{plugin.name} does not declare the event {event.type!r} "
            "(list its Struct in the descriptor's `events`)"
        )
