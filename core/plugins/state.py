"""Which plugins each tenant enabled, with what config, and the record of every change.

Configs are cached per (tenant, revision): a change bumps the tenant's revision, so every
API and job process picks it up on its next request without loading config per request.
"""

from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from typing import Any

import msgspec
from piccolo.columns import JSON, UUID, Boolean, Timestamptz, Varchar

from core import db
from core.plugins.descriptor import PluginDescriptor
from core.tenancy.repository import TenantRepository
from core.tenancy.tables import TenantTable

# Above the tenant count: the scheduler walks every tenant in order, and an LRU smaller than
# that walk misses on every access (10,000 entries for 10,011 tenants did, in the benchmark).
CACHE_SIZE = 100_000
log = logging.getLogger("patron.plugins")


class TenantPlugin(TenantTable, tablename="tenant_plugins"):
    plugin = Varchar(length=32)
    enabled = Boolean(default=False)
    config = JSON(default="{}")
    updated_at = Timestamptz()
    updated_by = UUID(null=True, default=None)


class PluginConfigChange(TenantTable, tablename="plugin_config_changes"):
    """Who changed which plugin's state or config, when, from what to what."""

    plugin = Varchar(length=32)
    action = Varchar(length=20)  # enabled | reconfigured | disabled
    old_config = JSON(null=True, default=None)
    new_config = JSON(null=True, default=None)
    changed_by = UUID(null=True, default=None)
    changed_at = Timestamptz()


class TenantPluginRepository(TenantRepository[TenantPlugin]):
    table = TenantPlugin

    async def of(self, plugin: str) -> dict | None:
        return await self.select().where(TenantPlugin.plugin == plugin).first()

    async def enabled(self) -> list[dict]:
        return await self.select().where(TenantPlugin.enabled.eq(True))


class PluginConfigChangeRepository(TenantRepository[PluginConfigChange]):
    table = PluginConfigChange


class EnabledPlugins:
    """Loads a tenant's enabled plugins and parsed configs, cached per revision."""

    def __init__(self, descriptors: dict[str, PluginDescriptor]) -> None:
        self.descriptors = descriptors
        self._cache: OrderedDict[tuple[uuid.UUID, int], dict[str, Any]] = OrderedDict()

    async def configs(self, tenant_id: uuid.UUID, revision: int) -> dict[str, Any]:
        key = (tenant_id, revision)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        async with db.tenant_transaction(tenant_id):
            rows = await TenantPluginRepository(tenant_id).enabled()
        configs = {}
        for row in rows:
            descriptor = self.descriptors.get(row["plugin"])
            if descriptor is None:  # enabled once, not installed (or allowed) here now
                continue
            # Stored configs were validated on the way in; defaults fill keys added since.
            try:
                configs[row["plugin"]] = msgspec.convert(row["config"], descriptor.config)
            except msgspec.ValidationError as exc:
                log.error(
                    "tenant %s: stored config of %s no longer valid, plugin skipped: %s",
                    tenant_id,
                    row["plugin"],
                    exc,
                )
        self._cache[key] = configs
        if len(self._cache) > CACHE_SIZE:
            self._cache.popitem(last=False)
        return configs
