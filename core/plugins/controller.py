"""HTTP: the tenant's view of plugins (api.md §5)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Router, delete, get, put
from litestar.di import Provide

from core.domain.types import Input
from core.plugins.context import PluginContext
from core.plugins.descriptor import PluginDescriptor
from core.plugins.host import PluginHost
from core.plugins.schedule_routes import schedule_handlers
from core.plugins.service import PluginConfigChangeOut, PluginService, PluginStateOut
from core.tenancy.context import Role, TenantContext


class PluginConfigIn(Input, kw_only=True):
    config: dict[str, Any] = msgspec.field(default_factory=dict)


class PluginList(msgspec.Struct):
    items: list[PluginStateOut]


def plugin_service(ctx: TenantContext, host: PluginHost) -> PluginService:
    return PluginService(ctx, host)


def _config_handlers(name: str) -> list[Any]:
    """The config routes again, at the root of a plugin's own router.

    Litestar's router does not backtrack: once `/api/v1/plugins/gym/...` routes exist,
    `PUT /api/v1/plugins/gym` no longer reaches the `{name}` route. These copies (hidden
    from the schema, which documents the `{name}` form) answer there instead, and are
    reachable while the plugin is disabled (`"plugin": None`), or it could not be enabled.
    """
    opt = {"min_role": Role.admin, "plugin": None}

    @put("/", opt=opt, include_in_schema=False)
    async def enable(service: PluginService, data: PluginConfigIn) -> PluginStateOut:
        return await service.enable(name, data.config)

    @delete("/", opt=opt, include_in_schema=False)
    async def disable(service: PluginService) -> None:
        await service.disable(name)

    @get("/changes", opt=opt, include_in_schema=False)
    async def changes(service: PluginService) -> list[PluginConfigChangeOut]:
        return await service.history(name)

    return [enable, disable, changes]


def _plugin_ctx(descriptor: PluginDescriptor[Any], host: PluginHost) -> Any:
    """The `plugin_ctx` dependency of a plugin's routes: the caller bound to the plugin."""

    def provide(ctx: TenantContext) -> PluginContext[Any]:
        return PluginContext.bind(ctx, descriptor, host)

    return provide


def plugin_routers(host: PluginHost) -> list[Router]:
    """Each plugin's routes, mounted once under /api/v1/plugins/<name>/; `opt["plugin"]`
    makes the app's access guard answer 404 (before any role check) to tenants that have
    not enabled it."""
    return [
        Router(
            f"/api/v1/plugins/{d.name}",
            route_handlers=[*d.routes, *_config_handlers(d.name), *schedule_handlers(d.name)],
            opt={"plugin": d.name},
            dependencies={
                "service": Provide(plugin_service, sync_to_thread=False),
                "plugin_ctx": Provide(_plugin_ctx(d, host), sync_to_thread=False),
            },
            tags=[f"plugin: {d.name}"],
        )
        for d in host.descriptors.values()
        if d.routes
    ]


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
