"""Benchmark: `GET /customers/{id}` throughput with 0 and with 6 plugins enabled.

Run: `uv run python -m tests.benchmarks.bench_plugin_overhead`. Not part of the test run.

One server on a throwaway PostgreSQL cluster, two tenants: one with no plugin enabled,
one with six. The six plugins are made on the fly (a module plus its dist-info on
PYTHONPATH) and implement the hooks a request reaches — a customer section, a veto and an
event handler — without I/O of their own, so the figure measures the host's dispatch
(subset callers, config cache, section assembly), not plugin queries. Rounds alternate
between the tenants; the target is a ratio of at least 0.85.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import httpx

from core.testing.postgres import PostgresCluster
from core.testing.server import REPO_ROOT, start_server

PLUGINS = [f"bench{i}" for i in range(1, 7)]
CONCURRENCY = 16
ROUND_SECONDS = 4.0
ROUNDS = 3
TARGET = 0.85

PLUGIN_SOURCE = """
from typing import Annotated

import msgspec

from core import sdk


class Config(msgspec.Struct, forbid_unknown_fields=True):
    label: str = "{name}"
    weight: Annotated[int, msgspec.Meta(ge=0)] = 3


class Hooks:
    @sdk.hookimpl
    async def patron_customer_section(self, ctx, customer):
        config = ctx.config
        return {{"label": config.label, "score": len(customer["name"]) * config.weight}}

    @sdk.hookimpl
    def patron_veto(self, ctx, action, current, change):
        return None



async def on_updated(ctx, event: sdk.CustomerUpdated):
    return None


PLUGIN = sdk.PluginDescriptor(name="{name}", title="Bench {name}", version="1.0.0",
                              config=Config, hooks=Hooks(),
                              subscriptions={{"customer.updated": on_updated}})
"""


def write_plugins(root: Path) -> None:
    for name in PLUGINS:
        (root / f"patron_{name}.py").write_text(PLUGIN_SOURCE.format(name=name))
        info = root / f"patron_{name}-1.0.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: patron-{name}\nVersion: 1.0.0\n"
        )
        (info / "entry_points.txt").write_text(
            textwrap.dedent(f"[patron.plugins]\n{name} = patron_{name}:PLUGIN\n")
        )


async def throughput(base: str, key: str, customer_id: str, seconds: float) -> float:
    headers = {"Authorization": f"Bearer {key}"}
    url = f"{base}/api/v1/customers/{customer_id}"
    done = 0
    deadline = time.perf_counter() + seconds
    async with httpx.AsyncClient(headers=headers, timeout=30) as client:

        async def worker() -> None:
            nonlocal done
            while time.perf_counter() < deadline:
                response = await client.get(url)
                assert response.status_code == 200, response.text
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        return done / (time.perf_counter() - start)


def main() -> int:
    with tempfile.TemporaryDirectory() as plugin_dir, PostgresCluster() as cluster:
        write_plugins(Path(plugin_dir))
        server = start_server(
            cluster.app_dsn, extra_env={"PYTHONPATH": f"{plugin_dir}:{REPO_ROOT}"}
        )
        try:
            with httpx.Client(
                base_url=server.base_url + "/api/v1",
                headers={"Authorization": f"Bearer {server.operator_token}"},
            ) as op:
                tenants = []
                for slug in ("bench-plain", "bench-plugged"):
                    made = op.post(
                        "/platform/tenants",
                        json={"name": slug, "slug": slug, "admin_email": f"o@{slug}.example.com"},
                    )
                    assert made.status_code == 201, made.text
                    tenants.append(made.json()["api_key"])
            targets = []
            for index, key in enumerate(tenants):
                with httpx.Client(
                    base_url=server.base_url + "/api/v1", headers={"Authorization": f"Bearer {key}"}
                ) as client:
                    if index == 1:
                        for name in PLUGINS:
                            assert (
                                client.put(f"/plugins/{name}", json={"config": {}}).status_code
                                == 200
                            )
                    customer = client.post("/customers", json={"name": "基准 客户"}).json()
                    sections = client.get(f"/customers/{customer['id']}").json()["plugins"]
                    assert len(sections) == (len(PLUGINS) if index else 0), sections
                    targets.append((key, customer["id"]))
            plain, plugged = [], []
            asyncio.run(throughput(server.base_url, *targets[0], 1.0))  # warm up
            for _ in range(ROUNDS):
                plain.append(asyncio.run(throughput(server.base_url, *targets[0], ROUND_SECONDS)))
                plugged.append(asyncio.run(throughput(server.base_url, *targets[1], ROUND_SECONDS)))
        finally:
            server.stop()
    base, six = statistics.median(plain), statistics.median(plugged)
    ratio = six / base
    print(
        f"GET /customers/{{id}} on PostgreSQL, {CONCURRENCY} concurrent clients, "
        f"{ROUNDS} alternating rounds of {ROUND_SECONDS:.0f} s"
    )
    print(f"  0 plugins: {base:8.1f} req/s  (rounds: {', '.join(f'{x:.0f}' for x in plain)})")
    print(f"  6 plugins: {six:8.1f} req/s  (rounds: {', '.join(f'{x:.0f}' for x in plugged)})")
    print(f"  ratio:     {ratio:8.3f}  (target ≥ {TARGET})")
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
