"""`patron jobs failed` lists what kept failing; `patron jobs retry ID` puts it back to work."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.cli.test_commands import _env, patron

# Leaves one event dead, as MAX_ATTEMPTS failed deliveries would, without waiting for them.
KILL_AN_EVENT = """
import asyncio
import uuid
from core import db, events
from core.catalogue import CustomerDeleted
from core.events import OutboxEvent
from tenants.provisioning import owner_context, tenant_by_slug

async def main():
    await db.start()
    ctx = await owner_context(await tenant_by_slug("acme"))
    async with db.tenant_transaction(ctx.tenant_id, write=True):
        await events.emit(ctx, CustomerDeleted(customer_id=uuid.uuid4()))
    async with db.transaction(write=True):
        await OutboxEvent.update({OutboxEvent.status: "dead", OutboxEvent.attempts: 12,
                                  OutboxEvent.last_error: '{"gym": "boom"}'}, force=True)
    await db.stop()

asyncio.run(main())
"""


def test_a_dead_event_is_listed_and_retried(tmp_path: Path):
    patron(tmp_path, "migrate")
    patron(tmp_path, "tenants", "create", "--name", "Acme", "--slug", "acme")
    env = {**_env(), "PICCOLO_CONF": "core.piccolo_conf"}
    subprocess.run(
        [sys.executable, "-c", KILL_AN_EVENT],
        cwd=tmp_path,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    failed = json.loads(patron(tmp_path, "jobs", "failed", "--json").stdout)
    assert [(job["kind"], job["name"], job["error"]) for job in failed] == [
        ("event", "customer.deleted", '{"gym": "boom"}')
    ]
    retried = json.loads(patron(tmp_path, "jobs", "retry", failed[0]["id"], "--json").stdout)
    assert retried["id"] == failed[0]["id"]
    assert json.loads(patron(tmp_path, "jobs", "failed", "--json").stdout) == []
    unknown = patron(tmp_path, "jobs", "retry", "0197a9c0-0000-7000-8000-000000000000", check=False)
    assert unknown.returncode == 1 and "no failed job" in unknown.stderr


def test_a_separate_worker_needs_a_shared_redis(tmp_path: Path):
    result = patron(tmp_path, "worker", check=False)
    assert result.returncode == 1 and "PATRON_REDIS_URL" in result.stderr
