"""A worker killed in the middle of a job: after a restart the job completes, once."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx

from core.jobs.redis import EmbeddedRedis
from core.testing.http import Api
from core.testing.server import cli_command, server_env, sqlite_url, start_server
from tests.support.plugin_dist import install_plugin_module

# Its hook takes two seconds, then records its effect with a cause key: a message queued
# for the customer, which exists at most once whatever happens.
SLOW_PLUGIN = """
import asyncio

from core import sdk


async def note(ctx, event: sdk.CustomerCreated):
    await asyncio.sleep(2)
    await sdk.queue_message(ctx, channel="email", to="desk@example.com",
                            subject="New customer", body=event.customer.name,
                            cause_key=f"slow:{event.customer.id}", customer_id=event.customer.id)


PLUGIN = sdk.PluginDescriptor(name="slow", title="Slow", version="1.0.0",
                              subscriptions={"customer.created": note})
"""


def _worker(env: dict[str, str], workdir: Path, log: Path) -> subprocess.Popen[bytes]:
    with open(log, "ab") as out:
        return subprocess.Popen(
            cli_command("worker"),
            cwd=workdir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )


def _messages(client: httpx.Client, customer_id: str) -> list[dict]:
    return client.get("/messages", params={"customer_id": customer_id}).json()["items"]


def test_a_job_killed_mid_way_completes_after_restart_with_one_effect(tmp_path: Path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    install_plugin_module(plugins, "slow", SLOW_PLUGIN)
    redis = EmbeddedRedis(tmp_path / "redis").start()
    extra = {"PATRON_REDIS_URL": redis.url, "PYTHONPATH": str(plugins)}
    server = start_server(extra_env=extra, workdir=tmp_path / "server")
    env = server_env(sqlite_url(tmp_path / "server"), extra)
    env["PATRON_SECRET_KEY"] = server.env["PATRON_SECRET_KEY"]
    log = tmp_path / "worker.log"
    worker = _worker(env, tmp_path, log)
    api = Api(server)
    try:
        client = api.new_tenant("Crash", "crash").client
        assert client.put("/plugins/slow", json={"config": {}}).status_code == 200
        customer = client.post("/customers", json={"name": "Li Lei"}).json()
        deadline = time.monotonic() + 20
        while "deliver_outbox" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "deliver_outbox" in log.read_text(), log.read_text()
        time.sleep(0.5)  # inside the hook's two seconds
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        time.sleep(2)
        assert _messages(client, customer["id"]) == []  # the job died before its effect

        worker = _worker(env, tmp_path, log)  # the restart
        deadline = time.monotonic() + 150  # the dead job's in-progress mark expires first
        while not _messages(client, customer["id"]) and time.monotonic() < deadline:
            time.sleep(0.5)
        time.sleep(3)  # time enough for a second, duplicate run to show
        messages = _messages(client, customer["id"])
        assert [m["cause_key"] for m in messages] == [f"slow:{customer['id']}"], log.read_text()
    finally:
        api.close()
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(timeout=10)
        server.stop()
        redis.stop()
