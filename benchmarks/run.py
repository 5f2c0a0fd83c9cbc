"""Patron's benchmark: `python3 -m uv run python -m benchmarks.run [--quick]`.

Starts a throwaway PostgreSQL cluster (as an unprivileged server user, the app connecting
as an ordinary role) and an embedded Redis with one `patron worker`, loads the data set in
bulk SQL (`benchmarks/dataset.py`), then for each scenario starts the server under test,
drives it from a separate load-generator process on 127.0.0.1 (`benchmarks/loadgen.py`)
and stops it. Prints one table: req/s, p50, p99, errors, and ratios to the two baselines
measured in the same run (bare Litestar answering the same JSON; bare Litestar + asyncpg
fetching the same row). Every process it starts, it stops.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import httpx

from benchmarks.dataset import Loaded, Shape, Tenant, load
from core.jobs.redis import EmbeddedRedis
from core.testing.postgres import HOST, PostgresCluster, free_port
from core.testing.server import REPO_ROOT, migrate, server_env

BUILT_IN_PLUGINS = ("education", "points", "membership")
LOADGEN_TIMEOUT = 300


@dataclass
class Settings:
    duration: float
    warmup: float
    connections: int
    shape: Shape


FULL = Settings(duration=10.0, warmup=2.0, connections=32, shape=Shape())
QUICK = Settings(
    duration=3.0,
    warmup=1.0,
    connections=16,
    shape=Shape(big_tenants=10, customers_per_big=500, small_tenants=300, customers_per_small=2),
)


@dataclass
class Result:
    scenario: str
    rps: float
    p50: float
    p99: float
    errors: int
    requests: int
    statuses: dict[str, int]
    cpu_ms: float = 0.0
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def installed_built_ins() -> list[str]:
    names = {e.name for e in entry_points(group="patron.plugins")}
    return [name for name in BUILT_IN_PLUGINS if name in names]


# -- processes ---------------------------------------------------------------------------


@contextlib.contextmanager
def process(command: list[str], env: dict[str, str], workdir: Path, name: str) -> Iterator[Any]:
    log = open(workdir / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it open
    child = subprocess.Popen(
        command,
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    log.close()
    try:
        yield child
    finally:
        stop(child)


def stop(child: subprocess.Popen[bytes]) -> None:
    import signal

    if child.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        child.wait(5)


def wait_ready(port: int, path: str, child: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"server exited:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"http://{HOST}:{port}{path}", timeout=2).status_code < 500:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server not ready:\n{log.read_text()[-3000:]}")


SETTLE_COMMITS_PER_SECOND = 150
SETTLE_TIMEOUT = 300.0


def settle(dsn: str) -> float:
    """Wait until the database is quiet: a new server's first scheduler pass makes one
    transaction per tenant and schedule. Measuring during it would measure that pass;
    its duration is reported instead. Returns the seconds waited."""
    import asyncpg

    async def commits(conn: Any) -> int:
        return int(await conn.fetchval("SELECT sum(xact_commit) FROM pg_stat_database"))

    async def wait() -> float:
        conn = await asyncpg.connect(dsn)
        try:
            started = time.monotonic()
            quiet = 0
            last = await commits(conn)
            while time.monotonic() - started < SETTLE_TIMEOUT and quiet < 2:
                await asyncio.sleep(1.0)
                now = await commits(conn)
                quiet = quiet + 1 if now - last < SETTLE_COMMITS_PER_SECOND else 0
                last = now
            return time.monotonic() - started
        finally:
            await conn.close()

    return asyncio.run(wait())


def _group_pids(root_pid: int) -> list[Path]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(stat[2]) == root_pid:
                found.append(entry)
    return found


def cpu_seconds(root_pid: int) -> float:
    """CPU time (user + system) used so far by the processes of the server's group."""
    ticks = 0
    for entry in _group_pids(root_pid):
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if "redis" in (entry / "comm").read_text():
                continue
            ticks += int(stat[11]) + int(stat[12])
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def rss_mb(root_pid: int) -> float:
    """Largest resident set among the Python processes of the server's process group."""
    best = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(stat[2]) != root_pid:  # process group
                continue
            if "python" not in (entry / "comm").read_text() and entry.name != str(root_pid):
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    best = max(best, int(line.split()[1]))
        except (OSError, IndexError, ValueError):
            continue
    return best / 1024


