"""A plugin whose event handler always raises: its failures must be reported, and retried."""

from __future__ import annotations

from core import sdk


async def break_on_purpose(
    ctx: sdk.PluginContext[sdk.EmptyConfig], event: sdk.PluginEnabled
) -> None:
    raise RuntimeError("the faulty plugin broke on purpose")


FAULTY = sdk.PluginDescriptor(
    name="faulty",
    title="Faulty",
    version="0.1.0",
    core_api=">=2.0,<3",
    description="Fails in every event handler.",
    subscriptions={"plugin.enabled": break_on_purpose},
)
