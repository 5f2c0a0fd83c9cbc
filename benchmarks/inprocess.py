"""The app's own CPU per request, without an HTTP server or a load generator:
`python3 -m uv run python -m benchmarks.inprocess [--requests N] [--only get-plugins,...]`.

Loads the `--quick` data set into a throwaway PostgreSQL cluster (with an embedded Redis,
so that the API only enqueues, as in `benchmarks.run`), builds the app in this process and
calls it as an ASGI app from 8 concurrent tasks, timing the process's CPU (user + system)
over the calls. Nothing else shares the figure, so it moves by a few per cent between runs
where `benchmarks.run`'s moves by tens on a shared machine: the figure to compare a change
by. `--profile FILE` writes a cProfile of the calls (timed by CPU, slower by about 3×).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import json
import logging
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.dataset import Loaded, load
from benchmarks.run import QUICK, installed_built_ins
from core.jobs.redis import EmbeddedRedis
from core.testing.postgres import PostgresCluster
from core.testing.server import migrate, server_env

CONCURRENCY = 8
SCENARIOS = ("get-plugins", "get-bare", "payments")

Call = tuple[str, str, str, bytes]  # method, path, API key, body


def calls(scenario: str, loaded: Loaded) -> Iterator[Call]:
    plugged = loaded.big_with_plugins
    for i in itertools.count():
        if scenario == "get-bare":
            ids = loaded.bare.customer_ids
            yield "GET", f"/api/v1/customers/{ids[i % len(ids)]}", loaded.bare.key, b""
            continue
        tenant = plugged[i % len(plugged)]
        cid = tenant.customer_ids[(i // len(plugged)) % len(tenant.customer_ids)]
        if scenario == "get-plugins":
            yield "GET", f"/api/v1/customers/{cid}", tenant.key, b""
        else:
            body = {"customer_id": cid, "amount": 1000 + i, "reference": "bench"}
            yield "POST", "/api/v1/payments", tenant.key, json.dumps(body).encode()


async def call(app: Any, method: str, path: str, key: str, body: bytes) -> int:
    headers = [
        (b"host", b"127.0.0.1"),
        (b"authorization", f"Bearer {key}".encode()),
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "headers": headers,
    }
    pending = [{"type": "http.request", "body": body, "more_body": False}]
    status = 0

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop()
        await asyncio.Event().wait()  # no disconnect while the app answers
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def measure(app: Any, scenario: str, loaded: Loaded, n: int, profile: str | None) -> None:
    source = calls(scenario, loaded)
    statuses: list[int] = []

    async def worker(count: int) -> None:
        for _ in range(count):
            statuses.append(await call(app, *next(source)))

    await asyncio.gather(*(worker(50) for _ in range(CONCURRENCY)))  # warm-up
    statuses.clear()
    profiler = cProfile.Profile(time.process_time) if profile else None
    cpu, wall = time.process_time(), time.perf_counter()
    if profiler:
        profiler.enable()
    await asyncio.gather(*(worker(n // CONCURRENCY) for _ in range(CONCURRENCY)))
    if profiler:
        profiler.disable()
        profiler.dump_stats(f"{profile}.{scenario}")
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    counted = {status: statuses.count(status) for status in sorted(set(statuses))}
    print(
        f"  {scenario}: {len(statuses)} calls, CPU {1000 * cpu / len(statuses):.3f} ms/request, "
        f"wall {1000 * wall / len(statuses):.3f} ms/request, statuses {counted}",
        flush=True,
    )


async def serve(env: dict[str, str], loaded: Loaded, args: argparse.Namespace) -> None:
    os.environ.update({k: v for k, v in env.items() if k.startswith("PATRON_")})
    os.environ["PICCOLO_CONF"] = "core.piccolo_conf"
    from cli.asgi import create_app

    app = create_app()
    logging.disable(logging.WARNING)
    async with app.lifespan():
        for scenario in args.only:
            await measure(app, scenario, loaded, args.requests, args.profile)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=4000, help="calls per scenario")
    parser.add_argument("--only", default=",".join(SCENARIOS), help=", ".join(SCENARIOS))
    parser.add_argument("--profile", help="cProfile file prefix (one file per scenario)")
    args = parser.parse_args()
    args.only = [name for name in args.only.split(",") if name]
    unknown = sorted(set(args.only) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(unknown)}")
    plugins = installed_built_ins()
    workdir = Path(tempfile.mkdtemp(prefix="patron-inprocess-"))
    with PostgresCluster() as pg:
        env = server_env(pg.app_dsn, {"PATRON_PLUGINS": ",".join(plugins)})
        migrate(env, workdir)
        dsn = pg.superuser_dsn.rsplit("/", 1)[0] + "/patron_test"
        loaded = asyncio.run(load(dsn, QUICK.shape, plugins))
        redis = EmbeddedRedis(workdir / "redis").start()
        try:
            env["PATRON_REDIS_URL"] = redis.url
            import uvloop

            uvloop.run(serve(env, loaded, args))
        finally:
            redis.stop()


if __name__ == "__main__":
    main()
