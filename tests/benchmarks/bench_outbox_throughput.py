"""Benchmark: events per second relayed from the outbox and handled by one worker.

Run: `uv run python -m tests.benchmarks.bench_outbox_throughput`. Not part of the test run.

A throwaway PostgreSQL cluster and the embedded Redis binary; 20,000 `customer.updated`
events of 2,000 customers are written to the outbox, then one worker (relay + arq jobs)
delivers each to an enabled plugin's hook until none is pending. Target: ≥ 1,000 events/s.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from core.testing.postgres import PostgresCluster
from core.testing.server import REPO_ROOT, cli_command
from tests.support.plugin_dist import install_plugin_module

EVENTS = 20_000
CUSTOMERS = 2_000
TARGET = 1_000.0

PLUGIN = """
from core import sdk

HANDLED = []


async def count(ctx, event: sdk.CustomerUpdated):
    HANDLED.append(event.customer.id)


PLUGIN = sdk.PluginDescriptor(name="counter", title="Counter", version="1.0.0",
                              subscriptions={"customer.updated": count})
"""


async def run(plugin_dir: Path) -> tuple[float, int]:
    from core import db, events
    from core.catalogue import CustomerPayload, CustomerUpdated
    from core.events import OutboxEvent
    from core.jobs.redis import EmbeddedRedis
    from core.jobs.worker import JobRunner
    from core.plugins.host import PluginHost
    from core.plugins.loader import discover
    from core.plugins.service import PluginService
    from core.tenancy.repository import utcnow
    from tenants.provisioning import create_tenant, owner_context, tenant_by_slug
    from tenants.schemas import SignupIn

    await db.start()
    host = PluginHost(discover(["counter"]))
    await create_tenant(SignupIn(name="bench", slug="bench", admin_email="o@bench.example.com"))
    ctx = await owner_context(await tenant_by_slug("bench"))
    await PluginService(ctx, host).enable("counter", {})
    ctx = await owner_context(await tenant_by_slug("bench"))
    customers = [uuid.uuid4() for _ in range(CUSTOMERS)]
    async with db.tenant_transaction(ctx.tenant_id, write=True):
        for i in range(EVENTS):
            customer = customers[i % CUSTOMERS]
            now = utcnow()
            payload = CustomerPayload(
                id=customer, kind="person", name="Bench", created_at=now, updated_at=now
            )
            await events.emit(ctx, CustomerUpdated(customer=payload, changed=["name"]))
    with tempfile.TemporaryDirectory() as redis_dir:
        redis = EmbeddedRedis(Path(redis_dir)).start()
        runner = JobRunner(host, redis.url)
        start = time.perf_counter()
        await runner.start()
        while True:
            async with db.transaction():
                pending = await OutboxEvent.count().where(OutboxEvent.status == "pending")
            if not pending:
                break
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - start
        await runner.stop()
        redis.stop()
    handled = len(sys.modules["patron_counter"].HANDLED)
    await db.stop()
    return elapsed, handled


def main() -> int:
    with tempfile.TemporaryDirectory() as plugin_dir, PostgresCluster() as cluster:
        root = Path(plugin_dir)
        install_plugin_module(root, "counter", PLUGIN)
        sys.path.insert(0, plugin_dir)
        os.environ.update(
            PATRON_DATABASE_URL=cluster.app_dsn,
            PICCOLO_CONF="core.piccolo_conf",
            PATRON_SECRET_KEY="bench-" * 8,
            PATRON_PLUGINS="counter",
        )
        env = {**os.environ, "PYTHONPATH": f"{plugin_dir}:{REPO_ROOT}"}
        subprocess.run(cli_command("migrate"), env=env, check=True, capture_output=True)
        elapsed, handled = asyncio.run(run(root))
    rate = EVENTS / elapsed
    print(
        f"Outbox → queue → plugin hook, PostgreSQL + Redis, one worker: {EVENTS} events "
        f"of {CUSTOMERS} customers"
    )
    print(
        f"  handled: {handled} in {elapsed:.2f} s = {rate:,.0f} events/s (target ≥ {TARGET:,.0f})"
    )
    return 0 if rate >= TARGET and handled == EVENTS else 1


if __name__ == "__main__":
    sys.exit(main())
