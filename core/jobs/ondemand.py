"""Schedules on demand: run a plugin's schedule for one tenant now, as if its slot had come.

An admin asks through `POST /api/v1/plugins/{name}/schedules/{schedule}/runs`; the request
is a row (`schedule_requests`, its status `pending → running → done|failed`) and an arq
job (`run_schedule_request`) that runs it. `patron schedules run` and the
`patron_run_schedule` fixture record the same row and run it in their own process, at a
chosen instant if they like. The job is the schedule's own, so what it does is still once
per cause: a second run creates nothing twice.
"""

from __future__ import annotations

import datetime
import enum
import logging
import uuid
from typing import Any

import msgspec
from piccolo.columns import UUID, Text, Timestamptz, Varchar

from core import db
from core.errors import Conflict, NotFound
from core.jobs.context import job_context
from core.jobs.scheduler import run_schedule_job, schedule_of
from core.jobs.slots import next_slot
from core.plugins.descriptor import Schedule
from core.tenancy.context import TenantContext
from core.tenancy.repository import TenantRepository, utcnow
from core.tenancy.tables import TenantTable

log = logging.getLogger("patron.jobs")


class RunStatus(enum.StrEnum):
    pending = "pending"
    running = "running"
    done = "done"
    failed = "failed"


class ScheduleRequest(TenantTable, tablename="schedule_requests"):
    """One on-demand run of a plugin's schedule for a tenant."""

    plugin = Varchar(length=32)
    schedule = Varchar(length=100)
    run_at = Timestamptz()  # the moment the job is run as (its `now`)
    status = Varchar(length=16, default=RunStatus.pending.value)
    requested_by = UUID(null=True, default=None)
    requested_at = Timestamptz()
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
    error = Text(null=True, default=None)


class ScheduleRequestRepository(TenantRepository[ScheduleRequest]):
    table = ScheduleRequest


class ScheduleOut(msgspec.Struct, kw_only=True):
    name: str
    every: str
    next_run_at: datetime.datetime


class ScheduleList(msgspec.Struct):
    items: list[ScheduleOut]


class ScheduleRunCreated(msgspec.Struct):
    id: uuid.UUID


class ScheduleRunOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    plugin: str
    schedule: str
    status: RunStatus
    run_at: datetime.datetime
    requested_at: datetime.datetime
    started_at: datetime.datetime | None
    finished_at: datetime.datetime | None
    error: str | None

    @classmethod
    def of(cls, row: dict[str, Any]) -> ScheduleRunOut:
        return cls(
            id=row["id"],
            plugin=row["plugin"],
            schedule=row["schedule"],
            status=RunStatus(row["status"]),
            run_at=row["run_at"],
            requested_at=row["requested_at"],
            started_at=row["started_at"],
            finished_at=row["finished_at"],
            error=row["error"],
        )


def enabled_schedule(host: Any, ctx: TenantContext, plugin: str, name: str | None) -> Any:
    """The plugin's descriptor (and its schedule `name`, when given) for a tenant that has
    enabled it; 404 for an unknown plugin or schedule, or a plugin not enabled."""
    descriptor = host.descriptors.get(plugin)
    if descriptor is None or plugin not in ctx.plugins:
        raise NotFound(f"No plugin called {plugin!r} is enabled for this tenant.")
    if name is None:
        return descriptor
    schedule = schedule_of(descriptor, name)
    if schedule is None:
        raise NotFound(f"The plugin {plugin} has no schedule called {name!r}.")
    return schedule


def schedules_of(host: Any, ctx: TenantContext, plugin: str) -> ScheduleList:
    """The plugin's schedules as this tenant runs them: the time of day from its config, the
    next slot in its time zone."""
    descriptor = enabled_schedule(host, ctx, plugin, None)
    config = ctx.plugins[plugin]
    now = utcnow()
    items = []
    for schedule in descriptor.schedules:
        try:
            every = schedule.every_for(config)
        except ValueError as exc:  # a config stored before the field was a time
            raise Conflict(
                f"config.{schedule.config_field} {exc}: save the plugin's config again"
            ) from None
        items.append(
            ScheduleOut(
                name=schedule.name, every=every, next_run_at=next_slot(every, now, ctx.timezone)
            )
        )
    return ScheduleList(items=items)


async def request_run(
    ctx: TenantContext,
    schedule: Schedule,
    plugin: str,
    at: datetime.datetime | None = None,
) -> dict[str, Any]:
    """Record a pending run of `schedule` for the tenant, as of `at` (default: now)."""
    now = utcnow()
    async with db.tenant_transaction(ctx.tenant_id, write=True):
        return await ScheduleRequestRepository(ctx.tenant_id).insert(
            plugin=plugin,
            schedule=schedule.name,
            run_at=at or now,
            status=RunStatus.pending.value,
            requested_by=ctx.user_id,
            requested_at=now,
        )


async def run_status(ctx: TenantContext, plugin: str, schedule: str, run_id: Any) -> ScheduleRunOut:
    async with db.tenant_transaction(ctx.tenant_id):
        row = await ScheduleRequestRepository(ctx.tenant_id).get(
            run_id, ScheduleRequest.plugin == plugin, ScheduleRequest.schedule == schedule
        )
    if row is None:
        raise NotFound("No such run of this schedule.")
    return ScheduleRunOut.of(row)


async def execute(host: Any, tenant_id: uuid.UUID, run_id: uuid.UUID) -> RunStatus | None:
    """Run a pending request (the `run_schedule_request` job, or the CLI in its own
    process); its status at the end. A request already started is left alone: a job that
    arq runs a second time does not run the schedule twice."""
    repo = ScheduleRequestRepository(tenant_id)
    async with db.tenant_transaction(tenant_id, write=True):
        row = await repo.get_for_update(run_id)
        if row is None or row["status"] != RunStatus.pending.value:
            return None if row is None else RunStatus(row["status"])
        await repo.update(run_id, {"status": RunStatus.running.value, "started_at": utcnow()})
    ctx = await job_context(host, tenant_id, row["requested_by"])
    descriptor = host.descriptors.get(row["plugin"])
    schedule = schedule_of(descriptor, row["schedule"]) if descriptor is not None else None
    outcome: dict[str, Any] = {"status": RunStatus.done.value, "error": None}
    if ctx is None or schedule is None or row["plugin"] not in ctx.plugins:
        outcome = {
            "status": RunStatus.failed.value,
            "error": "the plugin or schedule is no longer enabled for this tenant",
        }
    else:
        try:
            await run_schedule_job(schedule, host.bind(ctx, row["plugin"]), row["run_at"])
        except Exception as exc:  # noqa: BLE001 - recorded on the run, shown to the caller
            log.exception(
                "tenant %s: on-demand run of %s/%s failed", tenant_id, row["plugin"], schedule.name
            )
            outcome = {"status": RunStatus.failed.value, "error": f"{type(exc).__name__}: {exc}"}
    async with db.tenant_transaction(tenant_id, write=True):
        await repo.update(run_id, {**outcome, "finished_at": utcnow()})
    return RunStatus(outcome["status"])


async def run_schedule_request(job: dict[str, Any], tenant_id: str, run_id: str) -> str | None:
    """The arq job of an on-demand run."""
    status = await execute(job["host"], uuid.UUID(tenant_id), uuid.UUID(run_id))
    return None if status is None else status.value


def request_job_id(run_id: Any) -> str:
    return f"schedule-request:{run_id}"
