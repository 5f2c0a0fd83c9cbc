"""A plugin enqueues its own background job; it runs after commit, in the tenant's context,
is retried when it fails, and is never published to webhooks."""

from __future__ import annotations

from pathlib import Path

from tests.support.plugin_dist import install_plugin_module
from tests.support.servers import api_for, own_server
from tests.support.wait import eventually

# The hook enqueues the job; the job fails once, then records its effect (a message with a
# cause key: at most one, however often it runs).
JOBS_PLUGIN = """
from core import sdk

ATTEMPTS = []


async def greet(ctx, payload):
    ATTEMPTS.append(payload["customer_id"])
    if len(ATTEMPTS) == 1:
        raise RuntimeError("first try fails")
    await sdk.queue_message(ctx, channel="email", to="desk@example.com", subject="Hello",
                            body=payload["name"], cause_key=f"greet:{payload['customer_id']}",
                            customer_id=payload["customer_id"])


async def on_customer(ctx, event: sdk.CustomerCreated):
    customer = event.customer
    async with sdk.tenant_transaction(ctx.tenant_id, write=True):
        payload = {"customer_id": str(customer.id), "name": customer.name}
        await sdk.enqueue_job(ctx, "greet", payload, customer_id=customer.id)


PLUGIN = sdk.PluginDescriptor(name="greeter", title="Greeter", version="1.0.0",
                              subscriptions={"customer.created": on_customer},
                              jobs={"greet": greet})
"""


def test_a_plugin_job_runs_after_commit_and_is_retried(tmp_path: Path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    install_plugin_module(plugins, "greeter", JOBS_PLUGIN)
    with own_server(plugins=plugins, workdir=tmp_path / "server") as server:
        with api_for(server) as api:
            client = api.new_tenant("Jobs", "jobs").client
            assert client.put("/plugins/greeter", json={"config": {}}).status_code == 200
            customer = client.post("/customers", json={"name": "韩梅梅"}).json()
            messages = eventually(
                lambda: client.get("/messages", params={"customer_id": customer["id"]}).json()[
                    "items"
                ],
                timeout=30,
                what="the job's message",
            )
            assert [(m["cause_key"], m["body"]) for m in messages] == [
                (f"greet:{customer['id']}", "韩梅梅")
            ]
        assert "failed in job greet" in server.logs()  # the first try, retried
