"""What a plugin's code receives: the caller's tenant context bound to the plugin.

Hooks, jobs, schedule jobs, subscription handlers and (through the `plugin_ctx`
dependency) routes get a `PluginContext`, so no plugin module needs the descriptor object
and nothing imports `plugin.py` back. It reads like a `TenantContext` (`tenant_id`,
`user_id`, `role`, … delegate to `.tenant`), so code written for one accepts the other.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Generic, NoReturn, TypeVar

from core.tenancy.context import Role, TenantContext, TenantStatus

if TYPE_CHECKING:
    from core.plugins.descriptor import PluginDescriptor

ConfigT = TypeVar("ConfigT")


class PluginContext(Generic[ConfigT]):
    """The caller's tenant (`tenant`), the plugin (`plugin`, its descriptor) and the
    tenant's validated config of it (`config`, typed by the annotation
    `sdk.PluginContext[MyConfig]`). Immutable.

    A plain class, not a dataclass or Struct: Litestar hands it to routes as a dependency,
    and msgspec passes instances of such a class through instead of rebuilding them.

    `host` is the plugin host that bound it (None for a context built by hand): the core
    asks it on the plugin's behalf (`CoreFacts.matching`), plugins never use it directly.
    """

    __slots__ = ("config", "host", "plugin", "tenant")

    tenant: TenantContext
    plugin: PluginDescriptor[Any]
    config: ConfigT
    host: Any

    def __init__(
        self,
        tenant: TenantContext,
        plugin: PluginDescriptor[Any],
        config: ConfigT,
        host: Any = None,
    ) -> None:
        object.__setattr__(self, "tenant", tenant)
        object.__setattr__(self, "plugin", plugin)
        object.__setattr__(self, "config", config)
        object.__setattr__(self, "host", host)

    def __setattr__(self, name: str, value: Any) -> NoReturn:
        raise AttributeError(f"PluginContext is immutable (cannot set {name!r})")

    def __repr__(self) -> str:
        return f"PluginContext(tenant={self.tenant.tenant_id}, plugin={self.plugin.name!r})"

    @classmethod
    def bind(
        cls,
        ctx: TenantContext | PluginContext[Any],
        plugin: PluginDescriptor[Any],
        host: Any = None,
    ) -> Any:
        """`ctx` bound to `plugin`: its config for the tenant, or the default one when the
        tenant has not enabled it (the `plugin.disabled` event)."""
        tenant = ctx.tenant if isinstance(ctx, PluginContext) else ctx
        config = tenant.plugins.get(plugin.name)
        if host is None and isinstance(ctx, PluginContext):
            host = ctx.host
        return cls(tenant, plugin, config if config is not None else plugin.default_config(), host)

    # TenantContext's fields, so code taking either works with both.
    @property
    def tenant_id(self) -> uuid.UUID:
        return self.tenant.tenant_id

    @property
    def user_id(self) -> uuid.UUID:
        return self.tenant.user_id

    @property
    def role(self) -> Role:
        return self.tenant.role

    @property
    def status(self) -> TenantStatus:
        return self.tenant.status

    @property
    def timezone(self) -> str:
        return self.tenant.timezone

    @property
    def currency(self) -> str:
        return self.tenant.currency

    @property
    def country(self) -> str:
        return self.tenant.country

    @property
    def plugins(self) -> dict[str, Any]:
        return self.tenant.plugins

    @property
    def plugins_revision(self) -> int:
        return self.tenant.plugins_revision

    def at_least(self, role: Role) -> bool:
        return self.tenant.at_least(role)


def tenant_of(ctx: TenantContext | PluginContext[Any]) -> TenantContext:
    """The plain tenant context (what the core's services take)."""
    return ctx.tenant if isinstance(ctx, PluginContext) else ctx
