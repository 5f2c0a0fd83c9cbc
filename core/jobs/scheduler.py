"""Plugin schedules: each slot runs once per tenant, in the tenant's local time.

Every tick, for each tenant and each schedule of its enabled plugins, the latest due slot
is claimed with a row unique per (tenant, plugin, schedule, slot); only the process whose
claim succeeds enqueues the run, so several workers still run a slot exactly once. A slot
missed while nothing ran is the latest due one at the next tick, and runs once.
"""

from __future__ import annotations

import datetime
import inspect
import logging
import uuid
from collections.abc import Callable
from typing import Any

from arq.connections import ArqRedis
from piccolo.columns import Text, Timestamptz, Varchar

from core import db
from core.jobs.context import job_context
from core.jobs.slots import latest_slot
from core.plugins.descriptor import Schedule
from core.tenancy.context import TenantStatus
from core.tenancy.repository import TenantRepository, utcnow
from core.tenancy.tables import Tenant, TenantTable

log = logging.getLogger("patron.jobs")


class ScheduleRun(TenantTable, tablename="schedule_runs"):
    plugin = Varchar(length=32)
    schedule = Varchar(length=100)
    slot = Timestamptz()
    claimed_at = Timestamptz()
    finished_at = Timestamptz(null=True, default=None)
    error = Text(null=True, default=None)


class ScheduleRunRepository(TenantRepository[ScheduleRun]):
    table = ScheduleRun

    async def run_of(self, plugin: str, schedule: str, slot: datetime.datetime) -> dict | None:
        return (
            await self.select()
            .where(
                ScheduleRun.plugin == plugin,
                ScheduleRun.schedule == schedule,
                ScheduleRun.slot == slot,
            )
            .first()
        )


def schedule_of(descriptor: Any, name: str) -> Schedule | None:
    """The descriptor's schedule called `name`, if any."""
    return next((s for s in descriptor.schedules if s.name == name), None)


async def run_schedule_job(schedule: Schedule, ctx: Any, now: datetime.datetime) -> None:
    """The one place a schedule's (resolved) job is called with its plugin-bound `ctx`:
    `job(ctx)`, or `job(ctx, now=…)` when it
    takes `now` (the slot's moment, or the instant an on-demand run asked for)."""
    if "now" in inspect.signature(schedule.job).parameters:
        await schedule.job(ctx, now=now)
    else:
        await schedule.job(ctx)


def _job_id(tenant_id: Any, plugin: str, schedule: str, slot: datetime.datetime) -> str:
    return f"schedule:{tenant_id}:{plugin}:{schedule}:{slot.isoformat()}"


class Scheduler:
    def __init__(self, host: Any, clock: Callable[[], datetime.datetime] = utcnow) -> None:
        self.host = host
        self.clock = clock
        # The latest slot this process saw claimed, per (tenant, plugin, schedule): until a
        # new slot is due, a tick has nothing to ask the database about it. Without this,
        # every tick made a transaction per tenant and schedule (10,000 tenants: 10,000
        # transactions every SCHEDULE_SECONDS in every API and worker process).
        self._claimed: dict[tuple[Any, str, str], datetime.datetime] = {}

    async def tick(self, pool: ArqRedis) -> int:
        """Claim and enqueue every due slot; the number claimed by this process."""
        now = self.clock()
        async with db.transaction():
            tenants = await Tenant.select().where(
                Tenant.status.not_in([TenantStatus.suspended.value, TenantStatus.canceled.value])
            )
        claimed = 0
        for tenant in tenants:
            configs = await self.host.enabled.configs(tenant["id"], tenant["plugins_revision"])
            for plugin in sorted(configs):
                for schedule in self.host.descriptors[plugin].schedules:
                    try:
                        every = schedule.every_for(configs[plugin])
                    except ValueError as exc:  # a config stored before the field was a time
                        log.error(
                            "tenant %s: schedule %s/%s skipped: config.%s %s",
                            tenant["id"],
                            plugin,
                            schedule.name,
                            schedule.config_field,
                            exc,
                        )
                        continue
                    slot = latest_slot(every, now, tenant["timezone"])
                    seen = (tenant["id"], plugin, schedule.name)
                    if self._claimed.get(seen) == slot:
                        continue
                    won = await self._claim(tenant["id"], plugin, schedule.name, slot, now)
                    self._claimed[seen] = slot
                    if won:
                        claimed += 1
                        await pool.enqueue_job(
                            "run_schedule",
                            str(tenant["id"]),
                            plugin,
                            schedule.name,
                            slot.isoformat(),
                            _job_id=_job_id(tenant["id"], plugin, schedule.name, slot),
                        )
        return claimed

    async def _claim(
        self,
        tenant_id: uuid.UUID,
        plugin: str,
        schedule: str,
        slot: datetime.datetime,
        now: datetime.datetime,
    ) -> bool:
        repo = ScheduleRunRepository(tenant_id)
        try:
            async with db.tenant_transaction(tenant_id, write=True):
                if await repo.run_of(plugin, schedule, slot) is not None:
                    return False
                await repo.insert(plugin=plugin, schedule=schedule, slot=slot, claimed_at=now)
        except Exception as exc:
            if db.is_unique_violation(exc):
                return False  # another worker claimed it first
            raise
        return True

    async def run(self, tenant_id: str, plugin: str, schedule: str, slot: str) -> None:
        """The job: run the plugin's schedule for one tenant and slot, then mark it done."""
        ctx = await job_context(self.host, uuid.UUID(tenant_id))
        descriptor = self.host.descriptors.get(plugin)
        if ctx is None or descriptor is None or plugin not in ctx.plugins:
            return  # tenant gone, plugin uninstalled or disabled since the claim
        job = schedule_of(descriptor, schedule)
        if job is None:
            return
        moment = datetime.datetime.fromisoformat(slot)
        repo = ScheduleRunRepository(ctx.tenant_id)
        try:
            await run_schedule_job(job, self.host.bind(ctx, plugin), moment)
        except Exception as exc:
            async with db.tenant_transaction(ctx.tenant_id, write=True):
                run = await repo.run_of(plugin, schedule, moment)
                if run is not None:
                    await repo.update(run["id"], {"error": f"{type(exc).__name__}: {exc}"})
            raise
        async with db.tenant_transaction(ctx.tenant_id, write=True):
            run = await repo.run_of(plugin, schedule, moment)
            if run is not None:
                await repo.update(run["id"], {"finished_at": utcnow(), "error": None})
