"""`Ctx`: what the membership plugin's code receives, the caller bound to the plugin (its
config as `ctx.config`, its descriptor as `ctx.plugin`)."""

from __future__ import annotations

from core import sdk
from plugins.membership.config import MembershipConfig

Ctx = sdk.PluginContext[MembershipConfig]
