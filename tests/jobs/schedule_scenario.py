"""A scheduler scenario run in its own process (own database engine), printing JSON.

Two tenants, in Asia/Shanghai and Europe/Berlin, enable the gym plugin, whose schedule is
"daily 02:00"; two schedulers tick at the same injected moments against one Redis.
Usage: python -m tests.jobs.schedule_scenario  (PATRON_DATABASE_URL and REDIS_URL set).
"""

from __future__ import annotations

import asyncio
import datetime
import json
import os

from arq import create_pool

from cli.runtime import migrate
from core import db
from core.jobs.redis import redis_settings
from core.jobs.scheduler import Scheduler, ScheduleRun, ScheduleRunRepository
from core.plugins.host import PluginHost
from core.plugins.loader import discover
from core.plugins.service import PluginService
from tenants.provisioning import create_tenant, owner_context, tenant_by_slug
from tenants.schemas import SignupIn

MOMENTS = [
    "2026-11-23T01:30:00+00:00",  # 09:30 Shanghai, 02:30 Berlin: both have a due slot
    "2026-11-23T17:59:00+00:00",  # nothing new
    "2026-11-23T18:00:00+00:00",  # 02:00 Shanghai (24th): Shanghai only
    "2026-11-24T01:00:00+00:00",  # 02:00 Berlin (24th): Berlin only
]


async def main() -> dict:
    await db.start()
    await migrate()
    host = PluginHost(discover(["gym"]))
    for slug, zone in (("shanghai", "Asia/Shanghai"), ("berlin", "Europe/Berlin")):
        await create_tenant(
            SignupIn(name=slug, slug=slug, admin_email=f"o@{slug}.example.com", timezone=zone)
        )
        tenant = await tenant_by_slug(slug)
        await PluginService(await owner_context(tenant), host).enable("gym", {})
    pool = await create_pool(redis_settings(os.environ["REDIS_URL"]))
    claims = []
    for moment in MOMENTS:
        now = datetime.datetime.fromisoformat(moment)
        first, second = (
            Scheduler(host, clock=lambda now=now: now),
            Scheduler(host, clock=lambda now=now: now),
        )
        counts = await asyncio.gather(first.tick(pool), second.tick(pool))
        claims.append(sum(counts))
    runs = {}
    for slug in ("shanghai", "berlin"):
        tenant = await tenant_by_slug(slug)
        async with db.tenant_transaction(tenant["id"]):
            rows = await ScheduleRunRepository(tenant["id"]).select().order_by(ScheduleRun.slot)
        runs[slug] = [row["slot"].astimezone(datetime.UTC).isoformat() for row in rows]
    queued = sorted(key.decode() for key in await pool.keys("arq:job:schedule:*"))
    await pool.aclose()
    await db.stop()
    return {"claims": claims, "runs": runs, "queued": len(queued)}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
