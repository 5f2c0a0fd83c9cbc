"""Helpers for the points tests."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from core.testing.http import Tenant
from core.testing.server import REPO_ROOT, RunningServer
from tests.support.expect import ok
from tests.support.wait import eventually

BASE = "/plugins/points"


def enable_points(tenant: Tenant, **config: Any) -> dict[str, Any]:
    state: dict[str, Any] = ok(tenant.client.put("/plugins/points", json={"config": config}))
    return state


def account(tenant: Tenant, customer_id: str) -> dict[str, Any]:
    """The account; that its stored balance is the sum of its entries is checked twice: by
    the server (`verified`) and here, from the listed entries."""
    while True:  # read between two equal listings: no event's posting landed meanwhile
        before = entries(tenant, customer_id)
        found: dict[str, Any] = ok(tenant.client.get(f"{BASE}/accounts/{customer_id}"))
        if entries(tenant, customer_id) == before:
            break
    assert found["verified"] is True, found
    assert sum(e["points"] for e in before) == found["balance"]
    return found


def balance_becomes(tenant: Tenant, customer_id: str, balance: int) -> dict[str, Any]:
    """The account once its balance is `balance` (earnings arrive after commit)."""
    found: dict[str, Any] = eventually(
        lambda: (a := account(tenant, customer_id))["balance"] == balance and a,
        what=f"balance {balance}",
    )
    return found


def entries(tenant: Tenant, customer_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 500}
        if cursor:
            params["cursor"] = cursor
        page = ok(tenant.client.get(f"{BASE}/accounts/{customer_id}/entries", params=params))
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def award(tenant: Tenant, customer_id: str, points: int, reason: str = "goodwill") -> Any:
    return ok(
        tenant.client.post(
            f"{BASE}/awards", json={"customer_id": customer_id, "points": points, "reason": reason}
        ),
        201,
    )


def redeem(tenant: Tenant, customer_id: str, **body: Any) -> Any:
    return tenant.client.post(f"{BASE}/redemptions", json={"customer_id": customer_id, **body})


def deliver(server: RunningServer, tenant: Tenant, event: str, payload: dict, copies: int) -> int:
    """`tests.points.deliver`: the event delivered `copies` times at once, in-process."""
    made = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.points.deliver",
            tenant.id,
            event,
            json.dumps(payload),
            str(copies),
        ],
        env={**server.env, "PICCOLO_CONF": "core.piccolo_conf"},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    return int(made.stdout.strip())
