"""Plugins subscribe to other plugins' events on their descriptor, and each subscriber is
retried on its own.

Two tiny plugins beside the gym subscribe to `gym.membership_started`, an event the gym
declares and emits when a membership is created. Neither imports the gym: `tally` decodes
the event into a Struct of its own with the two fields it needs, `wobbly` takes it as a
plain dict and fails its first attempt. The retry reaches `wobbly` alone: `tally` handles
the event exactly once.
"""

from __future__ import annotations

from pathlib import Path

from tests.support.plugin_dist import install_plugin_module
from tests.support.servers import api_for, own_server
from tests.support.wait import eventually

TALLY = """
import logging
import uuid

import msgspec

from core import sdk

log = logging.getLogger("patron_tally")


class Started(msgspec.Struct):
    customer_id: uuid.UUID
    plan: str


async def on_started(ctx, event: Started):
    assert isinstance(event.customer_id, uuid.UUID)
    log.warning("tally handled %s for %s", event.plan, event.customer_id)
    await sdk.queue_message(ctx, channel="email", to="desk@example.com", subject="New member",
                            body=event.plan, cause_key=f"tally:{event.customer_id}",
                            customer_id=event.customer_id)


PLUGIN = sdk.PluginDescriptor(name="tally", title="Tally", version="1.0.0",
                              subscriptions={"gym.membership_started": "patron_tally:on_started"})
"""

WOBBLY = """
from core import sdk

ATTEMPTS = []


async def on_started(ctx, event):
    assert isinstance(event, dict)
    ATTEMPTS.append(event["membership_id"])
    if len(ATTEMPTS) == 1:
        raise RuntimeError("wobbly fails its first attempt")
    await sdk.queue_message(ctx, channel="email", to="desk@example.com", subject="Wobbly",
                            body=event["plan"], cause_key=f"wobbly:{event['customer_id']}",
                            customer_id=event["customer_id"])


PLUGIN = sdk.PluginDescriptor(name="wobbly", title="Wobbly", version="1.0.0",
                              subscriptions={"gym.membership_started": on_started})
"""


def test_a_plugin_subscribes_to_another_plugins_event_and_retries_alone(tmp_path: Path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    install_plugin_module(plugins, "tally", TALLY)
    install_plugin_module(plugins, "wobbly", WOBBLY)
    with own_server(plugins=plugins, workdir=tmp_path / "server") as server:
        with api_for(server) as api:
            client = api.new_tenant("Subs", "subs").client
            for plugin in ("gym", "tally", "wobbly"):
                assert client.put(f"/plugins/{plugin}", json={"config": {}}).status_code == 200
            customer = client.post("/customers", json={"name": "韩梅梅"}).json()
            membership = client.post(
                "/plugins/gym/memberships",
                json={"customer_id": customer["id"], "plan": "monthly", "starts_on": "2026-01-01"},
            )
            assert membership.status_code == 201, membership.text
            wanted = {f"tally:{customer['id']}", f"wobbly:{customer['id']}"}

            def keys() -> set[str]:
                messages = client.get("/messages", params={"customer_id": customer["id"]})
                return {m["cause_key"] for m in messages.json()["items"]}

            eventually(lambda: keys() == wanted, timeout=60, what=f"messages {sorted(wanted)}")
        logs = server.logs()
        assert "plugin wobbly failed handling gym.membership_started" in logs  # then retried
        assert logs.count("tally handled monthly for") == 1  # …without running tally again
