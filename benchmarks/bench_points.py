"""Benchmark: points postings per second on PostgreSQL.

Run: `python3 -m uv run python -m benchmarks.bench_points [--accounts 1000] [--ops 3000]
[--concurrency 16]`. Not part of the test run; prints figures, asserts nothing about time.

A throwaway PostgreSQL cluster (core/testing/postgres.py), migrated with `patron migrate`,
one tenant with the points plugin enabled and N customers seeded with `COPY`. Measured
in-process, through the plugin's own operations (what a route or an event handler calls, without
HTTP), with `--concurrency` postings in flight at once on the connection pool:

- earnings/s from payment events (`service.earn_on_payment`, a payment each, spread over
  the accounts), and again re-delivering the same events (each one a no-op);
- redemptions/s spread over the accounts (each covered by its balance);
- redemptions/s on one hot account (every posting waits for the account's row lock);
  under contention the only refusals allowed are 409s for a short balance.

The target (issue 11): ≥ 500 postings/s spread on a 2-core machine, no errors but 409s.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import msgspec

from core.ids import uuid7
from core.testing.postgres import APP_DATABASE, PostgresCluster
from core.testing.server import REPO_ROOT, cli_command

CURRENCY = "CNY"


async def seed_customers(cluster: PostgresCluster, tenant_id: uuid.UUID, count: int) -> list:
    now = datetime.datetime.now(datetime.UTC)
    rows = [(uuid7(), tenant_id, f"客户 {n:05d}", now, now, now) for n in range(count)]
    superuser_dsn = cluster.superuser_dsn.rsplit("/", 1)[0] + "/" + APP_DATABASE
    connection = await asyncpg.connect(superuser_dsn)
    try:
        await connection.copy_records_to_table(
            "customers",
            records=rows,
            columns=["id", "tenant_id", "name", "collected_at", "created_at", "updated_at"],
        )
        await connection.execute("ANALYZE customers")
    finally:
        await connection.close()
    return [row[0] for row in rows]


async def measure(
    label: str, work: list[Callable[[], Awaitable[Any]]], concurrency: int
) -> dict[str, Any]:
    """Run the calls `concurrency` at a time; their outcomes counted by kind."""
    outcomes: Counter[str] = Counter()
    queue = list(reversed(work))

    async def worker() -> None:
        while queue:
            call = queue.pop()
            try:
                await call()
                outcomes["ok"] += 1
            except Exception as exc:  # noqa: BLE001 - counted, reported
                status = getattr(exc, "status", None)
                outcomes[f"{status}" if status else type(exc).__name__] += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    seconds = time.perf_counter() - started
    rate = len(work) / seconds if seconds else float("inf")
    print(f"{label:<48} {len(work):>6} in {seconds:7.2f} s = {rate:8.1f}/s  {dict(outcomes)}")
    return {"label": label, "count": len(work), "seconds": seconds, "outcomes": outcomes}


async def run(cluster: PostgresCluster, accounts: int, ops: int, concurrency: int) -> None:
    from core import db, sdk
    from core.jobs.context import job_context
    from core.plugins.host import PluginHost
    from core.plugins.loader import discover
    from core.plugins.service import PluginService
    from plugins.points import service
    from tenants.provisioning import create_tenant, owner_context, tenant_by_slug
    from tenants.schemas import SignupIn

    await db.start()
    host = PluginHost(discover(["points"]))
    await create_tenant(
        SignupIn(name="bench", slug="bench", admin_email="o@bench.example.com", currency=CURRENCY)
    )
    owner = await owner_context(await tenant_by_slug("bench"))
    await PluginService(owner, host).enable("points", {})
    tenant = await job_context(host, owner.tenant_id, owner.user_id)
    assert tenant is not None and "points" in tenant.plugins, "points is not enabled"
    ctx = host.bind(tenant, "points")
    customers = await seed_customers(cluster, ctx.tenant_id, accounts + 1)
    hot, spread = customers[0], customers[1:]
    print(f"PostgreSQL, in-process, {concurrency} postings in flight, {accounts} accounts\n")

    now = datetime.datetime.now(datetime.UTC)
    payments = [
        sdk.PaymentPayload(
            id=uuid7(),
            customer_id=spread[n % len(spread)],
            kind="payment",
            amount=10_000 + n,  # 100.00 CNY and up: 100 points each
            currency=CURRENCY,
            occurred_at=now,
            created_at=now,
        )
        for n in range(ops)
    ]

    def earning(payment: sdk.PaymentPayload) -> Callable[[], Awaitable[Any]]:
        return lambda: service.earn_on_payment(ctx, payment)

    warm = [earning(msgspec.structs.replace(p, id=uuid7())) for p in payments[: min(200, ops)]]
    await measure("warm-up (earnings)", warm, concurrency)
    await measure(
        "earnings from payment events, spread", [earning(p) for p in payments], concurrency
    )
    await measure(
        "the same events delivered again (no-ops)", [earning(p) for p in payments], concurrency
    )

    def redemption(customer_id: uuid.UUID, points: int) -> Callable[[], Awaitable[Any]]:
        return lambda: service.redeem(ctx, customer_id, points, None, None)

    spread_work = [redemption(spread[n % len(spread)], 10) for n in range(ops)]
    await measure("redemptions, spread over the accounts", spread_work, concurrency)

    hot_ops = max(ops // 3, 1)
    await service.award(ctx, hot, 10 * (hot_ops // 2), "bench")  # covers half
    hot_work = [redemption(hot, 10) for _ in range(hot_ops)]
    result = await measure("redemptions on one hot account (half covered)", hot_work, concurrency)
    unexpected = {k: v for k, v in result["outcomes"].items() if k not in ("ok", "409")}
    view = await service.account_view(ctx, hot)
    print(f"\nhot account after: balance {view['balance']}, redeemed {view['redeemed']}")
    print(f"errors other than 409 under contention: {unexpected or 'none'}")
    await db.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--ops", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    with PostgresCluster() as cluster:
        os.environ.update(
            PATRON_DATABASE_URL=cluster.app_dsn,
            PICCOLO_CONF="core.piccolo_conf",
            PATRON_SECRET_KEY="bench-" * 8,
            PATRON_PLUGINS="points",
        )
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        subprocess.run(cli_command("migrate"), env=env, check=True, capture_output=True)
        asyncio.run(run(cluster, args.accounts, args.ops, args.concurrency))
    return 0


if __name__ == "__main__":
    sys.exit(main())
