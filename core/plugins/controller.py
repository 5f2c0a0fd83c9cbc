"""HTTP: the tenant's view of plugins (api.md §5)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, delete, get, put
from litestar.di import Provide

from core.domain.types import Input
from core.plugins.host import PluginHost
from core.plugins.service import PluginConfigChangeOut, PluginService, PluginStateOut
from core.tenancy.context import Role, TenantContext


class PluginConfigIn(Input, kw_only=True):
    config: dict[str, Any] = msgspec.field(default_factory=dict)


class PluginList(msgspec.Struct):
    items: list[PluginStateOut]


def plugin_service(ctx: TenantContext, host: PluginHost) -> PluginService:
    return PluginService(ctx, host)


class PluginController(Controller):
    path = "/api/v1/plugins"
    tags = ["plugins"]
    dependencies = {"service": Provide(plugin_service, sync_to_thread=False)}

    @get(operation_id="listPlugins")
    async def list_plugins(self, service: PluginService) -> PluginList:
        """Every installed plugin, with this tenant's state, config and config schema."""
        return PluginList(items=await service.list())

    @put("/{name:str}", operation_id="enablePlugin", opt={"min_role": Role.admin})
    async def enable(
        self, service: PluginService, name: str, data: PluginConfigIn
    ) -> PluginStateOut:
        """Enable (or reconfigure) the plugin with a validated config."""
        return await service.enable(name, data.config)

    @delete("/{name:str}", operation_id="disablePlugin", opt={"min_role": Role.admin})
    async def disable(self, service: PluginService, name: str) -> None:
        """Disable the plugin; its data is kept and comes back when it is enabled again."""
        await service.disable(name)

    @get(
        "/{name:str}/changes", operation_id="listPluginConfigChanges", opt={"min_role": Role.admin}
    )
    async def changes(self, service: PluginService, name: str) -> list[PluginConfigChangeOut]:
        """Who enabled, reconfigured or disabled the plugin, when, from what to what."""
        return await service.history(name)
