"""Outbound webhooks (api.md §7) end to end: a real server, its worker, and real HTTP
receivers on loopback that verify Standard Webhooks signatures on the raw bytes."""

from __future__ import annotations

import asyncio
import base64
import json
import time
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from core.net.destinations import UnsafeDestination, resolve_url
from core.testing.http import Api, Tenant
from tests.support.expect import created
from tests.support.wait import eventually
from tests.support.webhooks import WAIT_SECONDS, Receiver, subscribe


def deliveries(tenant: Tenant, webhook_id: str) -> list[dict[str, Any]]:
    response = tenant.client.get(f"/webhooks/{webhook_id}/deliveries")
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_a_failed_delivery_is_retried_and_signed_over_the_raw_bytes(
    hooks_api: Api, receiver: Receiver
):
    tenant = hooks_api.new_tenant()
    receiver.statuses["/a"] = [500, 200]
    hook = subscribe(tenant, receiver.url("/a"), ["customer.created"])
    assert hook["secret"].startswith("whsec_")
    assert len(base64.b64decode(hook["secret"].removeprefix("whsec_"))) >= 24
    assert hook["enabled"] is True and hook["events"] == ["customer.created"]
    listed = tenant.client.get("/webhooks").json()
    assert [h["id"] for h in listed["items"]] == [hook["id"]]
    assert "secret" not in listed["items"][0]

    customer = created(tenant.client.post("/customers", json={"name": "王小明"}))

    got = eventually(
        lambda: len(receiver.received("/a")) >= 2 or None,
        timeout=WAIT_SECONDS,
        what="a retried delivery",
    )
    got = receiver.received("/a")
    assert len(got) == 2
    verifier = Webhook(hook["secret"])
    for request in got:
        # Verified on the exact bytes received, as receivers must (architecture §7 trap 4).
        verifier.verify(request["body"], request["headers"])
    assert got[0]["headers"]["webhook-id"] == got[1]["headers"]["webhook-id"]
    body = json.loads(got[1]["body"])
    assert body["type"] == "customer.created"
    assert body["data"]["customer"]["id"] == customer["id"]
    assert body["timestamp"]
    # A tampered body fails verification.
    with pytest.raises(Exception):  # noqa: B017, PT011 - the library's own error type
        verifier.verify(got[1]["body"].replace("王".encode(), "李".encode()), got[1]["headers"])

    log = eventually(
        lambda: [d for d in deliveries(tenant, hook["id"]) if d["status"] == "succeeded"],
        timeout=WAIT_SECONDS,
        what="the delivery log to show success",
    )
    assert len(log) == 1
    entry = log[0]
    assert entry["event_type"] == "customer.created"
    assert entry["attempt"] == 2 and entry["response_code"] == 200
    assert entry["error"] is None and isinstance(entry["duration_ms"], int)
    assert entry["last_attempt_at"] and entry["completed_at"]
    assert entry["id"] == got[0]["headers"]["webhook-id"]


def test_other_tenants_events_and_webhooks_stay_apart(hooks_api: Api, receiver: Receiver):
    mine, theirs = hooks_api.new_tenant(), hooks_api.new_tenant()
    hook = subscribe(mine, receiver.url("/mine"), ["*"])
    for i in range(3):
        created(theirs.client.post("/customers", json={"name": f"Theirs {i}"}))
    customer = created(mine.client.post("/customers", json={"name": "Mine"}))
    eventually(lambda: receiver.received("/mine"), timeout=WAIT_SECONDS, what="my delivery")
    time.sleep(1.5)  # give their events time to (not) arrive
    ids = {json.loads(r["body"])["data"]["customer"]["id"] for r in receiver.received("/mine")}
    assert ids == {customer["id"]}

    for method, path in [
        ("GET", f"/webhooks/{hook['id']}/deliveries"),
        ("POST", f"/webhooks/{hook['id']}/enable"),
        ("DELETE", f"/webhooks/{hook['id']}"),
    ]:
        assert theirs.client.request(method, path).status_code == 404, (method, path)
    assert theirs.client.get("/webhooks").json()["items"] == []
    assert [h["id"] for h in mine.client.get("/webhooks").json()["items"]] == [hook["id"]]

    assert (
        mine.as_role("agent")
        .post("/webhooks", json={"url": receiver.url("/x"), "events": ["*"]})
        .status_code
        == 403
    )
    assert mine.client.delete(f"/webhooks/{hook['id']}").status_code == 204
    assert mine.client.get(f"/webhooks/{hook['id']}/deliveries").status_code == 404


