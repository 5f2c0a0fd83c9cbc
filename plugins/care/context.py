"""`Ctx`: what the care plugin's code receives, the caller bound to the plugin (its config
as `ctx.config`, its descriptor as `ctx.plugin`)."""

from __future__ import annotations

from core import sdk
from plugins.care.config import CareConfig

Ctx = sdk.PluginContext[CareConfig]
