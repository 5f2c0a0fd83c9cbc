"""The membership plugin's descriptor: what the plugin host loads (entry point
`membership = "plugins.membership.plugin:MEMBERSHIP"`)."""

from __future__ import annotations

from core import sdk
from plugins.membership import hooks, routes
from plugins.membership.config import MembershipConfig
from plugins.membership.tables import TABLES

MEMBERSHIP = sdk.PluginDescriptor(
    name="membership",
    title="Membership",
    version="1.0.0",
    core_api=">=1.0,<2",
    description=(
        "Membership levels (ordinary / silver / gold / platinum) from spend, purchases and "
        "referrals over a window, with benefits, downgrade grace, pins and referral rewards."
    ),
    config=MembershipConfig,
    hooks=hooks,
    tables=TABLES,
    piccolo_app="plugins.membership.piccolo_app",
    routes=routes.ROUTES,
    schedules=[sdk.Schedule("levels", "daily 02:00", hooks.daily_reevaluation)],
)
