"""A plugin whose event hook and schedule always raise: their failures must be reported."""

from __future__ import annotations

from core import sdk


class FaultyHooks:
    @sdk.hookimpl
    async def patron_plugin_enabled(self, ctx: sdk.TenantContext, plugin: str) -> None:
        raise RuntimeError("the faulty plugin broke on purpose")


async def break_down(ctx: sdk.TenantContext) -> None:
    raise RuntimeError("the faulty schedule broke on purpose")


FAULTY = sdk.PluginDescriptor(
    name="faulty",
    title="Faulty",
    version="0.1.0",
    description="Fails in every event hook.",
    hooks=FaultyHooks(),
    schedules=[sdk.Schedule("break-down", "every 4 hours", break_down)],
)