PROFILE: dict[str, Any] = {}
SERVER: dict[str, Any] = {}  # the server under test, for its CPU time


def generate(port: int, requests: list[list[Any]], s: Settings, rate: float | None = None) -> dict:
    job = {
        "port": port,
        "duration": s.duration,
        "warmup": s.warmup,
        "connections": s.connections,
        "requests": requests,
        "rate": rate,
    }
    cpu_before = cpu_seconds(SERVER["pid"]) if SERVER.get("pid") else None
    spy = None
    if PROFILE.get("dir") and PROFILE.get("pid"):
        PROFILE["n"] = PROFILE.get("n", 0) + 1
        spy = subprocess.Popen(
            [
                "py-spy", "record", "--pid", str(PROFILE["pid"]), "--subprocesses",
                "--duration", str(int(s.duration + s.warmup)), "--format", "raw",
                "--rate", "200", "--nonblocking",
                "-o", str(Path(PROFILE["dir"]) / f"profile-{PROFILE['n']}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.loadgen"],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        timeout=LOADGEN_TIMEOUT,
        check=True,
        cwd=REPO_ROOT,
    )
    if spy is not None:
        spy.wait(30)
    raw = json.loads(out.stdout)
    if cpu_before is not None:
        spent = cpu_seconds(SERVER["pid"]) - cpu_before
        total = raw["requests"] * (s.duration + s.warmup) / s.duration if raw["requests"] else 0
        raw["cpu_ms"] = 1000 * spent / total if total else 0.0
    return raw


def result(name: str, raw: dict, note: str = "") -> Result:
    r = Result(
        name,
        raw["rps"],
        raw["p50_ms"],
        raw["p99_ms"],
        raw["errors"],
        raw["requests"],
        raw["statuses"],
        raw.get("cpu_ms", 0.0),
        note,
    )
    print(
        f"  {name}: {r.rps:,.0f} req/s p50 {r.p50:.1f} ms p99 {r.p99:.1f} ms "
        f"errors {r.errors} {r.statuses} server CPU {r.cpu_ms:.2f} ms/request",
        flush=True,
    )
    return r


# -- requests ----------------------------------------------------------------------------


def auth(tenant: Tenant) -> dict[str, str]:
    return {"Authorization": f"Bearer {tenant.key}"}


def touch_all(port: int, requests: list[list[Any]], connections: int) -> int:
    """Send each request once, unmeasured; the number that failed. Before a run spread over
    many tenants: the issue measures a server that has seen every tenant, not one meeting
    most of them for the first time during the run."""

    async def run() -> int:
        pending, failed = list(requests), 0

        async def sender(client: httpx.AsyncClient) -> None:
            nonlocal failed
            while pending:
                method, path, headers, body = pending.pop()
                answer = await client.request(method, path, headers=headers, content=body)
                failed += answer.status_code >= 400

        limits = httpx.Limits(max_connections=connections)
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{port}", timeout=30, limits=limits
        ) as client:
            await asyncio.gather(*(sender(client) for _ in range(connections)))
        return failed

    return asyncio.run(run())


def gets(tenants: list[Tenant], per_tenant: int, prefix: str = "/api/v1/customers/") -> list:
    requests = []
    for i in range(per_tenant):
        for t in tenants:
            if t.customer_ids:
                cid = t.customer_ids[i % len(t.customer_ids)]
                requests.append(["GET", prefix + cid, auth(t), None])
    return requests


def posts(tenants: list[Tenant], per_tenant: int) -> list:
    requests = []
    for i in range(per_tenant):
        for t in tenants:
            cid = t.customer_ids[i % len(t.customer_ids)]
            body = json.dumps({"customer_id": cid, "amount": 1000 + i, "reference": "bench"})
            requests.append(["POST", "/api/v1/payments", auth(t), body])
    return requests


# -- the run -----------------------------------------------------------------------------


