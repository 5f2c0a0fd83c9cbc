"""Enabling, configuring and disabling plugins for a tenant, with a record of each change."""

from __future__ import annotations

import builtins
from typing import Any

import msgspec

from core import db, events
from core.auth import credentials_changed
from core.catalogue import PluginDisabled, PluginEnabled, PluginReconfigured
from core.errors import NotFound
from core.plugins.descriptor import PluginDescriptor
from core.plugins.host import PluginHost
from core.plugins.state import (
    PluginConfigChange,
    PluginConfigChangeRepository,
    TenantPluginRepository,
)
from core.tenancy.context import TenantContext
from core.tenancy.repository import utcnow
from core.tenancy.tables import Tenant


class PluginStateOut(msgspec.Struct, kw_only=True):
    name: str
    version: str
    title: str
    description: str
    enabled: bool
    config: dict[str, Any]
    config_schema: dict[str, Any]


class PluginConfigChangeOut(msgspec.Struct, kw_only=True):
    plugin: str
    action: str
    old_config: dict[str, Any] | None
    new_config: dict[str, Any] | None
    changed_by: Any
    changed_at: Any


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


class PluginService:
    def __init__(self, ctx: TenantContext, host: PluginHost) -> None:
        self.ctx = ctx
        self.host = host
        self.states = TenantPluginRepository(ctx.tenant_id)
        self.changes = PluginConfigChangeRepository(ctx.tenant_id)

    def _descriptor(self, name: str) -> PluginDescriptor:
        descriptor = self.host.descriptors.get(name)
        if descriptor is None:
            raise NotFound(f"No plugin called {name!r} is installed.")
        return descriptor

    async def list(self) -> list[PluginStateOut]:
        async with db.tenant_transaction(self.ctx.tenant_id):
            rows = {row["plugin"]: row for row in await self.states.select()}
        return [self._state(d, rows.get(d.name)) for d in self.host.descriptors.values()]

    async def enable(self, name: str, raw_config: dict[str, Any]) -> PluginStateOut:
        """Enable with a validated config (missing keys take defaults), or reconfigure."""
        descriptor = self._descriptor(name)
        config = msgspec.to_builtins(descriptor.parse_config(raw_config))
        async with db.tenant_transaction(self.ctx.tenant_id, write=True):
            row = await self.states.of(name)
            old = row["config"] if row else None
            was_enabled = bool(row and row["enabled"])
            if was_enabled and old == config:
                return self._state(descriptor, row)
            values = {
                "enabled": True,
                "config": _json(config),
                "updated_at": utcnow(),
                "updated_by": self.ctx.user_id,
            }
            if row is None:
                row = await self.states.insert(plugin=name, **values)
            else:
                row = await self.states.update(row["id"], values)
            action = "reconfigured" if was_enabled else "enabled"
            await self._record(name, action, old if was_enabled else None, config)
            await events.emit(
                self.ctx,
                PluginReconfigured(plugin=name, old=old)
                if was_enabled
                else PluginEnabled(plugin=name),
            )
        return self._state(descriptor, row)

    async def disable(self, name: str) -> None:
        """Disable; the plugin's data and config are kept for when it comes back."""
        self._descriptor(name)
        async with db.tenant_transaction(self.ctx.tenant_id, write=True):
            row = await self.states.of(name)
            if row is None or not row["enabled"]:
                return
            await self.states.update(
                row["id"],
                {"enabled": False, "updated_at": utcnow(), "updated_by": self.ctx.user_id},
            )
            await self._record(name, "disabled", row["config"], None)
            await events.emit(self.ctx, PluginDisabled(plugin=name))

    async def history(self, name: str) -> builtins.list[PluginConfigChangeOut]:
        self._descriptor(name)
        async with db.tenant_transaction(self.ctx.tenant_id):
            rows = (
                await self.changes.select()
                .where(PluginConfigChange.plugin == name)
                .order_by(PluginConfigChange.id)
            )
        return [
            PluginConfigChangeOut(
                plugin=row["plugin"],
                action=row["action"],
                old_config=row["old_config"],
                new_config=row["new_config"],
                changed_by=row["changed_by"],
                changed_at=row["changed_at"],
            )
            for row in rows
        ]

    async def _record(self, name: str, action: str, old: Any, new: Any) -> None:
        await self.changes.insert(
            plugin=name,
            action=action,
            old_config=None if old is None else _json(old),
            new_config=None if new is None else _json(new),
            changed_by=self.ctx.user_id,
            changed_at=utcnow(),
        )
        # Every process sees the new revision on its next request and reloads.
        await Tenant.update({Tenant.plugins_revision: Tenant.plugins_revision + 1}).where(
            Tenant.id == self.ctx.tenant_id
        )
        credentials_changed(self.ctx.tenant_id)

    def _state(self, descriptor: PluginDescriptor, row: dict | None) -> PluginStateOut:
        stored = row["config"] if row else None
        config = msgspec.to_builtins(
            msgspec.convert(stored, descriptor.config)
            if stored is not None
            else descriptor.default_config()
        )
        return PluginStateOut(
            name=descriptor.name,
            version=descriptor.version,
            title=descriptor.title,
            description=descriptor.description,
            enabled=bool(row and row["enabled"]),
            config=config,
            config_schema=descriptor.config_schema(),
        )
