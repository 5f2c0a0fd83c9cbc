"""HTTP: a plugin's schedules, and running one on demand (api.md §5).

`GET /api/v1/plugins/{name}/schedules`, `POST …/schedules/{schedule}/runs` (admin, 202) and
`GET …/schedules/{schedule}/runs/{run_id}`. Like the config routes, they exist twice: in the
`{name}` form (documented) and copied into each plugin router that has routes of its own,
because Litestar's router does not backtrack from `/api/v1/plugins/<name>/…` to `{name}`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post

from core.ids import parse_id
from core.jobs.ondemand import (
    ScheduleList,
    ScheduleRunCreated,
    ScheduleRunOut,
    enabled_schedule,
    request_job_id,
    request_run,
    run_status,
    schedules_of,
)
from core.plugins.host import PluginHost
from core.tenancy.context import Role, TenantContext

RUN_OPT = {"min_role": Role.admin}


async def _list(ctx: TenantContext, host: PluginHost, name: str) -> ScheduleList:
    return schedules_of(host, ctx, name)


async def _run(
    ctx: TenantContext, host: PluginHost, request: Request, name: str, schedule: str
) -> ScheduleRunCreated:
    found = enabled_schedule(host, ctx, name, schedule)
    row = await request_run(ctx, found, name)
    await request.app.state["jobs"].enqueue(
        "run_schedule_request", str(ctx.tenant_id), str(row["id"]), job_id=request_job_id(row["id"])
    )
    return ScheduleRunCreated(id=row["id"])


async def _status(
    ctx: TenantContext, host: PluginHost, name: str, schedule: str, run_id: str
) -> ScheduleRunOut:
    enabled_schedule(host, ctx, name, schedule)
    return await run_status(ctx, name, schedule, parse_id(run_id))


class PluginScheduleController(Controller):
    path = "/api/v1/plugins/{name:str}/schedules"
    tags = ["plugins"]

    @get(operation_id="listPluginSchedules")
    async def list_schedules(self, ctx: TenantContext, host: PluginHost, name: str) -> ScheduleList:
        """The plugin's schedules: slug name, `every` (the time of day from this tenant's
        config where it names a field) and the next run in the tenant's time zone."""
        return await _list(ctx, host, name)

    @post("/{schedule:str}/runs", operation_id="runPluginSchedule", status_code=202, opt=RUN_OPT)
    async def run_schedule(
        self, ctx: TenantContext, host: PluginHost, request: Request, name: str, schedule: str
    ) -> ScheduleRunCreated:
        """Run the schedule's job for this tenant now, as if its slot had come; what it does is
        still once per cause. Poll the run for its status."""
        return await _run(ctx, host, request, name, schedule)

    @get("/{schedule:str}/runs/{run_id:str}", operation_id="getPluginScheduleRun")
    async def get_run(
        self, ctx: TenantContext, host: PluginHost, name: str, schedule: str, run_id: str
    ) -> ScheduleRunOut:
        """An on-demand run: `status` pending, running, done or failed (with `error`)."""
        return await _status(ctx, host, name, schedule, run_id)


def schedule_handlers(name: str) -> list[Any]:
    """The routes above at the root of plugin `name`'s own router (hidden from the schema,
    which documents the `{name}` form)."""

    @get("/schedules", include_in_schema=False)
    async def list_schedules(ctx: TenantContext, host: PluginHost) -> ScheduleList:
        return await _list(ctx, host, name)

    @post("/schedules/{schedule:str}/runs", status_code=202, opt=RUN_OPT, include_in_schema=False)
    async def run_schedule(
        ctx: TenantContext, host: PluginHost, request: Request, schedule: str
    ) -> ScheduleRunCreated:
        return await _run(ctx, host, request, name, schedule)

    @get("/schedules/{schedule:str}/runs/{run_id:str}", include_in_schema=False)
    async def get_run(
        ctx: TenantContext, host: PluginHost, schedule: str, run_id: str
    ) -> ScheduleRunOut:
        return await _status(ctx, host, name, schedule, run_id)

    return [list_schedules, run_schedule, get_run]
