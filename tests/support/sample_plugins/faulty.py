"""A plugin whose event handler and schedule always raise: their failures must be reported,
and retried."""

from __future__ import annotations

from core import sdk


async def break_on_purpose(
    ctx: sdk.PluginContext[sdk.EmptyConfig], event: sdk.PluginEnabled
) -> None:
    raise RuntimeError("the faulty plugin broke on purpose")


async def break_down(ctx: sdk.PluginContext[sdk.EmptyConfig]) -> None:
    raise RuntimeError("the faulty schedule broke on purpose")


FAULTY = sdk.PluginDescriptor(
    name="faulty",
    title="Faulty",
    version="0.1.0",
    core_api=">=2.0,<3",
    description="Fails in every event handler and schedule.",
    subscriptions={"plugin.enabled": break_on_purpose},
    schedules=[sdk.Schedule("break-down", "every 4 hours", break_down)],
)
