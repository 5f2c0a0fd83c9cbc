"""A plugin whose event hook always raises: its failures must be reported, and retried."""

from __future__ import annotations

from core import sdk


class FaultyHooks:
    @sdk.hookimpl
    async def patron_plugin_enabled(self, ctx: sdk.TenantContext, plugin: str) -> None:
        raise RuntimeError("the faulty plugin broke on purpose")


FAULTY = sdk.PluginDescriptor(
    name="faulty",
    title="Faulty",
    version="0.1.0",
    description="Fails in every event hook.",
    hooks=FaultyHooks(),
)
