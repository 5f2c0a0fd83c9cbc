"""The plugin's own descriptor, looked up when called: `plugin.py` imports the modules
that enqueue jobs or create tasks, so they must not import it back at import time."""

from __future__ import annotations

from core import sdk
from plugins.care.config import CareConfig


def care() -> sdk.PluginDescriptor:
    from plugins.care.plugin import CARE

    return CARE


def config_of(ctx: sdk.TenantContext) -> CareConfig:
    return care().config_of(ctx)
