"""Points publishes `points.earned` and `points.redeemed` (declared on its descriptor),
emitted in the posting's transaction: a webhook subscribed to them gets one per posting,
with the balance after it, and nothing for a posting that changed nothing."""

from __future__ import annotations

import json
from typing import Any

from core.testing.server import RunningServer
from tests.plugins.support import new_customer
from tests.points.support import BASE, award, balance_becomes, enable_points, redeem
from tests.support.expect import ok
from tests.support.payments import pay
from tests.support.servers import api_for, own_server_fixture
from tests.support.wait import eventually
from tests.support.webhooks import LOOPBACK, WAIT_SECONDS, Receiver, subscribe

hook_server = own_server_fixture("A server that may call a loopback receiver.", LOOPBACK)


def bodies(receiver: Receiver, count: int) -> list[dict[str, Any]]:
    eventually(
        lambda: len(receiver.received("/points")) >= count,
        timeout=WAIT_SECONDS,
        what=f"{count} deliveries",
    )
    return [json.loads(r["body"]) for r in receiver.received("/points")]


def test_earnings_and_redemptions_are_published_once_each(
    hook_server: RunningServer, receiver: Receiver
):
    with api_for(hook_server) as api:
        tenant = api.new_tenant()
        enable_points(tenant)
        subscribe(tenant, receiver.url("/points"), ["points.earned", "points.redeemed"])
        customer = new_customer(tenant)
        payment = pay(tenant, customer["id"], 12345)
        balance_becomes(tenant, customer["id"], 123)
        award(tenant, customer["id"], 100)
        redemption = ok(redeem(tenant, customer["id"], points=30, reward="保温杯"), 201)
        # A refused redemption posts nothing, so publishes nothing.
        assert redeem(tenant, customer["id"], points=10_000).status_code == 409

        got = bodies(receiver, 3)
        by_type: dict[str, list[dict[str, Any]]] = {}
        for body in got:
            by_type.setdefault(body["type"], []).append(body["data"])
        earned = sorted(by_type["points.earned"], key=lambda d: d["balance"])
        assert [(e["points"], e["balance"]) for e in earned] == [(123, 123), (100, 223)]
        assert earned[0]["cause"] == f"payment:{payment['id']}"
        assert earned[1]["cause"].startswith("award:")
        assert {e["customer_id"] for e in earned} == {customer["id"]}
        assert by_type["points.redeemed"] == [
            {
                "customer_id": customer["id"],
                "points": 30,
                "cause": f"redeem:{redemption['id']}",
                "balance": 193,
            }
        ]
        assert ok(tenant.client.get(f"{BASE}/accounts/{customer['id']}"))["balance"] == 193
        assert len(receiver.received("/points")) == 3