def machine() -> str:
    cpu = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = ""
    with contextlib.suppress(OSError):
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GB RAM"
    return (
        f"{os.cpu_count()} CPUs ({cpu}){mem}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def run(s: Settings, scenarios: set[str] | None, server: str) -> list[Result]:
    plugins = installed_built_ins()
    print(f"machine: {machine()}", flush=True)
    print(f"plugins enabled for the plugin tenants: {', '.join(plugins) or 'none'}", flush=True)
    results: list[Result] = []
    workdir = Path(tempfile.mkdtemp(prefix="patron-bench-"))
    with PostgresCluster() as pg:
        env = server_env(pg.app_dsn, {"PATRON_PLUGINS": ",".join(plugins)})
        migrate(env, workdir)
        loaded = asyncio.run(
            load(pg.superuser_dsn.rsplit("/", 1)[0] + "/patron_test", s.shape, plugins)
        )
        print(
            f"data set: {len(loaded.big_with_plugins)} tenants × {s.shape.customers_per_big:,} "
            f"customers with plugins, 1 × {s.shape.customers_per_big:,} without, "
            f"{len(loaded.small):,} small tenants; {loaded.rows:,} rows loaded in "
            f"{loaded.seconds:.1f} s",
            flush=True,
        )
        redis = EmbeddedRedis(workdir / "redis").start()
        try:
            env["PATRON_REDIS_URL"] = redis.url
            with process([sys.executable, "-m", "cli.main", "worker"], env, workdir, "worker"):
                results = scenarios_run(s, scenarios, server, env, workdir, loaded, pg)
        finally:
            redis.stop()
    return results


def want(scenarios: set[str] | None, name: str) -> bool:
    return scenarios is None or name in scenarios


def scenarios_run(
    s: Settings,
    scenarios: set[str] | None,
    server: str,
    env: dict[str, str],
    workdir: Path,
    loaded: Loaded,
    pg: PostgresCluster,
) -> list[Result]:
    results: list[Result] = []
    serving = [sys.executable, "-m", "cli.serving", "--server", server]
    plugged = loaded.big_with_plugins
    per_tenant = 100

    @contextlib.contextmanager
    def patron(
        workers: int = 1, quiet: bool = True
    ) -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
        port = free_port()
        command = [*serving, "--port", str(port), "--workers", str(workers), "cli.asgi:create_app"]
        with process(command, env, workdir, f"patron-{port}") as child:
            wait_ready(port, "/health", child, workdir / f"patron-{port}.log")
            if quiet:
                waited = settle(pg.superuser_dsn)
                print(f"  (server on :{port}, {workers} worker(s), settled in {waited:.0f} s)")
            SERVER["pid"] = child.pid
            try:
                yield port, child
            finally:
                SERVER["pid"] = None

    # The JSON the baselines answer: Patron's own answer for a customer.
    with patron(quiet=False) as (port, _):
        t = plugged[0]
        body = httpx.get(
            f"http://{HOST}:{port}/api/v1/customers/{t.customer_ids[0]}", headers=auth(t)
        )
        body.raise_for_status()
        (workdir / "customer.json").write_bytes(body.content)

    base_env = dict(
        env,
        BENCH_JSON_FILE=str(workdir / "customer.json"),
        BENCH_DSN=pg.superuser_dsn.rsplit("/", 1)[0] + "/patron_test",
    )
    for name, factory in (("baseline-json", "json_app"), ("baseline-asyncpg", "asyncpg_app")):
        if not want(scenarios, name) and not want(scenarios, "baselines"):
            continue
        port = free_port()
        command = [*serving, "--port", str(port), f"benchmarks.baselines:{factory}"]
        with process(command, base_env, workdir, name) as child:
            cid = plugged[0].customer_ids[0]
            wait_ready(port, f"/customers/{cid}", child, workdir / f"{name}.log")
            SERVER["pid"] = child.pid
            requests = [
                [*r[:1], r[1].removeprefix("/api/v1"), *r[2:]] for r in gets(plugged, per_tenant)
            ]
            results.append(result(name, generate(port, requests, s)))

    with patron() as (port, child):
        PROFILE["pid"] = child.pid
        if want(scenarios, "get-plugins"):
            results.append(
                result(
                    "GET /customers/{id}, plugins, 10 tenants",
                    generate(port, gets(plugged, per_tenant), s),
                )
            )
        if want(scenarios, "get-bare"):
            results.append(
                result(
                    "GET /customers/{id}, no plugin",
                    generate(port, gets([loaded.bare], per_tenant * 10), s),
                )
            )
        if want(scenarios, "get-10k"):
            spread = gets(loaded.small, 1)
            failed = touch_all(port, spread, s.connections)
            raw = generate(port, spread, s)
            r = result(f"GET /customers/{{id}}, plugins, {len(loaded.small):,} tenants", raw)
            r.extra["rss_mb"] = rss_mb(child.pid)
            r.note = f"every tenant touched first ({failed} failed); RSS {r.extra['rss_mb']:.0f} MB"
            results.append(r)
        if want(scenarios, "list"):
            listing = [
                ["GET", "/api/v1/customers?limit=50&tag=vip", auth(t), None] for t in plugged
            ]
            peak = result("GET /customers?limit=50&tag=vip, peak", generate(port, listing, s))
            results.append(peak)
            half = result(
                "GET /customers?limit=50&tag=vip, half peak rate",
                generate(port, listing, s, rate=max(peak.rps / 2, 1.0)),
            )
            results.append(half)
        if want(scenarios, "payments"):
            results.append(
                result(
                    "POST /payments, plugins + worker",
                    generate(port, posts(plugged, per_tenant), s),
                )
            )
    PROFILE["pid"] = None
    if want(scenarios, "workers"):
        with patron(workers=2) as (port, _):
            results.append(
                result(
                    "GET /customers/{id}, plugins, --workers 2",
                    generate(port, gets(plugged, per_tenant), s),
                )
            )
    return results


# -- the table ---------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    by = {r.scenario: r for r in results}
    json_base = by.get("baseline-json")
    pg_base = by.get("baseline-asyncpg")
    one = by.get("GET /customers/{id}, plugins, 10 tenants")
    lines = [
        "| scenario | req/s | p50 ms | p99 ms | errors | × json | × asyncpg "
        "| server CPU ms/req | CPU × asyncpg | note |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        jx = f"{r.rps / json_base.rps:.2f}" if json_base and json_base.rps else "–"
        px = f"{r.rps / pg_base.rps:.2f}" if pg_base and pg_base.rps else "–"
        note = r.note
        if (
            one
            and one.rps
            and ("tenants" in r.scenario or "--workers" in r.scenario)
            and r is not one
        ):
            note = (note + "; " if note else "") + f"{r.rps / one.rps:.2f} × 10-tenant run"
        cx = f"{pg_base.cpu_ms / r.cpu_ms:.2f}" if pg_base and pg_base.cpu_ms and r.cpu_ms else "–"
        lines.append(
            f"| {r.scenario} | {r.rps:,.0f} | {r.p50:.1f} | {r.p99:.1f} | {r.errors} | "
            f"{jx} | {px} | {r.cpu_ms:.2f} | {cx} | {note} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small data set, short runs")
    parser.add_argument("--duration", type=float, help="seconds measured per scenario")
    parser.add_argument("--connections", type=int, help="concurrent connections")
    parser.add_argument("--server", default=None, help="granian or uvicorn (default: serve's)")
    parser.add_argument("--profile", help="directory for py-spy profiles of Patron's runs")
    parser.add_argument(
        "--only",
        help="comma list of: baselines, get-plugins, get-bare, get-10k, list, payments, workers",
    )
    args = parser.parse_args()
    from cli.serving import DEFAULT_SERVER

    s = QUICK if args.quick else FULL
    if args.duration:
        s.duration = args.duration
    if args.connections:
        s.connections = args.connections
    only = set(args.only.split(",")) if args.only else None
    if args.profile:
        PROFILE["dir"] = args.profile
        os.makedirs(args.profile, exist_ok=True)
    results = run(s, only, args.server or DEFAULT_SERVER)
    print()
    print(table(results))


if __name__ == "__main__":
    main()