def test_repeated_failures_disable_the_endpoint_until_re_enabled(
    hooks_api: Api, receiver: Receiver
):
    tenant = hooks_api.new_tenant()
    receiver.statuses["/down"] = [503]
    hook = subscribe(tenant, receiver.url("/down"), ["task.created"])
    for i in range(5):
        created(tenant.client.post("/tasks", json={"title": f"task {i}"}))

    def disabled() -> bool:
        items = tenant.client.get("/webhooks").json()["items"]
        return items[0]["enabled"] is False

    eventually(disabled, timeout=60, what="the endpoint to be disabled")
    log = deliveries(tenant, hook["id"])
    assert len(log) == 5
    assert {(d["status"], d["attempt"], d["response_code"]) for d in log} == {("failed", 4, 503)}
    assert all(d["error"] == "HTTP 503" for d in log)
    assert len(receiver.received("/down")) == 20  # 1 + 3 retries each

    # Disabled: new events are not even queued for it.
    created(tenant.client.post("/tasks", json={"title": "while disabled"}))
    time.sleep(1.5)
    assert len(deliveries(tenant, hook["id"])) == 5

    receiver.statuses["/down"] = [200]
    enabled = tenant.client.post(f"/webhooks/{hook['id']}/enable")
    assert enabled.status_code == 200 and enabled.json()["enabled"] is True
    created(tenant.client.post("/tasks", json={"title": "after re-enabling"}))
    eventually(
        lambda: any(d["status"] == "succeeded" for d in deliveries(tenant, hook["id"])),
        timeout=WAIT_SECONDS,
        what="a delivery after re-enabling",
    )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
        "http://192.168.0.1/hook",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        # IPv6 forms that carry a private IPv4 address, or were never public.
        "http://[64:ff9b::7f00:1]/hook",
        "http://[64:ff9b:1::a00:1]/hook",
        "http://[::127.0.0.1]/hook",
        "http://[2002:7f00:1::1]/hook",
        "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook",
        "http://[fec0::1]/hook",
        "http://[fd00:ec2::254]/latest/meta-data",
        "ftp://example.com/hook",
        "http:///nohost",
        "not a url",
    ],
)
def test_private_and_malformed_urls_are_refused(tenant: Tenant, url: str):
    response = tenant.client.post("/webhooks", json={"url": url, "events": ["customer.created"]})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["url"]


def test_events_must_be_known_core_events_plugin_events_or_all(tenant: Tenant):
    for events in (["customer.exploded"], [], ["Customer.Created"], ["nodot"]):
        response = tenant.client.post(
            "/webhooks", json={"url": "https://example.com/h", "events": events}
        )
        assert response.status_code == 422, (events, response.text)
    # Names come from the event catalogue: a misspelt core or plugin event, or an event of
    # a plugin that is not installed, is refused, naming the entry.
    for misspelt in ("interaction.loged", "gym.membership_startd", "nosuchplugin.happened"):
        response = tenant.client.post(
            "/webhooks",
            json={"url": "https://example.com/h", "events": ["task.completed", misspelt]},
        )
        assert response.status_code == 422, (misspelt, response.text)
        assert [e["field"] for e in response.json()["errors"]] == ["events[1]"]
    ok = tenant.client.post(
        "/webhooks",
        json={
            "url": "https://example.com/h",
            "events": ["*", "gym.membership_started", "interaction.logged", "task.completed"],
        },
    )
    assert ok.status_code == 201, ok.text


def test_destinations_are_checked_again_at_delivery_time():
    def check(url: str, allow_private: bool = False) -> object:
        return asyncio.run(resolve_url(url, allow_private=allow_private))

    with pytest.raises(UnsafeDestination):
        check("http://127.0.0.1/x")
    # A host that does not resolve (accepted at creation): refused at delivery.
    with pytest.raises(UnsafeDestination, match="does not resolve"):
        check("https://no-such-host.invalid/x")
    check("https://93.184.215.14/x")
    check("http://127.0.0.1/x", allow_private=True)
