"""`patron schedules run PLUGIN SCHEDULE --tenant SLUG [--at TIME]`: a schedule on demand.

Runs the schedule's job for one tenant in this process, now or as of `--at`, exactly as the
scheduler would at that slot, and records it like a run asked for through the API (`GET
/api/v1/plugins/{name}/schedules/{schedule}/runs/{id}` shows it). What the job does is still
once per cause: running it twice creates nothing twice. Operators use it to catch up;
tests (the `patron_run_schedule` fixture), to run a schedule at a known moment.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer

from cli.output import console, fail, print_json
from cli.plugins import plugin_host
from cli.runtime import run

if TYPE_CHECKING:
    from core.jobs.ondemand import ScheduleRunOut

schedules_app = typer.Typer(help="Plugin schedules (operator).", no_args_is_help=True)


def parse_moment(raw: str, timezone: str) -> datetime.datetime:
    """RFC 3339 (`2026-12-24T10:00:00+08:00`); without an offset, the tenant's local time."""
    try:
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        message = f"--at must be a date and time like 2026-12-24T10:00, got {raw!r}"
        raise ValueError(message) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(timezone))
    return moment


async def run_now(plugin: str, schedule: str, slug: str, at: str | None) -> ScheduleRunOut:
    from core.errors import InvalidInput, NotFound
    from core.jobs.context import job_context
    from core.jobs.ondemand import enabled_schedule, execute, request_run, run_status
    from tenants.provisioning import tenant_by_slug

    host = plugin_host()
    tenant = await tenant_by_slug(slug)
    if tenant is None:
        raise NotFound(f"No tenant with the slug {slug!r}.")
    ctx = await job_context(host, tenant["id"])
    assert ctx is not None
    found = enabled_schedule(host, ctx, plugin, schedule)
    try:
        moment = parse_moment(at, ctx.timezone) if at else None
    except ValueError as exc:
        raise InvalidInput([("--at", str(exc))]) from None
    row = await request_run(ctx, found, plugin, moment)
    await execute(host, ctx.tenant_id, row["id"])
    return await run_status(ctx, plugin, schedule, row["id"])


@schedules_app.command("run")
def run_command(
    plugin: str,
    schedule: str,
    tenant: Annotated[str, typer.Option(help="The tenant's slug.")],
    at: Annotated[
        str | None,
        typer.Option(help="Run as of this moment (RFC 3339; no offset: the tenant's local time)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
) -> None:
    """Run a plugin's schedule for one tenant now (or as of --at), as if its slot had come."""
    from core.errors import PatronError

    try:
        result = run(lambda: run_now(plugin, schedule, tenant, at))
    except PatronError as exc:
        fail(exc.detail)
    if as_json:
        print_json(result)
    else:
        console.print(
            f"{plugin}/{schedule} for {tenant}: {result.status.value}"
            + (f" ({result.error})" if result.error else ""),
            highlight=False,
            markup=False,
        )
    if result.status.value == "failed":
        raise typer.Exit(1)
