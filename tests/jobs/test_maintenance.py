"""The core's housekeeping: delivered events and expired idempotency records are deleted
once past their retention (they hold personal data), nothing younger is."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import pytest

from core.testing.server import REPO_ROOT, RunningServer
from tests.support.database import count
from tests.support.expect import created
from tests.support.servers import api_for, own_server_fixture
from tests.support.wait import eventually

MAINTAIN = """
import asyncio, datetime, json, sys
from core import db
from core.jobs.maintenance import maintain
from core.tenancy.repository import utcnow

async def main():
    await db.start()
    try:
        days = float(sys.argv[1])
        return await maintain(None, now=utcnow() + datetime.timedelta(days=days))
    finally:
        await db.stop()

print(json.dumps(asyncio.run(main())))
"""


own_server = own_server_fixture(
    "A server with a database of its own: the pass deletes across tenants."
)


def run_maintenance(server: RunningServer, days_later: float) -> dict[str, int]:
    result = subprocess.run(
        [sys.executable, "-c", MAINTAIN, str(days_later)],
        cwd=server.workdir,
        env={**server.env, "PICCOLO_CONF": "core.piccolo_conf", "PYTHONPATH": str(REPO_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome: dict[str, int] = json.loads(result.stdout.strip().splitlines()[-1])
    return outcome


def test_delivered_events_and_expired_idempotency_records_are_purged(
    own_server: RunningServer, request: pytest.FixtureRequest
) -> None:
    with api_for(own_server) as api:
        tenant = api.new_tenant()
        key = {"Idempotency-Key": str(uuid.uuid4())}
        created(tenant.client.post("/customers", json={"name": "Kept"}, headers=key))

        def delivered() -> bool:
            return count(own_server, request, "outbox_events") > 0 and not count(
                own_server, request, "outbox_events", "status <> 'done'"
            )

        eventually(delivered, what="the events delivered")
        events = count(own_server, request, "outbox_events")
        assert count(own_server, request, "idempotency_keys") == 1

        # Within the retention: nothing goes.
        assert run_maintenance(own_server, days_later=0.5)["outbox_events"] == 0
        assert count(own_server, request, "outbox_events") == events
        assert count(own_server, request, "idempotency_keys") == 1
        # A day later the idempotency record is gone, the delivered events are kept a week.
        assert run_maintenance(own_server, days_later=1.5)["idempotency_keys"] == 1
        assert count(own_server, request, "idempotency_keys") == 0
        assert count(own_server, request, "outbox_events") == events
        assert run_maintenance(own_server, days_later=8)["outbox_events"] == events
        assert count(own_server, request, "outbox_events") == 0
