"""Webhooks on the membership plugin's declared events: `membership.level_changed` is in the
event catalogue (a webhook may subscribe to it, a misspelt name is a 422), and a change of
level reaches a loopback receiver with the event's payload."""

from __future__ import annotations

import json

from core.testing.http import Api, Tenant
from tests.membership.support import customer, enable_membership, level_becomes
from tests.support.expect import assert_problem, ok
from tests.support.payments import pay
from tests.support.wait import eventually
from tests.support.webhooks import WAIT_SECONDS, Receiver, subscribe

HOOK = "https://hooks.example.com/membership"


def test_a_webhook_may_subscribe_to_membership_level_changed(tenant: Tenant) -> None:
    enable_membership(tenant)
    hook = ok(
        tenant.client.post(
            "/webhooks",
            json={"url": HOOK, "events": ["membership.level_changed"]},
        ),
        201,
    )
    assert hook["events"] == ["membership.level_changed"]
    ok(
        tenant.client.post(
            "/webhooks",
            json={"url": HOOK, "events": ["customer.created", "membership.referral_rewarded"]},
        ),
        201,
    )
    misspelt = tenant.client.post(
        "/webhooks",
        json={"url": HOOK, "events": ["customer.created", "membership.level_changange"]},
    )
    assert_problem(misspelt, 422, "events[1]")


def test_a_change_of_level_is_delivered_to_the_webhook(hooks_api: Api, receiver: Receiver) -> None:
    tenant = hooks_api.new_tenant()
    enable_membership(tenant)
    hook = subscribe(tenant, receiver.url("/levels"), ["membership.level_changed"])
    buyer = customer(tenant)
    level_becomes(tenant, buyer["id"], "base")  # a first level: no event
    pay(tenant, buyer["id"], 600)
    pay(tenant, buyer["id"], 600)
    level_becomes(tenant, buyer["id"], "silver")
    [request] = eventually(
        lambda: receiver.received("/levels"),
        timeout=WAIT_SECONDS,
        what="the level_changed delivery",
    )
    body = json.loads(request["body"])
    assert body["type"] == "membership.level_changed"
    data = body["data"]
    assert (data["customer_id"], data["old"], data["new"]) == (buyer["id"], "base", "silver")
    assert "spend 1200, purchases 2" in data["reason"]
    assert hook["events"] == ["membership.level_changed"]
